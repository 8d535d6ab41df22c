"""Compare: faceted filters over the many-to-many data, a table of the matching papers in the chosen order
whose titles open paper pages, picked papers side by side, exports (BibTeX, CSV, LaTeX) and a permalink.

Every filter widget is bound to its query parameter (names in ``explorer.urls.COMPARE_PARAMS``),
so the URL always restores the view; picked papers travel as repeated ``pick`` parameters, in picking order.
"""

import hashlib

import streamlit as st

from app_pages import common, tables
from explorer import compare, urls
from explorer.browse import sort_papers
from explorer.compare import FacetFilters
from explorer.safety import markdown_link, plain_text
from taxonomy.text import count

P = urls.COMPARE_PARAMS
ROWS = 50  # papers in the table at once; the rest after "Show more"
MAX_SIDE_BY_SIDE = 8
TRANSPOSE_ABOVE = 3  # papers; beyond this, one row per paper


def render() -> None:
    catalog = common.catalog()
    check = compare.check_url(catalog, common.facet_labels(), common.raw_params())
    common.reopen_if_changed("compare", check)  # unknown or reversed values: reopened with clean ones, said why
    st.title("Compare")
    common.url_notices()
    filters = filter_widgets(catalog)
    result = common.search(filters)

    picked, order = results_table(catalog, result.papers, filters, check.clean.get(P["picked"], []))
    side_by_side(catalog, picked)
    exports(catalog, result.papers, picked)
    common.permalink(filters.link(picked, order))
    facet_counts(result)


def filter_widgets(catalog) -> FacetFilters:
    labels = common.facet_labels()
    first = st.columns(3)
    node = common.named_multiselect(
        first[0],
        "Taxonomy (perspective, group or leaf)",
        P["node"],
        labels["node"],
        placeholder="any node",
        help="A node includes everything below it: Model › Token covers both token leaves.",
    )
    modality = common.named_multiselect(first[1], "Modality", P["modality"], labels["modality"], placeholder="any")
    model = common.named_multiselect(
        first[2], "Model", P["model"], labels["model"], placeholder="any", help="A family includes all its models."
    )
    second = st.columns(3)
    technique = common.named_multiselect(
        second[0],
        "Technique",
        P["technique"],
        labels["technique"],
        placeholder="any",
        help="A broad technique includes its narrower ones (shown with the broader one after a dot).",
    )
    granularity = common.named_multiselect(
        second[1], "Granularity", P["granularity"], labels["granularity"], placeholder="any"
    )
    text = second[2].text_input(
        "Words", key=P["text"], bind="query-params", placeholder="title, authors, summary, models ..."
    )
    third = st.columns([3, 1])
    span = catalog.years()
    years = None
    if span and span[0] < span[1]:
        chosen = third[0].slider("Years", span[0], span[1], span, key=P["years"], bind="query-params")
        years = None if tuple(chosen) == span else (int(chosen[0]), int(chosen[1]))
    has_code = third[1].toggle("Has code", key=P["has_code"], bind="query-params")
    return FacetFilters(
        node=tuple(node),
        modality=tuple(modality),
        model=tuple(model),
        technique=tuple(technique),
        granularity=tuple(granularity),
        years=years,
        has_code=bool(has_code),
        text=text or "",
    )


def results_table(catalog, papers, filters: FacetFilters, picked: list[str]) -> tuple[list[str], str]:
    """The matching papers in the chosen order, ROWS at a time, and a picker over the listed ones whose papers go
    side by side (kept in the URL). Returns the picked keys and the order."""
    st.subheader(count(len(papers), "paper"))
    if not papers:
        st.info("No paper matches every filter. Remove one to widen the search.")
        return picked, urls.DEFAULT_ORDER
    controls = st.columns([3, 1], vertical_alignment="bottom")
    order = common.paper_order(controls[1])
    papers = sort_papers(papers, order)
    more_key = "compare-shown-" + hashlib.sha1(repr((filters, order)).encode()).hexdigest()[:12]  # new list, first rows
    shown = common.rows_shown(more_key, ROWS)
    # The listed papers only: every option travels to the browser on each run (all 5,000 made the page a third slower)
    picked = pick_papers(controls[0], catalog, papers[:shown], picked)
    st.html(tables.results_table(compare.table_rows(catalog, papers[:shown])))
    common.show_more(more_key, shown, len(papers), ROWS)
    return picked, order


def pick_papers(where, catalog, papers, picked: list[str]) -> list[str]:
    """A picker over the listed papers (and those already picked, whatever the filters): title, first author,
    year. The keys go into the URL as ``pick``, in the order they were picked."""
    choices = {p.key: picker_label(p) for p in papers}
    choices |= {k: picker_label(catalog.by_key[k]) for k in picked if k not in choices}
    return common.named_multiselect(
        where,
        "Pick papers of the list to compare side by side and to export only them",
        P["picked"],
        choices,
        placeholder="type a title, an author or a year",
        filter_mode="contains",  # typed words as they stand: a fuzzy match finds a long title for almost any word
    )


