"""Model page: a vocabulary model's definition, its place in the hierarchy, its papers by taxonomy leaf and
what is used with it. Deep link: ?id=llava-family"""

import streamlit as st

from app_pages import common, term_view
from explorer import urls
from explorer.terms import model_page


def render() -> None:
    common.accept_only("model", urls.TERM_ID)
    term_id = common.url_param(urls.TERM_ID)
    if not term_id:
        st.title("Models")
        st.info("Open a model from a paper page, the search or Compare.")
        return
    term_view.show(model_page(common.catalog(), term_id))  # an unknown id: common.user_errors names the closest


render()
