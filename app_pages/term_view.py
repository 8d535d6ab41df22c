"""How a vocabulary term looks on the website: the Technique and Model pages share this drawing of an
``explorer.terms.TermPage`` (definition, broader and narrower terms, facts, papers by leaf, terms used
with it). A helper module, not a page; every piece of data text is escaped."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import streamlit as st

from app_pages import charts, common
from explorer import urls
from explorer.paper_catalog import PaperCatalog
from explorer.safety import markdown_link
from explorer.terms import TermPage, TermRef

KIND_NAMES = {"technique": "Technique", "model": "Model", "family": "Model family"}
PAPERS_PER_LEAF = 5  # rows drawn per leaf (a family at 5,000 papers fills 16 leaves); the rest are in Compare


def render(kind: str, term_page: Callable[[PaperCatalog, str], TermPage]) -> None:
    """The page of the term named by ``?id=`` (an unknown id: common.user_errors names the closest ones); without
    an id, where to find one."""
    common.accept_only(kind, urls.TERM_ID)
    term_id = common.url_param(urls.TERM_ID)
    if not term_id:
        st.title(f"{KIND_NAMES[kind]}s")
        st.info(f"Open a {kind} from a paper page, the search or Compare.")
        return
    show(term_page(common.catalog(), term_id))


def show(page: TermPage) -> None:
    st.caption(KIND_NAMES.get(page.kind, page.kind) + f" · id {common.code(page.id)}")
    st.title(common.md(page.name))
    if page.definition:
        st.markdown(common.md(page.definition))
    if page.aliases:
        st.caption("Also written: " + ", ".join(common.md(a) for a in page.aliases))
    hierarchy(page)
    facts(page)
    papers(page)
    used_with(page)


def term_link(ref: TermRef) -> None:
    link = urls.technique(ref.id) if ref.kind == "technique" else urls.model(ref.id)
    common.page_link(link, f"{common.md(ref.name)} · {ref.papers:,}", icon=":material/sell:")


def hierarchy(page: TermPage) -> None:
    above, below = ("Broader techniques", "Narrower techniques") if page.kind == "technique" else ("Family", "Models")
    for title, refs in ((above, page.broader), (below, page.narrower)):
        if refs:
            st.markdown(f"**{title}**")
            with st.container(horizontal=True):
                for ref in refs:
                    term_link(ref)


def facts(page: TermPage) -> None:
    lines = [f"**{common.md(fact.label)}:** " + markdown_link(fact.text, fact.href) for fact in page.facts]
    if page.method is not None and page.method.href:
        method_id = parse_qs(urlsplit(page.method.href).query).get(urls.METHOD_ID, [""])[0]
        common.page_link(
            urls.methods(method_id),
            f"{common.md(page.method.text)}: run our implementation",
            icon=":material/play_circle:",
        )
    if lines:
        st.markdown("  \n".join(lines))


def papers(page: TermPage) -> None:
    st.subheader(f"Papers ({len(page.papers):,})")
    if not page.papers:
        st.info("No paper of the atlas names this term yet.")
        return
    common.page_link(page.compare, "Compare and export these papers", icon=":material/table_chart:")
    if page.by_year:
        st.html(charts.year_bars([(year, "papers", n) for year, n in page.by_year], {"papers": "#1f77b4"}, height=120))
    for group in page.by_leaf:
        st.markdown(f"**{common.md(group.path)}** · {len(group.papers)}")
        for paper in group.papers[:PAPERS_PER_LEAF]:
            common.page_link(urls.paper(paper.key), common.paper_label(paper, 110), icon=":material/article:")
            st.caption(common.leaf_why(group.leaf, paper.why(group.leaf)))
        if len(group.papers) > PAPERS_PER_LEAF:
            more = len(group.papers) - PAPERS_PER_LEAF
            common.page_link(
                group.compare, f"… and {more} more: list them all in Compare", icon=":material/table_chart:"
            )


def used_with(page: TermPage) -> None:
    for title, refs in (
        ("Techniques used with it", page.related_techniques),
        ("Models studied with it", page.related_models),
    ):
        if refs:
            st.subheader(title)
            with st.container(horizontal=True):
                for ref in refs:
                    term_link(ref)
