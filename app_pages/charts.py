"""Charts for the pages (Altair): drawn as SVG/canvas text, so data labels never become markup."""

from __future__ import annotations

import altair as alt
import pandas as pd

from explorer import urls
from explorer.overview import Cell

GAP_FILL = "#fdecea"
GAP_STROKE = "#d9534f"


def papers_per_year(rows: list[dict]) -> alt.Chart:
    frame = pd.DataFrame(rows, columns=["year", "perspective", "papers"])
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y("papers:Q", title="papers", stack=True),
        color=alt.Color("perspective:N", title="perspective",
                        scale=alt.Scale(domain=["Data", "Model", "Training and Inference"],
                                        range=["#1f77b4", "#ff7f0e", "#2ca02c"])),
        tooltip=["year:O", "perspective:N", "papers:Q"],
    ).properties(height=260)


def gap_heatmap(cells: list[Cell], column_title: str, facet: str) -> alt.Chart:
    """Leaves as rows, ``facet`` values as columns; empty cells (gaps) in red outline, others by count.
    Clicking a filled cell opens the comparison filtered to that leaf and value."""
    frame = pd.DataFrame([{
        "leaf": c.row_label, "value": c.column, "papers": c.papers, "gap": c.papers == 0,
        "label": str(c.papers) if c.papers else "·",
        "href": urls.compare(node=[c.row], **{facet: [c.column]}).href if c.papers else "",
    } for c in cells])
    rows = list(dict.fromkeys(frame["leaf"])) if len(frame) else []
    columns = list(dict.fromkeys(frame["value"])) if len(frame) else []
    base = alt.Chart(frame).encode(
        x=alt.X("value:N", title=column_title, sort=columns, axis=alt.Axis(labelAngle=-40, labelLimit=160, labelOverlap=False)),
        y=alt.Y("leaf:N", title=None, sort=rows, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
    )
    filled = base.transform_filter("datum.papers > 0").mark_rect(stroke="white").encode(
        color=alt.Color("papers:Q", scale=alt.Scale(scheme="blues", domainMin=0), title="papers"),
        href="href:N",
        tooltip=[alt.Tooltip("leaf:N"), alt.Tooltip("value:N", title=column_title), alt.Tooltip("papers:Q")],
    )
    gaps = base.transform_filter("datum.papers == 0").mark_rect(fill=GAP_FILL, stroke=GAP_STROKE, strokeWidth=0.6).encode(
        tooltip=[alt.Tooltip("leaf:N"), alt.Tooltip("value:N", title=column_title), alt.Tooltip("papers:Q")],
    )
    text = base.mark_text(fontSize=10).encode(
        text="label:N",
        color=alt.condition("datum.papers > 8", alt.value("white"), alt.value("#333333")),
    )
    return (gaps + filled + text).properties(height=max(24 * len(rows), 120))
