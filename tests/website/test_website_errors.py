"""The website turns every AtlasError into one escaped message (common.user_errors, around every page
in app.py) and never shows a traceback a visitor can cause. Here: ATLAS_DB pointing at a file or folder
that is not an atlas knowledge base, and URL parameters naming nothing in it; under AppTest."""

from __future__ import annotations

import sqlite3

import pytest
from website_support import app_test, shown

from explorer.db import open_session
from ingest.errors import NotAKnowledgeBase

DB_PAGES = ["overview", "taxonomy", "paper", "compare", "graphs", "related", "methods"]  # read the knowledge base


def not_sqlite(path):
    path.write_text("title,year\nA paper,2024\n", encoding="utf-8")


def empty(path):
    path.write_bytes(b"")


def folder(path):
    path.mkdir()


def other_sqlite(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.close()


BAD_DATABASES = [not_sqlite, empty, folder, other_sqlite]


def expected_message(path) -> str:
    with pytest.raises(NotAKnowledgeBase) as caught:
        with open_session(path):
            pass
    return str(caught.value)


@pytest.fixture(params=BAD_DATABASES, ids=lambda make: make.__name__)
def bad_db(request, tmp_path, monkeypatch):
    path = tmp_path / "atlas.db"
    request.param(path)
    monkeypatch.setenv("ATLAS_DB", str(path))
    return path


@pytest.mark.parametrize("page", DB_PAGES)
def test_every_page_says_the_file_is_not_a_knowledge_base(bad_db, page):
    at = app_test(None if page == "overview" else page)
    assert not at.exception, [e.value for e in at.exception]
    assert [shown(e.value) for e in at.error] == [expected_message(bad_db)]
    assert str(bad_db) in shown(at.error[0].value)
    assert not at.warning and not at.metric  # the page stopped at the message


def test_the_contribute_page_does_not_need_the_knowledge_base(bad_db):
    at = app_test("contribute")
    assert not at.exception and not at.error
    assert at.title[0].value == "Contribute a paper"


@pytest.mark.parametrize(
    "page, params, words",
    [
        ("taxonomy", {"node": "model/nope"}, "unknown taxonomy node 'model/nope'"),
        (
            "related",
            {"from": "paper", "paper": "nobody2099nothing"},
            "no paper with key, DOI or arXiv id 'nobody2099nothing'",
        ),
    ],
)
def test_a_url_naming_nothing_gives_one_message(fixture_site, page, params, words):
    at = app_test(page, params)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and words in shown(at.error[0].value)
