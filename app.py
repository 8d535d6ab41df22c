"""The MLLM Interpretability Atlas website: set the page up, make sure the knowledge base exists, route,
and show any AtlasError a page raises as one message (``common.user_errors``).

Run with `make run` (or `streamlit run app.py`). Each page lives in app_pages/ and calls the read side
(explorer/) for what it shows; the few actions a visitor starts call public entry points: the first build
and the Contribute page's scaffold (the names ``ingest`` exports, ``ingest.errors``, ``ingest.scaffold``,
``ingest.arxiv``, ``ingest.project``) and the Methods page's demo runs (``methods.demo_runs``). No page
holds SQL or reaches into the write side's internals; tests/project/test_layers.py checks both.
To add a page, add one line to PAGES; its URL path is its file name.
"""

import streamlit as st

from app_pages.common import knowledge_base, link_style, page_opened, search_box, user_errors

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/search.py", title="Search", icon=":material/search:"),
    st.Page("app_pages/taxonomy.py", title="Taxonomy", icon=":material/account_tree:"),
    st.Page("app_pages/paper.py", title="Paper", icon=":material/article:"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/table_chart:"),
    st.Page("app_pages/graphs.py", title="Graphs", icon=":material/hub:"),
    st.Page("app_pages/related.py", title="Related work", icon=":material/travel_explore:"),
    st.Page("app_pages/methods.py", title="Methods", icon=":material/science:"),
    st.Page("app_pages/contribute.py", title="Contribute", icon=":material/add_circle:"),
    # reached from papers, the search and Compare, so not in the menu
    st.Page("app_pages/technique.py", title="Technique", icon=":material/sell:", visibility="hidden"),
    st.Page("app_pages/model.py", title="Model", icon=":material/memory:", visibility="hidden"),
]

st.set_page_config(page_title="MLLM Interpretability Atlas", page_icon="🔬", layout="wide")
page = st.navigation(PAGES)
with user_errors():  # an AtlasError on any page becomes one message; anything else is a bug
    knowledge_base()  # builds it from data/ on the first start
    search_box()  # in the sidebar of every page
    link_style()  # links in a page look like links, not like the page that is open
    page_opened(page.url_path)
    page.run()
