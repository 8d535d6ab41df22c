"""Shared by the website tests: pages under AppTest pointed at a built knowledge base, the hostile database,
the paper catalogue, and Debian's Chromium driven by Playwright (each browser test module starts its own
Streamlit server as its ``site``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_paths import ARTIFACTS
from website_support import CHROMIUM, Watch, build_hostile_db, launch_chromium, new_context

from explorer.db import open_session
from explorer.paper_catalog import load_paper_catalog


@pytest.fixture
def fixture_site(fixture_db, monkeypatch):
    """Pages under AppTest read the fixture data's knowledge base."""
    monkeypatch.setenv("ATLAS_DB", str(fixture_db))
    return fixture_db


@pytest.fixture
def contribute_site(fixture_db, data_dir, monkeypatch):
    """The Contribute page under AppTest, checking against a private copy of the fixture data (returned)."""
    monkeypatch.setenv("ATLAS_DB", str(fixture_db))
    monkeypatch.setenv("ATLAS_DATA", str(data_dir))
    return data_dir


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """The fixture papers plus the hostile ones, with what ingest refuses written in afterwards."""
    return build_hostile_db(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def catalog(fixture_db):
    """The fixture data's paper catalogue."""
    with open_session(fixture_db) as session:
        return load_paper_catalog(session)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `make browser` (make test does it)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page whose console errors and dialogs fail the test (``page.watch`` holds them)."""
    context = new_context(browser, accept_downloads=True)
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    page.watch = watch
    yield page
    context.close()
    assert watch.dialogs == [], "a dialog opened: some data ran as script"
    assert watch.errors == [], "the browser console has errors"
