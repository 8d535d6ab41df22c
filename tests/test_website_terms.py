"""explorer.terms: the vocabulary read back from the knowledge base, and the technique and model pages' data."""

from __future__ import annotations

import pytest

from explorer import urls
from explorer.catalog import load_catalog
from explorer.db import open_session
from explorer.terms import UnknownTerm, load_terms, model_page, technique_page
from taxonomy.vocabulary import load_vocabulary


@pytest.fixture(scope="module")
def catalog(fixture_db):
    with open_session(fixture_db) as session:
        return load_catalog(session)


def test_the_stored_vocabulary_is_the_checked_one(fixture_db):
    with open_session(fixture_db) as session:
        stored = load_terms(session)
    files = load_vocabulary()
    for kind in ("model", "technique", "modality"):
        assert list(stored.terms(kind)) == list(files.terms(kind))  # every term, in file order
        for term_id, term in files.terms(kind).items():
            kept = stored.term(kind, term_id)
            assert (kept.name, kept.definition, kept.broader, kept.aliases) == (
                term.name,
                term.definition,
                term.broader,
                term.aliases,
            )
    assert stored.ancestors("technique", "visual-contrastive-decoding") == [
        "contrastive-decoding",
        "hallucination-mitigation",
    ]
    assert stored.model_kinds["mllm"].name == "Multimodal LLM"


def test_technique_page_has_definition_hierarchy_papers_and_method(catalog):
    page = technique_page(catalog, "logit-lens")
    assert (page.kind, page.name) == ("technique", "Logit lens") and page.definition.startswith(
        "Applies the model's final"
    )
    assert [(r.id, r.papers, r.href) for r in page.broader] == [("lens-decoding", 2, "./technique?id=lens-decoding")]
    assert page.method.text == "Logit lens" and page.method.href == "./methods?method=logit-lens"
    assert [p.key for p in page.papers] == ["neo2024interpreting", "nostalgebraist2020interpreting"]  # newest first
    assert [(leaf.leaf, [p.key for p in leaf.papers]) for leaf in page.by_leaf] == [
        ("model/token/visual-token", ["neo2024interpreting"]),
        ("model/layer/decision-making-workflow", ["neo2024interpreting", "nostalgebraist2020interpreting"]),
    ]
    assert page.by_leaf[1].path == "Model › Layer › Decision-Making Workflow"
    assert page.by_year == ((2020, 1), (2024, 1))
    assert [r.id for r in page.related_techniques] == ["attention-knockout", "token-ablation"]  # used with it
    assert [r.id for r in page.related_models] == ["gpt-2", "llava-1.5"]
    assert page.compare.href == "./compare?technique=logit-lens"


def test_a_broader_technique_page_collects_its_narrower_terms(catalog):
    page = technique_page(catalog, "causal-intervention")
    assert page.broader == () and page.method is None
    assert [r.id for r in page.narrower][:3] == ["activation-patching", "attention-knockout", "ablation"]
    assert {r.id: r.papers for r in page.narrower}["attention-knockout"] == 1
    assert [p.key for p in page.papers] == ["neo2024interpreting"]  # through token ablation and attention knockout


def test_model_page_has_facts_family_and_related_models(catalog):
    page = model_page(catalog, "llava-1.5")
    assert (page.kind, page.name) == ("model", "LLaVA-1.5")
    assert [(r.id, r.papers, r.href) for r in page.broader] == [("llava-family", 4, "./model?id=llava-family")]
    assert [(f.label, f.text) for f in page.facts][:3] == [
        ("Kind", "Multimodal LLM"),
        ("Organisation", "UW–Madison, Microsoft Research"),
        ("First released", "2023"),
    ]
    homepage = next(f for f in page.facts if f.label == "Homepage")
    assert homepage.href == "https://github.com/haotian-liu/LLaVA"
    assert [p.key for p in page.papers] == ["leng2024mitigating", "muller2024sehen", "neo2024interpreting"]
    assert page.related_models[0].id == "llava"  # its family first, then the models studied with it
    assert {"instructblip", "qwen-vl"} <= {r.id for r in page.related_models}
    assert {r.id for r in page.related_techniques} == {
        "attention-analysis",
        "attention-knockout",
        "contrastive-decoding",
        "logit-lens",
        "token-ablation",
    }


def test_family_page_lists_its_models_and_all_their_papers(catalog):
    page = model_page(catalog, "llava-family")
    assert page.kind == "family" and page.broader == ()
    assert [(r.id, r.papers) for r in page.narrower][:2] == [("llava", 1), ("llava-1.5", 3)]
    assert len(page.papers) == 4 and "LLaVA-1.5" in page.definition


def test_model_paper_links_only_when_the_paper_is_in_the_atlas(bundled_db):
    with open_session(bundled_db) as session:
        catalog = load_catalog(session)
    paper = next(f for f in model_page(catalog, "maira-2").facts if f.label == "Paper")
    assert paper.text == "MAIRA-2: Grounded Radiology Report Generation" and paper.href == "./paper?key=bannur2024maira"


def test_unknown_ids_name_the_closest(catalog):
    with pytest.raises(UnknownTerm, match=r"no technique 'logit lens' in the vocabulary \(closest: logit-lens"):
        technique_page(catalog, "logit lens")
    with pytest.raises(UnknownTerm, match="no model 'llava-2'"):
        model_page(catalog, "llava-2")


def test_term_page_urls():
    assert urls.technique("logit-lens").href == "./technique?id=logit-lens"
    assert urls.model("llava-family").file == "app_pages/model.py"
