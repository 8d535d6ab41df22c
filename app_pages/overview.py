"""Overview: how many papers the atlas holds, when they appeared, and where the literature has gaps."""

import streamlit as st

from app_pages import common
from explorer import urls
from explorer.safety import markdown_link


def render() -> None:
    common.accept_only("overview")  # the overview takes no parameter: a link that gives one is told
    overview = common.overview()
    charts = common.overview_charts()
    totals = overview.totals

    st.title("MLLM Interpretability Atlas")
    survey = markdown_link(
        "Explainable and Interpretable Multimodal Large Language Models: A Comprehensive Survey", urls.survey()
    )
    st.markdown(
        "A living knowledge base of research on explaining and interpreting multimodal large language models, "
        f"organised by the taxonomy of *{survey}* (Dang, Huang, Huo et al., 2024, arXiv {urls.SURVEY_ARXIV_ID})."
    )
    common.search_box(st, "overview-search")

    columns = st.columns(5)
    columns[0].metric("Papers", f"{totals.papers:,}", help=f"{totals.classified:,} placed in the taxonomy")
    columns[1].metric(
        "Leaves as full as the survey",
        f"{totals.leaves_at_target} of {totals.leaves}",
        help="Taxonomy leaves holding at least as many papers as the survey cites there (and at least 5)",
    )
    columns[2].metric("Models studied", f"{totals.models:,}")
    columns[3].metric("Techniques", f"{totals.techniques:,}")
    columns[4].metric("Years", f"{totals.first_year}–{totals.last_year}" if totals.first_year else "–")

    st.subheader("Papers per year and perspective")
    st.caption("A paper placed in two perspectives counts in both.")
    st.html(charts["per_year"])

    st.subheader("Where the gaps are")
    tab_modality, tab_technique = st.tabs(["Leaf × modality", "Leaf × technique"])
    with tab_modality:
        st.caption(
            f"{overview.gaps(overview.leaf_by_modality)} empty cells (red outline): no paper yet studies that "
            "modality at that leaf. Click a filled cell to list its papers."
        )
        st.html(charts["modality"])
    with tab_technique:
        st.caption(
            "Columns are the broad technique groups of the vocabulary, each counting its narrower techniques; "
            f"{overview.gaps(overview.leaf_by_technique)} empty cells (red outline). Click a filled cell to list "
            "its papers."
        )
        st.html(charts["technique"])

    st.subheader("Recently added")
    st.caption("The papers that entered the atlas last, by the date in their annotation.")
    for paper in overview.recent:
        common.page_link(
            urls.paper(paper.key),
            f"{common.paper_label(paper)} · added {common.md(paper.added)}",
            icon=":material/article:",
        )
    common.page_link(urls.compare(), "Compare and filter every paper", icon=":material/table_chart:")


render()
