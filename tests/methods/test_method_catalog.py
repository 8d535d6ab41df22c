"""The methods catalogue: content, conventions and the loader's validation."""

import re

import pytest
import yaml
from tests_paths import PROJECT

from methods.catalog import CATALOG_PATH, FIELDS, MethodEntry, UnknownMethodError, get_method, load_catalog

REQUIRED_IDS = {
    "integrated-gradients",
    "mm-shap",
    "attention-rollout",
    "attention-flow",
    "gradient-attention-relevancy",
    "grad-cam",
    "logit-lens",
    "activation-patching",
    "linear-probe",
    "tcav",
    "direct-logit-attribution",
    "sparse-autoencoder",
    "activation-steering",
    "visual-contrastive-decoding",
}
STOP_WORDS = {
    "a",
    "an",
    "the",
    "on",
    "of",
    "towards",
    "toward",
    "to",
    "for",
    "and",
    "in",
    "with",
    "from",
    "do",
    "does",
    "what",
    "how",
    "is",
    "are",
    "by",
    "at",
    "as",
    "or",
    "via",
    "into",
}
ROOT = PROJECT


def first_significant_word(title: str) -> str:
    for word in re.split(r"[\s\-/:]+", title):
        slug = re.sub(r"[^a-z0-9]", "", word.lower())
        if slug and slug not in STOP_WORDS:
            return slug
    raise AssertionError(f"no significant word in {title!r}")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_the_catalogue_covers_the_required_methods(catalog):
    ids = [e.id for e in catalog]
    assert len(ids) >= 14 and len(set(ids)) == len(ids)
    assert REQUIRED_IDS <= set(ids)
    assert all(isinstance(e, MethodEntry) for e in catalog)


@pytest.mark.parametrize("method_id", sorted(REQUIRED_IDS))
def test_every_implementation_path_imports(catalog, method_id):
    entry = next(e for e in catalog if e.id == method_id)
    assert entry.implementation.startswith("methods.")
    assert callable(entry.resolve())


def test_entries_are_complete_and_use_https_library_links(catalog):
    for e in catalog:
        assert e.name and e.leaves and e.paper_title and len(e.description) > 200, e.id
        assert e.libraries, e.id
        for lib in e.libraries:
            assert set(lib) == {"name", "url"} and lib["url"].startswith("https://"), (e.id, lib)
        assert set(e.to_dict()) == set(FIELDS)


def test_paper_keys_follow_the_key_convention(catalog):
    for e in catalog:
        m = re.fullmatch(r"([a-z]+)(\d{4})([a-z0-9]+)", e.paper)
        assert m, e.paper
        assert 1990 <= int(m.group(2)) <= 2030
        assert m.group(3) == first_significant_word(e.paper_title), (e.id, e.paper, e.paper_title)


def test_paper_keys_in_the_knowledge_base_name_the_same_paper(catalog):
    papers = ROOT / "data" / "papers"
    checked = 0
    for e in catalog:
        bib = papers / f"{e.paper}.bib"
        if not bib.exists():
            continue  # the canonical paper may be outside the knowledge base
        text = bib.read_text(encoding="utf-8")
        title = re.search(r"title\s*=\s*\{(.*)\},?\s*$", text, re.M).group(1)

        def norm(s):
            return re.sub(r"[^a-z0-9]+", " ", s.replace("\\&", "&").lower()).strip()

        assert norm(title) == norm(e.paper_title), (e.id, title)
        checked += 1
    if papers.exists():
        assert checked >= 1


def test_get_method_and_unknown_ids():
    assert get_method("tcav").paper == "kim2017interpretability"
    with pytest.raises(KeyError) as info:
        get_method("no-such-method")
    assert isinstance(info.value, UnknownMethodError)
    assert "no-such-method" in str(info.value) and "integrated-gradients" in str(info.value)


# --------------------------------------------------------------------------- validation


def good_entry(**overrides):
    entry = {
        "id": "toy-method",
        "name": "Toy method",
        "leaves": ["data/input-output"],
        "paper": "doe2020toy",
        "paper_title": "Toy Methods",
        "libraries": [{"name": "Lib", "url": "https://example.org/lib"}],
        "implementation": "methods.attribution.integrated_gradients",
        "description": "A toy description.",
    }
    entry.update(overrides)
    return entry


def write(tmp_path, entries, name="catalog.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path):
    path = write(tmp_path, [good_entry(), good_entry(id="other-method")])
    assert [e.id for e in load_catalog(path)] == ["toy-method", "other-method"]
    wrapped = write(tmp_path, {"methods": [good_entry()]}, "wrapped.yaml")
    assert [e.id for e in load_catalog(wrapped)] == ["toy-method"]


@pytest.mark.parametrize(
    "entries, expected",
    [
        ([good_entry(), good_entry()], "duplicate id"),
        ([good_entry(name="")], "missing required field(s): name"),
        ([{k: v for k, v in good_entry().items() if k != "paper"}], "missing required field(s): paper"),
        ([good_entry(libraries=[{"name": "Lib", "url": "ftp://example.org/lib"}])], "only http(s) URLs"),
        ([good_entry(libraries=[{"name": "Lib", "url": "javascript:alert(1)"}])], "only http(s) URLs"),
        ([good_entry(libraries=[{"name": "Lib", "url": "https://exa mple.org"}])], "only http(s) URLs"),
        ([good_entry(libraries=[{"name": "Lib"}])], "non-empty 'name' and a 'url'"),
        ([good_entry(leaves=["model/token"])], "unknown taxonomy leaf id(s) model/token"),
        ([good_entry(paper="Doe2020-Toy")], "'paper' must be a BibTeX key"),
        ([good_entry(implementation="not a path")], "'implementation' must be a dotted path"),
        ([good_entry(id="Toy Method")], "'id' must be lower-case words"),
        ([good_entry(colour="red")], "unknown field(s) colour"),
    ],
)
def test_invalid_entries_name_the_file_and_the_method(tmp_path, entries, expected):
    path = write(tmp_path, entries)
    with pytest.raises(ValueError) as info:
        load_catalog(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "method 'toy-method'" in message or "method 'Toy Method'" in message


def test_entries_without_an_id_are_named_by_position(tmp_path):
    entry = good_entry()
    del entry["id"]
    path = write(tmp_path, [good_entry(), entry])
    with pytest.raises(ValueError, match=r"entry #2: missing required field\(s\): id"):
        load_catalog(path)


def test_unreadable_or_malformed_files(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_catalog(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid YAML"):
        load_catalog(bad)
    with pytest.raises(ValueError, match="non-empty list"):
        load_catalog(write(tmp_path, {"id": "x"}, "mapping.yaml"))


def test_custom_leaf_ids_can_be_supplied(tmp_path):
    path = write(tmp_path, [good_entry(leaves=["custom/leaf"])])
    assert load_catalog(path, leaf_ids=["custom/leaf"])[0].leaves == ["custom/leaf"]


def test_the_default_path_is_the_shipped_yaml():
    assert CATALOG_PATH == ROOT / "methods" / "catalog.yaml"
