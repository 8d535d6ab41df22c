"""Load and check the controlled vocabulary in ``taxonomy/vocabulary/``: models (with their kinds and
families), techniques (a shallow hierarchy of broader and narrower terms), modalities, and topics (the
phenomena, abilities, risks and application areas papers study; no annotation names them: related-work
search finds them in the papers' own text).

Annotations name terms by id. This module is the one place that knows how ids, names and aliases
relate: looking a spelling up, suggesting the closest ids for an unknown one, finding the terms a
title or abstract mentions, and counting papers per term with narrower terms included. Like the
tree, it is plain frozen dataclasses; nothing here touches the database.
"""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, lru_cache
from pathlib import Path

import jsonschema
import yaml

from taxonomy.text import SAFE_LOADER, count, fold_ascii
from taxonomy.tree import TaxonomyError

VOCABULARY_DIR = Path(__file__).with_name("vocabulary")
SCHEMA_FILE = "vocabulary.schema.json"
# What an annotation field may hold, and the file each kind of term lives in.
FIELDS = {"model": "models", "technique": "technique", "modality": "modalities"}
FILES = {"model": "models.yaml", "technique": "techniques.yaml", "modality": "modalities.yaml"}
# Kinds with a hierarchy of broader and narrower terms: the annotation fields', and topics (no annotation field).
HIERARCHY_KINDS = (*FIELDS, "topic")
_SECTIONS = {
    "models.yaml": ("kinds", "families", "models"),
    "techniques.yaml": ("techniques",),
    "modalities.yaml": ("modalities",),
    "topics.yaml": ("topics",),
}


@dataclass(frozen=True)
class Issue:
    """One problem in a vocabulary file, at the line of the term it concerns."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class VocabularyError(TaxonomyError):
    """The vocabulary files are malformed; ``issues`` lists every problem, each at its line."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        more = f" (and {count(len(issues) - 1, 'more problem')}: run `atlas validate`)" if len(issues) > 1 else ""
        super().__init__(f"{issues[0]}{more}")


@dataclass(frozen=True)
class Term:
    """A model, model family, technique or modality.

    ``broader`` is a technique's broader technique or a model's family: the term one level up.
    ``definition`` is written in the file for techniques and modalities, and composed from the
    facts for models and families.
    """

    kind: str  # model | family | technique | modality | topic
    id: str
    name: str
    definition: str
    aliases: tuple[str, ...] = ()
    broader: str | None = None
    path: Path | None = field(default=None, compare=False)
    line: int = field(default=1, compare=False)
    model_kind: str | None = None  # models: a kind id (mllm, vision-encoder, ...)
    organisation: str | None = None
    year: int | None = None
    homepage: str | None = None
    paper: str | None = None  # models: key of the introducing paper
    method: str | None = None  # techniques: id in methods/catalog.yaml
    single_paper: str | None = None  # techniques: why a term used by one paper is kept
    plain: str | None = None  # techniques, topics: what it is in everyday words (related-work search reads it)
    informal: tuple[str, ...] = ()  # techniques, topics: informal descriptions, never matched as names
    source: str | None = None  # models: the primary page that confirms organisation and year
    unconfirmed: tuple[str, ...] = ()  # models: facts no primary page could confirm


