"""The overview's charts (and a term page's papers per year) as plain HTML and CSS, for ``st.html``.

Not Vega-Lite: ``st.vega_lite_chart`` (and ``st.bar_chart``) make the browser load and run a 774 kB charting
library on every page load, which cost the overview about as much main-thread CPU as the rest of the page.
A heat-map is a table and a bar chart a row of boxes; the browser lays both out at once. Every piece of text
from the data is escaped (``html_text``); the only links are the site's own (``explorer.urls``).
"""

from __future__ import annotations

import html
import math
from collections import defaultdict

from explorer import urls
from explorer.overview import Cell
from explorer.safety import html_text
from taxonomy.text import count

PERSPECTIVES = {"Data": "#1f77b4", "Model": "#ff7f0e", "Training and Inference": "#2ca02c"}
OTHER_SERIES = "#9e9e9e"  # a series without a colour of its own ("unclassified")
GAP_FILL = "#fdecea"
GAP_STROKE = "#d9534f"
LIGHTEST, DARKEST = (0xDE, 0xEB, 0xF7), (0x08, 0x45, 0x94)  # a filled cell's shade runs between these blues
WHITE_TEXT_FROM = 0.55  # shade (0..1) from which a cell's number is white
BAR_HEIGHT = 200  # pixels of the tallest bar


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


BARS_STYLE = """<style>
.atlas-bars { font-size: 0.8rem; }
.atlas-bars .legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; margin-bottom: 0.5rem; }
.atlas-bars .legend i { display: inline-block; width: 0.75rem; height: 0.75rem; margin-right: 0.3rem;
  vertical-align: -0.1rem; border-radius: 2px; }
.atlas-bars .plot { display: flex; align-items: flex-end; gap: 4px; border-bottom: 1px solid rgba(128, 128, 128, 0.6); }
.atlas-bars .years { display: flex; gap: 4px; }
.atlas-bars .bar, .atlas-bars .years span { flex: 1 1 0; max-width: 4.5rem; min-width: 0; text-align: center; }
.atlas-bars .bar { display: flex; flex-direction: column; justify-content: flex-end; }
.atlas-bars .total, .atlas-bars .years span { font-size: 0.75rem; opacity: 0.8; overflow: hidden; }
.atlas-bars .stack { display: flex; flex-direction: column; }
.atlas-bars .stack div { min-height: 1px; }
</style>"""

HEATMAP_STYLE = f"""<style>
.atlas-heatmap {{ overflow-x: auto; font-size: 0.8rem; }}
.atlas-heatmap table {{ border-collapse: separate; border-spacing: 2px; margin: 0; border: none; }}
.atlas-heatmap tr, .atlas-heatmap th, .atlas-heatmap td {{ border: none; padding: 0; background: none; }}
.atlas-heatmap th {{ font-weight: 400; }}
.atlas-heatmap th[scope="row"] {{ text-align: right; white-space: nowrap; padding-right: 0.5rem; }}
.atlas-heatmap th[scope="col"] {{ vertical-align: bottom; padding-bottom: 0.25rem; }}
.atlas-heatmap th[scope="col"] span {{ display: inline-block; writing-mode: vertical-rl; transform: rotate(180deg);
  white-space: nowrap; max-height: 11rem; overflow: hidden; text-overflow: ellipsis; }}
.atlas-heatmap td {{ min-width: 2.75rem; height: 1.5rem; text-align: center; font-size: 0.75rem; }}
.atlas-heatmap td a {{ display: block; line-height: 1.5rem; text-decoration: none; color: inherit; }}
.atlas-heatmap td a:hover, .atlas-heatmap td a:focus {{ outline: 2px solid #ff4b4b; outline-offset: -2px; }}
.atlas-heatmap td.gap {{ background: {GAP_FILL}; box-shadow: inset 0 0 0 1px {GAP_STROKE}; color: {GAP_STROKE}; }}
.atlas-heatmap .scale {{ margin-top: 0.4rem; font-size: 0.75rem; opacity: 0.85; }}
.atlas-heatmap .scale i, .atlas-heatmap .scale b {{ display: inline-block; height: 0.7rem; vertical-align: -0.1rem; }}
.atlas-heatmap .scale i {{ width: 6rem; margin: 0 0.3rem;
  background: linear-gradient(to right, {_hex(LIGHTEST)}, {_hex(DARKEST)}); }}
.atlas-heatmap .scale b {{ width: 0.9rem; margin: 0 0.3rem 0 1rem; background: {GAP_FILL};
  box-shadow: inset 0 0 0 1px {GAP_STROKE}; }}
</style>"""


