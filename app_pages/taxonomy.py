"""Taxonomy browser: the survey's tree with paper counts; a node shows its description,
the survey's reference count next to ours, and its papers. Deep link: ?node=model/token"""

import streamlit as st

from app_pages import common
from explorer import urls
from explorer.browse import NodeView, node_view, tree

INDENT = "\u2003"  # an em space: HTML does not collapse it
PAPER_LINKS = 60  # beyond this, the node's papers are listed in the comparison table


def render() -> None:
    catalog = common.catalog()
    node_id = common.url_param(urls.TAXONOMY_NODE)

    st.title("Taxonomy")
    tree_column, node_column = st.columns([2, 3], gap="large")
    with tree_column:
        show_tree(catalog, node_id)
    with node_column:
        if not node_id:
            st.info("Choose a node in the tree to see its description and its papers.")
            return
        show_node(node_view(catalog, node_id))  # an unknown node: common.user_errors shows why


def show_tree(catalog, current: str | None) -> None:
    st.caption("Papers in the atlas at each node (a paper counts once at every node above its leaves).")
    for row in tree(catalog):
        name = common.md(row.name)
        name = f"**{name}**" if row.id == current else name
        label = f"{INDENT * row.depth}{name} · {row.papers}"
        common.page_link(urls.taxonomy(row.id), label, icon=":material/folder:" if not row.is_leaf else ":material/label:")


def show_node(view: NodeView) -> None:
    node = view.node
    if view.breadcrumbs:
        st.caption(" › ".join(common.md(n.name) for n in view.breadcrumbs))
    st.header(common.md(node.name))
    st.caption(common.code(node.id))
    st.markdown(common.md(node.description))

    columns = st.columns(3)
    columns[0].metric("Papers in the atlas", view.ours)
    columns[1].metric("Survey references", "–" if view.survey_refs is None else view.survey_refs,
                      help="How many works the survey's Figure 2 places here" + ("" if node.is_leaf else " (summed over the leaves)"))
    if view.target is not None:
        columns[2].metric("Target", view.target, delta=view.ours - view.target, help="max(survey references, 5)")

    if view.children:
        st.subheader("Children")
        for child in view.children:
            refs = "" if child.survey_refs is None else f" · survey: {child.survey_refs}"
            common.page_link(urls.taxonomy(child.id), f"{common.md(child.name)} · {child.papers} papers{refs}",
                             icon=":material/subdirectory_arrow_right:")

    st.subheader(f"Papers ({len(view.papers)})")
    common.paper_links(view.papers, PAPER_LINKS)
    if len(view.papers) > PAPER_LINKS:
        st.caption(f"… and {len(view.papers) - PAPER_LINKS} more.")
    links = st.columns(2)
    with links[0]:
        common.page_link(urls.compare(node=[node.id]), "Compare these papers", icon=":material/table_chart:")
    with links[1]:
        common.page_link(urls.graphs(kind="taxonomy", scope=node.id), "See them as a graph", icon=":material/hub:")


render()
