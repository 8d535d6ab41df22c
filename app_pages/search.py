"""Search: find a paper by the words of its title, an author, its key, its arXiv id or its DOI.
Deep link: ?q=logit+lens. An identifier that names one paper opens that paper's page.

The matching rules live in ``explorer.search``; this page only draws the result.
"""

import streamlit as st

from app_pages import common
from explorer import urls
from explorer.search import SearchHit
from taxonomy.text import count

SHOWN = 20  # results drawn at once; the rest after "Show more"


def render() -> None:
    st.title("Search")
    common.accept_only("search", urls.SEARCH_TEXT)
    text = st.text_input(
        "Search the atlas",
        key=urls.SEARCH_TEXT,
        bind="query-params",
        placeholder="title words, an author, a key, an arXiv id (2410.07149) or a DOI ...",
    )
    if not text.strip():
        st.info("Type the words of a title, an author's name, a paper's key, an arXiv id or a DOI, then press Enter.")
        return
    result = common.find_papers(text)
    if result.exact:
        link = urls.paper(result.exact)
        st.switch_page(link.file, query_params=link.query)  # an identifier of one paper: open it
    named_terms(result)
    did_you_mean(result)
    if not result.hits:
        nothing_found(result)
        return
    summary(result)
    shown = common.rows_shown(_more_key(text), SHOWN)
    for hit in result.hits[:shown]:
        show_hit(hit)
    common.show_more(_more_key(text), shown, len(result.hits), SHOWN)


def _more_key(text: str) -> str:
    return "search-shown-" + text.strip().casefold()


def named_terms(result) -> None:
    """The technique or model the whole query names (by name or alias): its page has its definition and papers."""
    for kind, term_id, name in result.terms:
        link = urls.technique(term_id) if kind == "technique" else urls.model(term_id)
        common.page_link(
            link, f"The {kind} **{common.md(name)}**: its definition, related terms and papers", icon=":material/sell:"
        )


def did_you_mean(result) -> None:
    """A word no paper has, spelled like one papers do have ("schwettman"): the search with that word instead."""
    if result.suggestion:
        common.page_link(
            urls.search(result.suggestion),
            f"Did you mean {common.code(result.suggestion)}?",
            icon=":material/spellcheck:",
        )


def nothing_found(result) -> None:
    if result.identifier:
        st.warning(f"{common.md(result.identifier)} is not in the atlas yet.", icon=":material/search_off:")
        common.page_link(
            urls.contribute(), "Add it: the Contribute page scaffolds its two files", icon=":material/add_circle:"
        )
    else:
        st.warning(f"No paper matches {common.code(result.query)}.", icon=":material/search_off:")
        common.page_link(
            urls.related(text=result.query),
            "Look for related work on these words instead",
            icon=":material/travel_explore:",
        )


def summary(result) -> None:
    found = count(result.total, "paper")
    if result.partial:
        st.caption(f"No paper has every word; {found} with the most of them, best first.")
    else:
        st.caption(f"{found}, best match first.")


def show_hit(hit: SearchHit) -> None:
    paper = hit.paper
    with st.container(border=True):
        common.page_link(urls.paper(paper.key), f"**{common.md(paper.title, 200)}**", icon=":material/article:")
        st.caption(common.paper_byline(paper) + f" · matched in {', '.join(hit.matched)}")
        if hit.leaf:
            st.markdown(common.leaf_why(hit.leaf, hit.why))


render()
