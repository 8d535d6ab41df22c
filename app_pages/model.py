"""Model page: a vocabulary model's definition, its place in the hierarchy, its papers by taxonomy leaf and
what is used with it. Deep link: ?id=llava-family"""

from app_pages import term_view
from explorer.terms import model_page

term_view.render("model", model_page)
