"""The Contribute page's pickers under AppTest: leaves, models, techniques and modalities picked from the
taxonomy and the vocabulary (names shown, ids written), what the title names pre-picked, the annotation
written from the picks and checked by the real validator, and the form that proposes a missing term."""

from __future__ import annotations

import re

from contribute_support import repo_with_vocabulary
from website_support import app_test, ok, shown

from ingest.change_summary import summarise, to_markdown

ENTRY = (
    "@article{whatever2018,\n  title={Object hallucination in image captioning with LLaVA-1.5},\n"
    "  author={Rohrbach, Anna and Hendricks, Lisa Anne},\n  journal={arXiv preprint arXiv:1809.02156},\n"
    "  year={2018}\n}\n"
)
KEY = "rohrbach2018object"
WHY = "It defines a metric that checks the objects a caption names against the image."
SUMMARY = "A caption metric shows how often captioning models mention objects that are not in the image."


def pasted():
    at = ok(app_test("contribute"))
    next(t for t in at.text_area if t.label == "BibTeX entry").input(ENTRY).run()
    return ok(at)


def picker(at, label: str):
    return next(m for m in at.multiselect if m.label.startswith(label))


def annotation(at) -> str:
    [code] = [c.value for c in at.code if c.language == "yaml" and c.value.startswith("# yaml-language-server")]
    return code


def report(at) -> str:
    return "\n".join(c.value for c in at.code if f"data/papers/{KEY}.yaml:" in c.value)


def test_pickers_show_names_store_ids_and_start_from_what_the_title_names(contribute_site):
    at = pasted()
    assert picker(at, "Models").value == ["llava-1.5"]  # "LLaVA-1.5" in the title, by the pre-fill rule
    assert picker(at, "Modalities").value == ["image"]  # "image captioning"
    assert picker(at, "Techniques").value == []
    models = picker(at, "Models").options
    # grouped by family: the family (pickable when a paper names only the family), then its models
    assert models[:3] == [
        "LLaVA family (any of its models, when the paper names only the family)",
        "LLaVA · LLaVA family",
        "LLaVA-1.5 · LLaVA family",
    ]
    assert "Integrated gradients · under Gradient-based attribution" in picker(at, "Techniques").options
    assert picker(at, "Taxonomy leaves").options[3] == "Model › Token › Visual Token"
    text = annotation(at)
    assert "models: [llava-1.5]  # named in the title or abstract: check them" in text
    assert "modalities: [image]  # named in the title or abstract: check them" in text
    assert "technique: [TODO]" in text


def test_picking_everything_writes_an_annotation_that_passes_the_validator(contribute_site):
    at = pasted()
    picker(at, "Taxonomy leaves").set_value(["data/benchmark"]).run()
    next(t for t in at.text_input if t.label == "Why does it belong in Data › Benchmark?").input(WHY).run()
    picker(at, "Models").set_value(["llava-family", "blip-2"]).run()
    picker(at, "Techniques").set_value(["hallucination-benchmark"]).run()
    next(s for s in at.selectbox if s.label == "Granularity").set_value("dataset").run()
    next(t for t in at.text_area if t.label == "Summary").input(SUMMARY).run()
    ok(at)
    text = annotation(at)
    assert "categories:  # one or more leaves, each with why the paper belongs there (your own words)\n" in text
    assert f"  - id: data/benchmark\n    why: {WHY}\n" in text
    assert "models: [llava-family, blip-2]  # ids from taxonomy/vocabulary/models.yaml" in text
    assert "technique: [hallucination-benchmark]" in text
    assert "granularity: dataset\n" in text and f"summary: {SUMMARY}\n" in text
    assert "TODO" not in text.split("key:")[1]
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Both files pass `atlas validate --strict` against the atlas's data."
    download = [b for b in at.get("download_button") if b.proto.label == "Download the .yaml file"]
    assert download  # the same text is offered for download and for GitHub's new-file page
    github = [b.proto.url for b in at.get("link_button") if b.proto.label == "Create the .yaml file on GitHub"]
    assert "why%3A%20It%20defines%20a%20metric" in github[0]
    assert not list((contribute_site / "papers").glob("rohrbach*"))  # the page never writes into the data folder