@dataclass(frozen=True)
class Vocabulary:
    models: dict[str, Term]  # in file order
    families: dict[str, Term]
    techniques: dict[str, Term]
    modalities: dict[str, Term]
    model_kinds: dict[str, Term]
    topics: dict[str, Term] = field(default_factory=dict)  # in file order; read by related-work search only

    def terms(self, kind: str) -> dict[str, Term]:
        """What an annotation field of ``kind`` (model, technique, modality) may name, models including
        families; or the topics (``kind`` "topic"), which no annotation field names."""
        if kind == "model":
            return {**self.families, **self.models}
        return {"technique": self.techniques, "modality": self.modalities, "topic": self.topics}[kind]

    def term(self, kind: str, term_id: str) -> Term | None:
        return self.terms(kind).get(term_id)

    def label(self, kind: str, term_id: str) -> str:
        """The display name of a term (the id itself when unknown, e.g. in an old database)."""
        term = self.term(kind, term_id)
        return term.name if term else term_id

    # --- the hierarchy ---------------------------------------------------------------------------

    def ancestors(self, kind: str, term_id: str) -> list[str]:
        """Broader terms, nearest first: a technique's chain of broader techniques, a model's family."""
        terms, chain = self.terms(kind), []
        broader = terms[term_id].broader if term_id in terms else None
        while broader is not None and broader not in chain:
            chain.append(broader)
            broader = terms[broader].broader if broader in terms else None
        return chain

    def narrower(self, kind: str, term_id: str) -> list[str]:
        """Terms one level down: a technique's narrower techniques, a family's models."""
        return self._children_by_kind[kind].get(term_id, [])

    def descendants(self, kind: str, term_id: str) -> list[str]:
        """Every term below ``term_id``, depth first in file order."""
        out: list[str] = []
        for child in self.narrower(kind, term_id):
            out.append(child)
            out.extend(self.descendants(kind, child))
        return out

    def expand(self, kind: str, term_ids: Iterable[str]) -> set[str]:
        """The terms and all their broader terms: what choosing any of those should find."""
        out: set[str] = set()
        for term_id in term_ids:
            out.add(term_id)
            out.update(self.ancestors(kind, term_id))
        return out

    def roots(self, kind: str) -> list[str]:
        """Terms with no broader term (for techniques: the broad families)."""
        return [t.id for t in self.terms(kind).values() if t.broader is None]

    def walk(self, kind: str) -> list[tuple[str, int]]:
        """(id, depth) in display order: each root followed by its narrower terms."""
        out: list[tuple[str, int]] = []

        def visit(term_id: str, depth: int) -> None:
            out.append((term_id, depth))
            for child in self.narrower(kind, term_id):
                visit(child, depth + 1)

        for root in self.roots(kind):
            visit(root, 0)
        return out

    @cached_property
    def _children_by_kind(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for kind in HIERARCHY_KINDS:
            children: dict[str, list[str]] = {}
            for term in self.terms(kind).values():
                if term.broader is not None:
                    children.setdefault(term.broader, []).append(term.id)
            out[kind] = children
        return out

    # --- spellings -------------------------------------------------------------------------------

    def resolve(self, kind: str, text: str) -> str | None:
        """The id whose id, name or alias is ``text`` (ignoring case, accents, punctuation and, but for
        models, a plural s)."""
        return self._spellings_by_kind[kind].get(_key(kind, text))

    def suggest(self, kind: str, text: str, limit: int = 3) -> list[str]:
        """The ids closest to an unknown spelling: an exact alias first, then terms the text names
        (longest first, so 'LLaVA-1.5 and nine other LVLMs' gives llava-1.5), then similar spellings."""
        spellings = self._spellings_by_kind[kind]
        folded = _key(kind, text)
        found: list[str] = []
        if folded in spellings:
            found.append(spellings[folded])
        padded = f" {folded} "
        named = sorted((s for s in spellings if len(s) > 2 and f" {s} " in padded), key=len, reverse=True)
        found += [spellings[s] for s in named]
        found += [spellings[s] for s in difflib.get_close_matches(folded, list(spellings), n=limit * 3, cutoff=0.6)]
        return list(dict.fromkeys(found))[:limit]

    def mentions(self, kind: str, text: str) -> list[str]:
        """Ids of the terms whose aliases (or names) appear in ``text`` as whole words, in order of
        appearance; the longest match wins at each position ('LLaVA-1.5' is not also 'LLaVA').
        Model names are matched case-sensitively (CLIP, not a video clip); techniques and modalities
        ignore case and a plural s."""
        patterns = self._patterns_by_kind[kind]
        tokens = _tokens(text, keep_case=kind == "model")
        longest = max((len(p) for p in patterns), default=0)
        found, i = [], 0
        while i < len(tokens):
            for size in range(min(longest, len(tokens) - i), 0, -1):
                term_id = patterns.get(tuple(tokens[i : i + size]))
                if term_id is not None:
                    found.append(term_id)
                    i += size
                    break
            else:
                i += 1
        return list(dict.fromkeys(found))

    @cached_property
    def _spellings_by_kind(self) -> dict[str, dict[str, str]]:
        return {
            kind: {_key(kind, s): t.id for t in self.terms(kind).values() for s in (t.id, t.name, *t.aliases)}
            for kind in FIELDS
        }

    @cached_property
    def _patterns_by_kind(self) -> dict[str, dict[tuple[str, ...], str]]:
        out = {}
        for kind in FIELDS:
            keep_case = kind == "model"
            patterns: dict[tuple[str, ...], str] = {}
            for term in self.terms(kind).values():
                # Techniques and modalities are found by their aliases only: names such as
                # "Evaluation" or "Probing" are too common in abstracts to mean the technique.
                spellings = (term.name, *term.aliases) if keep_case else term.aliases
                for spelling in spellings:
                    tokens = tuple(_tokens(spelling, keep_case))
                    if tokens:
                        patterns.setdefault(tokens, term.id)
            out[kind] = patterns
        return out


def _key(kind: str, text: str) -> str:
    """The form spellings are compared in: lower case, no accents or punctuation, and for techniques
    and modalities singular."""
    return " ".join(_tokens(text, keep_case=False, singular=kind != "model"))


def _tokens(text: str, keep_case: bool, singular: bool = True) -> list[str]:
    ascii_text = fold_ascii(str(text), keep_case=True)
    words = re.findall(r"[A-Za-z0-9]+", ascii_text)
    if keep_case:
        return words
    words = [w.casefold() for w in words]
    return [_singular(w) for w in words] if singular else words


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def count_papers(vocabulary: Vocabulary, kind: str, papers: Iterable[Iterable[str]]) -> Counter:
    """Papers per term, each paper counted once for every term it names and every broader term of those."""
    counts: Counter = Counter()
    for term_ids in papers:
        counts.update(vocabulary.expand(kind, [t for t in term_ids if vocabulary.term(kind, t)]))
    return counts


# --- loading and checking ----------------------------------------------------------------------------


@cache
def load_vocabulary(folder: Path = VOCABULARY_DIR) -> Vocabulary:
    """Read and check the three vocabulary files; VocabularyError lists every problem at its line."""
    vocabulary, issues = read_vocabulary(folder)
    if vocabulary is None:
        raise VocabularyError(issues)
    return vocabulary


def read_vocabulary(
    folder: Path = VOCABULARY_DIR, added: Iterable[tuple[str, dict]] = ()
) -> tuple[Vocabulary | None, list[Issue]]:
    """The vocabulary and every problem found in it (the vocabulary is None when there are problems).

    ``added`` (kind, record) terms are appended to the end of their files' texts in memory, in order, as a
    contributor adds them: each kind's list is the last section of its file, so an entry appended there
    belongs to it, and a problem is reported at the line it will have in the file.

    Read again only when a file changed: every build and validation asks for it."""
    folder = Path(folder).resolve()
    stamp = (
        tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*")) if p.is_file())
        if folder.is_dir()
        else ()
    )
    appended = tuple((FILES[kind], term_snippet(record)) for kind, record in added)
    return _read_folder(folder, stamp, appended)


@lru_cache(maxsize=8)
def _read_folder(
    folder: Path, stamp: tuple, appended: tuple[tuple[str, str], ...]
) -> tuple[Vocabulary | None, list[Issue]]:
    texts: dict[str, str | OSError] = {name: _read_text(folder / name) for name in (*_SECTIONS, SCHEMA_FILE)}
    for name, snippet in appended:
        text = texts[name]
        if isinstance(text, str):
            texts[name] = text + ("" if text.endswith("\n") else "\n") + snippet
    return parse_vocabulary(folder, texts)


def _read_text(path: Path) -> str | OSError:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        return exc


def parse_vocabulary(folder: Path, texts: Mapping[str, str | OSError]) -> tuple[Vocabulary | None, list[Issue]]:
    """The vocabulary from the texts of its files (by file name; the error for a file that could not be read,
    nothing for a missing one), with problems reported at their lines in ``folder``'s files."""
    records: dict[str, list[tuple[dict, Path, int]]] = {}
    issues: list[Issue] = []
    for name, sections in _SECTIONS.items():
        path = folder / name
        data, lines, found = _read_file(path, _text_of(texts, name), _text_of(texts, SCHEMA_FILE))
        issues += found
        for section in sections:
            items = data.get(section) if isinstance(data, dict) else None
            records[section] = [
                (item, path, lines.get((section, i), 1)) for i, item in enumerate(items or []) if isinstance(item, dict)
            ]
    for sections in (("kinds",), ("families", "models"), ("techniques",), ("modalities",), ("topics",)):
        issues += _duplicate_ids([record for section in sections for record in records[section]])
    if issues:
        return None, issues
    vocabulary = _build(records)
    issues = _check(vocabulary)
    return (None, issues) if issues else (vocabulary, [])


def _text_of(texts: Mapping[str, str | OSError], name: str) -> str | OSError:
    """A file's text, or why it cannot be read (a file missing from ``texts`` is missing from the folder)."""
    text = texts.get(name)
    return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name) if text is None else text


