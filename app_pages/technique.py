"""Technique page: a vocabulary technique's definition, its place in the hierarchy, its papers by taxonomy leaf and
what is used with it. Deep link: ?id=logit-lens"""

import streamlit as st

from app_pages import common, term_view
from explorer import urls
from explorer.terms import technique_page


def render() -> None:
    common.accept_only("technique", urls.TERM_ID)
    term_id = common.url_param(urls.TERM_ID)
    if not term_id:
        st.title("Techniques")
        st.info("Open a technique from a paper page, the search or Compare.")
        return
    term_view.show(technique_page(common.catalog(), term_id))  # an unknown id: common.user_errors names the closest


render()
