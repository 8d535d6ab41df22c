"""`atlas validate --summary`: a Markdown preview of what a change adds, compared with a folder or a git ref."""

from __future__ import annotations

import re
import shutil

import pytest
from contribute_support import edit, git, repo_with_vocabulary, write
from tests_paths import FIXTURE_DATA

from cli.main import main
from ingest.change_summary import md, summarise, to_markdown

NEW_BIB = """@misc{rohrbach2018object,
  title         = {Object Hallucination in Image Captioning},
  author        = {Anna Rohrbach and Lisa Anne Hendricks and Kaylee Burns and Trevor Darrell and Kate Saenko},
  year          = {2018},
  doi           = {10.18653/v1/D18-1437},
  eprint        = {1809.02156},
  archivePrefix = {arXiv},
  url           = {https://arxiv.org/abs/1809.02156},
}
"""
NEW_YAML = """key: rohrbach2018object
categories:
  - id: data/benchmark
    why: Defines a metric that checks the objects a caption mentions against the image's labels.
modalities: [image, text]
models: [neural-baby-talk]
technique: [hallucination-benchmark]
granularity: dataset
summary: A caption metric shows how often captioning models mention objects that are not in the image.
code: https://github.com/LisaAnne/Hallucination
"""


def add_new_paper(data_dir):
    write(data_dir, "rohrbach2018object.bib", NEW_BIB)
    write(data_dir, "rohrbach2018object.yaml", NEW_YAML)


