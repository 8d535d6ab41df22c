"""Shared by the methods tests: every module runs torch on one thread, as the runner and the website do, so
numbers are the same on every machine and the tests do not fight over the two cores."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    from methods import toy_models  # imports torch: only when a methods test runs

    with toy_models.single_thread():
        yield
