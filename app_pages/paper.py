"""Paper page: everything the atlas knows about one paper. Deep link: ?key=neo2024interpreting

``render`` reads like the page: one call per section, top to bottom. A new section is a
function taking the PaperView and one more call in ``render``.
"""

import streamlit as st

from app_pages import common, related_view
from explorer import urls
from explorer.detail import PaperView, UnknownPaper, paper_view
from explorer.safety import markdown_link


def render() -> None:
    common.accept_only("paper", urls.PAPER_KEY)
    key = common.url_param(urls.PAPER_KEY)
    if not key:
        st.title("Paper")
        choose_paper()
        return
    try:
        with common.session() as session:
            view = paper_view(session, key)
    except UnknownPaper as exc:
        st.title("Paper")
        st.error(f"{common.md(str(exc))}. Pick one below, or search in Compare.")
        choose_paper()
        return

    header(view)
    summary(view)
    taxonomy_placement(view)
    attributes(view)
    methods(view)
    relations(view)
    related_papers(view)
    bibtex(view)
    provenance(view)


def choose_paper() -> None:
    catalog = common.catalog()
    keys = [p.key for p in sorted(catalog.papers, key=lambda p: p.title.casefold())]
    choice = st.selectbox(
        "Paper",
        keys,
        index=None,
        placeholder="Type to search titles ...",
        format_func=lambda k: f"{catalog.by_key[k].title} ({catalog.by_key[k].year or 'n.d.'})",
    )
    if choice:
        st.query_params[urls.PAPER_KEY] = choice
        st.rerun()


def header(view: PaperView) -> None:
    st.title(common.md(view.title))
    st.markdown(common.md(", ".join(view.authors)) if view.authors else "*Authors unknown*")
    venue = " · ".join(common.md(x) for x in (view.venue, view.year) if x)
    if venue:
        st.caption(venue)
    links = [
        f"**{common.md(link.label)}:** "
        + markdown_link(link.text, link.href)
        + ("" if link.href else " *(not a web link)*")
        for link in view.links
    ]
    if view.code is not None:
        links.append(
            "**Code:** "
            + markdown_link(view.code.text, view.code.href)
            + ("" if view.code.href else " *(not a web link)*")
        )
    else:
        links.append("**Code:** none released")
    st.markdown(" · ".join(links))


def summary(view: PaperView) -> None:
    if view.summary:
        st.info(common.md(view.summary), icon=":material/lightbulb:")
    if not view.classified:
        st.warning("This paper has no annotation yet: it is not placed in the taxonomy.")


def taxonomy_placement(view: PaperView) -> None:
    if not view.categories:
        return
    st.subheader("Where it sits in the taxonomy")
    for category in view.categories:
        common.page_link(urls.taxonomy(category.node_id), f"**{common.md(category.path)}**", icon=":material/label:")
        st.markdown(common.md(category.why))


def attributes(view: PaperView) -> None:
    st.subheader("What it studies")
    granularity = [(view.granularity, urls.compare(granularity=[view.granularity]))] if view.granularity else []
    rows = [  # models and techniques open their vocabulary pages; the others the papers sharing them
        ("Models", [(link.name, urls.model(link.id)) for link in view.model_links]),
        ("Modalities", [(link.name, urls.compare(modality=[link.id])) for link in view.modality_links]),
        ("Technique", [(link.name, urls.technique(link.id)) for link in view.technique_links]),
        ("Granularity", granularity),
        ("Domains", [(domain, None) for domain in view.domains]),
    ]
    for label, values in rows:
        if not values:
            continue
        label_column, values_column = st.columns([1, 5])
        label_column.markdown(f"**{label}**")
        with values_column.container(horizontal=True):
            for name, link in values:
                if link is not None:
                    common.page_link(link, common.md(name))
                else:
                    st.markdown(common.md(name))


def methods(view: PaperView) -> None:
    if not view.methods:
        return
    st.subheader("Runnable methods")
    for m in view.methods:  # each opens the Methods page: the figure, the libraries, and a button to run it
        common.page_link(urls.methods(m.id), f"{common.md(m.name)} — run it", icon=":material/play_circle:")


def relations(view: PaperView) -> None:
    if not view.relations:
        return
    st.subheader("Relations")
    for relation in view.relations:
        verb = common.md(relation.type) if relation.direction == "out" else f"{common.md(relation.type)} (by)"
        note = f" — {common.md(relation.note)}" if relation.note else ""
        common.page_link(
            urls.paper(relation.key),
            f"*{verb}* {common.md(relation.title, 140)} · {relation.year or 'n.d.'}{note}",
            icon=":material/arrow_forward:" if relation.direction == "out" else ":material/arrow_back:",
        )


def related_papers(view: PaperView) -> None:
    st.subheader("Related papers")
    related_view.paper_section(view.key)


def bibtex(view: PaperView) -> None:
    st.subheader("BibTeX")
    # Drawn on demand: a code block loads the browser's syntax highlighter (about a second of CPU per page load).
    if st.toggle("Show the BibTeX entry", key="show-bibtex"):
        st.code(view.bibtex, language="latex", wrap_lines=True)  # the code block has a copy button


def provenance(view: PaperView) -> None:
    added = f" · added {common.md(view.added)}" if view.added else ""
    st.caption(f"Key {common.code(view.key)} · source {common.code(view.source)}{added}")
    if view.checked_against is not None:
        notes = f" · {common.md(view.verification_notes)}" if view.verification_notes else ""
        st.caption(
            "Metadata checked against " + markdown_link(view.checked_against.text, view.checked_against.href) + notes
        )
    common.page_link(
        urls.neighbourhood(view.key),
        "See its neighbourhood as a graph: relations and nearest related papers",
        icon=":material/hub:",
    )


render()
