"""`atlas add` from the command line: a file, standard input or an arXiv id (recorded answers, no network)."""

from __future__ import annotations

import io
import socket
from urllib.error import URLError

import pytest
from contribute_support import recorded

import ingest.arxiv as arxiv
from cli.main import main

ENTRY = (
    "@article{whatever2018,\n  title={Object hallucination in image captioning},\n"
    "  author={Rohrbach, Anna and Hendricks, Lisa Anne and Burns, Kaylee and Darrell, Trevor and Saenko, Kate},\n"
    "  journal={arXiv preprint arXiv:1809.02156},\n  year={2018}\n}\n"
)


def papers(data_dir) -> list[str]:
    return sorted(p.name for p in (data_dir / "papers").iterdir())


def test_add_from_a_file(data_dir, tmp_path, capsys):
    source = tmp_path / "paper.bib"
    source.write_text(ENTRY)
    assert main(["add", str(source), "--data", str(data_dir)]) == 0
    out, err = capsys.readouterr()
    assert "added rohrbach2018object: " in out and "rohrbach2018object.yaml" in out
    assert "next: replace every TODO in the .yaml file(s), run `atlas validate --strict`" in out
    assert "note: rohrbach2018object: key 'whatever2018' -> 'rohrbach2018object'" in err
    assert (data_dir / "papers" / "rohrbach2018object.bib").read_text().startswith("@misc{rohrbach2018object,\n")
    # the new paper fails validation only for its TODOs, each at its line
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert out.count("still the placeholder TODO left by `atlas add`") == 6  # modalities: pre-filled from the title
    assert (
        "modalities: [image]  # named in the title or abstract"
        in (data_dir / "papers" / "rohrbach2018object.yaml").read_text()
    )
    assert "rohrbach2018object.yaml:23: error: categories/0/id: still the placeholder TODO" in out


def test_add_from_standard_input(data_dir, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(ENTRY.encode()), encoding="utf-8"))
    assert main(["add", "-", "--data", str(data_dir)]) == 0
    assert "rohrbach2018object.bib" in papers(data_dir)


