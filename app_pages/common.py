"""What every page shares: the knowledge base (built on first start), cached read-side data,
and small display helpers that escape data text and build links through ``explorer.urls``."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from explorer import compare, url_values, urls
from explorer.browse import SORTS
from explorer.compare import FacetFilters, Result
from explorer.db import open_session
from explorer.overview import Overview, build_overview
from explorer.paper_catalog import PaperCatalog, PaperRecord, load_paper_catalog
from explorer.safety import markdown_link, markdown_text, plain_text
from explorer.search import SearchIndex, SearchResult
from explorer.url_values import URLCheck
from ingest import DEFAULT_DATA_DIR, DataError, build, default_db_path
from ingest.errors import AtlasError

md = markdown_text  # every piece of data text that goes into Markdown passes through this


def code(text: object) -> str:
    """Data text as inline code: nothing inside a code span is interpreted; backticks cannot end it."""
    return "`" + plain_text(text).replace("`", "'") + "`"


@contextmanager
def user_errors():
    """The one place the website turns an exception into a message (app.py wraps every page in it).

    An ``AtlasError`` is a problem a visitor or the operator can fix (an unknown key in the URL, a
    database file that is not a knowledge base, ...): it is shown as one escaped message at the top
    of the page, above whatever the page drew before it, and the page stops. Anything else is a bug
    and propagates, so Streamlit shows its traceback (and tests fail on it)."""
    slot = st.empty()
    try:
        yield
    except AtlasError as exc:
        slot.error(md(str(exc)), icon=":material/error:")
        st.stop()


_build_lock = threading.Lock()


def data_dir() -> Path:
    """The data folder a first start builds from: $ATLAS_DATA, else the project's data/."""
    return Path(os.environ.get("ATLAS_DATA") or DEFAULT_DATA_DIR)


def knowledge_base() -> Path:
    """The database file; built from the data folder if it does not exist yet."""
    path = default_db_path()
    if path.exists():
        return path
    with _build_lock:
        if not path.exists():
            with st.spinner(f"First start: building the knowledge base from {md(data_dir())} ..."):
                try:
                    build(data_dir(), path)
                except DataError as exc:  # more than one message: the problems are listed below it
                    st.error(
                        f"The knowledge base could not be built: {md(exc)}. Run `atlas validate` to see every problem."
                    )
                    st.code("\n".join(str(p) for p in exc.problems[:50]), language=None)
                    st.stop()
    return path


def _version() -> tuple[str, int]:
    path = knowledge_base()
    return str(path), path.stat().st_mtime_ns


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(path: str, mtime_ns: int) -> PaperCatalog:
    with open_session(path) as session:
        return load_paper_catalog(session)


@st.cache_resource(show_spinner=False, max_entries=4)
def _overview(path: str, mtime_ns: int) -> Overview:
    return build_overview(_catalog(path, mtime_ns))


@st.cache_resource(show_spinner=False, max_entries=64)
def _search(path: str, mtime_ns: int, filters: FacetFilters) -> Result:
    return compare.search(_catalog(path, mtime_ns), filters)


@st.cache_resource(show_spinner=False, max_entries=4)
def _facet_labels(path: str, mtime_ns: int) -> dict[str, dict[str, str]]:
    return compare.facet_labels(_catalog(path, mtime_ns))


@st.cache_data(show_spinner=False, max_entries=32)
def _graph(path: str, mtime_ns: int, settings, vis_src: str | None) -> tuple[str, int, int, int, int, list[str]]:
    from explorer import graphs  # pyvis (and the IPython it imports) only for the graphs page

    nearest = _nearest(path, settings.paper, graphs.NEAREST) if settings.kind == "paper" else ()
    result = graphs.build_graph(_catalog(path, mtime_ns), settings, nearest)
    height = graphs.canvas_height(result)
    return (
        graphs.render_html(result, height, vis_src),
        height,
        result.graph.number_of_nodes(),
        result.graph.number_of_edges(),
        result.papers,
        result.notes,
    )


STATIC = Path(__file__).resolve().parent.parent / "static"  # what Streamlit serves at app/static/ (next to app.py)


@st.cache_resource(show_spinner=False)
def _vis_src() -> str | None:
    """Where a graph's frame loads vis-network from: the site's static files, once the library is there. A graph
    that carries it inline costs the visitor's browser 470 kB to receive and compile on every graph page, where a
    file is fetched once and compiled from the browser's cache. None (inline) when static serving is off
    (.streamlit/config.toml) or the folder cannot be written."""
    from explorer import graphs

    if not st.get_option("server.enableStaticServing") or not graphs.publish_vis_js(STATIC):
        return None
    return f"app/static/{graphs.VIS_JS.name}"  # relative to the page, as the frame's document is (srcdoc)