def picker_label(paper) -> str:
    """Plain text (a picker's option is not Markdown): title, first author, year."""
    who = f" · {plain_text(paper.first_author, 60)}" if paper.authors else ""
    return f"{plain_text(paper.title, 200)}{who} · {paper.year or 'n.d.'}"


def side_by_side(catalog, picked: list[str]) -> None:
    """Titles as headers, one column per paper; more than three papers turn the table (one row per paper)
    so every paper stays in view and the text wraps."""
    if not picked:
        return
    st.subheader("Side by side")
    shown = picked[:MAX_SIDE_BY_SIDE]
    if len(picked) > MAX_SIDE_BY_SIDE:
        st.caption(f"The first {MAX_SIDE_BY_SIDE} of {len(picked)} picked papers.")
    view = compare.side_by_side(catalog, shown)
    titles = [f"[{common.md(p.title, 120)}]({urls.paper(p.key).href})" for p in view.papers]
    cells = [[cell_markdown(pieces) for pieces in values] for _, values in view.rows]
    if len(view.papers) <= TRANSPOSE_ABOVE:
        header = ["", *titles]
        body = [[f"**{name}**", *row] for (name, _), row in zip(view.rows, cells, strict=True)]
    else:  # one row per paper; the attributes grouped into a few columns so the table fits the page
        named = {name: column for (name, _), column in zip(view.rows, cells, strict=True)}
        groups = [(group, [n for n in names if n in named]) for group, names in TRANSPOSED_COLUMNS]
        groups = [(group, names) for group, names in groups if names]
        header = ["Paper", *(group for group, _ in groups)]
        body = [
            [
                title + "".join(f" · {named[n][i]}" for n in ("Authors", "Year", "Venue") if n in named),
                *(grouped_cell(names, named, i) for _, names in groups),
            ]
            for i, title in enumerate(titles)
        ]
    st.markdown(markdown_table(header, body))
    if st.button("Clear picked papers", icon=":material/close:"):
        del st.query_params[P["picked"]]
        st.rerun()


# Columns of the turned table: each groups some rows of ``compare.SIDE_BY_SIDE_ROWS`` (authors, year and
# venue go with the title).
TRANSPOSED_COLUMNS = (
    ("Taxonomy leaves and why", ("Taxonomy leaves and why",)),
    ("Summary", ("Summary",)),
    ("What it studies", ("Models", "Technique", "Modalities", "Granularity", "Domains")),
    ("Code", ("Code",)),
)


def grouped_cell(names: list[str], named: dict[str, list[str]], paper: int) -> str:
    """One cell of the turned table: a single attribute as it is, several each after its name in bold."""
    if len(names) == 1:
        return named[names[0]][paper]
    return " · ".join(f"**{name}**: {named[name][paper]}" for name in names if named[name][paper] != "–")


def cell_markdown(pieces) -> str:
    """One table cell: each piece escaped, links only for safe or internal URLs, joined by middle dots."""
    parts = []
    for piece in pieces:
        web = piece.href and piece.href.startswith("http")
        text = markdown_link(piece.text, piece.href) if web else common.md(piece.text)
        if piece.label:
            label = common.md(piece.label)
            label = f"[{label}]({piece.href})" if piece.href and piece.href.startswith("./") else label
            text = f"**{label}**: {text}"
        parts.append(text)
    return " · ".join(parts) or "–"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def exports(catalog, papers, picked: list[str]) -> None:
    keys = picked or [p.key for p in papers]
    if not keys:
        return
    # All the matching papers, not only the rows listed so far
    what = f"the {count(len(keys), 'picked paper')}" if picked else f"the {count(len(keys), 'matching paper')}"
    st.subheader("Export")
    st.caption(f"Exports {what}.")
    records = [catalog.by_key[k] for k in keys]

    def bibtex() -> str:
        with common.session() as session:
            return compare.export_bibtex(session, keys)

    def csv() -> str:
        with common.session() as session:
            return compare.export_csv(session, keys)

    with st.container(horizontal=True):
        st.download_button(
            "BibTeX",
            bibtex,
            file_name="atlas.bib",
            mime="application/x-bibtex",
            icon=":material/download:",
            on_click="ignore",
        )
        st.download_button(
            "CSV", csv, file_name="atlas.csv", mime="text/csv", icon=":material/download:", on_click="ignore"
        )
        st.download_button(
            "LaTeX table",
            lambda: compare.to_latex_table(records),
            file_name="atlas-table.tex",
            mime="application/x-tex",
            icon=":material/download:",
            on_click="ignore",
        )


def facet_counts(result) -> None:
    with st.expander("How the other filters would narrow this result"):
        st.caption(
            "For each facet: how many papers each value would give with the other filters as they are (the 15 largest)."
        )
        for facet, options in result.facets.items():
            shown = sorted((o for o in options if o.papers), key=lambda o: -o.papers)[:15]
            values = " · ".join(f"{common.md(o.label or o.value)} ({o.papers})" for o in shown) or "none"
            st.markdown(f"**{facet}**: {values}")


render()
