"""Taxonomy browser: the survey's tree with paper counts; a node shows its description,
the survey's reference count next to ours, and its papers. Deep link: ?node=model/token"""

import streamlit as st

from app_pages import common
from explorer import urls
from explorer.browse import NodeView, check_url, node_view, tree
from taxonomy import join_path
from taxonomy.text import count

INDENT = "\u2003"  # an em space: HTML does not collapse it
PAPER_ROWS = 20  # papers drawn at once; the rest after "Show more"


def render() -> None:
    catalog = common.catalog()
    common.reopen_if_changed("taxonomy", check_url(common.raw_params()))  # an unknown order: reopened, said why
    node_id = common.url_param(urls.TAXONOMY_NODE)

    st.title("Taxonomy")
    common.url_notices()
    tree_column, node_column = st.columns([2, 5], gap="medium")
    with tree_column:
        show_tree(catalog, node_id)
    with node_column:
        if not node_id:
            st.info("Choose a node in the tree to see its description and its papers.")
            return
        about = st.container()  # the node, its children and the papers' heading: above the order of the papers
        sort = common.paper_order()
        view = node_view(catalog, node_id, sort)  # an unknown node: common.user_errors shows why
        with about:
            show_node(view)
        show_papers(view)


def show_tree(catalog, current: str | None) -> None:
    st.caption("Papers at each node (a paper counts once at every node above its leaves); a grey node has none yet.")
    for row in tree(catalog):
        indent, name = INDENT * row.depth, f"{common.md(row.name)} · {row.papers:,}"
        link, icon = urls.taxonomy(row.id), ":material/label:" if row.is_leaf else ":material/folder:"
        if row.id == current:  # shaded, as the sidebar marks the page that is open
            common.current_link(link, f"{indent}**{name}**", icon=icon)
        elif row.papers:
            common.page_link(link, indent + name, icon=icon)
        else:  # grey, yet it opens: its description says what belongs there, for a contributor
            common.page_link(link, f"{indent}:gray[{name}]", icon=icon, help="No paper here yet")


def show_node(view: NodeView) -> None:
    node = view.node
    if view.breadcrumbs:
        st.caption(join_path(common.md(n.name) for n in view.breadcrumbs))
    st.header(common.md(node.name))
    st.markdown(common.md(node.description))
    st.caption(coverage(view) + f" Id: {common.code(node.id)}")

    if view.children:
        st.subheader("Children")
        for child in view.children:
            refs = "" if child.survey_refs is None else f" · the survey cites {child.survey_refs}"
            label = f"{common.md(child.name)} · {count(child.papers, 'paper')}{refs}"
            common.page_link(
                urls.taxonomy(child.id),
                label if child.papers else f":gray[{label}]",  # grey as in the tree
                icon=":material/subdirectory_arrow_right:",
            )

    st.subheader(f"Papers ({len(view.papers):,})")
    links = st.columns(2)
    with links[0]:
        common.page_link(urls.compare(node=[node.id]), "Compare these papers", icon=":material/table_chart:")
    with links[1]:
        common.page_link(urls.graphs(kind="taxonomy", scope=node.id), "See them as a graph", icon=":material/hub:")


def show_papers(view: NodeView) -> None:
    """The node's papers as rows, 20 at a time."""
    node = view.node
    shown = common.rows_shown(_more_key(node.id), PAPER_ROWS)
    for row in view.papers[:shown]:
        paper_row(row)
    common.show_more(_more_key(node.id), shown, len(view.papers), PAPER_ROWS)


def _more_key(node_id: str) -> str:
    return "taxonomy-shown-" + node_id


def coverage(view: NodeView) -> str:
    """In plain words: how many papers the atlas holds here against how many works the survey cites."""
    ours = f"The atlas holds {count(view.ours, 'paper')} here"
    if view.survey_refs is None:
        return ours + "."
    survey = f"; the survey cites {count(view.survey_refs, 'work')}"
    if view.target is not None and view.ours < view.target:
        return ours + survey + f": {view.target - view.ours} more wanted."
    return ours + survey + "."


def paper_row(row) -> None:
    """One paper: its title (opens its page), authors, year, venue and code; why it sits here; its summary."""
    paper = row.paper
    parts = [f":small[:gray[{common.paper_byline(paper)}]]"]  # as a caption, in one element with the rest:
    parts += [common.leaf_why(leaf, why) for leaf, why in row.whys]  # a list of many papers draws faster
    if paper.summary:
        parts.append(f":small[:gray[{common.md(paper.summary)}]]")
    # Two elements, no bordered box around them: a box per row cost a fifth of a second of a visitor's CPU on a
    # page of 20 rows; the rule closing the row's text separates the rows instead.
    common.page_link(urls.paper(paper.key), f"**{common.md(paper.title, 200)}**", icon=":material/article:")
    st.markdown("\n\n".join([*parts, "---"]))


render()
