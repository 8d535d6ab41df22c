"""How related papers look on the website: the ranked list with reasons (Related work page) and the short
"Related papers" section of every paper page. A helper module, not a page: it only draws what
``explorer.related`` returns, escaping every piece of data text."""

from __future__ import annotations

import streamlit as st

from app_pages import common
from explorer import urls
from explorer.related import RelatedInputError, RelatedResult, related_to_paper


def ranked_list(result: RelatedResult, compact: bool = False) -> None:
    """One block per paper: rank, title (opens its page), authors and year, score, then its reasons."""
    for rank, paper in enumerate(result.papers, start=1):
        # The title's link, then one Markdown element for the rest (no bordered box, no separate caption): each
        # element costs the visitor's browser time, and a ranking of 10 drew 40 of them.
        who = common.md(", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else ""), 90)
        label = f"**{rank}.** {common.md(paper.title, 160)}"
        common.page_link(urls.paper(paper.key), label, icon=":material/article:")
        byline = f"{who} · {paper.year or 'n.d.'} · score {paper.score:.2f} · key {common.code(paper.key)}"
        reasons = paper.reasons if not compact else paper.reasons[:3]
        lines = [f":small[:gray[{byline}]]", "\n".join(f"- {common.md(reason, 500)}" for reason in reasons)]
        st.markdown("\n\n".join(lines if compact else [*lines, "---"]))


def paper_section(key: str, k: int = 5) -> None:
    """The paper page's "Related papers": the best few, and a link to the full ranking."""
    try:
        with common.session() as session:
            result = related_to_paper(session, key, k=k)
    except RelatedInputError as exc:
        st.info(common.md(str(exc)))
        return
    if not result.papers:
        st.caption(common.md(result.message or "No related papers found."))
    else:
        ranked_list(result, compact=True)
    common.page_link(
        urls.related(paper=key), "More related work, with filters and exports", icon=":material/travel_explore:"
    )
