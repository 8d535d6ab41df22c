"""Graphs: the taxonomy with its papers, papers linked to papers, co-authorship, models and papers.

Settings are bound to query parameters (``explorer.urls.GRAPH_PARAMS``), so a graph has a URL.
A click on a node opens its page; a graph above the cap is not drawn and the page says why.
"""

import streamlit as st

from app_pages import common
from explorer import urls
from explorer.graphs import COLOR_BY, KINDS, LINK_BY, GraphSettings, GraphTooLarge

P = urls.GRAPH_PARAMS
ALL = "all"
HEIGHT = 650


def render() -> None:
    catalog = common.catalog()
    st.title("Graphs")
    settings = settings_widgets(catalog)
    try:
        html, nodes, edges, papers, notes = common.graph(settings)
    except GraphTooLarge as exc:
        too_large(catalog, settings, exc)
        return
    st.caption(f"{nodes:,} nodes, {edges:,} edges, {papers:,} papers in scope. "
               "Hover for details, drag to move, scroll to zoom; click a paper to open its page in a new tab.")
    for note in notes:
        st.caption(common.md(note))
    if nodes == 0:
        st.info("Nothing to draw: no paper in this scope and year range.")
    else:
        st.iframe(html, height=HEIGHT + 40, alt="Graph of the atlas")
    common.page_link(urls.compare(node=[settings.scope] if settings.scope else [], years=settings.years),
                     "List these papers in Compare", icon=":material/table_chart:")


def settings_widgets(catalog) -> GraphSettings:
    first = st.columns([3, 2, 2])
    kind = first[0].segmented_control("Graph", list(KINDS), default="taxonomy", required=True, key=P["kind"],
                                      bind="query-params", help="; ".join(f"{k}: {v}" for k, v in KINDS.items()))
    color_by = first[1].segmented_control("Colour papers by", list(COLOR_BY), default="perspective", required=True,
                                          key=P["color_by"], bind="query-params")
    scope = first[2].selectbox("Scope (taxonomy node)", [ALL, *catalog.nodes], key=P["scope"], bind="query-params")
    second = st.columns([3, 2, 2])
    link_by, min_papers = "leaf", 2
    if kind == "papers":
        link_by = second[0].segmented_control("Link papers by", list(LINK_BY), default="leaf", required=True,
                                              key=P["link_by"], bind="query-params",
                                              help="; ".join(f"{k}: {v}" for k, v in LINK_BY.items()))
    if kind in ("co-authors", "models"):
        min_papers = second[0].slider("Minimum papers per " + ("author" if kind == "co-authors" else "model"), 1, 10, 2,
                                      key=P["min_papers"], bind="query-params")
    span = catalog.years()
    years = None
    if span and span[0] < span[1]:
        chosen = second[1].slider("Years", span[0], span[1], span, key=P["years"], bind="query-params")
        years = None if tuple(chosen) == span else (int(chosen[0]), int(chosen[1]))
    return GraphSettings(kind=kind or "taxonomy", link_by=link_by or "leaf", color_by=color_by or "perspective",
                         scope=None if scope in (None, ALL) else scope, years=years, min_papers=int(min_papers))


def too_large(catalog, settings: GraphSettings, exc: GraphTooLarge) -> None:
    st.warning(common.md(str(exc)), icon=":material/warning:")
    counts = catalog.node_counts()
    below = catalog.children(settings.scope) if settings.scope else catalog.roots()
    if below:
        st.markdown("Narrower scopes:")
        for node in below:
            link = urls.graphs(kind=settings.kind, color_by=settings.color_by, scope=node.id, years=settings.years,
                               link_by=settings.link_by if settings.kind == "papers" else None,
                               min_papers=settings.min_papers if settings.kind in ("co-authors", "models") else None)
            common.page_link(link,
                             f"{common.md(node.name)} · {counts[node.id]} papers", icon=":material/zoom_in:")


render()
