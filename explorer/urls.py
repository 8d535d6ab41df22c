"""Every URL the website shows, built in one place.

A page's name is its file stem in ``app_pages/`` and its URL path (Streamlit's default for
``st.Page``), so ``Link("paper", {"key": k})`` is both the target of ``st.page_link``
(``app_pages/paper.py`` with ``query_params``) and the shareable href ``./paper?key=k``.
Hrefs are relative so the site also works under a base path. Query-parameter names are
declared here once; the pages bind their widgets to these same names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

DEFAULT_PAGE = "overview"  # served at the site root

# Query parameters, per page. Widgets on the compare and graphs pages use these as their keys
# (``bind="query-params"``), so the URL always holds the current view.
PAPER_KEY = "key"
TAXONOMY_NODE = "node"
METHOD_ID = "method"
SEARCH_TEXT = "q"
PAPER_ORDER = "sort"  # taxonomy and compare pages: how the papers are listed (explorer.browse.SORTS)
DEFAULT_ORDER = "newest"  # the order a page uses when the URL names none (left out of the URL)
TERM_ID = "id"  # the technique and model pages: a vocabulary id (a family id on the model page)
COMPARE_PARAMS = {
    "node": "node",  # taxonomy nodes (a node includes its descendants)
    "modality": "modality",
    "model": "model",
    "technique": "technique",
    "granularity": "granularity",
    "years": "years",  # two values: first and last year
    "has_code": "code",  # "true" to keep papers with code only
    "text": "q",  # words that must all appear
    "picked": "pick",  # papers shown side by side
    "order": PAPER_ORDER,  # how the matching papers are listed
}
GRAPH_PARAMS = {
    "kind": "graph",  # taxonomy | papers | paper | co-authors | models
    "paper": "paper",  # the paper whose neighbourhood the "paper" graph shows
    "link_by": "link",  # relation+broader | relation | technique | model (papers graph)
    "color_by": "color",  # perspective | year
    "scope": "scope",  # a taxonomy node id, or all
    "years": "years",
    "min_papers": "min",  # co-authors and models graphs: minimum papers per author/model
}

RELATED_PARAMS = {
    "source": "from",  # text | paper | bib: what the papers are related to
    "text": "q",  # free text (kept out of the URL when very long)
    "paper": "paper",  # a paper key
    "cites": "cites",  # the atlas keys of an uploaded .bib file (repeated)
    "k": "k",  # how many papers
    "node": "node",  # a taxonomy node the results must be under
    "years": "years",  # two values: first and last year
    "has_code": "code",  # "true" to keep papers with code only
}


@dataclass(frozen=True)
class Link:
    """A page of the site with its query parameters."""

    page: str
    params: dict = field(default_factory=dict)

    @property
    def file(self) -> str:
        """The page script, for ``st.page_link`` / ``st.switch_page``."""
        return f"app_pages/{self.page}.py"

    @property
    def query(self) -> dict[str, str | list[str]]:
        """Parameters without empty values, for ``st.page_link(query_params=...)``."""
        return {k: v for k, v in self.params.items() if v not in (None, "", [], ())}

    @property
    def href(self) -> str:
        """Relative URL, e.g. ``./paper?key=neo2024interpreting``."""
        path = "" if self.page == DEFAULT_PAGE else self.page
        query = urlencode(_as_pairs(self.query), doseq=True, quote_via=quote)
        return f"./{path}" + (f"?{query}" if query else "")

    def absolute(self, base: str | None) -> str:
        """Full URL from the site's base URL (e.g. ``http://localhost:8501/``)."""
        parts = urlsplit(base or "")
        directory = parts.path.rsplit("/", 1)[0] + "/"
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        return origin + directory + self.href[2:]


def _as_pairs(params: dict) -> list[tuple[str, object]]:
    return [(k, [str(x) for x in v] if isinstance(v, (list, tuple)) else str(v)) for k, v in params.items()]


