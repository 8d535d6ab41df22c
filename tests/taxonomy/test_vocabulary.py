"""taxonomy/vocabulary: the controlled vocabulary's files, their checks, lookups, and its use in data/."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
import yaml
from tests_paths import BUNDLED

from taxonomy.vocabulary import (
    VOCABULARY_DIR,
    VocabularyError,
    count_papers,
    load_vocabulary,
    read_vocabulary,
    term_record,
    term_snippet,
)

MAX_TECHNIQUES = 150
MAX_SINGLE_PAPER_SHARE = 0.30


@pytest.fixture
def vocabulary_dir(tmp_path):
    """A private, writable copy of taxonomy/vocabulary/."""
    target = tmp_path / "vocabulary"
    shutil.copytree(VOCABULARY_DIR, target)
    return target


def edit(folder, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(folder, name: str, needle: str, nth: int = 0) -> int:
    """Line of the ``nth`` line (0: the first) that reads ``needle`` once stripped."""
    lines = (folder / name).read_text().splitlines()
    return [i for i, line in enumerate(lines, start=1) if line.strip() == needle][nth]


def only_issue(folder):
    """The first problem; a cycle is reported at each of its terms, anything else once."""
    vocabulary, issues = read_vocabulary(folder)
    assert vocabulary is None and (len(issues) == 1 or all("cycle" in i.message for i in issues)), [
        str(i) for i in issues
    ]
    return issues[0]


# --- the files load and hang together ---------------------------------------------------------------


def test_the_vocabulary_loads_with_every_cross_reference_resolved():
    vocabulary = load_vocabulary()
    assert {"llava-1.5", "clip", "gpt-4v"} <= set(vocabulary.models)
    assert (
        vocabulary.models["llava-1.5"].broader == "llava-family" and vocabulary.models["llava-1.5"].model_kind == "mllm"
    )
    assert vocabulary.ancestors("technique", "integrated-gradients") == ["gradient-attribution", "attribution"]
    assert vocabulary.ancestors("technique", "visual-contrastive-decoding") == [
        "contrastive-decoding",
        "hallucination-mitigation",
    ]
    assert "llava-next" in vocabulary.narrower("model", "llava-family")
    assert all(t.definition for kind in ("model", "technique", "modality") for t in vocabulary.terms(kind).values())
    assert vocabulary.models["llava-1.5"].definition.startswith("Multimodal LLM of the LLaVA family, released in 2023")
    # topics: a hierarchy of their own, each described for search; no annotation field names one
    assert vocabulary.ancestors("topic", "object-hallucination") == ["hallucination", "trustworthiness"]
    assert all(t.definition and t.plain and t.informal and t.aliases for t in vocabulary.topics.values())
    assert vocabulary.term("technique", "hallucination") is None and vocabulary.term("topic", "hallucination")


@pytest.mark.parametrize(
    "name, old, new, needle, nth, message",
    [
        (
            "models.yaml",
            "    family: llava-family\n    kind: mllm\n    organisation: UW–Madison, Microsoft Research\n",
            "    family: lava-family\n    kind: mllm\n    organisation: UW–Madison, Microsoft Research\n",
            "- id: llava-1.5",
            0,
            "model 'llava-1.5' names unknown family 'lava-family'",
        ),
        (
            "techniques.yaml",
            "    broader: gradient-attribution\n    method: integrated-gradients\n",
            "    broader: gradient-atribution\n    method: integrated-gradients\n",
            "- id: integrated-gradients",
            0,
            "technique 'integrated-gradients' names unknown broader technique 'gradient-atribution'",
        ),
        (
            "techniques.yaml",
            "  - id: attribution\n    name: Input attribution\n",
            "  - id: attribution\n    name: Input attribution\n    broader: integrated-gradients\n",
            "- id: attribution",
            0,
            "technique 'attribution' is its own broader technique",
        ),
        (
            "techniques.yaml",
            "    aliases: [tuned lens]\n",
            "    aliases: [tuned lens, logit lens]\n",
            "- id: tuned-lens",
            0,
            "'logit lens' of 'tuned-lens' is already a spelling of 'logit-lens' (techniques.yaml:",
        ),
        (
            "topics.yaml",
            "    broader: hallucination\n    definition: >-\n      Hallucination of whole objects",
            "    broader: halucination\n    definition: >-\n      Hallucination of whole objects",
            "- id: object-hallucination",
            0,
            "topic 'object-hallucination' names unknown broader topic 'halucination'",
        ),
        (
            "topics.yaml",
            "  - id: trustworthiness\n    name: Trustworthiness\n",
            "  - id: trustworthiness\n    name: Trustworthiness\n    broader: safety\n",
            "- id: trustworthiness",
            0,
            "topic 'trustworthiness' is its own broader topic",
        ),
        (
            "topics.yaml",
            "    aliases: [object hallucination,",
            "    aliases: [hallucinations, object hallucination,",
            "- id: object-hallucination",
            0,
            "'hallucinations' of 'object-hallucination' is already a spelling of 'hallucination' (topics.yaml:",
        ),
        # the later of two entries with one id is the one reported
        (
            "models.yaml",
            "  - id: siglip-2\n",
            "  - id: siglip\n",
            "- id: siglip",
            1,
            "id 'siglip' is already used at models.yaml:",
        ),
    ],
)
def test_a_broken_reference_is_reported_at_its_line(vocabulary_dir, name, old, new, needle, nth, message):
    edit(vocabulary_dir, name, old, new)
    issue = only_issue(vocabulary_dir)
    assert issue.path == vocabulary_dir / name and issue.line == line_of(vocabulary_dir, name, needle, nth)
    assert message in issue.message


def test_schema_and_yaml_errors_name_the_line(vocabulary_dir):
    edit(
        vocabulary_dir,
        "modalities.yaml",
        "    definition: Written language, including prompts, questions, captions and generated answers.\n",
        "",
    )
    issue = only_issue(vocabulary_dir)
    assert issue.line == line_of(vocabulary_dir, "modalities.yaml", "- id: text")
    assert "'definition' is a required property" in issue.message and "vocabulary.schema.json" in issue.message
    shutil.copy(VOCABULARY_DIR / "modalities.yaml", vocabulary_dir / "modalities.yaml")
    edit(vocabulary_dir, "techniques.yaml", "  - id: tuned-lens\n", "  - id: tuned-lens\n  bad: [\n")
    issue = only_issue(vocabulary_dir)
    assert issue.path.name == "techniques.yaml" and "invalid YAML" in issue.message


def test_load_vocabulary_raises_with_every_problem(vocabulary_dir):
    path = vocabulary_dir / "models.yaml"
    path.write_text(path.read_text().replace("    kind: vla\n", "    kind: robot\n"))  # openvla and pi0.5
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary(vocabulary_dir)
    assert "has unknown kind 'robot'" in str(caught.value) and str(vocabulary_dir / "models.yaml") in str(caught.value)
    assert "and 1 more problem:" in str(caught.value)  # both vla models


# --- spellings --------------------------------------------------------------------------------------


def test_resolve_and_suggest_spellings():
    vocabulary = load_vocabulary()
    assert vocabulary.resolve("model", "LLaVA-v1.5-7B") == "llava-1.5"
    assert vocabulary.resolve("model", "qwen2.5 vl") == "qwen2.5-vl"  # case and punctuation do not matter
    assert vocabulary.resolve("technique", "Logit Lens") == "logit-lens"
    assert vocabulary.resolve("model", "Fooformer") is None
    assert vocabulary.suggest("model", "LLaVA-1.5 and nine other LVLMs")[0] == "llava-1.5"  # a term the text names
    assert vocabulary.suggest("technique", "logit lenz") == ["logit-lens"]  # a close spelling
    assert vocabulary.suggest("modality", "zzzz") == []


def test_mentions_find_terms_as_whole_words_longest_first():
    vocabulary = load_vocabulary()
    text = "We study LLaVA-1.5-7B and CLIP ViT-L/14 on video clips with sparse autoencoders and the logit lens."
    assert vocabulary.mentions("model", text) == ["llava-1.5", "clip"]  # not also llava
    assert vocabulary.mentions("model", "a short clip of a llava flow") == []  # model names keep their case
    assert vocabulary.mentions("technique", text) == ["sparse-autoencoder", "logit-lens"]  # plural folded
    assert vocabulary.mentions("modality", text) == ["video"]


def test_paper_counts_include_narrower_terms_and_family_members():
    vocabulary = load_vocabulary()
    counts = count_papers(
        vocabulary, "technique", [["integrated-gradients"], ["grad-cam", "integrated-gradients"], ["nope"]]
    )
    assert counts["integrated-gradients"] == 2 and counts["grad-cam"] == 1
    assert counts["gradient-attribution"] == 2 and counts["attribution"] == 2  # each paper once
    models = count_papers(vocabulary, "model", [["llava"], ["llava-1.5"], ["llava-family"], ["clip"]])
    assert models["llava-family"] == 3 and models["clip-family"] == 1


def test_runnable_methods_link_to_the_methods_catalogue():
    from methods.catalog import load_catalog

    linked = {t.method for t in load_vocabulary().techniques.values() if t.method}
    catalogued = {entry.id for entry in load_catalog()}
    assert linked <= catalogued, sorted(linked - catalogued)
    assert linked == catalogued  # every method we implement has its technique


# --- the data uses it -------------------------------------------------------------------------------


def bundled_annotations() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((BUNDLED / "papers").glob("*.yaml"))]


def test_every_bundled_annotation_uses_vocabulary_ids():
    vocabulary = load_vocabulary()
    for kind, field in (("model", "models"), ("technique", "technique"), ("modality", "modalities")):
        unknown = [
            (a["key"], v) for a in bundled_annotations() for v in a.get(field) or [] if vocabulary.term(kind, v) is None
        ]
        assert unknown == [], unknown[:10]


def test_technique_counts_meet_the_vocabulary_targets():
    """At most ~150 techniques; at most 30 % used by a single paper, each with the reason it is kept."""
    vocabulary = load_vocabulary()
    annotations = bundled_annotations()
    counts = count_papers(vocabulary, "technique", [a["technique"] for a in annotations])
    direct = Counter(t for a in annotations for t in a["technique"])
    single = sorted(t for t in vocabulary.techniques if counts[t] == 1)
    unused = sorted(t for t in vocabulary.techniques if counts[t] == 0)
    share = len(single) / len(vocabulary.techniques)
    print(
        f"\n{len(vocabulary.techniques)} techniques ({len(vocabulary.roots('technique'))} broad ones), "
        f"{len(direct)} annotated directly, {len(unused)} unused; {len(single)} used by a single paper "
        f"({share:.1%}): {', '.join(single)}; {len(vocabulary.models)} models in {len(vocabulary.families)} families, "
        f"{len(vocabulary.modalities)} modalities, {len(annotations)} papers"
    )
    assert len(vocabulary.techniques) <= MAX_TECHNIQUES
    assert share <= MAX_SINGLE_PAPER_SHARE
    assert [t for t in single if not vocabulary.techniques[t].single_paper] == []  # each justified
    assert unused == []  # a term nobody uses is not kept


def test_a_model_records_its_source_and_what_no_primary_page_confirmed(vocabulary_dir):
    edit(
        vocabulary_dir,
        "models.yaml",
        "  - id: llava-1.5\n",
        "  - id: llava-1.5\n    source: https://arxiv.org/abs/2310.03744\n    unconfirmed: [organisation]\n",
    )
    model = load_vocabulary(vocabulary_dir).models["llava-1.5"]
    assert (model.source, model.unconfirmed) == ("https://arxiv.org/abs/2310.03744", ("organisation",))
    edit(vocabulary_dir, "models.yaml", "unconfirmed: [organisation]", "unconfirmed: [colour]")
    issue = only_issue(vocabulary_dir)
    assert issue.line == line_of(vocabulary_dir, "models.yaml", "unconfirmed: [colour]") and "'colour'" in issue.message


# --- terms added in memory ----------------------------------------------------------------------------


def test_terms_added_in_memory_read_as_if_appended_to_the_files(vocabulary_dir):
    """``read_vocabulary(added=...)`` appends the snippets to the files' texts without writing them: the
    same vocabulary and the same problems, at the same lines, as a contributor's edited files give."""
    good = term_record(
        "technique",
        "toy-lens",
        "Toy lens",
        "A lens read off a toy model's residual stream, for this test only.",
        broader="logit-lens",
    )
    bad = term_record(
        "technique",
        "odd-lens",
        "Odd lens",
        "A lens whose broader technique is not in the vocabulary, for this test.",
        broader="nowhere",
    )
    before = {p.name: p.read_text(encoding="utf-8") for p in vocabulary_dir.iterdir()}
    in_memory = read_vocabulary(vocabulary_dir, added=[("technique", good)])
    bad_in_memory = read_vocabulary(vocabulary_dir, added=[("technique", good), ("technique", bad)])
    assert {p.name: p.read_text(encoding="utf-8") for p in vocabulary_dir.iterdir()} == before
    assert in_memory[0] is not None and in_memory[0].techniques["toy-lens"].broader == "logit-lens"
    path = vocabulary_dir / "techniques.yaml"
    path.write_text(before["techniques.yaml"] + term_snippet(good) + term_snippet(bad), encoding="utf-8")
    on_disk = read_vocabulary(vocabulary_dir)
    assert [str(i) for i in bad_in_memory[1]] == [str(i) for i in on_disk[1]]
    assert [i.line for i in on_disk[1]] == [line_of(vocabulary_dir, "techniques.yaml", "- id: odd-lens")]


def test_plain_words_and_informal_phrasings_are_read_but_never_matched_as_names(vocabulary_dir):
    technique = load_vocabulary().techniques["logit-lens"]
    assert technique.plain and "  " not in technique.plain and "\n" not in technique.plain  # folded like definitions
    assert "projecting hidden states onto the vocabulary" in technique.informal
    # An informal phrasing is what related-work search reads: it names nothing, unlike an alias.
    assert load_vocabulary().mentions("technique", "projecting hidden states onto the vocabulary") == []
    edit(vocabulary_dir, "techniques.yaml", "    informal: [projecting", "    informal: [x, projecting")
    issue = only_issue(vocabulary_dir)  # each phrasing is at least three characters (the schema)
    assert "vocabulary.schema.json" in issue.message and issue.path.name == "techniques.yaml"