def _nearest(path: str, key: str, k: int) -> list[tuple[str, str]]:
    """(key, first reason) of the papers most related to ``key``, as the Related work page ranks them."""
    from explorer.related import related_to_paper

    with open_session(path) as session:
        result = related_to_paper(session, key, k=k)
    return [(paper.key, paper.reasons[0] if paper.reasons else "") for paper in result.papers]


@st.cache_resource(show_spinner=False, max_entries=4)
def _search_index(path: str, mtime_ns: int) -> SearchIndex:
    return SearchIndex.build(_catalog(path, mtime_ns))


def find_papers(text: str) -> SearchResult:
    """The search page's result for this text (the index is built once per database)."""
    return _search_index(*_version()).search(text)


# A plain HTML form: without a script, Enter is an ordinary GET to ./search?q=..., a full reload of the site.
# SEARCH_IN_PLACE turns that submission into what Back and Forward do in Streamlit: it pushes the same address
# onto the history and sends the "popstate" event, which Streamlit's frontend answers by switching to the page the
# address names with its query in the open session (about a second less than a reload). Not a Streamlit widget
# with st.switch_page: switching from the server leaves an extra history entry (the old page with the new query),
# so Back would first reopen the old page with a parameter it does not take.
# Our own static markup and script; the typed text only ever travels in the URL the browser builds.
SEARCH_FORM = """<style>
form.atlas-search {{ margin: 0 0 0.5rem 0; }}
form.atlas-search label {{ display: block; font-size: 0.875rem; margin-bottom: 0.25rem; }}
form.atlas-search input {{ width: 100%; box-sizing: border-box; padding: 0.5rem 0.75rem; font: inherit;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; background: #f0f2f6; color: inherit; }}
form.atlas-search input:focus {{ outline: none; border-color: #ff4b4b; }}
</style>
<form class="atlas-search" action="{action}" method="get" role="search">
<label for="{id}">Search the atlas</label>
<input id="{id}" name="{name}" type="search" placeholder="title, author, arXiv id, DOI ↵"
 title="Words of a title, an author, a key, an arXiv id or a DOI; an identifier opens its paper." required>
</form>"""

SEARCH_IN_PLACE = """<script>
if (!window.atlasSearchInPlace) {
  window.atlasSearchInPlace = true;
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("atlas-search")) return;
    event.preventDefault();
    const address = new URL(form.getAttribute("action"), document.location.href);
    address.search = new URLSearchParams(new FormData(form)).toString();
    form.reset();
    history.pushState({}, "", address.href);
    window.dispatchEvent(new PopStateEvent("popstate", { state: {} }));
  }, true);
}
</script>"""


def search_box(where=None, name: str = "atlas-search") -> None:
    """A search box (the sidebar's, on every page, unless ``where`` says otherwise): Enter opens the
    search page for the text. The sidebar's also brings the script that opens it in place (SEARCH_IN_PLACE),
    for every search box of the page."""
    form = SEARCH_FORM.format(action=urls.search().href, id=name, name=urls.SEARCH_TEXT)
    if where is None:
        st.sidebar.html(form + SEARCH_IN_PLACE, unsafe_allow_javascript=True)
    else:
        where.html(form)


def search(filters: FacetFilters) -> Result:
    """Papers matching the filters, with facet counts (cached per filters)."""
    return _search(*_version(), filters)


def facet_labels() -> dict[str, dict[str, str]]:
    """Every value of every facet, in display order, with what the filter shows for it."""
    return _facet_labels(*_version())


@st.cache_resource(show_spinner=False, max_entries=4)
def _overview_charts(path: str, mtime_ns: int) -> dict[str, str]:
    from app_pages import charts

    view = _overview(path, mtime_ns)
    return {
        "per_year": charts.papers_per_year(view.per_year),
        "modality": charts.gap_heatmap(view.leaf_by_modality, "modality", "modality"),
        "technique": charts.gap_heatmap(view.leaf_by_technique, "technique", "technique"),
    }


def overview_charts() -> dict[str, str]:
    """The overview's charts as HTML (``app_pages.charts``), cached until the database changes."""
    return _overview_charts(*_version())


def graph(settings) -> tuple[str, int, int, int, int, list[str]]:
    """(HTML, its height in pixels, nodes, edges, papers in scope, notes) for the graph; raises GraphTooLarge."""
    return _graph(*_version(), settings, _vis_src())