def _duplicate_ids(records: list[tuple[dict, Path, int]]) -> list[Issue]:
    """Two entries with one id (reported at the later one: the first keeps it)."""
    issues: list[Issue] = []
    first: dict[str, tuple[Path, int]] = {}
    for record, path, line in records:
        other = first.setdefault(record["id"], (path, line))
        if other != (path, line):
            issues.append(
                Issue(
                    path,
                    line,
                    f"id '{record['id']}' is already used at {other[0].name}:{other[1]}: "
                    "ids are unique; rename this entry or merge the two",
                )
            )
    return issues


def _read_file(path: Path, text: str | OSError, schema: str | OSError) -> tuple[object, dict[tuple, int], list[Issue]]:
    if isinstance(text, OSError):
        reason = text.strerror or text
        return None, {}, [Issue(path, 1, f"cannot read the vocabulary file ({reason}): restore it from git")]
    try:
        loader = SAFE_LOADER(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, {}, [Issue(path, mark.line + 1 if mark else 1, f"invalid YAML: {getattr(exc, 'problem', exc)}")]
    lines = _item_lines(node)
    if isinstance(schema, OSError):
        raise schema  # a checkout without the schema is broken beyond what a contributor's edit can cause
    if surely_valid(_inlined_schema(schema), data):
        return data, lines, []
    issues = [
        Issue(
            path,
            _line_of(lines, tuple(e.absolute_path)),
            f"{'/'.join(map(str, e.absolute_path)) or 'file'}: {e.message} (see {SCHEMA_FILE})",
        )
        for e in _validator(schema).iter_errors(data)
    ]
    return data, lines, issues


# What surely_valid knows. Any other keyword in a schema sends the instance to jsonschema.
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description"})
_KNOWN = _ANNOTATIONS | {"type", "properties", "required", "additionalProperties", "items", "enum", "pattern"}
_KNOWN |= {"minLength", "maxLength", "minimum", "maximum", "uniqueItems"}
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),  # not bool (below); a float such as 3.0, which jsonschema would take, goes to jsonschema
    "number": (int, float),
    "boolean": (bool,),
}


