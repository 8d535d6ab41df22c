"""What a contributor picks for a new paper's annotation: leaves (each with its why), models,
techniques, modalities, granularity and summary, as :class:`Choices`.

The Contribute page builds Choices from its pickers and ``atlas add`` from ``--leaf``, ``--model``,
``--technique`` and ``--modality``; ``ingest.scaffold.annotation_template`` writes them. The lists a
picker offers (:func:`term_options`, :func:`leaf_options`) show names and store ids. A term given
on the command line is looked up by id, name or alias with the vocabulary's own rules, and an
unknown one is reported with the closest ids by the validator's own message.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.annotations import load_schema
from ingest.errors import AtlasError
from ingest.validate import unknown_term
from taxonomy import Taxonomy
from taxonomy.vocabulary import Vocabulary

# Annotation field of each kind of term, in the order the template writes them.
TERM_FIELDS = {"modality": "modalities", "model": "models", "technique": "technique"}


class PickError(AtlasError):
    """A term or leaf given by the contributor is unknown; ``reasons`` lists each with the closest ids."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


@dataclass(frozen=True)
class Choices:
    """The decided parts of an annotation. ``None`` leaves a field as the TODO placeholder; an empty
    tuple writes ``[]`` (for models: no model in particular)."""

    categories: tuple[tuple[str, str], ...] = ()  # (leaf id, why; "" while the why is still to write)
    modalities: tuple[str, ...] | None = None
    models: tuple[str, ...] | None = None
    technique: tuple[str, ...] | None = None
    granularity: str | None = None
    summary: str | None = None

    def terms(self, kind: str) -> tuple[str, ...] | None:
        return getattr(self, TERM_FIELDS[kind])

    def with_named(self, named: dict[str, list[str]]) -> Choices:
        """These choices plus the terms a title or abstract names (``atlas add``: both are kept)."""
        merged = {}
        for kind, name in TERM_FIELDS.items():
            ids = list(dict.fromkeys([*named.get(kind, []), *(self.terms(kind) or ())]))
            merged[name] = tuple(ids) if ids else self.terms(kind)
        return Choices(self.categories, granularity=self.granularity, summary=self.summary, **merged)


# --- what the pickers offer ----------------------------------------------------------------------


def term_options(vocabulary: Vocabulary, kind: str) -> dict[str, str]:
    """id -> label for a picker, in display order: each family followed by its models ("LLaVA-1.5 ·
    LLaVA family"), each broad technique by its narrower ones ("Integrated gradients · under
    Gradient-based attribution"). Typing in the picker filters by the label."""
    terms = vocabulary.terms(kind)
    options = {}
    for term_id, _depth in vocabulary.walk(kind):
        term = terms[term_id]
        if term.kind == "family":
            label = f"{term.name} (any of its models, when the paper names only the family)"
        elif term.broader is None:
            label = term.name
        elif kind == "model":
            label = f"{term.name} · {terms[term.broader].name}"
        else:
            label = f"{term.name} · under {terms[term.broader].name}"
        options[term_id] = label
    return options


def leaf_options(taxonomy: Taxonomy) -> dict[str, str]:
    """leaf id -> its path name ("Model › Token › Visual Token"), in tree order."""
    return {node.id: taxonomy.path_name(node.id) for node in taxonomy.walk() if node.is_leaf}


# --- what the command line names ------------------------------------------------------------------


def pick_choices(
    vocabulary: Vocabulary,
    taxonomy: Taxonomy,
    models: Iterable[str] = (),
    techniques: Iterable[str] = (),
    modalities: Iterable[str] = (),
    leaves: Iterable[str] = (),
) -> Choices:
    """Choices from ids, names or aliases as typed; PickError lists every unknown one with the closest ids."""
    reasons: list[str] = []
    found: dict[str, tuple[str, ...] | None] = {}
    for kind, given in (("model", models), ("technique", techniques), ("modality", modalities)):
        ids = []
        for text in given:
            term_id = vocabulary.resolve(kind, text)
            if term_id is None:
                reasons.append(f"--{kind} '{text}': {unknown_term(vocabulary, kind, text)}")
            else:
                ids.append(term_id)
        found[TERM_FIELDS[kind]] = tuple(dict.fromkeys(ids)) or None
    categories: list[tuple[str, str]] = []
    for text in leaves:
        leaf = _leaf_id(taxonomy, text)
        if leaf is None:
            reasons.append(f"--leaf '{text}': {_unknown_leaf(taxonomy, text)}")
        elif leaf not in dict(categories):
            categories.append((leaf, ""))
    if reasons:
        raise PickError(reasons)
    return Choices(tuple(categories), found["modalities"], found["models"], found["technique"])


def _leaf_id(taxonomy: Taxonomy, text: str) -> str | None:
    """The leaf whose id, name or path name is ``text`` (case ignored)."""
    wanted = " ".join(text.split()).casefold()
    for leaf_id, path in leaf_options(taxonomy).items():
        if wanted in (leaf_id, taxonomy[leaf_id].name.casefold(), path.casefold()):
            return leaf_id
    return None


def _unknown_leaf(taxonomy: Taxonomy, text: str) -> str:
    options = leaf_options(taxonomy)
    names = {taxonomy[i].name.casefold(): i for i in options}
    close = difflib.get_close_matches(text.casefold(), [*options, *names], n=6, cutoff=0.5)
    closest = list(dict.fromkeys(names.get(c, c) for c in close))[:3]
    hint = f"closest leaves: {', '.join(closest)}; " if closest else ""
    return (
        f"not a leaf of the taxonomy: {hint}give a leaf id or name from taxonomy/tree.yaml (all: {', '.join(options)})"
    )


def granularities() -> list[str]:
    """The granularity values the annotation schema allows, in its order."""
    return list(load_schema()["properties"]["granularity"]["enum"])