def catalog() -> PaperCatalog:
    """Every paper as plain records, cached until the database file changes."""
    return _catalog(*_version())


def overview() -> Overview:
    return _overview(*_version())


def version() -> tuple[str, int]:
    """(path, mtime) of the database: the cache key for anything derived from it."""
    return _version()


def session():
    """A read-only session (use as a context manager)."""
    return open_session(knowledge_base())


def url_param(name: str) -> str | None:
    """A query parameter of the page, written back so the address bar shows it: a page link to
    the page already open (e.g. a tree node from the taxonomy page) passes its parameters to the
    script but leaves the browser's URL without them."""
    value = st.query_params.get(name)
    if value:
        st.query_params[name] = value
    return value


def raw_params() -> dict[str, list[str]]:
    """Every query parameter of the page with all its values, as the URL gives them."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


_URL_NOTICES = "_atlas_url_notices"  # messages carried over to the reopened page
_PAGE = "_atlas_page"  # the page the last run drew, and whether this run opened it
_OPENED = "_atlas_page_opened"


def page_opened(page: str) -> None:
    """Note which page this run draws (app.py, before every page): a page's URL is checked only when the
    page opens, not on the reruns its own widgets cause, which may leave a value of a previous setting in the
    address bar for a moment."""
    st.session_state[_OPENED] = st.session_state.get(_PAGE) != page
    st.session_state[_PAGE] = page


def reopen_if_changed(page: str, check: URLCheck) -> None:
    """When the URL held values the page drops or changes (``explorer.url_values``): reopen the page with the
    clean values, so every widget starts from them and the address bar shows them, and keep the notices
    for ``url_notices`` to show there. Widgets bound to the URL read it only when a page opens."""
    if check.changed and st.session_state.get(_OPENED, True):
        st.session_state[_URL_NOTICES] = [notice.message for notice in check.notices]
        st.switch_page(urls.Link(page).file, query_params=check.clean)


def accept_only(page: str, *names: str) -> None:
    """For a page whose parameters are one value each (a key, an id, a query): reopen it without any other
    parameter, and show the notice naming what was dropped."""
    reopen_if_changed(page, url_values.only(raw_params(), names))
    url_notices()


def paper_order(where=None) -> str:
    """How a list of papers is ordered (``explorer.browse.SORTS``), bound to the URL's ``sort``: the taxonomy
    and compare pages."""
    # No format_func: a bound widget writes its shown label into the URL.
    sort = (where or st).segmented_control(
        "Order the papers by",
        list(SORTS),
        default=urls.DEFAULT_ORDER,
        required=True,
        key=urls.PAPER_ORDER,
        bind="query-params",
        help="; ".join(f"{k}: {v}" for k, v in SORTS.items()),
    )
    return sort or urls.DEFAULT_ORDER


def named_multiselect(where, label: str, param: str, shown: dict[str, str], **options) -> list[str]:
    """A multiselect that shows names (``shown``: id -> name) and keeps ids in the URL parameter ``param``.
    Not bound to the URL (``bind="query-params"`` would write the shown names there): the URL is read on
    every run and written when the visitor changes the choice."""
    st.session_state[param] = [value for value in st.query_params.get_all(param) if value in shown]
    options.setdefault("wrap", True)  # in a column, chips would otherwise sit in one row that scrolls out of sight
    # No "Select all" / "Select N matches" row: it comes first, so typing a name and pressing Enter chose every
    # match ("LLaVA" gave three models), and choosing every value of a filter is the same as choosing none.
    options.setdefault("select_all", False)
    chosen = where.multiselect(
        label, list(shown), format_func=shown.__getitem__, key=param, on_change=_write_url, args=(param,), **options
    )
    return list(chosen)


def named_selectbox(where, label: str, param: str, shown: dict[str, str], **options) -> str:
    """A selectbox that shows names and keeps the id in the URL, as ``named_multiselect`` does. The first
    of ``shown`` is the default: chosen, it leaves the URL without the parameter."""
    default = next(iter(shown))
    value = st.query_params.get(param)
    st.session_state[param] = value if value in shown else default
    return where.selectbox(
        label,
        list(shown),
        format_func=shown.__getitem__,
        key=param,
        on_change=_write_url,
        args=(param, default),
        **options,
    )


def _write_url(param: str, default: str | None = None) -> None:
    chosen = st.session_state[param]
    if chosen and chosen != default:
        st.query_params[param] = chosen
    elif param in st.query_params:
        del st.query_params[param]


def url_notices() -> None:
    """One warning naming every URL value the page dropped or changed (then forgotten)."""
    messages = st.session_state.pop(_URL_NOTICES, None)
    if messages:
        lines = "\n".join(f"- {md(message)}" for message in messages)
        st.warning(f"Part of the link was not used:\n{lines}", icon=":material/link_off:")


# --- display helpers ---------------------------------------------------------------------------


def paper_label(paper: PaperRecord, limit: int = 80) -> str:
    """Markdown label for a link to a paper: escaped title, first author, year (one line)."""
    who = f" · {md(paper.first_author, 32)}" if paper.authors else ""
    return f"{md(paper.title, limit)}{who} · {paper.year or 'n.d.'}"


def authors_short(paper: PaperRecord, shown: int = 3) -> str:
    """Up to ``shown`` authors, then "et al." (plain text)."""
    names = ", ".join(paper.authors[:shown])
    return names + (" et al." if len(paper.authors) > shown else "") if names else "authors unknown"


CODE_BADGE = ":green-badge[:material/code: code]"


def paper_byline(paper: PaperRecord) -> str:
    """Markdown: authors · year · venue, and a badge when code is released."""
    parts = [md(authors_short(paper), 120), str(paper.year or "n.d.")]
    if paper.venue:
        parts.append(f"*{md(paper.venue, 70)}*")
    if paper.has_code:
        parts.append(CODE_BADGE)
    return " · ".join(parts)


def leaf_why(leaf_id: str, why: str) -> str:
    """Markdown: the leaf's name in bold, then why the paper sits there."""
    node = catalog().nodes.get(leaf_id)
    return f"**{md(node.name if node else leaf_id)}**: {md(why) or '*no reason given*'}"