def test_the_validator_s_messages_are_shown_for_what_is_still_missing(contribute_site):
    at = pasted()
    picker(at, "Taxonomy leaves").set_value(["data/benchmark", "data/application"]).run()
    next(t for t in at.text_input if t.label.endswith("Data › Benchmark?")).input(WHY).run()
    next(t for t in at.text_input if t.label.endswith("Data › Application?")).input(WHY).run()
    next(t for t in at.text_area if t.label == "Summary").input("Too short.").run()
    ok(at)
    assert re.search(r"\d+ problems? to fix before the pull request", at.error[0].value)
    lines = report(at).splitlines()
    assert any(
        "categories/1/why: the why for 'data/application' repeats the one for 'data/benchmark'" in x for x in lines
    )
    assert any("summary" in x and "too short" in x for x in lines), lines
    assert any("technique/0: still the placeholder TODO" in x for x in lines), lines


def test_no_model_in_particular_writes_an_empty_list(contribute_site):
    at = pasted()
    picker(at, "Models").set_value([]).run()
    assert "models: [TODO]" in annotation(at)  # not decided yet
    next(c for c in at.checkbox if c.label == "No model in particular").check().run()
    assert "models: []  # ids from taxonomy/vocabulary/models.yaml" in annotation(at)


def test_editing_by_hand_starts_from_the_picks_and_keeps_them(contribute_site):
    at = pasted()
    picker(at, "Techniques").set_value(["logit-lens"]).run()
    at.toggle[0].set_value(True).run()
    ok(at)
    box = next(t for t in at.text_area if t.label == "Annotation")
    assert "technique: [logit-lens]" in box.value
    assert picker(at, "Techniques").disabled and picker(at, "Techniques").value == ["logit-lens"]
    box.input(box.value.replace("relations: []", "relations: [{type: builds-on, key: nosuchpaper2020}]")).run()
    assert "nosuchpaper2020" in report(at)  # the hand-written YAML is what gets checked
    at.toggle[0].set_value(False).run()
    assert "technique: [logit-lens]" in annotation(at)


def new_term(at, kind: str, **fields):
    next(r for r in at.radio if r.label == "Kind of term").set_value(kind).run()
    for label, value in fields.items():
        label = label.replace("_", " ").capitalize()
        widget = next(w for w in [*at.text_input, *at.text_area, *at.selectbox, *at.number_input] if w.label == label)
        widget.set_value(value)
    next(b for b in at.button if b.label == "Check the term").click().run()
    return ok(at)


def propose_caption_metric():
    return new_term(
        pasted(),
        "technique",
        id="caption-object-metric",
        name="Caption object metric",
        definition="Scores generated captions by the objects they name that the image does not contain.",
        broader_technique="hallucination-benchmark",
        aliases="caption object score, object mention rate",
    )


def test_a_new_technique_is_checked_and_given_as_lines_for_its_file(contribute_site):
    at = propose_caption_metric()
    proposed = shown(at.success[0].value)
    assert proposed.startswith("New term proposed: Caption object metric (technique). They pass the vocabulary's")
    assert "the pull-request summary lists new terms for review" in proposed
    assert "taxonomy/vocabulary/techniques.yaml" in shown("\n".join(m.value for m in at.markdown))
    [snippet] = [c.value for c in at.code if c.value.startswith("  - id: caption-object-metric")]
    assert "    broader: hallucination-benchmark\n" in snippet
    assert "    - caption object score\n" in snippet


