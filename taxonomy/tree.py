"""Load and check the taxonomy tree stored in ``taxonomy/tree.yaml``.

The tree is small (24 nodes) and read on every build and by the website, so it is
plain frozen dataclasses with a few lookups; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from taxonomy.text import SAFE_LOADER

TREE_PATH = Path(__file__).with_name("tree.yaml")
PATH_SEPARATOR = " › "


MIN_LEAF_PAPERS = 5  # the least a leaf should hold, however few papers the survey cites there


def leaf_target(survey_refs: int | None) -> int:
    """How many papers a leaf should hold: as many as the survey cites there, and at least MIN_LEAF_PAPERS."""
    return max(survey_refs or 0, MIN_LEAF_PAPERS)


def join_path(names: Iterable[str]) -> str:
    """'Model › Token › Visual Token': node names from a root down, as every page and summary writes a path."""
    return PATH_SEPARATOR.join(names)


class TaxonomyError(ValueError):
    """The tree file is malformed; the message names the file, the node and the fix."""


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    parent: str | None
    description: str
    survey_refs: int | None = None
    children: tuple[str, ...] = field(default=())

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def depth(self) -> int:
        return self.id.count("/")

    @property
    def perspective(self) -> str:
        return self.id.split("/", 1)[0]


@dataclass(frozen=True)
class Taxonomy:
    nodes: dict[str, Node]

    def __contains__(self, node_id: str) -> bool:
        return node_id in self.nodes

    def __getitem__(self, node_id: str) -> Node:
        return self.nodes[node_id]

    @property
    def roots(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.parent is None]

    @property
    def leaves(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_leaf]

    def ancestors(self, node_id: str) -> list[str]:
        """The node's ancestors, nearest first (the node itself excluded)."""
        chain = []
        parent = self.nodes[node_id].parent
        while parent is not None:
            chain.append(parent)
            parent = self.nodes[parent].parent
        return chain

    def descendants(self, node_id: str) -> list[str]:
        """Every node below ``node_id`` (excluded), depth first in file order."""
        out: list[str] = []
        for child in self.nodes[node_id].children:
            out.append(child)
            out.extend(self.descendants(child))
        return out

    def leaves_under(self, node_id: str) -> list[str]:
        """Leaf ids at or below ``node_id``."""
        ids = [node_id, *self.descendants(node_id)]
        return [i for i in ids if self.nodes[i].is_leaf]

    def path_name(self, node_id: str) -> str:
        """'Model › Token › Visual Token': the names from the root down to the node."""
        return join_path(self.nodes[i].name for i in [*reversed(self.ancestors(node_id)), node_id])

    def walk(self) -> list[Node]:
        """All nodes in display order: each root followed by its subtree."""
        out = []
        for root in self.roots:
            out.append(root)
            out.extend(self.nodes[i] for i in self.descendants(root.id))
        return out


@cache
def load_taxonomy(path: Path = TREE_PATH) -> Taxonomy:
    """Read, check and link the tree. Raises TaxonomyError naming the problem."""
    raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    if not isinstance(raw, list):
        raise TaxonomyError(f"{path}: expected a list of nodes at the top level")
    records = [_check_record(path, i, rec) for i, rec in enumerate(raw, start=1)]
    _check_structure(path, records)
    children: dict[str, list[str]] = {r["id"]: [] for r in records}
    for r in records:
        if r["parent"] is not None:
            children[r["parent"]].append(r["id"])
    nodes = {
        r["id"]: Node(
            id=r["id"],
            name=r["name"],
            parent=r["parent"],
            description=" ".join(r["description"].split()),
            survey_refs=r.get("survey_refs"),
            children=tuple(children[r["id"]]),
        )
        for r in records
    }
    for node in nodes.values():
        if node.is_leaf and node.survey_refs is None:
            raise TaxonomyError(f"{path}: leaf {node.id!r} needs survey_refs (the survey's reference count)")
    return Taxonomy(nodes)


def _check_record(path: Path, index: int, rec: object) -> dict:
    if not isinstance(rec, dict):
        raise TaxonomyError(f"{path}: node #{index} is not a mapping")
    for key in ("id", "name", "parent", "description"):
        if key not in rec:
            raise TaxonomyError(f"{path}: node #{index} ({rec.get('id', '?')}) lacks {key!r}")
    return rec


def _check_structure(path: Path, records: list[dict]) -> None:
    seen: set[str] = set()
    for r in records:
        node_id = r["id"]
        if node_id in seen:
            raise TaxonomyError(f"{path}: node id {node_id!r} appears twice; ids must be unique")
        seen.add(node_id)
    for r in records:
        node_id, parent = r["id"], r["parent"]
        if parent is not None and parent not in seen:
            raise TaxonomyError(f"{path}: node {node_id!r} has unknown parent {parent!r}")
        expected_parent = node_id.rsplit("/", 1)[0] if "/" in node_id else None
        if parent != expected_parent:
            raise TaxonomyError(
                f"{path}: node {node_id!r} has parent {parent!r}; its id says {expected_parent!r}"
                " (a node's id is its parent's id plus '/' and a slug)"
            )
