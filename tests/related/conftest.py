"""Shared by the related-work tests: a read-only session on a built knowledge base. A module ranks over the
tiny fixture data unless it sets ``KNOWLEDGE_BASE = "bundled_db"`` (the repository's own data/)."""

from __future__ import annotations

import pytest

from explorer.db import open_session


@pytest.fixture(scope="module")
def session(request):
    db_path = request.getfixturevalue(getattr(request.module, "KNOWLEDGE_BASE", "fixture_db"))
    with open_session(db_path) as s:
        yield s