def surely_valid(schema: object, data: object) -> bool:
    """True when ``data`` satisfies ``schema`` (refs inlined) for certain; False when it may not, and then
    jsonschema checks it and names every problem. A few times faster than jsonschema on the vocabulary, which
    every build reads: it knows only the keywords vocabulary.schema.json uses, and is strict where they have
    subtleties (a bool is no integer, enum and uniqueItems only of strings), so that anything unusual is left
    to jsonschema rather than accepted."""
    if schema is True:
        return True
    if not isinstance(schema, dict) or not _KNOWN.issuperset(schema):
        return False
    kind = schema.get("type")
    if kind is not None and (
        not isinstance(kind, str)
        or kind not in _TYPES
        or not isinstance(data, _TYPES[kind])
        or (isinstance(data, bool) and kind != "boolean")
    ):
        return False
    if isinstance(data, dict):
        return _object_valid(schema, data)
    if isinstance(data, list):
        return _array_valid(schema, data)
    if isinstance(data, str):
        return _string_valid(schema, data)
    if isinstance(data, int | float) and not isinstance(data, bool):
        return schema.get("minimum", data) <= data <= schema.get("maximum", data) and "enum" not in schema
    return "enum" not in schema


def _object_valid(schema: dict, data: dict) -> bool:
    properties = schema.get("properties", {})
    if "enum" in schema or not all(name in data for name in schema.get("required", ())):
        return False
    extra = schema.get("additionalProperties", True)
    for name, value in data.items():
        if name in properties:
            if not surely_valid(properties[name], value):
                return False
        elif extra is False or (extra is not True and not surely_valid(extra, value)):
            return False
    return True


def _array_valid(schema: dict, data: list) -> bool:
    if "enum" in schema:
        return False
    if schema.get("uniqueItems") and not (all(isinstance(x, str) for x in data) and len(set(data)) == len(data)):
        return False
    items = schema.get("items")
    return items is None or all(surely_valid(items, x) for x in data)


def _string_valid(schema: dict, data: str) -> bool:
    if "enum" in schema and not (data in schema["enum"] and all(isinstance(v, str) for v in schema["enum"])):
        return False
    if not schema.get("minLength", 0) <= len(data) <= schema.get("maxLength", len(data)):
        return False
    pattern = schema.get("pattern")
    return pattern is None or re.search(pattern, data) is not None


@cache
def _validator(schema_text: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_inlined_schema(schema_text))


