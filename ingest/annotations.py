"""Read ``data/papers/<key>.yaml`` annotations and check them against the JSON Schema.

YAML is composed into nodes first so that every schema error can be reported at the line
of the value it concerns, not just at the top of the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ingest.problems import Problem, display_path
from taxonomy.text import SAFE_LOADER

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = Path(__file__).with_name("annotation.schema.json")


class _Loader(SAFE_LOADER):
    """Safe loader that keeps dates as strings (the schema wants ``added: YYYY-MM-DD`` as text)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Annotation:
    key: str
    data: dict
    path: str
    lines: dict[tuple, int] = field(default_factory=dict)  # JSON path -> 1-based line

    def line_of(self, *json_path) -> int:
        """Line of the value at ``json_path`` (or of its nearest ancestor that has one)."""
        path = tuple(json_path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def items(self, name: str) -> list:
        """The list held by field ``name``; empty when absent or not a list (the schema reports that)."""
        value = self.data.get(name)
        return value if isinstance(value, list) else []

    @property
    def categories(self) -> list[dict]:
        return self.items("categories")

    @property
    def relations(self) -> list[dict]:
        return self.items("relations")

    @property
    def methods(self) -> list[str]:
        return self.items("methods")


@cache
def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    # Imported on the first check: reading a knowledge base (atlas related, the website) never pays for it.
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema())


MAX_ANNOTATION_BYTES = 256 * 1024  # a real annotation is a few kilobytes
MAX_NESTING = 32  # an annotation is four levels deep; Python's recursion limit is near 1,000


def read_annotation(path: Path) -> tuple[Annotation | None, list[Problem]]:
    """Read, parse and schema-check one annotation file."""
    shown = display_path(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_ANNOTATION_BYTES:
            return None, [
                Problem(
                    shown,
                    1,
                    f"annotation is {size:,} bytes; an annotation is a few kilobytes "
                    f"(at most {MAX_ANNOTATION_BYTES:,}): keep only the fields of the schema",
                )
            ]
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, [
            Problem(shown, 1, f"cannot read the file ({exc.strerror or exc}): check that it exists and is readable")
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, [
            Problem(shown, line, f"not valid UTF-8 ({exc.reason} at byte {exc.start}): save the file as UTF-8")
        ]
    return parse_annotation(text, shown, Path(path).stem)


def parse_annotation(text: str, shown: str, expected_key: str | None = None) -> tuple[Annotation | None, list[Problem]]:
    """Parse and schema-check annotation ``text``; ``shown`` is the path used in messages.

    Bounded on any input: YAML aliases (which can expand exponentially, the "billion laughs")
    and nesting deeper than MAX_NESTING are refused before anything is built from the document.
    """
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        return None, [Problem(shown, line, "the file contains a NUL character: save it as plain UTF-8 text")]
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            problem = _shape_problem(node, shown) if node is not None else None
            if problem:
                return None, [problem]
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(shown, line, f"invalid YAML: {reason}; fix the indentation or quoting on this line")]
    # a mapping node can still construct a non-dict (``!!set {a, b}`` is a set)
    if node is None or not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return None, [
            Problem(shown, 1, "an annotation must be a mapping with key, categories, ... (see CONTRIBUTING.md)")
        ]
    lines: dict[tuple, int] = {}
    _record_lines(node, (), lines)
    stated = data.get("key")
    key = stated if isinstance(stated, str) else (expected_key or "")
    annotation = Annotation(key=key, data=data, path=shown, lines=lines)
    problems = [
        Problem(shown, _error_line(annotation, error), _schema_message(error))
        for error in _validator().iter_errors(data)
    ]
    if expected_key is not None and isinstance(data.get("key"), str) and data["key"] != expected_key:
        problems.append(
            Problem(
                shown,
                annotation.line_of("key"),
                f"key '{data['key']}' does not match the file name: "
                f"rename the file to {data['key']}.yaml or fix the key",
            )
        )
    return annotation, problems


def _shape_problem(root: yaml.Node, shown: str) -> Problem | None:
    """A reused node (a YAML alias) or nesting beyond MAX_NESTING, found without recursion."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int, int]] = [(root, 1, root.start_mark.line + 1)]
    while stack:
        node, depth, line = stack.pop()
        if id(node) in seen:
            return Problem(
                shown, line, "YAML aliases (*name) are not allowed in annotations: write the value out in full"
            )
        seen.add(id(node))
        if depth > MAX_NESTING:
            return Problem(
                shown,
                node.start_mark.line + 1,
                f"nested more than {MAX_NESTING} levels deep; an annotation needs four: see CONTRIBUTING.md",
            )
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.append((key_node, depth + 1, key_node.start_mark.line + 1))
                stack.append((value_node, depth + 1, key_node.start_mark.line + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1, node.start_mark.line + 1) for item in node.value)
    return None


def _record_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = path + (key_node.value,)
            _record_lines(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, path + (index,), lines)


def _error_line(annotation: Annotation, error: jsonschema.ValidationError) -> int:
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        if extra:
            path = path + (extra[0],)
    return annotation.line_of(*path)


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "the annotation"
    hint = _SCHEMA_HINTS.get(error.validator, "see ingest/annotation.schema.json and CONTRIBUTING.md")
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        if missing == "why":
            return f"{where}: category has no 'why': add one sentence saying why the paper belongs in this leaf"
        return f"{where}: missing field '{missing}': add it ({hint})"
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}: remove it or check its spelling"
    if error.validator == "minLength" and error.absolute_path and error.absolute_path[-1] == "why":
        return f"{where}: 'why' is empty: say in one sentence why the paper belongs in this leaf"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{where}: {error.instance!r} is not allowed: use one of {allowed}"
    return f"{where}: {error.message}: {hint}"


_SCHEMA_HINTS = {
    "required": "every annotation needs key, categories, modalities, models, technique, granularity, summary and code",
    "type": "use the type shown in CONTRIBUTING.md's example",
    "pattern": "keys are lower-case letters and digits; URLs start with http:// or https://",
    "anyOf": "give an http(s) URL or null",
    "minItems": "give at least one value",
    "uniqueItems": "remove the repeated value",
    "minLength": "write a longer value",
    "maxLength": "shorten it to one sentence",
}
