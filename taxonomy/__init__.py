"""The survey's taxonomy as data: load it, check it, walk it."""

from taxonomy.tree import Node, Taxonomy, TaxonomyError, join_path, leaf_target, load_taxonomy

__all__ = ["Node", "Taxonomy", "TaxonomyError", "join_path", "leaf_target", "load_taxonomy"]
