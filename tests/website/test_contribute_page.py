"""The website's Contribute page under AppTest: paste BibTeX, get both files, live checks, PR steps."""

from __future__ import annotations

import tomllib

from contribute_support import recorded
from website_support import app_test, ok

import ingest.arxiv as arxiv
from ingest.project import PYPROJECT, repository_url

ENTRY = (
    "@article{whatever2018,\n  title={Object hallucination in image captioning},\n"
    "  author={Rohrbach, Anna and Hendricks, Lisa Anne and Burns, Kaylee and Darrell, Trevor and Saenko, Kate},\n"
    "  journal={arXiv preprint arXiv:1809.02156},\n  year={2018}\n}\n"
)
COMPLETED = {
    "- id: TODO  # a leaf id from the list above": "- id: data/benchmark",
    "why: TODO  # one sentence: what in the paper puts it in this leaf": (
        "why: Defines a metric that checks caption objects."
    ),
    "models: [TODO]": "models: []",
    "technique: [TODO]": "technique: [hallucination-benchmark]",
    "granularity: TODO": "granularity: dataset",
    "summary: TODO": "summary: A caption metric shows how often models mention objects that are not there.",
}


def bib_box(at):
    return next(t for t in at.text_area if t.label == "BibTeX entry")


def test_empty_page_explains_what_to_do(contribute_site):
    at = ok(app_test("contribute"))
    assert at.title[0].value == "Contribute a paper"
    assert "Paste the entry from the paper's arXiv page" in at.info[0].value


def test_paste_an_entry_get_both_files_checks_and_steps(contribute_site):
    at = ok(app_test("contribute"))
    bib_box(at).input(ENTRY).run()
    ok(at)
    assert "rohrbach2018object" in at.subheader[0].value
    [bib] = [c.value for c in at.code if c.value.startswith("@misc{rohrbach2018object,")]
    assert "  eprint        = {1809.02156},\n" in bib
    [annotation] = [c for c in at.code if c.language == "yaml" and c.value.startswith("# yaml-language-server")]
    assert annotation.value.startswith("# yaml-language-server: $schema=../../ingest/annotation.schema.json\n")
    assert "modalities: [image]  # named in the title or abstract: check them" in annotation.value  # "image captioning"
    assert "6 problems to fix before the pull request" in at.error[0].value
    [report] = [c.value for c in at.code if "still the placeholder TODO" in c.value]
    assert report.splitlines()[0].startswith(
        "data/papers/rohrbach2018object.yaml:23: categories/0/id: still the placeholder"
    )
    steps = "\n".join(c.value for c in at.code)
    assert "git checkout -b add-rohrbach2018object" in steps
    assert "git add data/papers/rohrbach2018object.bib data/papers/rohrbach2018object.yaml" in steps
    assert ".venv/bin/atlas validate --strict" in steps
    assert [b.label for b in at.get("download_button")] == ["Download the .bib file", "Download the .yaml file"]
    assert len(at.get("link_button")) == 2  # the one-click "create on GitHub" buttons

    # completing the annotation by hand (the expert path) turns the check green, live
    at.toggle[0].set_value(True).run()
    annotation = next(t for t in at.text_area if t.label == "Annotation")
    text = annotation.value
    for old, new in COMPLETED.items():
        text = text.replace(old, new)
    annotation.input(text).run()
    ok(at)
    assert not at.error
    assert at.success[0].value == "Both files pass `atlas validate --strict` against the atlas's data."
    assert not list((contribute_site / "papers").glob("rohrbach*"))  # the page never writes into the data folder


def test_a_paper_already_in_the_atlas_is_named(contribute_site):
    at = ok(app_test("contribute"))
    bib_box(at).input(
        "@misc{x, title={Another}, author={Doe, Jane}, year={2024}, eprint={2410.07149}, archivePrefix={arXiv}}"
    ).run()
    ok(at)
    assert "already in the atlas as 'neo2024interpreting'" in at.error[0].value.replace("\\", "")
    assert not at.get("download_button")


def test_broken_bibtex_shows_where(contribute_site):
    at = ok(app_test("contribute"))
    bib_box(at).input("@misc{x,\n  title = {Unclosed,\n  year = 2024\n").run()
    ok(at)
    assert at.error[0].value.replace("\\", "").startswith("your entry:1: BibTeX syntax error")


def test_fetch_from_arxiv_fills_the_entry(contribute_site, monkeypatch):
    monkeypatch.setattr(arxiv, "urllib_fetcher", recorded("1809.02156.xml"))
    at = ok(app_test("contribute"))
    at.text_input[0].input("1809.02156").run()
    at.button[0].click().run()
    ok(at)
    assert bib_box(at).value.startswith("@misc{arxiv,\n  title         = {Object Hallucination in Image Captioning},")
    assert "rohrbach2018object" in at.subheader[0].value


def test_fetch_timeout_is_an_error_not_a_crash(contribute_site, monkeypatch):
    def slow(url, timeout):
        raise TimeoutError("timed out")

    monkeypatch.setattr(arxiv, "urllib_fetcher", slow)
    at = ok(app_test("contribute"))
    at.text_input[0].input("1809.02156").run()
    at.button[0].click().run()
    ok(at)
    assert "arXiv did not answer within 15 s for 1809.02156" in at.error[0].value.replace("\\", "")


def test_every_link_and_instruction_uses_the_repository_named_in_pyproject(contribute_site):
    repo = repository_url()
    assert repo and repo == tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["urls"]["Repository"]
    at = ok(app_test("contribute"))
    assert f"[CONTRIBUTING\\.md]({repo}/blob/main/CONTRIBUTING.md)" in at.markdown[0].value  # linked, not only named
    bib_box(at).input(ENTRY).run()
    ok(at)
    links = [b.proto.url for b in at.get("link_button")]
    labels = [b.proto.label for b in at.get("link_button")]
    assert labels == ["Create the .bib file on GitHub", "Create the .yaml file on GitHub"]
    assert links[0].startswith(f"{repo}/new/main?filename=data/papers/rohrbach2018object.bib&value=%40misc%7B")
    commands = "\n".join(c.value for c in at.code)
    owner_name = repo.removeprefix("https://github.com/")
    assert f"gh repo fork {owner_name} --clone" in commands
    assert "<you>" not in commands and "<repository>" not in commands