def papers_per_year(rows: list[dict]) -> str:
    """Stacked bars, one per year from the first to the last (a year without papers stays as an empty slot),
    a segment per perspective, the year's total above its bar. Rows: ``{year, perspective, papers}``."""
    return year_bars([(row["year"], row["perspective"], row["papers"]) for row in rows], PERSPECTIVES)


def year_bars(counts: list[tuple[int, str, int]], colours: dict[str, str], height: int = BAR_HEIGHT) -> str:
    """Bars of (year, series, papers): one bar per year, one segment per series in the order of ``colours``
    (series it does not name come after, in grey); a legend when there is more than one series."""
    by_year: dict[int, dict[str, int]] = defaultdict(dict)
    for year, series, papers in counts:
        by_year[year][series] = by_year[year].get(series, 0) + papers
    if not by_year:
        return "<p>No paper has a year yet.</p>"
    named = [s for s in colours if any(s in row for row in by_year.values())]
    others = sorted({s for row in by_year.values() for s in row} - set(colours))
    order = named + others
    tallest = max(sum(row.values()) for row in by_year.values())
    years = range(min(by_year), max(by_year) + 1)
    bars = "".join(_bar(year, by_year.get(year, {}), order, colours, tallest, height) for year in years)
    labels = "".join(f"<span>{year}</span>" for year in years)
    legend = ""
    if len(order) > 1:
        keys = "".join(
            f'<span><i style="background:{colours.get(s, OTHER_SERIES)}"></i>{html_text(s)}</span>' for s in order
        )
        legend = f'<div class="legend">{keys}</div>'
    return (
        f'{BARS_STYLE}<div class="atlas-bars">{legend}'
        f'<div class="plot" style="height:{height + 24}px">{bars}</div><div class="years">{labels}</div></div>'
    )


def _bar(year: int, row: dict[str, int], order: list[str], colours: dict[str, str], tallest: int, height: int) -> str:
    total = sum(row.values())
    parts = [f"{html_text(s)}: {count(row[s], 'paper')}" for s in order if row.get(s)]
    title = f"{year} · " + ("; ".join(parts) if len(parts) > 1 else count(total, "paper"))
    segments = "".join(
        f'<div style="flex:{row[s]} 1 0;background:{colours.get(s, OTHER_SERIES)}"></div>' for s in order if row.get(s)
    )
    return (
        f'<div class="bar" title="{title}"><span class="total">{total or ""}</span>'
        f'<div class="stack" style="height:{round(height * total / tallest)}px">{segments}</div></div>'
    )


def gap_heatmap(cells: list[Cell], column_title: str, facet: str) -> str:
    """Leaves as rows, ``facet`` values as columns. An empty cell (a gap) is outlined in red; a filled one is
    shaded by its count and is a link over its whole area to the comparison filtered to that leaf and value."""
    rows = list(dict.fromkeys((c.row, c.row_label) for c in cells))
    columns = list(dict.fromkeys((c.column, c.column_label or c.column) for c in cells))
    by_cell = {(c.row, c.column): c for c in cells}
    most = max((c.papers for c in cells), default=0)
    head = "".join(
        f'<th scope="col" title="{html_text(label)}"><span>{html_text(label)}</span></th>' for _, label in columns
    )
    body = "".join(
        f'<tr><th scope="row">{html_text(row_label)}</th>'
        + "".join(_cell(by_cell[(row, column)], column_title, facet, most) for column, _ in columns)
        + "</tr>"
        for row, row_label in rows
    )
    scale = f'<div class="scale">papers: 1<i></i>{most:,}<b></b>no paper yet (a gap)</div>' if most else ""
    return (
        f'{HEATMAP_STYLE}<div class="atlas-heatmap"><table><thead><tr><td></td>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>{scale}</div>"
    )


def _cell(cell: Cell, column_title: str, facet: str, most: int) -> str:
    about = f"{cell.row_label} · {column_title}: {cell.column_label or cell.column}"
    if not cell.papers:
        return f'<td class="gap" title="{html_text(about + " · no paper yet")}">·</td>'
    href = html.escape(urls.compare(node=[cell.row], **{facet: [cell.column]}).href, quote=True)
    shade = math.sqrt(cell.papers / most)  # square root: a leaf with 1,000 papers still leaves 3 and 30 apart
    fill = _hex(tuple(a + (b - a) * shade for a, b in zip(LIGHTEST, DARKEST, strict=True)))
    ink = "#ffffff" if shade >= WHITE_TEXT_FROM else "#262730"
    label = html_text(f"{about} · {count(cell.papers, 'paper')}")
    return (
        f'<td style="background:{fill};color:{ink}">'
        f'<a href="{href}" title="{label}" aria-label="{label}">{cell.papers:,}</a></td>'
    )
