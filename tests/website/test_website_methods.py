"""The Methods page under AppTest: the catalogue, the ?method= deep link (with and without a cached
figure), an unknown or hostile id, the link from a paper page, and one real demo run from the button.
Every test gets its own empty figure cache (ATLAS_METHOD_CACHE), so nothing depends on earlier runs."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image
from website_support import app_test, combined_data, ok, texts

from explorer import urls
from explorer.methods_view import method_cards
from ingest import build
from methods.catalog import load_catalog
from methods.demo_runs import cache_dir, cached_run

RAW_TAG = re.compile(r"(?<!\\)<")  # a "<" that Markdown would read as the start of a tag


@pytest.fixture(autouse=True)
def figure_cache(tmp_path, monkeypatch):
    """Every test here keeps demo figures in its own folder, never in the project's cache."""
    monkeypatch.setenv("ATLAS_METHOD_CACHE", str(tmp_path / "figures"))
    return tmp_path / "figures"


@pytest.fixture
def bundled_site(bundled_db, figure_cache, monkeypatch):
    monkeypatch.setenv("ATLAS_DB", str(bundled_db))
    return bundled_db


def page_links(at) -> dict[str, str]:
    """label -> "page?query" of every page link."""
    return {link.proto.label: f"{link.proto.page}?{link.proto.query_string}" for link in at.get("page_link")}


def test_method_links_are_built_in_urls():
    assert urls.methods().href == "./methods" and urls.methods().file == "app_pages/methods.py"
    assert urls.methods("logit-lens").href == "./methods?method=logit-lens"


def test_the_catalogue_links_every_method(fixture_site):
    at = ok(app_test("methods"))
    assert at.title[0].value == "Methods"
    ids = [e.id for e in load_catalog()]
    targets = [target for target in page_links(at).values() if target.startswith("methods?method=")]
    assert targets == [f"methods?method={i}" for i in ids]
    assert at.subheader[0].value == f"{len(ids)} methods"
    assert "used by 2 papers of the atlas" in texts(at)  # logit lens, in the fixture data
    assert not at.main.button  # no demo runs from the catalogue


def test_deep_link_shows_the_method_without_a_figure_yet(fixture_site):
    at = ok(app_test("methods", {"method": "logit-lens"}))
    assert at.header[0].value == "Logit lens"
    assert at.selectbox[0].value == "logit-lens"
    body = texts(at)
    assert "Decodes the residual stream after every layer" in body  # the description
    assert "[TransformerLens](https://github.com/TransformerLensOrg/TransformerLens)" in body  # library links
    assert "`methods.lens.logit_lens`" in body  # our implementation
    assert "not in the atlas yet" not in body  # the canonical paper is a fixture paper
    assert "atlas methods run logit-lens" in body
    links = page_links(at)
    assert links["All methods"] == "methods?"
    assert links["Model › Token › Visual Token"] == "taxonomy?node=model%2Ftoken%2Fvisual-token"
    used_by = sorted(set(target for target in links.values() if target.startswith("paper?")))
    assert used_by == ["paper?key=neo2024interpreting", "paper?key=nostalgebraist2020interpreting"]
    assert [b.label for b in at.main.button] == ["Run the demo"] and not at.get("image")


def test_canonical_paper_in_the_atlas_links_to_its_page(bundled_site):
    at = ok(app_test("methods", {"method": "integrated-gradients"}))
    assert page_links(at)["**Axiomatic Attribution for Deep Networks**"] == "paper?key=sundararajan2017axiomatic"
    assert "not in the atlas yet" not in texts(at)


def test_a_cached_figure_is_shown_without_running_anything(fixture_site):
    folder = cache_dir()
    folder.mkdir(parents=True)
    Image.new("RGB", (8, 8), "red").save(folder / "grad-cam.png")
    (folder / "grad-cam.json").write_text(
        json.dumps({"id": "grad-cam", "seconds": 1.5, "torch_version": "2.13.0", "results": {"mass_inside": 0.9}}),
        encoding="utf-8",
    )
    at = ok(app_test("methods", {"method": "grad-cam"}))
    assert len(at.get("image")) == 1 and not at.main.button
    assert "Made in 1.5 s with torch 2\\.13\\.0." in texts(at)
    assert json.loads(at.json[0].proto.body) == {"mass_inside": 0.9}


