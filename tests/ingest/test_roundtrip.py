"""Property: any field value survives parse -> database -> BibTeX export -> parse unchanged."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from explorer.db import open_session
from explorer.export import to_bibtex
from explorer.papers import get_papers
from ingest import build
from ingest.bibtex import read_bib_folder
from ingest.latex import decode

plain = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("L", "N", "Zs"), exclude_characters="\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0"
    )
    | st.sampled_from(list(".,:;!?()[]-+=*/'<>@&|")),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() and not s.startswith(" ") and not s.endswith(" "))
tex_bits = st.sampled_from(["{LLaVA}", '\\"{u}', "\\'e", "{\\ss}", "--", "\\&", "50\\%", "$x^2$", "{\\v{S}}"])
value = st.lists(plain | tex_bits | plain.map(lambda s: "{" + s + "}"), min_size=1, max_size=5).map(" ".join)
name = st.from_regex(r"[A-Z][a-z]{1,8}", fullmatch=True)
authors = st.lists(st.tuples(name, name), min_size=1, max_size=4).map(
    lambda ps: " and ".join(f"{f}, {g}" for f, g in ps)
)


# A database build per example (~0.2 s): explore runs 2,500, about nine minutes on two cores.
@settings(max_examples=examples(40, explore=2_500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=value,
    note=value,
    author=authors,
    year=st.integers(1950, 2030),
    doi_suffix=st.from_regex(r"[a-z0-9.]{1,12}", fullmatch=True),
)
def test_fields_round_trip_through_database_and_export(title, note, author, year, doi_suffix):
    fields = {"title": title, "author": author, "note": note, "year": str(year), "doi": f"10.1000/{doi_suffix}"}
    workdir = Path(tempfile.mkdtemp())
    try:
        data = workdir / "data"
        data.mkdir()
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
        (data / "p.bib").write_text(f"@misc{{p2000x,\n{body},\n}}\n", encoding="utf-8")
        db = workdir / "kb.db"
        build(data, db)
        with sqlite3.connect(db) as conn:
            stored_title = conn.execute("SELECT title FROM papers").fetchone()[0]
        assert stored_title == decode(title)
        with open_session(db) as session:
            exported = to_bibtex(get_papers(session))
        again = workdir / "again"
        again.mkdir()
        (again / "x.bib").write_text(exported, encoding="utf-8")
        result = read_bib_folder(again)
        assert result.problems == []
        [entry] = result.entries
        assert entry.fields == fields
    finally:
        shutil.rmtree(workdir)