def test_the_new_term_s_lines_are_flagged_for_review_in_the_pull_request_summary(contribute_site, tmp_path):
    """What the form gives, added to the vocabulary as it says, is listed under "New vocabulary terms"."""
    [snippet] = [c.value for c in propose_caption_metric().code if c.value.startswith("  - id: caption-object-metric")]
    repo = repo_with_vocabulary(tmp_path / "repo", contribute_site)
    with (repo / "vocabulary" / "techniques.yaml").open("a", encoding="utf-8") as file:
        file.write(snippet)
    summary = summarise(repo / "data", "HEAD", neighbours=0, vocabulary_dir=repo / "vocabulary")
    assert summary.problems == []
    assert [(t.kind, t.id, t.broader) for t in summary.new_terms] == [
        ("technique", "caption-object-metric", "hallucination-benchmark")
    ]
    assert "- technique `caption-object-metric` **Caption object metric** (under `hallucination-benchmark`)" in (
        to_markdown(summary)
    )


def test_a_new_term_that_breaks_the_vocabulary_s_rules_is_refused_with_its_messages(contribute_site):
    at = new_term(
        pasted(),
        "technique",
        id="Caption Metric",
        name="Caption metric",
        definition="Too short.",
        aliases="logit lens",
    )
    assert at.error[0].value.startswith("2 problems with the term")
    [messages] = [c.value for c in at.code if c.value.startswith("taxonomy/vocabulary/techniques.yaml:")]
    assert "'Caption Metric' does not match" in messages  # the schema's id pattern
    assert "definition: 'Too short.' is too short" in messages  # the schema's 20-400 characters

    at = new_term(at, "technique", id="caption-metric", definition="Scores captions by the objects they name wrongly.")
    [messages] = [c.value for c in at.code if c.value.startswith("taxonomy/vocabulary/techniques.yaml:")]
    assert "'logit lens' of 'caption-metric' is already a spelling of 'logit-lens'" in shown(messages)


def test_a_new_model_needs_a_known_family_and_kind(contribute_site):
    at = new_term(
        pasted(),
        "model",
        id="llava-9",
        name="LLaVA-9",
        family="llava-family",
        kind_of_model="mllm",
        organisation="An example lab",
        year_of_first_release=2031,
        homepage="https://example.org/llava-9",
    )
    assert "New term proposed: LLaVA-9 (model)" in shown(at.success[0].value)
    [snippet] = [c.value for c in at.code if c.value.startswith("  - id: llava-9")]
    assert "    family: llava-family\n    kind: mllm\n" in snippet and "    year: 2031\n" in snippet
    at = new_term(at, "model", kind_of_model=None, homepage="ftp://example.org")
    [messages] = [c.value for c in at.code if c.value.startswith("taxonomy/vocabulary/models.yaml:")]
    assert "'kind' is a required property" in messages
    assert "homepage: 'ftp://example.org' does not match" in messages


def test_a_proposed_term_can_be_picked_and_the_paper_checks_pass_with_it(contribute_site):
    at = propose_caption_metric()
    picker(at, "Taxonomy leaves").set_value(["data/benchmark"]).run()
    next(t for t in at.text_input if t.label.endswith("Data › Benchmark?")).input(WHY).run()
    techniques = picker(at, "Techniques")
    assert "Caption object metric · under Hallucination benchmark" in techniques.options
    techniques.set_value(["caption-object-metric"]).run()
    next(s for s in at.selectbox if s.label == "Granularity").set_value("dataset").run()
    next(t for t in at.text_area if t.label == "Summary").input(SUMMARY).run()
    ok(at)
    assert "technique: [caption-object-metric]" in annotation(at)
    assert not at.error, [e.value for e in at.error]  # checked against the vocabulary with the new term
    assert "Both files pass" in at.success[-1].value

    next(b for b in at.button if b.label == "Forget the new terms").click().run()
    ok(at)
    assert "caption-object-metric" not in picker(at, "Techniques").options
    assert "technique: [TODO]" in annotation(at)  # a pick the list no longer offers is dropped
