"""`atlas add` as a library: normalised BibTeX, the key convention, a pre-filled annotation, refusals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml
from contribute_support import ARXIV_FIXTURES, line_of, recorded
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis_support import examples
from tests_paths import FIXTURE_DATA

from ingest import build, read_dataset
from ingest.scaffold import (
    ScaffoldError,
    check_new_paper,
    protect_capitals,
    scaffold_arxiv,
    scaffold_bibtex,
    write_scaffolds,
)

TODAY = dt.date(2026, 11, 22)
ROHRBACH_AUTHORS = "Rohrbach, Anna and Hendricks, Lisa Anne and Burns, Kaylee and Darrell, Trevor and Saenko, Kate"

GOOGLE_SCHOLAR = f"""@article{{rohrbach2018object,
  title={{Object hallucination in image captioning}},
  author={{{ROHRBACH_AUTHORS}}},
  journal={{arXiv preprint arXiv:1809.02156}},
  year={{2018}}
}}"""

DBLP = """@article{DBLP:journals/corr/abs-1809-02156,
  author       = {Anna Rohrbach and
                  Lisa Anne Hendricks and
                  Kaylee Burns and
                  Trevor Darrell and
                  Kate Saenko},
  title        = {Object Hallucination in Image Captioning},
  journal      = {CoRR},
  volume       = {abs/1809.02156},
  year         = {2018},
  url          = {http://arxiv.org/abs/1809.02156},
  eprinttype    = {arXiv},
  eprint       = {1809.02156},
  timestamp    = {Fri, 05 Oct 2018 11:34:52 +0200},
  biburl       = {https://dblp.org/rec/journals/corr/abs-1809-02156.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}"""

PUBLISHER = f"""@InProceedings{{Rohrbach_EMNLP18,
  title = "Object Hallucination in Image Captioning",
  author = "{ROHRBACH_AUTHORS}",
  booktitle = "Proceedings of the Conference on Empirical Methods in Natural Language Processing (EMNLP)",
  month = nov, year = 2018,
  doi = "https://doi.org/10.18653/v1/D18-1437",
  abstract = "Despite continuously improving performance, ...",
  keywords = {{hallucination, captioning}},
}}"""


def one(text: str, data_dir, **kwargs):
    [scaffold] = scaffold_bibtex(text, data_dir, today=TODAY, **kwargs)
    return scaffold


def test_google_scholar_arxiv_preprint_becomes_misc_with_eprint(data_dir):
    scaffold = one(GOOGLE_SCHOLAR, data_dir, origin="scholar.bib")
    assert scaffold.key == "rohrbach2018object"
    assert scaffold.bib_text == (
        "@misc{rohrbach2018object,\n"
        "  title         = {Object hallucination in image captioning},\n"
        f"  author        = {{{ROHRBACH_AUTHORS}}},\n"
        "  year          = {2018},\n"
        "  eprint        = {1809.02156},\n"
        "  archivePrefix = {arXiv},\n"
        "  url           = {https://arxiv.org/abs/1809.02156},\n"
        "}\n"
    )
    assert any("'arXiv preprint arXiv:1809.02156' is not a venue: written as @misc" in n for n in scaffold.notes)


def test_dblp_corr_entry(data_dir):
    scaffold = one(DBLP, data_dir)
    assert scaffold.key == "rohrbach2018object"
    assert scaffold.bib_text.startswith(
        "@misc{rohrbach2018object,\n  title         = {Object Hallucination in Image Captioning},\n"
        "  author        = {Anna Rohrbach and Lisa Anne Hendricks and Kaylee Burns and "
        "Trevor Darrell and Kate Saenko},\n  year          = {2018},\n"
    )
    for gone in ("journal", "volume", "timestamp", "biburl", "bibsource", "eprinttype"):
        assert gone not in scaffold.bib_text
    assert (
        "  eprint        = {1809.02156},\n  archivePrefix = {arXiv},\n  url           = {http://arxiv.org/abs/1809.02156},\n"
        in scaffold.bib_text
    )
    assert "dropped field(s) bibsource, biburl, timestamp (not kept in the atlas)" in scaffold.notes
    assert "key 'DBLP:journals/corr/abs-1809-02156' -> 'rohrbach2018object'" in scaffold.notes[-1]


def test_publisher_entry_keeps_its_venue(data_dir):
    scaffold = one(PUBLISHER, data_dir)
    assert scaffold.bib_text == (
        "@inproceedings{rohrbach2018object,\n"
        "  title     = {Object Hallucination in Image Captioning},\n"
        f"  author    = {{{ROHRBACH_AUTHORS}}},\n"
        "  booktitle = {Proceedings of the Conference on Empirical Methods in Natural Language Processing (EMNLP)},\n"
        "  year      = {2018},\n"
        "  month     = nov,\n"
        "  doi       = {10.18653/v1/D18-1437},\n"
        "  url       = {https://doi.org/10.18653/v1/D18-1437},\n"
        "}\n"
    )
    assert (
        "doi 'https://doi.org/10.18653/v1/D18-1437' -> '10.18653/v1/D18-1437' (the DOI itself, without resolver)"
        in scaffold.notes
    )
    assert "dropped field(s) abstract, keywords (not kept in the atlas)" in scaffold.notes


@pytest.mark.parametrize(
    "title, protected",
    [
        (
            "Do MLLMs See? Probing CLIP in Vision-Language Models",
            "Do {MLLMs} See? Probing {CLIP} in Vision-Language Models",
        ),
        ("LLaVA-CAM: Explaining GPT-4V", "{LLaVA-CAM}: Explaining {GPT-4V}"),
        ("Already {LLaVA} and \\emph{BLIP-2}", "Already {LLaVA} and \\emph{BLIP-2}"),
        ('Sehen und {V}erstehen {\\"u}ber Layers', 'Sehen und {V}erstehen {\\"u}ber Layers'),
        ("A plain title", "A plain title"),
    ],
)
def test_capitals_that_must_stay_are_protected(title, protected):
    assert protect_capitals(title) == protected


def test_key_year_is_the_first_public_version_and_year_the_venues(data_dir):
    text = (
        "@inproceedings{x, title={Sparse Autoencoders Find Visual Concepts}, author={Doe, Jane}, "
        "booktitle={Proceedings of CVPR}, year={2025}, eprint={2412.00001}, archivePrefix={arXiv}}"
    )
    scaffold = one(text, data_dir)
    assert scaffold.key == "doe2024sparse"
    assert "  year          = {2025},\n" in scaffold.bib_text
    assert yaml.safe_load(scaffold.yaml_text)["first_public"] == 2024
    assert (
        "year 2025 stays (the year of Proceedings of CVPR); the key and first_public in the annotation use 2024, "
        "the year of the first public version (arXiv v1 of 2412.00001)"
    ) in scaffold.notes


def test_a_preprints_year_is_its_first_public_year(data_dir):
    text = (
        "@misc{x, title={Sparse Autoencoders Find Visual Concepts}, author={Doe, Jane}, "
        "year={2025}, eprint={2412.00001}, archivePrefix={arXiv}}"
    )
    scaffold = one(text, data_dir)
    assert scaffold.key == "doe2024sparse" and "  year          = {2024},\n" in scaffold.bib_text
    assert (
        "year 2025 -> 2024: a preprint is cited with the year of its first public version (arXiv v1 of 2412.00001)"
    ) in scaffold.notes


def test_incomplete_author_list_is_pointed_out(data_dir):
    text = (
        "@misc{x, title={Probing Audio Tokens}, author={Roe, Richard and others}, year={2023}, "
        "archiveprefix={arxiv}, eprint={2301.00001}}"
    )
    scaffold = one(text, data_dir)
    assert "the author list ends with 'and others': replace it with every author, in order" in scaffold.notes
    assert "  archivePrefix = {arXiv},\n" in scaffold.bib_text


def test_taken_key_gets_the_next_title_word(data_dir):
    text = "@misc{x, title={Interpreting the Second Thing in VLMs}, author={Neo, Clement}, year={2024}}"
    assert one(text, data_dir).key == "neo2024interpretingsecond"


def test_accented_and_von_names(data_dir):
    text = (
        '@misc{x, title={{\\"U}ber Sinks in Vision Models}, '
        'author={M{\\"u}ller, J{\\"o}rg and van der Berg, Anna}, year={2023}}'
    )
    assert one(text, data_dir).key == "muller2023uber"


@pytest.mark.parametrize(
    "text, reason",
    [
        (
            "@misc{x, title={Another title}, author={Doe, Jane}, year={2024}, doi={10.1234/FIXTURE.2024.001}}",
            "same DOI 10.1234/fixture.2024.001; to correct that paper, edit its files instead (CONTRIBUTING.md, "
            "'Fix a paper')",
        ),
        (
            "@misc{x, title={Another title}, author={Doe, Jane}, year={2024}, url={https://arxiv.org/abs/2410.07149v2}}",
            "same arXiv id 2410.07149; to correct that paper, edit its files instead (CONTRIBUTING.md, 'Fix a paper')",
        ),
        (
            "@misc{x, title={TOWARDS interpreting visual information-processing in vision language models}, "
            "author={Doe, Jane}, year={2024}}",
            "same title; to correct that paper, edit its files instead (CONTRIBUTING.md, 'Fix a paper')",
        ),
        (
            "@misc{x, title={Interpreting Visual Information Processing in Vision-Language Models}, "
            "author={Doe, Jane}, year={2024}}",
            "titles are 94% alike ('Interpreting Visual Information Processing in Vision-Language Models' / 'Towards "
            "Interpreting Visual Information Processing in Vision-Language Models'); if it is a different "
            "paper, run again "
            "with --distinct-from neo2024interpreting",
        ),
    ],
)
def test_refuses_a_paper_already_in_the_atlas_and_names_it(data_dir, text, reason):
    existing = "muller2024sehen" if "doi" in text else "neo2024interpreting"
    path = data_dir / "papers" / f"{existing}.bib"
    with pytest.raises(ScaffoldError) as caught:
        scaffold_bibtex(text, data_dir, origin="new.bib")
    [message] = caught.value.reasons
    assert message == (f"new.bib:1: entry 'x': this paper is already in the atlas as '{existing}' ({path}:1): {reason}")


def test_distinct_from_lets_a_near_identical_title_in(data_dir):
    text = (
        "@misc{x, title={Interpreting Visual Information Processing in Vision-Language Models}, author={Doe, Jane}, "
        "year={2024}}"
    )
    scaffold = one(text, data_dir, distinct_from={"neo2024interpreting"})
    assert scaffold.key == "doe2024interpreting"
    assert yaml.safe_load(scaffold.yaml_text)["distinct_from"] == ["neo2024interpreting"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("@misc{x,\n  title = {Unclosed,\n  year = 2024\n", "in.bib:1: BibTeX syntax error"),
        ("@misc{x, author={Doe, Jane}, year={2024}}", "in.bib:1: entry 'x' has no title: add title = {...}"),
        (
            "@misc{x, title={A Title}, year={2024}}",
            "in.bib:1: entry 'x' has no author: add author = {Family, Given and ...} with every author",
        ),
        (
            "@misc{x, title={A Title}, author={Doe, Jane}}",
            "in.bib:1: entry 'x' has no year: add year = {YYYY} (year of the first public version)",
        ),
        (
            "\n\n@misc{x, title={A Title}, author={Doe, Jane}, year={2024}, booktitle = neurips}",
            "in.bib:3: field 'booktitle' uses undefined @string macro 'neurips'",
        ),
        ("   ", "in.bib: no BibTeX entry given"),
        ("@string{a = {b}}", "in.bib: no BibTeX entry found (only @string/@comment blocks?)"),
    ],
)
def test_bad_input_is_refused_with_where_and_fix(data_dir, text, message):
    with pytest.raises(ScaffoldError) as caught:
        scaffold_bibtex(text, data_dir, origin="in.bib")
    assert any(reason.startswith(message) for reason in caught.value.reasons), caught.value.reasons


def test_several_entries_and_a_duplicate_among_them(data_dir):
    two = (
        "@misc{a, title={Sparse Autoencoders Find Visual Concepts}, author={Doe, Jane}, year={2024}}\n"
        "@misc{b, title={Probing Audio Tokens}, author={Roe, Richard}, year={2023}}\n"
    )
    assert [s.key for s in scaffold_bibtex(two, data_dir)] == ["doe2024sparse", "roe2023probing"]
    again = two + "@misc{c, title={Sparse Autoencoders Find Visual Concept}, author={Doe, Jane}, year={2024}}\n"
    with pytest.raises(ScaffoldError) as caught:
        scaffold_bibtex(again, data_dir, origin="three.bib")
    [reason] = caught.value.reasons
    assert reason.startswith(
        "three.bib:3: entry 'c': this paper is already in the atlas as 'doe2024sparse' "
        "(data/papers/doe2024sparse.bib:1)"
    )


def test_never_overwrites(data_dir):
    scaffolds = scaffold_bibtex(GOOGLE_SCHOLAR, data_dir)
    written = write_scaffolds(scaffolds, data_dir)
    assert [p.name for p in written] == ["rohrbach2018object.bib", "rohrbach2018object.yaml"]
    before = written[0].read_text()
    with pytest.raises(ScaffoldError) as caught:
        write_scaffolds(scaffolds, data_dir)
    assert caught.value.reasons[0] == (
        f"{written[0]} already exists: nothing was written; pick another key or edit that paper"
    )
    assert written[0].read_text() == before


def test_annotation_template_lists_every_field_and_the_leaves(data_dir):
    scaffold = one(GOOGLE_SCHOLAR, data_dir)
    text = scaffold.yaml_text
    data = yaml.safe_load(text)
    assert list(data) == [
        "key",
        "categories",
        "modalities",
        "models",
        "technique",
        "granularity",
        "summary",
        "code",
        "methods",
        "relations",
        "added",
        "first_public",
    ]
    assert data["key"] == "rohrbach2018object" and data["added"] == "2026-11-22" and data["first_public"] == 2018
    assert data["categories"] == [{"id": "TODO", "why": "TODO"}] and data["summary"] == "TODO"
    assert text.startswith("# yaml-language-server: $schema=../../ingest/annotation.schema.json\n")
    for leaf in ("data/input-output", "model/neuron/individual-units", "training-inference/inference"):
        assert re.search(rf"^#   {re.escape(leaf)} +\S", text, re.M), leaf
    assert "# one of: dataset, sample, token, embedding, neuron, component, layer, model" in text


def complete(path, leaf="data/benchmark"):
    """Fill in the TODOs as a contributor would."""
    text = path.read_text()
    for old, new in (
        (r"- id: TODO.*", f"- id: {leaf}"),
        (
            r"why: TODO.*",
            "why: Defines a metric that checks the objects a caption mentions against the image's labels.",
        ),
        (r"modalities: \[.*", "modalities: [image, text]"),  # pre-filled from the title: image
        (r"models: \[TODO\].*", "models: [neural-baby-talk]"),
        (r"technique: \[TODO\].*", "technique: [hallucination-benchmark]"),
        (r"granularity: TODO.*", "granularity: dataset"),
        (
            r"summary: TODO.*",
            "summary: A caption metric shows how often captioning models mention objects that are not there.",
        ),
    ):
        text, n = re.subn(old, new, text)
        assert n == 1, old
    path.write_text(text)


def test_round_trip_add_then_validate_then_complete_then_build(data_dir, tmp_path):
    bib, annotation = write_scaffolds(scaffold_bibtex(GOOGLE_SCHOLAR, data_dir, today=TODAY), data_dir)
    dataset = read_dataset(data_dir)
    assert {p.path.rsplit("/", 1)[-1] for p in dataset.problems} == {"rohrbach2018object.yaml"}
    assert all("still the placeholder TODO" in p.message for p in dataset.problems)
    assert sorted(p.line for p in dataset.problems) == [
        line_of(annotation, n) for n in ("- id: TODO", "why: TODO", "models:", "technique:", "granularity:", "summary:")
    ]  # modalities: pre-filled
    complete(annotation)
    assert [str(p) for p in read_dataset(data_dir).problems] == []
    result = build(data_dir, tmp_path / "kb.db", strict=True)
    assert result.counts["papers"] == 6


def test_arxiv_scaffold_from_a_recorded_answer(data_dir):
    scaffold = scaffold_arxiv("arXiv:1809.02156v2", data_dir, fetcher=recorded("1809.02156.xml"), today=TODAY)
    assert scaffold.key == "rohrbach2018object"
    assert scaffold.bib_text == (
        "@misc{rohrbach2018object,\n"
        "  title         = {Object Hallucination in Image Captioning},\n"
        "  author        = {Anna Rohrbach and Lisa Anne Hendricks and Kaylee Burns and Trevor Darrell and Kate "
        "Saenko},\n"
        "  year          = {2018},\n"
        "  doi           = {10.18653/v1/D18-1437},\n"
        "  eprint        = {1809.02156},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass  = {cs.CV},\n"
        "  url           = {https://arxiv.org/abs/1809.02156},\n"
        "}\n"
    )
    assert yaml.safe_load(scaffold.yaml_text)["code"] == "https://github.com/LisaAnne/Hallucination"
    assert "# found in the arXiv comment: check it is the authors' code" in scaffold.yaml_text
    assert scaffold.notes == [
        "arXiv lists journal reference 'EMNLP 2018'; DOI 10.18653/v1/D18-1437: if the paper was "
        "published, make it @inproceedings/@article with the venue's full name (booktitle/journal)"
    ]


@pytest.mark.parametrize("typed", ["2410.07149", "arXiv 2410.07149v2", "https://arxiv.org/abs/2410.07149"])
def test_arxiv_scaffold_refuses_a_paper_already_in_the_atlas_before_asking_arxiv(data_dir, typed):
    """No request for a paper the atlas has: the refusal comes at once, and offline too."""
    calls: list = []
    with pytest.raises(ScaffoldError) as caught:
        scaffold_arxiv(typed, data_dir, fetcher=recorded("2410.07149.xml", calls))
    assert calls == []
    assert caught.value.reasons == [
        "arXiv:2410.07149: this paper "
        f"is already in the atlas as 'neo2024interpreting' ({data_dir / 'papers' / 'neo2024interpreting.bib'}:1): "
        "same arXiv id 2410.07149; to correct that paper, edit its files instead (CONTRIBUTING.md, 'Fix a paper')"
    ]


def test_check_new_paper_without_touching_the_data_folder(data_dir):
    before = sorted(p.name for p in (data_dir / "papers").iterdir())
    scaffold = one(GOOGLE_SCHOLAR, data_dir)
    found = check_new_paper(scaffold.key, scaffold.bib_text, scaffold.yaml_text, data_dir)
    assert {p.path for p in found} == {"data/papers/rohrbach2018object.yaml"}
    assert len(found) == 6 and all("placeholder TODO" in p.message for p in found)  # modalities: pre-filled
    done = scaffold.yaml_text
    for old, new in (
        ("- id: TODO", "- id: data/benchmark"),
        ("why: TODO", "why: Defines a caption metric for objects."),
        ("models: [TODO]", "models: []"),
        ("technique: [TODO]", "technique: [hallucination-benchmark]"),
        ("granularity: TODO", "granularity: dataset"),
        ("summary: TODO", "summary: A metric for objects that captions mention but images lack."),
    ):
        done = done.replace(old, new)
    assert check_new_paper(scaffold.key, scaffold.bib_text, done, data_dir) == []
    duplicate = scaffold.bib_text.replace("1809.02156", "2410.07149")
    [problem] = check_new_paper(scaffold.key, duplicate, done, data_dir)
    assert "'rohrbach2018object' is the same paper as 'neo2024interpreting'" in problem.message
    assert problem.path == "data/papers/rohrbach2018object.bib" and problem.line == 5
    assert sorted(p.name for p in (data_dir / "papers").iterdir()) == before


from ingest.bibtex import read_bib_folder  # noqa: E402
from ingest.scaffold import Existing  # noqa: E402

_EXISTING = Existing.read(FIXTURE_DATA)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_TEXT, author=_TEXT, year=st.one_of(st.just(""), st.integers(1900, 2100).map(str), _TEXT))
@example(title="\\ ", author="", year="")  # test_pasted_control_space_title_is_refused_as_having_no_title
@example(title="0", author=",", year="1900")  # test_pasted_author_of_only_a_comma_is_refused_with_the_fix
def test_any_entry_gives_files_or_a_clear_refusal(title, author, year):
    """Whatever is pasted, the result is two well-formed files or a ScaffoldError about the pasted text (never
    about the file atlas add would write, which must read back), never a crash."""
    text = f"@misc{{pasted,\n  title = {{{title}}},\n  author = {{{author}}},\n  year = {{{year}}},\n}}\n"
    try:
        scaffolds = scaffold_bibtex(text, FIXTURE_DATA, existing=_EXISTING, today=TODAY)
    except ScaffoldError as exc:
        assert exc.reasons and all(isinstance(r, str) and r.startswith("<stdin>:") for r in exc.reasons)
        return
    for scaffold in scaffolds:
        assert re.fullmatch(r"[a-z][a-z0-9]*", scaffold.key)
        assert yaml.safe_load(scaffold.yaml_text)["key"] == scaffold.key
        assert scaffold.bib_text.startswith(f"@misc{{{scaffold.key},")


# --- pre-filling models, techniques and modalities from the vocabulary ----------------------------------

WITH_ABSTRACT = """@misc{x,
  title={Where Does {LLaVA-1.5} Look? Sparse Autoencoders on Video Tokens}, author={Doe, Jane}, year={2025},
  abstract={We train sparse autoencoders on CLIP ViT-L/14 features and read LLaVA-1.5 layers with the
  logit lens; a short clip of the results is online.}}"""


def test_terms_named_in_the_title_and_abstract_prefill_the_annotation(data_dir):
    text = one(WITH_ABSTRACT, data_dir).yaml_text
    data = yaml.safe_load(text)
    assert data["models"] == ["llava-1.5", "clip"]  # LLaVA-1.5 only once, and "a short clip" is no model
    assert data["technique"] == ["sparse-autoencoder", "logit-lens"]
    assert data["modalities"] == ["video"]
    assert (
        "models: [llava-1.5, clip]  # named in the title or abstract: check them; ids from "
        "taxonomy/vocabulary/models.yaml" in text
    )
    assert "granularity: TODO" in text  # what the vocabulary cannot tell stays for a person


def test_an_arxiv_abstract_prefills_too(data_dir, tmp_path):
    xml = (
        (ARXIV_FIXTURES / "1809.02156.xml")
        .read_text()
        .replace(
            "(Abstract omitted from this recorded test fixture.)",
            "We measure hallucination in captions of LLaVA and BLIP-2 "
            "with a new metric, and use Grad-CAM to see where they look.",
        )
    )

    def fetch(url: str, timeout: float) -> bytes:
        return xml.encode()

    data = yaml.safe_load(scaffold_arxiv("1809.02156", data_dir, fetcher=fetch, today=TODAY).yaml_text)
    assert (data["models"], data["technique"], data["modalities"]) == (["llava", "blip-2"], ["grad-cam"], ["image"])


def test_nothing_named_leaves_the_todo_with_where_to_find_ids(data_dir):
    text = one("@misc{x, title={A Study}, author={Doe, Jane}, year={2025}}", data_dir).yaml_text
    assert (
        "technique: [TODO]  # ids from taxonomy/vocabulary/techniques.yaml (list them: atlas vocabulary), e.g. "
        "[attention-analysis, causal-tracing]" in text
    )
    assert (
        "models: [TODO]  # ids from taxonomy/vocabulary/models.yaml (list them: atlas vocabulary), e.g. "
        "[llava-1.5, blip-2]; [] if none in particular" in text
    )


def test_a_title_ending_in_a_backslash_is_copied_not_a_crash():
    """protect_capitals called .group() on a failed match when nothing (or a line break) followed a backslash."""
    assert protect_capitals("\\") == "\\"
    assert protect_capitals("LLaVA \\") == "{LLaVA} \\"
    assert protect_capitals("CLIP\\\nBLIP") == "{CLIP}\\\n{BLIP}"


def test_pasted_control_space_title_is_refused_as_having_no_title():
    """The title hypothesis drew in a fresh clone's `make test`: a TeX control space, which shows nothing."""
    text = "@misc{pasted,\n  title = {\\ },\n  author = {Rohrbach, Anna},\n  year = {2018},\n}\n"
    with pytest.raises(ScaffoldError) as info:
        scaffold_bibtex(text, FIXTURE_DATA, existing=_EXISTING, today=TODAY)
    assert info.value.reasons == ["<stdin>:1: entry 'pasted' has no title: add title = {...}"]


@pytest.mark.parametrize("title, written", [("Seeing CLIP\\ ", "Seeing {CLIP}\\ "), ("Seeing\\\\\n", "Seeing\\\\ ")])
def test_a_final_backslash_keeps_its_space_so_the_file_reads_back(tmp_path, title, written):
    """Trimming the space after a final backslash wrote title = {...\\}, whose closing brace reads as escaped."""
    text = f"@misc{{pasted,\n  title = {{{title}}},\n  author = {{Rohrbach, Anna}},\n  year = {{2018}},\n}}\n"
    [scaffold] = scaffold_bibtex(text, FIXTURE_DATA, existing=_EXISTING, today=TODAY)
    (tmp_path / "paper.bib").write_text(scaffold.bib_text, encoding="utf-8")
    result = read_bib_folder(tmp_path)
    assert result.problems == [] and result.entries[0].fields["title"] == written


def test_pasted_author_of_only_a_comma_is_refused_with_the_fix():
    """An author field of only a comma crashed family-name parsing (IndexError); it gives no key, so: refused."""
    text = "@misc{pasted,\n  title = {0},\n  author = {,},\n  year = {1900},\n}\n"
    with pytest.raises(ScaffoldError) as info:
        scaffold_bibtex(text, FIXTURE_DATA, existing=_EXISTING, today=TODAY)
    [reason] = info.value.reasons
    assert reason.startswith("<stdin>:1: entry 'pasted': the first author's family name '' gives no key")