def test_new_paper_lands_with_its_why_and_neighbours(data_dir, capsys):
    add_new_paper(data_dir)
    assert main(["validate", "--data", str(data_dir), "--summary", "--base", str(FIXTURE_DATA), "--strict"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Atlas preview\n")
    assert "**1 new paper**, 0 changed, 0 removed. Validation: ✅ passes `atlas validate --strict`." in out
    assert "### New: Object Hallucination in Image Captioning" in out
    assert (
        "`rohrbach2018object` · Anna Rohrbach, Lisa Anne Hendricks, Kaylee Burns, Trevor Darrell, Kate Saenko (2018)"
        " · [arXiv:1809.02156](https://arxiv.org/abs/1809.02156) · [DOI 10.18653/v1/D18-1437]"
        "(https://doi.org/10.18653/v1/D18-1437) · [code](https://github.com/LisaAnne/Hallucination)"
    ) in out
    assert (
        "| Data › Benchmark | Defines a metric that checks the objects a caption mentions against the image's labels. |"
    ) in out
    assert (
        "**Models**: Neural Baby Talk · **Technique**: Hallucination benchmark · **Modalities**: Image, Text · "
        "**Granularity**: dataset"
    ) in out
    assert "**Nearest neighbours in the atlas**" in out
    first = out.split("**Nearest neighbours in the atlas**\n\n", 1)[1].splitlines()[0]
    # the fixture's only benchmark paper about object hallucination comes first, with its reasons
    assert first.startswith(
        "1. `li2023evaluating` Evaluating Object Hallucination in Large Vision-Language Models (2023): "
    )
    assert "It is filed under the same taxonomy leaf as your paper: Benchmark" in first


def test_changed_and_removed_papers(data_dir, capsys):
    edit(data_dir, "li2023evaluating.yaml", "granularity: dataset", "granularity: sample")
    edit(
        data_dir,
        "li2023evaluating.bib",
        "year      = {2023}",
        "year      = {2023},\n  doi = {10.18653/v1/2023.emnlp-main.20}",
    )
    (data_dir / "papers" / "muller2024sehen.bib").unlink()
    (data_dir / "papers" / "muller2024sehen.yaml").unlink()
    summary = summarise(data_dir, str(FIXTURE_DATA))
    assert [(c.key, c.bib_fields, c.annotation_fields) for c in summary.changed] == [
        ("li2023evaluating", ["doi"], ["granularity"])
    ]
    assert summary.removed == [("muller2024sehen", "Sehen und Verstehen: Attention Sinks in LLaVA über Layers")]
    text = to_markdown(summary)
    assert (
        "- `li2023evaluating` Evaluating Object Hallucination in Large Vision-Language Models: BibTeX: doi; "
        "annotation: granularity"
    ) in text
    assert (
        "- ⚠️ `muller2024sehen` Sehen und Verstehen: Attention Sinks in LLaVA über Layers: keys never change once merged"
        in text
    )
    # muller was the target of a relation from no one, so nothing else breaks; the removal alone is flagged
    assert "**0 new papers**, 1 changed, 1 removed" in text


def test_problems_are_listed_and_fail_the_run(data_dir, capsys):
    add_new_paper(data_dir)
    edit(data_dir, "rohrbach2018object.yaml", "  - id: data/benchmark", "  - id: data/benchmarks")
    assert main(["validate", "--data", str(data_dir), "--summary", "--base", str(FIXTURE_DATA)]) == 1
    out = capsys.readouterr().out
    assert "Validation: ❌ 1 error, 0 warnings." in out
    assert "| data/benchmarks \\(not a taxonomy node\\) |" not in out  # parentheses are left alone
    assert "| data/benchmarks (not a taxonomy node) |" in out
    assert "rohrbach2018object.yaml:3` **error**: unknown category 'data/benchmarks'" in out
    assert "> Nearest neighbours are left out: the data has errors" in out


def test_warnings_fail_only_under_strict(data_dir, capsys):
    add_new_paper(data_dir)
    (data_dir / "papers" / "rohrbach2018object.yaml").unlink()  # unclassified: a warning
    assert main(["validate", "--data", str(data_dir), "--summary", "--base", str(FIXTURE_DATA)]) == 0
    assert "✅ passes `atlas validate` with 1 warning" in capsys.readouterr().out
    assert main(["validate", "--data", str(data_dir), "--summary", "--base", str(FIXTURE_DATA), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "❌ 0 errors, 1 warning (warnings fail under --strict)" in out
    assert "| unclassified (no annotation) | add the annotation file |" in out


def test_key_that_breaks_the_convention_is_pointed_out(data_dir, capsys):
    write(data_dir, "hallucination2018.bib", NEW_BIB.replace("rohrbach2018object", "hallucination2018"))
    write(data_dir, "hallucination2018.yaml", NEW_YAML.replace("rohrbach2018object", "hallucination2018"))
    main(["validate", "--data", str(data_dir), "--summary", "--base", str(FIXTURE_DATA)])
    assert (
        "⚠️ The key does not follow the key convention: expected `rohrbach2018object` "
        "(CONTRIBUTING.md, 'The key convention')."
    ) in capsys.readouterr().out


def test_text_from_the_data_cannot_inject_markup(data_dir):
    hostile = "<script>alert(1)</script> | [click](javascript:alert(1)) **bold** `code`"
    write(
        data_dir,
        "rohrbach2018object.bib",
        NEW_BIB.replace("Object Hallucination in Image Captioning", hostile).replace(
            "https://arxiv.org/abs/1809.02156", "javascript:alert(1)"
        ),
    )
    write(data_dir, "rohrbach2018object.yaml", NEW_YAML.replace("https://github.com/LisaAnne/Hallucination", "null"))
    text = to_markdown(summarise(data_dir, str(FIXTURE_DATA), neighbours=0))
    assert "<script>" not in text and not re.search(r"(?<!\\)\[click", text)
    assert (
        "### New: &lt;script&gt;alert(1)&lt;/script&gt; \\| \\[click\\](javascript:alert(1)) "
        "\\*\\*bold\\*\\* \\`code\\`"
    ) in text
    assert "[arXiv:1809.02156](https://arxiv.org/abs/1809.02156)" in text  # links are built from the id, not the url


@pytest.mark.parametrize(
    "text, safe", [("a|b", "a\\|b"), ("<b>", "&lt;b&gt;"), ("x\ny", "x y"), ("[l](u)", "\\[l\\](u)")]
)
def test_md_escaping(text, safe):
    assert md(text) == safe


def test_compared_with_a_git_ref(tmp_path, capsys):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE_DATA, repo / "data")
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "data", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "base", cwd=repo)
    add_new_paper(repo / "data")  # uncommitted, as a contributor's working tree
    assert main(["validate", "--data", str(repo / "data"), "--summary"]) == 0
    out = capsys.readouterr().out
    assert "Compared with `HEAD`: **1 new paper**" in out and "### New: Object Hallucination in Image Captioning" in out
    git("add", "data", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "add", cwd=repo)
    main(["validate", "--data", str(repo / "data"), "--summary", "--base", "HEAD~1"])
    assert "Compared with `HEAD~1`: **1 new paper**" in capsys.readouterr().out
    main(["validate", "--data", str(repo / "data"), "--summary"])
    assert "No paper was added, changed or removed." in capsys.readouterr().out


def test_data_folder_new_at_the_base_ref(tmp_path, capsys):
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "x.md").write_text("x")
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "docs", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "base", cwd=repo)
    shutil.copytree(FIXTURE_DATA, repo / "data")
    main(["validate", "--data", str(repo / "data"), "--summary", "--base", "main"])
    assert "**5 new papers**" in capsys.readouterr().out


