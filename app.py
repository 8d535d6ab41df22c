"""Streamlit entry point (placeholder until the website lands): shows the knowledge base's totals."""

import streamlit as st

from explorer.db import open_session
from explorer.stats import compute_stats

st.set_page_config(page_title="MLLM Interpretability Atlas", layout="wide")
st.title("MLLM Interpretability Atlas")
with open_session() as session:
    stats = compute_stats(session)
st.metric("Papers", stats.papers)
st.dataframe([{"node": n.id, "papers": n.papers, "survey refs": n.survey_refs} for n in stats.nodes])
