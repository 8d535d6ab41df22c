"""Contribute: paste a BibTeX entry (or fetch one from arXiv), get the paper's two files, pick the
annotation's leaves, models, techniques and modalities from the taxonomy and the vocabulary (or edit
its YAML by hand) with the validation result shown live, propose a missing term, then open the pull
request.

Everything here calls ``ingest.scaffold`` and ``ingest.picks`` (the library behind ``atlas add``) and
``taxonomy.vocabulary``; the data folder is never written to."""

import streamlit as st

from app_pages import common
from explorer.safety import markdown_link
from ingest.arxiv import ArxivError, fetch_arxiv, looks_like_arxiv_id
from ingest.picks import Choices, granularities, leaf_options, term_options
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
from taxonomy import load_taxonomy
from taxonomy.text import count, plural
from taxonomy.vocabulary import (
    FILES,
    Vocabulary,
    load_vocabulary,
    propose_term,
    read_vocabulary,
    term_record,
    term_snippet,
)

BIB_KEY = "contribute_bib"
NEW_TERMS = "contribute_new_terms"


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

    st.subheader("Place the paper")
    st.caption(
        "Pick from the lists (type to search them). What the title or abstract names is already picked: check it. "
        "The annotation on the right follows your picks."
    )
    by_hand = st.toggle(
        "Edit the YAML by hand (relations, methods, code, or anything the lists do not cover)",
        key=f"contribute_by_hand_{scaffold.key}",
    )
    new_terms = st.session_state.setdefault(NEW_TERMS, [])  # (kind, record) the contributor proposed
    vocabulary = read_vocabulary(added=new_terms)[0] or load_vocabulary()  # the pickers know the new terms
    choices = pick_annotation(scaffold, vocabulary, disabled=by_hand)
    propose_new_term(vocabulary, new_terms)
    annotation = show_files(scaffold, choices, by_hand)
    show_checks(scaffold, annotation, data_dir, new_terms)
    show_pull_request(scaffold, annotation)


def show_files(scaffold, choices: Choices, by_hand: bool) -> str:
    """The two files side by side; returns the annotation (as picked, or as edited by hand)."""
    bib_column, yaml_column = st.columns(2, gap="large")
    with bib_column:
        st.markdown(f"**{common.code(scaffold.bib_path)}**")
        st.code(scaffold.bib_text, language="bibtex", wrap_lines=True)
        st.download_button(
            "Download the .bib file", scaffold.bib_text, file_name=f"{scaffold.key}.bib", mime="text/plain"
        )
    with yaml_column:
        annotation = scaffold.annotation(choices)
        if by_hand:
            st.markdown(f"**{common.code(scaffold.yaml_path)}**: starts from your picks; replace every TODO")
            annotation = st.text_area(
                "Annotation",
                annotation,
                height=560,
                key=f"contribute_yaml_{scaffold.key}",
                label_visibility="collapsed",
            )
        else:
            st.markdown(f"**{common.code(scaffold.yaml_path)}**")
            st.code(annotation, language="yaml")  # long comment lines scroll rather than wrap
        st.download_button("Download the .yaml file", annotation, file_name=f"{scaffold.key}.yaml", mime="text/plain")
    return annotation


def show_checks(scaffold, annotation: str, data_dir, new_terms) -> None:
    st.subheader("Checks")
    problems = check_new_paper(scaffold.key, scaffold.bib_text, annotation, data_dir, new_terms=new_terms)
    if problems:
        st.error(
            f"{count(len(problems), 'problem')} to fix before the pull request "
            "(as `atlas validate --strict` reports them):"
        )
        st.code("\n".join(f"{p.path}:{p.line}: {p.message}" for p in problems), language=None, wrap_lines=True)
    else:
        st.success("Both files pass `atlas validate --strict` against the atlas's data.")


def show_pull_request(scaffold, annotation: str) -> None:
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


def pick_annotation(scaffold, vocabulary: Vocabulary, disabled: bool) -> Choices:
    """The pickers; a picker stores ids and shows names. Disabled (kept as they are) while the YAML is
    edited by hand."""
    leaves = leaf_options(load_taxonomy())
    key = f"contribute_{scaffold.key}"
    left, right = st.columns(2, gap="large")
    with left:
        picked = st.multiselect(
            "Taxonomy leaves", list(leaves), format_func=leaves.__getitem__, key=f"{key}_leaves", disabled=disabled
        )
        categories = tuple(
            (
                leaf,
                st.text_input(
                    f"Why does it belong in {leaves[leaf]}?",
                    key=f"{key}_why_{leaf}",
                    placeholder="One sentence in your own words: what in the paper puts it in this leaf",
                    disabled=disabled,
                ),
            )
            for leaf in picked
        )
        granularity = st.selectbox(
            "Granularity", granularities(), index=None, key=f"{key}_granularity", disabled=disabled
        )
        summary = st.text_area(
            "Summary",
            key=f"{key}_summary",
            height=90,
            placeholder="One sentence in your own words (never the abstract), 20 to 600 characters",
            disabled=disabled,
        )
    with right:
        modalities = term_picker("Modalities", vocabulary, "modality", scaffold, disabled)
        models = term_picker(
            "Models studied (a family when the paper names only the family)", vocabulary, "model", scaffold, disabled
        )
        no_model = st.checkbox("No model in particular", key=f"{key}_no_model", disabled=disabled or bool(models))
        techniques = term_picker("Techniques", vocabulary, "technique", scaffold, disabled)
    return Choices(
        categories,
        modalities or None,
        models or (() if no_model else None),
        techniques or None,
        granularity,
        summary,
    )


