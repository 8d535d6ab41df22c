"""Technique page: a vocabulary technique's definition, its place in the hierarchy, its papers by taxonomy leaf and
what is used with it. Deep link: ?id=logit-lens"""

from app_pages import term_view
from explorer.terms import technique_page

term_view.render("technique", technique_page)
