"""The Contribute page checks a pasted annotation with ingest's own reader (``ingest.scaffold.check_new_paper``
reads it as ``atlas validate`` does), so an annotation built to exhaust the server (a "billion laughs"
of nested YAML aliases, or a thousand levels of nesting) gets one error message within seconds."""

from __future__ import annotations

import re
import time

import pytest
from website_support import app_test, shown

ENTRY = (
    "@article{whatever2018,\n  title={Object hallucination in image captioning},\n"
    "  author={Rohrbach, Anna and Hendricks, Lisa Anne},\n  journal={arXiv preprint arXiv:1809.02156},\n"
    "  year={2018}\n}\n"
)
KEY = "rohrbach2018object"
# Nine levels of nine aliases each: 9**9 (387 million) strings once expanded.
LAUGHS = f"key: {KEY}\nlol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 9)}]\n" for i in range(1, 9)
)
DEEP_LISTS = f"key: {KEY}\nsummary: " + "[" * 1000 + "]" * 1000 + "\n"
DEEP_MAPS = f"key: {KEY}\nsummary: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n"
SECONDS = 10  # a cold AppTest run of the page included; the check itself takes milliseconds


@pytest.mark.parametrize(
    "annotation, words",
    [
        (LAUGHS, "aliases (*name) are not allowed"),
        (DEEP_LISTS, "nest"),
        (DEEP_MAPS, "nest"),
    ],
    ids=["billion-laughs", "1000-nested-lists", "1000-nested-mappings"],
)
def test_a_hostile_annotation_gets_one_error_quickly(contribute_site, annotation, words):
    at = app_test("contribute")
    next(t for t in at.text_area if t.label == "BibTeX entry").input(ENTRY).run()
    at.toggle[0].set_value(True).run()  # edit the YAML by hand
    box = next(t for t in at.text_area if t.label == "Annotation")
    started = time.perf_counter()
    box.input(annotation).run(timeout=SECONDS)
    assert time.perf_counter() - started < SECONDS
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and re.search(r"\d+ problems? to fix", shown(at.error[0].value))
    report = "\n".join(c.value for c in at.code).splitlines()
    assert any(line.startswith(f"data/papers/{KEY}.yaml:") and words in line for line in report), report
