"""Contribute: paste a BibTeX entry (or fetch one from arXiv), get the paper's two files with the
annotation pre-filled, complete it with the validation result shown live, then open the pull request.

Everything here calls ``ingest.scaffold`` (the library behind ``atlas add``); the data folder is
never written to."""

import streamlit as st

from app_pages import common
from explorer.safety import markdown_link
from ingest.arxiv import ArxivError, fetch_arxiv, looks_like_arxiv_id
from ingest.project import repository_file_url, repository_url
from ingest.scaffold import (
    Existing,
    ScaffoldError,
    check_new_paper,
    github_new_file_url,
    pull_request_steps,
    record_to_bibtex,
    scaffold_bibtex,
)

BIB_KEY = "contribute_bib"


@st.cache_resource(show_spinner=False, max_entries=2)
def existing_papers(data_dir: str, stamp: float) -> Existing:
    return Existing.read(data_dir)


def render() -> None:
    data_dir = common.data_dir()
    st.title("Contribute a paper")
    st.markdown(
        "Every paper in the atlas is two small files in `data/papers/`, added by pull request: its BibTeX "
        "entry and an annotation saying where it sits in the taxonomy and why. Paste the entry below to get "
        "both, complete the annotation here with the checks running as you type, then follow the steps "
        "at the bottom. The full guide: "
        f"{markdown_link('CONTRIBUTING.md', repository_file_url('CONTRIBUTING.md'))}"
        f" in the {markdown_link('repository', repository_url())}."
    )

    with st.expander("No BibTeX at hand? Fetch it from arXiv"):
        arxiv_id = st.text_input("arXiv id", placeholder="2410.07149", key="contribute_arxiv")
        if st.button("Fetch from arXiv", disabled=not arxiv_id.strip()):
            fetch_into_entry(arxiv_id)

    text = st.text_area(
        "BibTeX entry",
        key=BIB_KEY,
        height=220,
        placeholder="@inproceedings{key,\n  title = {...},\n  author = {Family, Given and ...},\n  ...\n}",
    )
    if not text.strip():
        st.info("Paste the entry from the paper's arXiv page, Google Scholar, DBLP or the publisher.")
        return
    stamp = max((p.stat().st_mtime for p in data_dir.rglob("*.bib")), default=0.0)
    try:
        scaffolds = scaffold_bibtex(text, data_dir, origin="your entry", existing=existing_papers(str(data_dir), stamp))
    except ScaffoldError as exc:
        for reason in exc.reasons:
            st.error(common.md(reason))
        return
    if len(scaffolds) > 1:
        st.info(
            f"The entry holds {len(scaffolds)} papers; this page takes one at a time (the first below). "
            "`atlas add FILE` adds them all at once."
        )
    show_paper(scaffolds[0], data_dir)


def fetch_into_entry(arxiv_id: str) -> None:
    if not looks_like_arxiv_id(arxiv_id):
        st.error(common.md(f"'{arxiv_id}' is not an arXiv id: use the form 2410.07149"))
        return
    try:
        with st.spinner("Asking arXiv ..."):
            record = fetch_arxiv(arxiv_id)
    except ArxivError as exc:
        st.error(common.md(str(exc)))
        return
    st.session_state[BIB_KEY] = record_to_bibtex(record)


def show_paper(scaffold, data_dir) -> None:
    st.subheader(f"Key: {common.code(scaffold.key)}")
    st.caption(common.md(scaffold.title))
    for note in scaffold.notes:
        st.caption(common.md(f"Note: {note}"))

    bib_column, yaml_column = st.columns(2, gap="large")
    with bib_column:
        st.markdown(f"**{common.code(scaffold.bib_path)}**")
        st.code(scaffold.bib_text, language="bibtex", wrap_lines=True)
        st.download_button(
            "Download the .bib file", scaffold.bib_text, file_name=f"{scaffold.key}.bib", mime="text/plain"
        )
    with yaml_column:
        st.markdown(f"**{common.code(scaffold.yaml_path)}**: replace every TODO")
        annotation = st.text_area(
            "Annotation",
            scaffold.yaml_text,
            height=560,
            key=f"contribute_yaml_{scaffold.key}",
            label_visibility="collapsed",
        )
        st.download_button("Download the .yaml file", annotation, file_name=f"{scaffold.key}.yaml", mime="text/plain")

    st.subheader("Checks")
    problems = check_new_paper(scaffold.key, scaffold.bib_text, annotation, data_dir)
    if problems:
        st.error(
            f"{len(problems)} problem(s) to fix before the pull request (as `atlas validate --strict` reports them):"
        )
        st.code("\n".join(f"{p.path}:{p.line}: {p.message}" for p in problems), language=None, wrap_lines=True)
    else:
        st.success("Both files pass `atlas validate --strict` against the atlas's data.")

    st.subheader("Open the pull request")
    repo = repository_url()
    if repo is None:  # only when pyproject.toml has lost [project.urls] Repository
        st.error("pyproject.toml does not name the repository: set `[project.urls] Repository` to its GitHub address.")
        return
    st.markdown(
        "From the browser: create each file on GitHub (it offers to fork the repository), "
        "then open the pull request it proposes."
    )
    with st.container(horizontal=True):
        bib_url = github_new_file_url(repo, scaffold.bib_path, scaffold.bib_text)
        st.link_button("Create the .bib file on GitHub", bib_url, icon=":material/open_in_new:", type="primary")
        st.link_button(
            "Create the .yaml file on GitHub",
            github_new_file_url(repo, scaffold.yaml_path, annotation),
            icon=":material/open_in_new:",
            type="primary",
        )
    st.markdown("Or with git on your machine:")
    for number, step in enumerate(pull_request_steps(scaffold, repo), start=1):
        st.markdown(f"{number}. {step.title}")  # our own text; keys and paths are [a-z0-9/.]
        if step.command:
            st.code(step.command, language="bash")


render()