def test_dry_run_writes_nothing(data_dir, monkeypatch, capsys):
    before = papers(data_dir)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(ENTRY.encode()), encoding="utf-8"))
    assert main(["add", "-", "--data", str(data_dir), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# data/papers/rohrbach2018object.bib\n@misc{rohrbach2018object,\n")
    assert "# data/papers/rohrbach2018object.yaml\n# yaml-language-server:" in out
    assert papers(data_dir) == before


def test_add_from_an_arxiv_id(data_dir, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(arxiv, "urllib_fetcher", recorded("1809.02156.xml", calls))
    assert main(["add", "arXiv:1809.02156", "--data", str(data_dir), "--timeout", "4"]) == 0
    assert calls == [("https://export.arxiv.org/api/query?id_list=1809.02156&max_results=1", 4.0)]
    assert "rohrbach2018object.yaml" in papers(data_dir)
    err = capsys.readouterr().err
    assert "note: rohrbach2018object: arXiv lists journal reference 'EMNLP 2018'" in err


def test_arxiv_paper_already_in_the_atlas_is_refused(data_dir, monkeypatch, capsys):
    before = papers(data_dir)
    calls: list = []
    monkeypatch.setattr(arxiv, "urllib_fetcher", recorded("2410.07149.xml", calls))
    assert main(["add", "arXiv 2410.07149", "--data", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "atlas: error: arXiv:2410.07149: this paper is already in the atlas as 'neo2024interpreting' (" in err
    assert calls == []  # refused before asking arXiv
    assert err.endswith("atlas: nothing was written\n")
    assert papers(data_dir) == before


def test_arxiv_timeout(data_dir, monkeypatch, capsys):
    def fake_urlopen(request, timeout):
        raise URLError(socket.timeout("timed out"))

    monkeypatch.setattr(arxiv, "urlopen", fake_urlopen)
    assert main(["add", "1809.02156", "--data", str(data_dir), "--timeout", "2"]) == 1
    assert capsys.readouterr().err == (
        "atlas: error: arXiv did not answer within 2 s for 1809.02156: try again later (or with a longer --timeout), "
        "or save the BibTeX entry from the paper's arXiv page and run `atlas add FILE`\n"
    )


def test_arxiv_malformed_answer(data_dir, monkeypatch, capsys):
    monkeypatch.setattr(arxiv, "urllib_fetcher", recorded("malformed-truncated.xml"))
    assert main(["add", "1809.02156", "--data", str(data_dir)]) == 1
    assert "atlas: error: arXiv's answer for 1809.02156 is not valid XML" in capsys.readouterr().err


def test_neither_file_nor_id(data_dir, capsys):
    assert main(["add", "no-such-file.bib", "--data", str(data_dir)]) == 1
    assert capsys.readouterr().err == (
        "atlas: error: 'no-such-file.bib' is neither a file nor an arXiv id: give a .bib "
        "file, - for standard input, or an arXiv id such as 2410.07149\n"
    )


def test_syntax_error_names_file_and_line(data_dir, tmp_path, capsys):
    source = tmp_path / "broken.bib"
    source.write_text("% my paper\n@misc{x,\n  title = {Unclosed,\n  year = 2024\n")
    assert main(["add", str(source), "--data", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert f"atlas: error: {source}:2: BibTeX syntax error" in err and err.endswith("atlas: nothing was written\n")


def test_not_utf8(data_dir, tmp_path, capsys):
    source = tmp_path / "latin1.bib"
    source.write_bytes("@misc{x, title={M\u00fcller}, author={A, B}, year={2024}}".encode("latin-1"))
    assert main(["add", str(source), "--data", str(data_dir)]) == 1
    assert capsys.readouterr().err == (
        f"{source}:1: not UTF-8 text (invalid start byte at byte 17): give a .bib file saved as UTF-8\n"
    )


def test_missing_data_folder(tmp_path, capsys):
    source = tmp_path / "paper.bib"
    source.write_text(ENTRY)
    assert main(["add", str(source), "--data", str(tmp_path / "nope")]) == 1
    assert "data folder not found" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--distinct-from"])
def test_distinct_from_flag(data_dir, tmp_path, capsys, flag):
    source = tmp_path / "near.bib"
    source.write_text(
        "@misc{x, title={Interpreting Visual Information Processing in Vision-Language Models}, "
        "author={Doe, Jane}, year={2024}}"
    )
    assert main(["add", str(source), "--data", str(data_dir)]) == 1
    assert "run again with --distinct-from neo2024interpreting" in capsys.readouterr().err
    assert main(["add", str(source), "--data", str(data_dir), flag, "neo2024interpreting"]) == 0
    assert "distinct_from: [neo2024interpreting]" in (data_dir / "papers" / "doe2024interpreting.yaml").read_text()


def test_add_picks_terms_by_id_name_or_alias_merged_with_the_prefill(data_dir, tmp_path, capsys):
    source = tmp_path / "paper.bib"
    source.write_text(ENTRY)
    picks = ["--leaf", "Benchmark", "--leaf", "model/token/visual-token", "--model", "llava 1.5"]
    picks += ["--model", "blip-2", "--technique", "logit lens", "--modality", "text"]
    assert main(["add", str(source), "--data", str(data_dir), *picks]) == 0
    text = (data_dir / "papers" / "rohrbach2018object.yaml").read_text()
    assert "  - id: data/benchmark\n    why: TODO" in text  # by name; the why is the contributor's to write
    assert "  - id: model/token/visual-token\n    why: TODO" in text
    assert "models: [llava-1.5, blip-2]  # ids from" in text  # an alias and an id, written as ids
    assert "technique: [logit-lens]  # ids from" in text
    # "image" is named by the title ("image captioning"), "text" was picked: both kept, pre-fill first
    assert "modalities: [image, text]  # named in the title or abstract: check them" in text
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert out.count("still the placeholder TODO left by `atlas add`") == 4  # two whys, granularity, summary


def test_add_refuses_an_unknown_term_with_the_closest_ids_and_writes_nothing(data_dir, tmp_path, capsys):
    source = tmp_path / "paper.bib"
    source.write_text(ENTRY)
    before = papers(data_dir)
    picks = ["--model", "LLaVA-2", "--technique", "atention-rollout", "--leaf", "model/tokn", "--modality", "image"]
    assert main(["add", str(source), "--data", str(data_dir), *picks]) == 1
    err = capsys.readouterr().err
    assert "atlas: error: --model 'LLaVA-2': unknown model 'LLaVA-2': closest ids: llava, llama-2" in err, (
        err
    )  # the validator's own message
    assert "use an id from taxonomy/vocabulary/models.yaml, or add the model there" in err
    assert "--technique 'atention-rollout': unknown technique 'atention-rollout': closest ids: attention-rollout" in err
    assert "--leaf 'model/tokn': not a leaf of the taxonomy: closest leaves: model/token/visual-token" in err
    assert "--modality" not in err  # a known one is not reported
    assert err.rstrip().endswith("atlas: nothing was written")
    assert papers(data_dir) == before


def test_an_unknown_term_fails_before_arxiv_is_asked(data_dir, monkeypatch, capsys):
    def never(url, timeout):
        raise AssertionError("arXiv was asked although a picked term is unknown")

    monkeypatch.setattr(arxiv, "urllib_fetcher", never)
    assert main(["add", "1809.02156", "--data", str(data_dir), "--technique", "no-such-technique"]) == 1
    assert "unknown technique 'no-such-technique'" in capsys.readouterr().err


def test_add_help_documents_the_pick_options(capsys):
    with pytest.raises(SystemExit):
        main(["add", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for option in ("--leaf LEAF", "--model MODEL", "--technique TECHNIQUE", "--modality MODALITY"):
        assert option in out
    assert "by id, name or alias" in out and "closest ids" in out