def test_a_figure_of_earlier_code_is_shown_with_an_offer_to_run_it_again(fixture_site, figure_cache):
    older = figure_cache / "0123456789ab"  # another code version's folder
    older.mkdir(parents=True)
    Image.new("RGB", (8, 8), "blue").save(older / "grad-cam.png")
    (older / "grad-cam.json").write_text(
        json.dumps({"id": "grad-cam", "seconds": 2.0, "torch_version": "2.13.0", "results": {}}), encoding="utf-8"
    )
    at = ok(app_test("methods", {"method": "grad-cam"}))
    assert len(at.get("image")) == 1
    assert [b.label for b in at.main.button] == ["Run it again with the current code"]
    assert "The code changed since the figure below was made" in texts(at)
    assert "by an earlier version of the code." in texts(at)


def test_choosing_a_method_opens_it(fixture_site):
    at = ok(app_test("methods"))
    at.selectbox[0].set_value("tcav").run()
    ok(at)
    assert at.query_params["method"] == "tcav" and at.header[0].value == "TCAV \\(concept activation vectors\\)"


@pytest.mark.parametrize("wanted", ["nope", "<script>alert('xss-method')</script>", "../../etc/passwd"])
def test_unknown_id_names_the_known_ones_and_shows_the_catalogue(fixture_site, wanted):
    at = ok(app_test("methods", {"method": wanted}))
    error = at.error[0].value
    assert error.startswith("unknown method") and "known methods\\: integrated\\-gradients\\, " in error
    assert not RAW_TAG.search(error)
    assert at.subheader[0].value == f"{len(load_catalog())} methods"


def test_paper_page_links_each_method_it_uses(fixture_site):
    at = ok(app_test("paper", {"key": "leng2024mitigating"}))
    assert page_links(at)["Visual contrastive decoding — run it"] == "methods?method=visual-contrastive-decoding"


def test_hostile_titles_of_papers_using_a_method_are_escaped(tmp_path, figure_cache, monkeypatch):
    data = combined_data(tmp_path / "data")
    annotation = data / "hostile" / "evil2024script.yaml"
    annotation.write_text(
        annotation.read_text(encoding="utf-8").replace("methods: []", "methods: [logit-lens]"), encoding="utf-8"
    )
    db_path = tmp_path / "atlas.db"
    build(data, db_path, strict=True)
    monkeypatch.setenv("ATLAS_DB", str(db_path))
    at = ok(app_test("methods", {"method": "logit-lens"}))
    labels = [link.proto.label for link in at.get("page_link")]
    assert any(label.startswith("\\<script\\>window") for label in labels)  # the paper is listed, escaped
    for label in labels:
        assert not RAW_TAG.search(label), label
    for element in [*at.title, *at.header, *at.subheader, *at.markdown, *at.caption, *at.error]:
        assert not RAW_TAG.search(element.value), element.value


def test_the_button_runs_the_demo_once_and_caches_it(fixture_site):
    """The one real run (torch) in these tests: the fastest demo, attention rollout on the toy ViT."""
    at = ok(app_test("methods", {"method": "attention-rollout"}))
    at.main.button[0].click().run(timeout=300)
    ok(at)
    assert len(at.get("image")) == 1 and not at.error
    assert not at.main.button  # the offer to run leaves with the run, in the same visit
    assert not at.get("progress")  # the progress bar is gone once the figure is there
    run = cached_run("attention-rollout")
    assert run is not None and run.png.read_bytes()[:4] == b"\x89PNG" and run.numbers["id"] == "attention-rollout"
    # the next visitor sees the figure straight away
    at = ok(app_test("methods", {"method": "attention-rollout"}))
    assert len(at.get("image")) == 1 and not at.main.button


def test_cards_without_a_database_leave_the_atlas_fields_empty():
    card = method_cards()[0]
    assert card.paper_in_atlas is None and card.used_by is None
    assert card.as_dict()["libraries"][0]["url"].startswith("https://")
