"""Graphs: the taxonomy with its papers, papers linked to papers, co-authorship, models and papers.

Settings are bound to query parameters (``explorer.urls.GRAPH_PARAMS``), so a graph has a URL.
A click on a node opens its page; a graph above the cap is not drawn and the page says why.
"""

import streamlit as st

from app_pages import common
from explorer import urls
from explorer.graphs import ACTS_ON, COLOR_BY, KINDS, LINK_BY, MIN_PAPERS_RANGE, GraphSettings, GraphTooLarge, check_url
from taxonomy.text import count

P = urls.GRAPH_PARAMS
ALL = "all"


def render() -> None:
    catalog = common.catalog()
    check = check_url(catalog, common.raw_params())
    common.reopen_if_changed("graphs", check)  # unknown, unused or out-of-range values: reopened without them, said why
    st.title("Graphs")
    common.url_notices()
    settings = settings_widgets(catalog)
    if settings.kind == "paper" and not settings.paper:
        st.info("Choose a paper to see its typed relations, its nearest related papers and theirs.")
        return
    try:
        html, height, nodes, edges, papers, notes = common.graph(settings)
    except GraphTooLarge as exc:
        too_large(catalog, settings, exc)
        return
    st.caption(
        f"{count(nodes, 'node')}, {count(edges, 'edge')}, {count(papers, 'paper')} in scope. Hover for details, "
        "drag to move, scroll to zoom (the other labels appear as you zoom in); click a paper to open its page "
        "in a new tab."
    )
    for note in notes:
        st.caption(common.md(note))
    if nodes == 0:
        st.info("Nothing to draw with these settings: widen the scope or the years, or lower the minimum.")
    else:
        st.iframe(html, height=height + 40, alt="Graph of the atlas")
    if settings.kind == "paper":
        common.page_link(urls.paper(settings.paper), "Open the paper's page", icon=":material/article:")
    else:
        common.page_link(
            urls.compare(node=[settings.scope] if settings.scope else [], years=settings.years),
            "List these papers in Compare",
            icon=":material/table_chart:",
        )


def settings_widgets(catalog) -> GraphSettings:
    """Only the controls the chosen graph uses (``explorer.graphs.ACTS_ON``)."""
    kind = st.segmented_control(
        "Graph",
        list(KINDS),
        default="taxonomy",
        required=True,
        key=P["kind"],
        bind="query-params",
        help="; ".join(f"{k}: {v}" for k, v in KINDS.items()),
    )
    first = st.columns([2, 3, 3])
    kind = kind or "taxonomy"
    acts = ACTS_ON[kind]
    values = {"kind": kind}
    if "color_by" in acts:
        values["color_by"] = first[0].segmented_control(
            "Colour papers by",
            list(COLOR_BY),
            default="perspective",
            required=True,
            key=P["color_by"],
            bind="query-params",
        )
    if "paper" in acts:
        with first[1]:
            values["paper"] = choose_paper(catalog)
    if "scope" in acts:
        scopes = {ALL: "The whole atlas", **common.facet_labels()["node"]}  # names shown, the id in the URL
        scope = common.named_selectbox(first[1], "Scope (taxonomy node)", P["scope"], scopes)
        values["scope"] = None if scope in (None, ALL) else scope
    second = st.columns([5, 3])
    if "link_by" in acts:
        values["link_by"] = second[0].segmented_control(
            "Link papers by",
            list(LINK_BY),
            default="relation+broader",
            required=True,
            key=P["link_by"],
            bind="query-params",
            help="; ".join(f"{k}: {v}" for k, v in LINK_BY.items()),
        )
    if "min_papers" in acts:
        where = second[0] if "color_by" in acts else first[0]  # the colour's place when there is no colour to choose
        values["min_papers"] = int(
            where.slider(
                "Minimum papers per " + ("author" if kind == "co-authors" else "model"),
                *MIN_PAPERS_RANGE,
                2,
                key=P["min_papers"],
                bind="query-params",
            )
        )
    span = catalog.years()
    if "years" in acts and span and span[0] < span[1]:
        chosen = first[2].slider("Years", span[0], span[1], span, key=P["years"], bind="query-params")
        values["years"] = None if tuple(chosen) == span else (int(chosen[0]), int(chosen[1]))
    return GraphSettings(**{name: value for name, value in values.items() if value is not None})


def choose_paper(catalog) -> str | None:
    """The paper whose neighbourhood is drawn: picked by title, kept in the URL as its key."""
    keys = [p.key for p in sorted(catalog.papers, key=lambda p: p.title.casefold())]
    current = st.query_params.get(P["paper"])
    choice = st.selectbox(
        "Paper",
        keys,
        index=keys.index(current) if current in keys else None,
        placeholder="Type to search titles ...",
        format_func=lambda k: f"{catalog.by_key[k].title} ({catalog.by_key[k].year or 'n.d.'})",
    )
    if choice and choice != current:
        st.query_params[P["paper"]] = choice
    return choice


def too_large(catalog, settings: GraphSettings, exc: GraphTooLarge) -> None:
    st.warning(common.md(str(exc)), icon=":material/warning:")
    counts = catalog.node_counts()
    below = catalog.children(settings.scope) if settings.scope else catalog.roots()
    if below:
        st.markdown("Narrower scopes:")
        for node in below:
            acts = ACTS_ON[settings.kind]
            link = urls.graphs(
                kind=settings.kind,
                color_by=settings.color_by if "color_by" in acts else None,
                scope=node.id,
                years=settings.years,
                link_by=settings.link_by if settings.kind == "papers" else None,
                min_papers=settings.min_papers if settings.kind in ("co-authors", "models") else None,
            )
            common.page_link(
                link, f"{common.md(node.name)} · {count(counts[node.id], 'paper')}", icon=":material/zoom_in:"
            )


render()
