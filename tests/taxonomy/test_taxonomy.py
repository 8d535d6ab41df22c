"""The taxonomy tree: 24 nodes, checked structure, ancestor/descendant walks."""

from pathlib import Path

import pytest

from taxonomy import TaxonomyError, join_path, leaf_target, load_taxonomy


def test_tree_has_survey_shape():
    tree = load_taxonomy()
    assert len(tree.nodes) == 24
    assert [r.id for r in tree.roots] == ["data", "model", "training-inference"]
    assert len(tree.leaves) == 16
    assert sorted(n.id for n in tree.nodes.values() if n.depth == 1 and n.perspective == "model") == [
        "model/architecture",
        "model/embedding",
        "model/layer",
        "model/neuron",
        "model/token",
    ]
    assert tree["data/application"].survey_refs == 18
    assert all(n.description for n in tree.nodes.values())


def test_walks():
    tree = load_taxonomy()
    assert tree.ancestors("model/token/visual-token") == ["model/token", "model"]
    assert tree.leaves_under("model/token") == ["model/token/visual-token", "model/token/visual-text-token"]
    assert tree.leaves_under("data/benchmark") == ["data/benchmark"]
    assert [n.id for n in tree.walk()][:4] == ["data", "data/input-output", "data/benchmark", "data/application"]


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "- {id: a, name: A, parent: null, description: x}\n- {id: a, name: A, parent: null, description: x}\n",
            "appears twice",
        ),
        ("- {id: a/b, name: B, parent: a, description: x, survey_refs: 1}\n", "unknown parent 'a'"),
        (
            (
                "- {id: a, name: A, parent: null, description: x}\n- {id: a/b, name: B, parent: null, description: "
                "x, survey_refs: 1}\n"
            ),
            "its id says 'a'",
        ),
        ("- {id: a, name: A, parent: null, description: x}\n", "needs survey_refs"),
        ("- {id: a, name: A, parent: null}\n", "lacks 'description'"),
    ],
)
def test_bad_trees_are_rejected_with_the_reason(tmp_path: Path, text, message):
    path = tmp_path / "tree.yaml"
    path.write_text(text)
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(path)


def test_a_leaf_should_hold_what_the_survey_cites_and_at_least_five_papers():
    assert [leaf_target(None), leaf_target(0), leaf_target(5), leaf_target(12)] == [5, 5, 5, 12]


def test_a_node_s_path_is_its_names_from_the_root_down():
    taxonomy = load_taxonomy()
    leaf = next(node for node in taxonomy.walk() if node.is_leaf and node.id.count("/") == 2)
    names = [taxonomy.nodes[i].name for i in [*reversed(taxonomy.ancestors(leaf.id)), leaf.id]]
    assert taxonomy.path_name(leaf.id) == join_path(names) == " › ".join(names)
    assert join_path(["Model", "Token", "Visual Token"]) == "Model › Token › Visual Token"