def page_link(link: urls.Link, label: str, icon: str | None = None, **kwargs) -> None:
    """``st.page_link`` for a Link; ``label`` must already be escaped Markdown."""
    st.page_link(link.file, label=label, icon=icon, query_params=link.query or None, **kwargs)


_CURRENT = "atlas-current-view"  # the container key of the one link marked as the view on screen

# Streamlit shades and bolds every page link to the page already open as if it were the view on screen: every
# node of the taxonomy tree, a paper's links to other papers. In a page's content they are plain links; the one
# link to the view on screen (``current_link``) is shaded, as the sidebar marks the page that is open.
LINK_STYLE = f"""<style>
[data-testid="stMain"] a[data-testid="stPageLink-NavLink"] {{ background-color: transparent; }}
[data-testid="stMain"] a[data-testid="stPageLink-NavLink"]:hover {{ background-color: rgba(151, 166, 195, 0.15); }}
[data-testid="stMain"] a[data-testid="stPageLink-NavLink"] p {{ font-weight: 400; }}
[data-testid="stMain"] .st-key-{_CURRENT} a[data-testid="stPageLink-NavLink"] {{
  background-color: rgba(151, 166, 195, 0.3); }}
</style>"""


def link_style() -> None:
    """Page links in a page's content look like links, not like the page that is open (app.py, every page)."""
    st.html(LINK_STYLE)


def current_link(link: urls.Link, label: str, icon: str | None = None) -> None:
    """A page link to the view on screen (the taxonomy node shown beside the tree), shaded as the current one."""
    with st.container(key=_CURRENT):
        page_link(link, label, icon=icon)


def paper_links(papers: list[PaperRecord], limit: int | None = None) -> None:
    for paper in papers[:limit]:
        page_link(urls.paper(paper.key), paper_label(paper), icon=":material/article:")


def rows_shown(state_key: str, step: int) -> int:
    """How many rows of a list drawn ``step`` at a time are on screen (``show_more`` adds ``step``); a new
    ``state_key`` (another list) starts again at ``step``."""
    return st.session_state.get(state_key, step)


def show_more(state_key: str, shown: int, total: int, step: int) -> None:
    """Under a list drawn ``step`` rows at a time: a button that shows the next ``step`` (none once all are shown)."""
    hidden = total - shown
    if hidden > 0 and st.button(f"Show {min(step, hidden)} more of {hidden:,}", icon=":material/expand_more:"):
        st.session_state[state_key] = shown + step
        st.rerun()


def permalink(link: urls.Link, caption: str = "Permalink to this view") -> None:
    """The view's full address as a link. Not ``st.code``: its copy button would load the browser's syntax
    highlighter, which costs about a second of a visitor's CPU on every page load."""
    address = link.absolute(st.context.url)
    st.caption(f"{caption}: {markdown_link(address, address)}")