@cache
def _inlined_schema(schema_text: str) -> dict:
    schema = json.loads(schema_text)
    return _inline_refs(schema, schema.get("$defs", {}))


def _inline_refs(node, definitions: dict):
    """The schema with each local ``#/$defs/...`` reference replaced by its definition: resolving
    hundreds of references one by one dominates the time of a validation otherwise."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):  # siblings of the reference (a description) are kept beside it
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return _inline_refs({**definitions[ref.rsplit("/", 1)[1]], **siblings}, definitions)
        return {k: _inline_refs(v, definitions) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, definitions) for v in node]
    return node


def _item_lines(node: yaml.Node | None) -> dict[tuple, int]:
    """Line of every list item of every top-level section, and of each field inside an item."""
    lines: dict[tuple, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        lines[(key.value,)] = key.start_mark.line + 1
        if isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value):
                lines[(key.value, i)] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode):
                    for field_key, _ in item.value:
                        lines[(key.value, i, field_key.value)] = field_key.start_mark.line + 1
    return lines


def _line_of(lines: dict[tuple, int], path: tuple) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _build(records: dict[str, list[tuple[dict, Path, int]]]) -> Vocabulary:
    kinds = {r["id"]: _term("kind", r, path, line) for r, path, line in records["kinds"]}
    families = {r["id"]: _term("family", r, path, line) for r, path, line in records["families"]}
    models = {
        r["id"]: _term("model", r, path, line, broader=r.get("family"), model_kind=r["kind"])
        for r, path, line in records["models"]
    }
    vocabulary = Vocabulary(
        models={k: _with_definition(m, _model_definition(m, kinds, families)) for k, m in models.items()},
        families={k: _with_definition(f, _family_definition(f, models)) for k, f in families.items()},
        techniques={
            r["id"]: _term("technique", r, path, line, broader=r.get("broader"))
            for r, path, line in records["techniques"]
        },
        modalities={r["id"]: _term("modality", r, path, line) for r, path, line in records["modalities"]},
        model_kinds=kinds,
        topics={
            r["id"]: _term("topic", r, path, line, broader=r.get("broader")) for r, path, line in records["topics"]
        },
    )
    return vocabulary


def _term(kind: str, record: dict, path: Path, line: int, **extra) -> Term:
    written = record.get("note" if kind == "model" else "definition") or ""  # a model's note joins its definition
    return Term(
        kind=kind,
        id=record["id"],
        name=record["name"],
        definition=" ".join(str(written).split()),
        aliases=tuple(record.get("aliases", ())),
        path=path,
        line=line,
        organisation=record.get("organisation"),
        year=record.get("year"),
        homepage=record.get("homepage"),
        paper=record.get("paper"),
        method=record.get("method"),
        single_paper=record.get("single_paper"),
        plain=" ".join(str(record["plain"]).split()) if record.get("plain") else None,
        informal=tuple(record.get("informal", ())),
        source=record.get("source"),
        unconfirmed=tuple(record.get("unconfirmed", ())),
        **extra,
    )


def _with_definition(term: Term, definition: str) -> Term:
    return replace(term, definition=definition)


def _model_definition(model: Term, kinds: dict[str, Term], families: dict[str, Term]) -> str:
    """'Multimodal LLM of the LLaVA family, released in 2023 by ...' plus the file's note, if any."""
    what = kinds[model.model_kind].name if model.model_kind in kinds else (model.model_kind or "Model")
    family = f" of the {families[model.broader].name}" if model.broader in families else ""
    when = f", released in {model.year}" if model.year else ""
    who = f" by {model.organisation}" if model.organisation else ""
    note = f" {model.definition}" if model.definition else ""
    return f"{what}{family}{when}{who}.{note}"


def _family_definition(family: Term, models: dict[str, Term]) -> str:
    members = [m.name for m in models.values() if m.broader == family.id]
    who = f" by {family.organisation}" if family.organisation else ""
    return f"Models that share a lineage{who}: {', '.join(members)}."


