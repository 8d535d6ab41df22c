"""Related work: papers related to some text, a paper of the atlas, or the papers a .bib file cites,
each with the reasons it is there; BibTeX/JSON export and a permalink.

Deep links: ?from=text&q=attention+sink · ?from=paper&paper=neo2024interpreting · ?from=bib&cites=a&cites=b
(a .bib upload is remembered in the URL as the atlas keys it cites), plus k, node, years and code.
The ranking and its weights live in ``explorer.related``; this page only asks and draws.
"""

import streamlit as st

from app_pages import common, related_view
from explorer import related, urls
from explorer.related import CandidateFilters

P = urls.RELATED_PARAMS
SOURCES = ("text", "paper", "bib")  # shown as they are: the URL holds the same words
ANY = "any node"
MAX_PERMALINK_TEXT = 2000  # longer text is not put in the URL


def render() -> None:
    catalog = common.catalog()
    check = related.check_url(catalog, common.raw_params())
    common.reopen_if_changed("related", check)  # k out of range, unknown node or key, ...: reopened, said why
    st.title("Related work")
    common.url_notices()
    st.caption(
        "Ranked by text relevance, taxonomy proximity, shared models, techniques and authors, and the links "
        "curators recorded. Every result says why it is there."
    )
    source = (
        st.segmented_control(
            "Find papers related to some text, a paper of the atlas, or your .bib file",
            SOURCES,
            key=P["source"],
            bind="query-params",
            default="text",
            required=True,
        )
        or "text"
    )
    query = query_widgets(catalog, source)
    filters, k, years = filter_widgets(catalog)
    if query is None:
        show_in_address(urls.related())  # no question (the text was cleared): none in the address either
        how_it_works()
        return
    with common.session() as session:  # a RelatedInputError (unknown key, empty year range): common.user_errors
        result = related.find_related(session, k=k, filters=filters, **query)
        bibtex = related.bibtex_for(session, result) if result.papers else ""
    show_input(result)
    for note in result.notes:
        st.info(common.md(note), icon=":material/info:")
    if not result.papers:
        st.warning(common.md(result.message or "No related papers found."))
    else:
        st.subheader(f"{len(result.papers)} related papers")
        related_view.ranked_list(result)
        exports(result, bibtex)
    permalink(source, query, result, filters, k, years)
    how_it_works()


def query_widgets(catalog, source: str) -> dict | None:
    """The question, as keyword arguments for ``find_related``; None until there is one."""
    if source == "paper":
        # Not bound to the URL (the box shows titles, the URL holds the key): read and written by hand.
        wanted = st.query_params.get(P["paper"])
        keys = sorted(catalog.by_key, key=lambda key: catalog.by_key[key].title.casefold())
        if "related_paper" not in st.session_state:
            st.session_state["related_paper"] = wanted if wanted in catalog.by_key else None
        key = st.selectbox(
            "Paper",
            keys,
            key="related_paper",
            placeholder="Type to search titles ...",
            format_func=lambda key: f"{catalog.by_key[key].title} ({catalog.by_key[key].year or 'n.d.'})",
        )
        if key:
            st.query_params[P["paper"]] = key
            return {"paper": key}
        return {"paper": wanted} if wanted else None  # a DOI, an arXiv id or a typo: find_related says which
    if source == "bib":
        upload = st.file_uploader(
            "Your .bib file: papers you already cite (matched by DOI, arXiv id or title)",
            type=["bib", "txt"],
            accept_multiple_files=False,
        )
        if upload is not None:
            return {"bib": upload.getvalue()}
        cites = [key for key in st.query_params.get_all(P["cites"]) if key in catalog.by_key]
        if cites:
            st.caption(f"From a permalink: the {len(cites)} atlas papers of a .bib file.")
            return {"papers": cites}
        st.caption("Upload a .bib file to see the papers close to yours that you do not cite yet.")
        return None
    if "related_text" not in st.session_state:
        st.session_state["related_text"] = st.query_params.get(P["text"], "")
    with st.form("related-text", border=False):
        text = st.text_area(
            "Keywords, a title or a whole abstract",
            key="related_text",
            height=140,
            placeholder="e.g. attention sinks in LLaVA's visual tokens",
        )
        st.form_submit_button("Find related work", type="primary")
    if not text.strip():
        return None
    return {"text": text}


def filter_widgets(catalog) -> tuple[CandidateFilters, int, tuple[int, int] | None]:
    columns = st.columns([2, 3, 1, 1])
    nodes = [ANY, *catalog.nodes]
    node = columns[0].selectbox(
        "Under the taxonomy node",
        nodes,
        key=P["node"],
        bind="query-params",
        help="A node includes everything below it: model/token covers both token leaves.",
    )
    span = catalog.years()
    years = None
    if span and span[0] < span[1]:
        chosen = columns[1].slider("Years", span[0], span[1], span, key=P["years"], bind="query-params")
        years = None if tuple(chosen) == span else (int(chosen[0]), int(chosen[1]))
    k = columns[2].number_input(
        "Papers", min_value=1, max_value=related.MAX_K, value=10, key=P["k"], bind="query-params"
    )
    has_code = columns[3].toggle("Has code", key=P["has_code"], bind="query-params")
    filters = CandidateFilters(
        category=None if node in (None, ANY) else node,
        year_from=years[0] if years else None,
        year_to=years[1] if years else None,
        has_code=bool(has_code),
    )
    return filters, int(k), years


def show_input(result) -> None:
    if result.kind == "bib":
        for line in related.input_summary(result):
            st.success(common.md(line), icon=":material/library_books:")
        if result.unmatched:
            st.caption(
                "Not in the atlas (used for their titles and authors): "
                + ", ".join(common.code(key) for key in result.unmatched[:30])
                + (f" and {len(result.unmatched) - 30} more" if len(result.unmatched) > 30 else "")
            )


def exports(result, bibtex: str) -> None:
    left, right, _ = st.columns([1, 1, 3])
    left.download_button("BibTeX", bibtex, file_name="related.bib", mime="text/x-bibtex", icon=":material/download:")
    right.download_button(
        "JSON", related.to_json(result), file_name="related.json", mime="application/json", icon=":material/download:"
    )


def permalink(source: str, query: dict, result, filters: CandidateFilters, k: int, years) -> None:
    text = query.get("text", "")
    if len(text) > MAX_PERMALINK_TEXT:
        st.caption(f"The text is longer than {MAX_PERMALINK_TEXT:,} characters, so the permalink leaves it out.")
        text = ""
    cites = [m.key for m in result.matched] if source == "bib" and "bib" in query else query.get("papers", [])
    link = urls.related(
        text=text,
        paper=query.get("paper"),
        cites=cites,
        k=k if k != 10 else None,
        node=filters.category,
        years=years,
        has_code=filters.has_code,
    )
    show_in_address(link)
    common.permalink(link)


def show_in_address(link) -> None:
    """Put the question in the address bar (the filters are bound to it already), so that copying the address
    shares this view; a question that changed drops the parameters of the previous one."""
    for name in ("text", "paper", "cites"):
        param, value = P[name], link.params.get(P[name])
        if value in (None, "", [], ()):
            if param in st.query_params:
                del st.query_params[param]
        elif isinstance(value, list):
            if st.query_params.get_all(param) != value:
                st.query_params[param] = value
        elif st.query_params.get(param) != value:
            st.query_params[param] = value


def how_it_works() -> None:
    with st.expander("How the ranking works"):
        for paragraph in related.explain_ranking():
            st.markdown(paragraph)  # our own text, numbers from the weights in force


render()