def test_unknown_base(data_dir, tmp_path, capsys):
    assert main(["validate", "--data", str(data_dir), "--summary", "--base", "no-such-ref"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("atlas: error: cannot compare with 'no-such-ref': ")
    assert err.rstrip().endswith("pass --base with a git ref (HEAD, origin/main) or a data folder")


def test_new_vocabulary_terms_are_listed_for_review(tmp_path):
    from ingest.change_summary import summarise, to_markdown

    repo = repo_with_vocabulary(tmp_path / "repo", FIXTURE_DATA)
    techniques = repo / "vocabulary" / "techniques.yaml"
    techniques.write_text(
        techniques.read_text()
        + (
            "  - id: caption-metric\n    name: Caption metric\n    broader: evaluation-metric\n"
            "    definition: Scores generated captions against what the image is known to contain.\n"
        )
    )
    path = repo / "data" / "papers" / "li2023evaluating.yaml"
    path.write_text(path.read_text().replace("technique: [hallucination-benchmark]", "technique: [caption-metric]"))
    summary = summarise(repo / "data", "HEAD", neighbours=0, vocabulary_dir=repo / "vocabulary")
    assert summary.problems == []  # the new term is known to the changed vocabulary
    assert [(t.kind, t.id, t.broader) for t in summary.new_terms] == [
        ("technique", "caption-metric", "evaluation-metric")
    ]
    text = to_markdown(summary)
    assert "### New vocabulary terms" in text
    assert (
        "- technique `caption-metric` **Caption metric** (under `evaluation-metric`): Scores generated captions "
        "against what the image is known to contain."
    ) in text
    assert summarise(repo / "data", str(FIXTURE_DATA), neighbours=0, vocabulary_dir=repo / "vocabulary").new_terms == []


def test_a_base_from_before_topics_had_none_and_new_topics_are_listed(tmp_path):
    from ingest.change_summary import summarise, to_markdown

    repo = repo_with_vocabulary(tmp_path / "repo", FIXTURE_DATA)
    topics = (repo / "vocabulary" / "topics.yaml").read_text()
    git("rm", "-q", "vocabulary/topics.yaml", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "no topics", cwd=repo)
    (repo / "vocabulary" / "topics.yaml").write_text(topics)  # the pull request adds the file
    summary = summarise(repo / "data", "HEAD", neighbours=0, vocabulary_dir=repo / "vocabulary")
    new = {(t.kind, t.id, t.broader) for t in summary.new_terms}
    assert ("topic", "hallucination", "trustworthiness") in new and all(kind == "topic" for kind, _, _ in new)
    assert "- topic `object-hallucination` **Object hallucination** (under `hallucination`)" in to_markdown(summary)
