"""explorer.urls: every URL of the site, built in one place."""

from __future__ import annotations

import pytest
from tests_paths import PROJECT

from explorer import urls
from explorer.compare import FacetFilters


def test_a_link_is_a_page_file_and_a_relative_href():
    link = urls.paper("neo2024interpreting")
    assert link.file == "app_pages/paper.py" and (PROJECT / link.file).is_file()
    assert link.href == "./paper?key=neo2024interpreting"
    assert link.query == {"key": "neo2024interpreting"}
    assert urls.overview().href == "./" and urls.taxonomy().href == "./taxonomy"
    assert urls.taxonomy("model/token").href == "./taxonomy?node=model%2Ftoken"


def test_values_are_encoded():
    assert urls.paper('a b&c"<x>').href == "./paper?key=a%20b%26c%22%3Cx%3E"


def test_compare_link_uses_the_names_its_widgets_bind_to():
    link = urls.compare(
        node=["model/token"],
        modality=["image", "video"],
        model=["llava-1.5"],
        years=(2020, 2024),
        has_code=True,
        text=" logit lens ",
        picked=["a", "b"],
    )
    assert link.href == (
        "./compare?node=model%2Ftoken&modality=image&modality=video&model=llava-1.5"
        "&years=2020&years=2024&code=true&q=logit%20lens&pick=a&pick=b"
    )
    assert urls.compare().href == "./compare"  # defaults stay out of the URL
    assert (
        FacetFilters(modality=("text",), has_code=True).link(["k"]).href == "./compare?modality=text&code=true&pick=k"
    )


def test_graph_link():
    assert (
        urls.graphs(kind="papers", link_by="relation", scope="model", years=(2021, 2023)).href
        == "./graphs?graph=papers&link=relation&scope=model&years=2021&years=2023"
    )


@pytest.mark.parametrize(
    "current, expected",
    [
        ("http://localhost:8501/compare?modality=image", "http://localhost:8501/paper?key=k"),
        ("http://localhost:8501/", "http://localhost:8501/paper?key=k"),
        ("http://localhost:8501", "http://localhost:8501/paper?key=k"),
        ("https://example.org/atlas/taxonomy?node=data#x", "https://example.org/atlas/paper?key=k"),
        (None, "/paper?key=k"),
    ],
)
def test_absolute_links_keep_the_site_base_path(current, expected):
    assert urls.paper("k").absolute(current) == expected


def test_identifier_links():
    assert urls.arxiv("2410.07149") == "https://arxiv.org/abs/2410.07149"
    assert urls.arxiv("hep-th/9901001v2") == "https://arxiv.org/abs/hep-th/9901001v2"
    assert urls.doi("10.1000/a(b)<c>") == "https://doi.org/10.1000/a%28b%29%3Cc%3E"