def term_picker(label: str, vocabulary: Vocabulary, kind: str, scaffold, disabled: bool) -> tuple[str, ...]:
    options = term_options(vocabulary, kind)
    return tuple(
        st.multiselect(
            label,
            list(options),
            default=[i for i in scaffold.named.get(kind, []) if i in options],
            format_func=options.__getitem__,
            key=f"contribute_{scaffold.key}_{kind}",
            disabled=disabled,
        )
    )


def propose_new_term(vocabulary: Vocabulary, new_terms: list[tuple[str, dict]]) -> None:
    """A missing model or technique: a small form checked by the vocabulary's own checks. An accepted term
    joins the pickers and the checks, and its lines to add are shown until forgotten."""
    with st.expander("A model or technique is missing? Propose a new term"):
        st.caption(
            "First search the lists above: an existing term, a broader one or a family may fit. A new term is "
            "reviewed in the pull request, so it needs a definition in your own words."
        )
        kind = st.radio("Kind of term", ["technique", "model"], horizontal=True, key="contribute_term_kind")
        with st.form("contribute_new_term"):
            term_id = st.text_input("Id", placeholder="lower-case words joined by hyphens, e.g. caption-metric")
            name = st.text_input("Name", placeholder="the usual spelling, e.g. Caption metric")
            if kind == "model":
                families = {f.id: f.name for f in vocabulary.families.values()}
                kinds = {k.id: k.name for k in vocabulary.model_kinds.values()}
                broader = st.selectbox("Family", list(families), index=None, format_func=families.__getitem__)
                model_kind = st.selectbox("Kind of model", list(kinds), index=None, format_func=kinds.__getitem__)
                organisation = st.text_input("Organisation", placeholder="who released it")
                year = st.number_input("Year of first release", min_value=1980, max_value=2100, value=None, step=1)
                homepage = st.text_input("Homepage", placeholder="https://... (the official page or repository)")
                text = st.text_input("Note (optional)", placeholder="anything a reader needs to tell it apart")
            else:
                techniques = term_options(vocabulary, "technique")
                broader = st.selectbox(
                    "Broader technique", list(techniques), index=None, format_func=techniques.__getitem__
                )
                model_kind, organisation, year, homepage = None, "", None, ""
                text = st.text_area(
                    "Definition", placeholder="One or two sentences a newcomer understands, 20 to 400 characters"
                )
            aliases = st.text_input("Aliases", placeholder="other spellings, separated by commas")
            submitted = st.form_submit_button("Check the term")
        if submitted:
            record = term_record(
                kind,
                term_id,
                name,
                text,
                aliases,
                broader,
                model_kind,
                organisation,
                int(year) if year else None,
                homepage,
            )
            _, issues = propose_term(kind, record, pending=new_terms)
            if not issues:
                new_terms.append((kind, record))
                st.rerun()  # the pickers above now offer it
            st.error(f"{count(len(issues), 'problem')} with the term (as `atlas validate` reports them):")
            st.code("\n".join(str(issue) for issue in issues), language=None, wrap_lines=True)
    if new_terms:
        show_new_terms(new_terms)


def show_new_terms(new_terms: list[tuple[str, dict]]) -> None:
    names = ", ".join(f"{record['name']} ({kind})" for kind, record in new_terms)
    st.success(
        f"{plural('New term', len(new_terms))} proposed: {common.md(names)}. They pass the vocabulary's checks "
        "and the lists above offer them. Add these lines at the end of each file in the same pull request; the "
        "pull-request summary lists new terms for review."
    )
    for kind in FILES:
        snippets = [term_snippet(record) for k, record in new_terms if k == kind]
        if snippets:
            st.markdown(f"**{common.code('taxonomy/vocabulary/' + FILES[kind])}**, at the end:")
            st.code("".join(snippets), language="yaml")
    if st.button("Forget the new terms"):
        new_terms.clear()
        st.rerun()


render()