def site_root(current_url: str | None) -> str:
    """The site's root URL from the URL of any of its pages."""
    return Link(DEFAULT_PAGE).absolute(current_url)


def overview() -> Link:
    return Link("overview")


def paper(key: str) -> Link:
    return Link("paper", {PAPER_KEY: key})


def taxonomy(node_id: str | None = None) -> Link:
    return Link("taxonomy", {TAXONOMY_NODE: node_id} if node_id else {})


def compare(
    node: list[str] | tuple = (),
    modality=(),
    model=(),
    technique=(),
    granularity=(),
    years: tuple[int, int] | None = None,
    has_code: bool = False,
    text: str = "",
    picked=(),
    order: str = DEFAULT_ORDER,
) -> Link:
    """The comparison page with these filters (the values its widgets write into the URL)."""
    values = {
        "node": list(node),
        "modality": list(modality),
        "model": list(model),
        "technique": list(technique),
        "granularity": list(granularity),
        "years": [years[0], years[1]] if years else [],
        "has_code": "true" if has_code else "",
        "text": text.strip(),
        "picked": list(picked),
        "order": "" if order == DEFAULT_ORDER else order,
    }
    return Link("compare", {COMPARE_PARAMS[name]: value for name, value in values.items()})


def graphs(
    kind: str | None = None,
    link_by: str | None = None,
    color_by: str | None = None,
    scope: str | None = None,
    years: tuple[int, int] | None = None,
    min_papers: int | None = None,
    paper: str | None = None,
) -> Link:
    values = {
        "kind": kind,
        "paper": paper,
        "link_by": link_by,
        "color_by": color_by,
        "scope": scope,
        "years": [years[0], years[1]] if years else [],
        "min_papers": min_papers,
    }
    return Link("graphs", {GRAPH_PARAMS[name]: value for name, value in values.items()})


def neighbourhood(key: str) -> Link:
    """The graph of one paper's neighbourhood: its typed relations and nearest related papers."""
    return graphs(kind="paper", paper=key)


def related(
    text: str = "",
    paper: str | None = None,
    cites=(),
    k: int | None = None,
    node: str | None = None,
    years: tuple[int, int] | None = None,
    has_code: bool = False,
) -> Link:
    """The related-work page for some text, a paper, or the atlas papers a .bib file cites."""
    source = "paper" if paper else "bib" if cites else "text"
    values = {
        "source": source,
        "text": text.strip() if source == "text" else "",
        "paper": paper or "",
        "cites": list(cites),
        "k": k,
        "node": node,
        "years": [years[0], years[1]] if years else [],
        "has_code": "true" if has_code else "",
    }
    return Link("related", {RELATED_PARAMS[name]: value for name, value in values.items()})


def search(text: str = "") -> Link:
    """The search page for this text (a title's words, an author, a key, an arXiv id or a DOI)."""
    return Link("search", {SEARCH_TEXT: text.strip()})


def contribute() -> Link:
    return Link("contribute")


def methods(method_id: str | None = None) -> Link:
    """The Methods page: the catalogue, or one method (its figure, paper, libraries, implementation)."""
    return Link("methods", {METHOD_ID: method_id} if method_id else {})


SURVEY_ARXIV_ID = "2412.02104"  # the survey whose taxonomy the atlas follows


def survey() -> str:
    """The survey's arXiv page."""
    return arxiv(SURVEY_ARXIV_ID)


def technique(technique_id: str) -> Link:
    """A technique's page: definition, broader and narrower terms, papers, runnable method."""
    return Link("technique", {TERM_ID: technique_id})


def model(model_id: str) -> Link:
    """A model's page (or a family's, for an id such as llava-family)."""
    return Link("model", {TERM_ID: model_id})


def arxiv(arxiv_id: str) -> str:
    return "https://arxiv.org/abs/" + quote(arxiv_id.strip(), safe="/.")


def doi(value: str) -> str:
    return "https://doi.org/" + quote(value.strip(), safe="/.;-_")
