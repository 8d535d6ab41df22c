"""The overview's charts as Vega-Lite specs (plain dicts for ``st.vega_lite_chart``).

Written as data rather than through Altair: importing and validating Altair charts cost more than
a second on a cold server. Vega draws data text as SVG/canvas text, never as markup.
"""

from __future__ import annotations

from explorer import urls
from explorer.overview import Cell

PERSPECTIVES = {"Data": "#1f77b4", "Model": "#ff7f0e", "Training and Inference": "#2ca02c"}
GAP_FILL = "#fdecea"
GAP_STROKE = "#d9534f"


def papers_per_year(rows: list[dict]) -> dict:
    return {
        "data": {"name": "per_year"},
        "datasets": {"per_year": rows},
        "mark": {"type": "bar"},
        "height": 260,
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "year"},
            "y": {"field": "papers", "type": "quantitative", "title": "papers", "stack": True},
            "color": {
                "field": "perspective",
                "type": "nominal",
                "title": "perspective",
                "scale": {"domain": list(PERSPECTIVES), "range": list(PERSPECTIVES.values())},
            },
            "tooltip": [
                {"field": "year", "type": "ordinal"},
                {"field": "perspective", "type": "nominal"},
                {"field": "papers", "type": "quantitative"},
            ],
        },
    }


def gap_heatmap(cells: list[Cell], column_title: str, facet: str) -> dict:
    """Leaves as rows, ``facet`` values as columns; empty cells (gaps) outlined in red, the others
    shaded by count. Clicking a filled cell opens the comparison filtered to that leaf and value."""
    values = [
        {
            "leaf": c.row_label,
            "value": c.column,
            "papers": c.papers,
            "label": str(c.papers) if c.papers else "·",
            "href": urls.compare(node=[c.row], **{facet: [c.column]}).href if c.papers else "",
        }
        for c in cells
    ]
    rows = list(dict.fromkeys(v["leaf"] for v in values))
    columns = list(dict.fromkeys(v["value"] for v in values))
    tooltip = [
        {"field": "leaf", "type": "nominal"},
        {"field": "value", "type": "nominal", "title": column_title},
        {"field": "papers", "type": "quantitative"},
    ]
    axes = {
        "x": {
            "field": "value",
            "type": "nominal",
            "title": column_title,
            "sort": columns,
            "axis": {"labelAngle": -40, "labelLimit": 160, "labelOverlap": False},
        },
        "y": {
            "field": "leaf",
            "type": "nominal",
            "title": None,
            "sort": rows,
            "axis": {"labelLimit": 260, "labelOverlap": False},
        },
    }
    return {
        "data": {"name": "cells"},
        "datasets": {"cells": values},
        "height": max(24 * len(rows), 120),
        "layer": [
            {
                "transform": [{"filter": "datum.papers == 0"}],
                "mark": {"type": "rect", "fill": GAP_FILL, "stroke": GAP_STROKE, "strokeWidth": 0.6},
                "encoding": {**axes, "tooltip": tooltip},
            },
            {
                "transform": [{"filter": "datum.papers > 0"}],
                "mark": {"type": "rect", "stroke": "white", "cursor": "pointer"},
                "encoding": {
                    **axes,
                    "tooltip": tooltip,
                    "href": {"field": "href", "type": "nominal"},
                    "color": {
                        "field": "papers",
                        "type": "quantitative",
                        "title": "papers",
                        "scale": {"scheme": "blues", "domainMin": 0},
                    },
                },
            },
            # The number sits on top of its cell: it carries the cell's link and tooltip, so the whole cell acts alike.
            {
                "mark": {"type": "text", "fontSize": 10, "cursor": "pointer"},
                "encoding": {
                    **axes,
                    "text": {"field": "label", "type": "nominal"},
                    "tooltip": tooltip,
                    "href": {"field": "href", "type": "nominal"},
                    "color": {"condition": {"test": "datum.papers > 8", "value": "white"}, "value": "#333333"},
                },
            },
        ],
    }
