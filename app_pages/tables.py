"""The compare page's matching papers as a plain HTML table, for ``st.html``.

Not ``st.dataframe``: its grid makes a new visitor's browser fetch about 1.6 MB more JavaScript (the grid,
Apache Arrow, date and number formatting) and made compare the one page over the 2.5 s target for a first
visit (issue 15, ``benchmarks/bench_website.py``). A table of text is laid out at once, wraps long titles
instead of cutting them, and its links are plain links. Every piece of text from the data is escaped
(``html_text``); the only links are the site's own pages and a code address that ``safe_url`` accepted.
"""

from __future__ import annotations

from explorer.safety import html_text

# (heading, row field): the paper column (title, first author, year, key) comes first.
COLUMNS = (
    ("Taxonomy leaves", "leaves"),
    ("Modalities", "modalities"),
    ("Models", "models"),
    ("Techniques", "technique"),
    ("Granularity", "granularity"),
)

RESULTS_STYLE = """<style>
.atlas-results { max-height: 30rem; overflow: auto; font-size: 0.85rem;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; }
.atlas-results table { width: 100%; border-collapse: collapse; margin: 0; border: none; }
.atlas-results th { position: sticky; top: 0; z-index: 1; background: #f0f2f6; text-align: left; font-weight: 600; }
.atlas-results th, .atlas-results td { padding: 0.3rem 0.5rem; border: none; vertical-align: top;
  border-bottom: 1px solid rgba(49, 51, 63, 0.1); }
.atlas-results td.paper { min-width: 16rem; }
.atlas-results a { color: rgb(36, 79, 180); }  /* as Streamlit draws a Markdown link */
.atlas-results td.paper a { font-weight: 600; }
.atlas-results td.code { white-space: nowrap; }
.atlas-results .byline { color: rgba(49, 51, 63, 0.6); font-size: 0.8rem; }
</style>"""


def results_table(rows: list[dict]) -> str:
    """``explorer.compare.table_rows`` as one scrolling table with a header that stays in view."""
    head = "".join(f"<th>{html_text(heading)}</th>" for heading in ("Paper", *(h for h, _ in COLUMNS), "Code"))
    body = "".join(_row(row) for row in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'{RESULTS_STYLE}<div class="atlas-results">{table}</div>'


def _row(row: dict) -> str:
    byline = " · ".join(html_text(part) for part in (row["authors"], row["year"] or "n.d.", row["key"]) if part)
    paper = (
        f'<td class="paper"><a href="{html_text(row["page"])}" target="_self">{html_text(row["title"], 200)}</a>'
        f'<div class="byline">{byline}</div></td>'
    )
    cells = "".join(f"<td>{html_text(row[field]) or '–'}</td>" for _, field in COLUMNS)
    code = "–"
    if row["code"]:  # already checked by safe_url: an http(s) address
        code = f'<a href="{html_text(row["code"])}" target="_blank" rel="noopener noreferrer">code ↗</a>'
    return f'<tr>{paper}{cells}<td class="code">{code}</td></tr>'