def _check(vocabulary: Vocabulary) -> list[Issue]:
    issues: list[Issue] = []
    for term in vocabulary.models.values():
        if term.broader is not None and term.broader not in vocabulary.families:
            issues.append(
                _issue(
                    term,
                    f"model '{term.id}' names unknown family '{term.broader}': use one of "
                    f"{', '.join(vocabulary.families)} or add the family",
                )
            )
        if term.model_kind not in vocabulary.model_kinds:
            issues.append(
                _issue(
                    term,
                    f"model '{term.id}' has unknown kind '{term.model_kind}': use one of "
                    f"{', '.join(vocabulary.model_kinds)}",
                )
            )
    for family in vocabulary.families.values():
        if not vocabulary.narrower("model", family.id):
            issues.append(
                _issue(family, f"family '{family.id}' has no model: give its models `family: {family.id}` or remove it")
            )
    issues += _hierarchy_issues(vocabulary, "technique") + _hierarchy_issues(vocabulary, "topic")
    for kind in HIERARCHY_KINDS:
        issues += _clashes(kind, vocabulary.terms(kind).values())
    issues += _clashes("model", vocabulary.model_kinds.values())
    return issues


def _hierarchy_issues(vocabulary: Vocabulary, kind: str) -> list[Issue]:
    """A technique's or topic's broader term must be one of its file, and no term may be its own broader term."""
    issues: list[Issue] = []
    terms = vocabulary.terms(kind)
    for term in terms.values():
        if term.broader is not None and term.broader not in terms:
            issues.append(
                _issue(
                    term,
                    f"{kind} '{term.id}' names unknown broader {kind} '{term.broader}': "
                    f"use the id of a {kind} in this file",
                )
            )
        elif term.id in vocabulary.ancestors(kind, term.id):
            issues.append(
                _issue(
                    term,
                    f"{kind} '{term.id}' is its own broader {kind} (through "
                    f"{' -> '.join(vocabulary.ancestors(kind, term.id))}): break the cycle",
                )
            )
    return issues


def _clashes(kind: str, terms: Iterable[Term]) -> list[Issue]:
    """A spelling (id, name or alias, compared as lookups compare them) may belong to one term only."""
    issues: list[Issue] = []
    owner: dict[str, Term] = {}
    for term in terms:
        spellings = {_key(kind, s): s for s in reversed((term.id, term.name, *term.aliases))}  # first spelling wins
        for key, spelling in spellings.items():
            other = owner.setdefault(key, term)
            if other is not term:
                issues.append(
                    _issue(
                        term,
                        f"'{spelling}' of '{term.id}' is already a spelling of '{other.id}' "
                        f"({other.path.name if other.path else ''}:{other.line}): each id, name and "
                        "alias may name one term only",
                    )
                )
    return issues


# --- proposing a new term ---------------------------------------------------------------------------


def term_record(
    kind: str,
    term_id: str,
    name: str,
    text: str = "",
    aliases: str = "",
    broader: str | None = None,
    model_kind: str | None = None,
    organisation: str = "",
    year: int | None = None,
    homepage: str = "",
) -> dict:
    """A new model or technique as its vocabulary file writes it, from a form's fields. ``text`` is a
    technique's definition or a model's note (a model's definition is composed from its facts);
    ``aliases`` is comma-separated; ``broader`` is a technique's broader technique or a model's family."""
    record: dict = {"id": term_id.strip(), "name": " ".join(name.split())}
    if kind == "model":
        record |= {"family": broader, "kind": model_kind, "organisation": organisation.strip(), "year": year}
        record |= {"aliases": _split_aliases(aliases), "homepage": homepage.strip(), "note": " ".join(text.split())}
    else:
        record |= {"broader": broader, "definition": " ".join(text.split()), "aliases": _split_aliases(aliases)}
    return {k: v for k, v in record.items() if v not in (None, "", [])}


def _split_aliases(text: str) -> list[str]:
    return list(dict.fromkeys(a for a in (" ".join(part.split()) for part in text.split(",")) if a))


def term_snippet(record: dict) -> str:
    """The record as a list item indented like the entries of the vocabulary files."""
    dumped = yaml.safe_dump([record], sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"  {line}" for line in dumped.splitlines(keepends=True))


def propose_term(
    kind: str, record: dict, pending: Iterable[tuple[str, dict]] = (), folder: Path = VOCABULARY_DIR
) -> tuple[str, list[Issue]]:
    """The snippet to add at the end of the kind's file, and every problem the vocabulary's own checks
    (schema, ids, families, broader terms, clashing spellings) find once it is added after the ``pending``
    terms already proposed, at the line it would have there."""
    _, issues = read_vocabulary(folder, added=[*pending, (kind, record)])
    shown = Path("taxonomy") / "vocabulary"
    return term_snippet(record), [Issue(shown / issue.path.name, issue.line, issue.message) for issue in issues]


def _issue(term: Term, message: str) -> Issue:
    return Issue(term.path or Path(FILES.get(term.kind, "models.yaml")), term.line, message)
