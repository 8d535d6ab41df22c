"""Methods: the interpretability methods we ship small runnable implementations of, each with its
canonical paper, the libraries that implement it, our implementation, the atlas papers that use it
and its demo figure (run on demand on a tiny toy model, cached on disk). Deep link: ?method=logit-lens

``render`` reads like the page; the cards come from ``explorer.methods_view``, the demo figures from
``methods.demo_runs``.
"""

import streamlit as st

from app_pages import common
from explorer import urls
from explorer.db import open_session
from explorer.methods_view import MethodCard, UnknownMethodError, find, method_cards
from explorer.safety import markdown_link
from methods.demo_runs import DemoRun, cache_dir, cached_run, demos_unavailable_reason, previous_run, run_demo
from taxonomy.text import count


def render() -> None:
    cards = all_cards()
    method_id = common.url_param(urls.METHOD_ID)
    st.title("Methods")
    common.accept_only("methods", urls.METHOD_ID)
    st.caption(
        "Core interpretability methods, each with a small, tested PyTorch implementation in this repository "
        "that runs offline on a CPU in seconds, on tiny toy models trained with a fixed seed."
    )
    choose_method(cards, method_id)
    if not method_id:
        catalogue(cards)
        return
    try:
        card = find(cards, method_id)
    except UnknownMethodError as exc:
        st.error(common.md(str(exc)))
        catalogue(cards)
        return
    header(card)
    description(card)
    canonical_paper(card)
    implementations(card)
    demo(card)
    used_by(card)


@st.cache_resource(show_spinner=False, max_entries=4)
def _cards(path: str, mtime_ns: int) -> list[MethodCard]:
    with open_session(path) as session:
        return method_cards(session)


def all_cards() -> list[MethodCard]:
    return _cards(*common.version())


def choose_method(cards: list[MethodCard], current: str | None) -> None:
    ids = [card.id for card in cards]
    names = {card.id: card.name for card in cards}
    choice = st.selectbox(
        "Method",
        ids,
        index=ids.index(current) if current in ids else None,
        placeholder="Choose a method ...",
        format_func=names.get,
    )
    if choice and choice != current:
        st.query_params[urls.METHOD_ID] = choice
        st.rerun()


def catalogue(cards: list[MethodCard]) -> None:
    st.subheader(count(len(cards), "method"))
    for card in cards:
        with st.container(border=True):
            common.page_link(urls.methods(card.id), f"**{common.md(card.name)}**", icon=":material/science:")
            st.markdown(common.md(card.summary))
            used = "" if card.used_by is None else f" · used by {count(len(card.used_by), 'paper')} of the atlas"
            st.caption(
                " · ".join(common.md(leaf.path) for leaf in card.leaves) + f" · {common.md(card.paper_title, 90)}{used}"
            )


def header(card: MethodCard) -> None:
    common.page_link(urls.methods(), "All methods", icon=":material/arrow_back:")
    st.header(common.md(card.name))
    st.caption(common.code(card.id))
    with st.container(horizontal=True):
        for leaf in card.leaves:
            common.page_link(urls.taxonomy(leaf.id), common.md(leaf.path), icon=":material/label:")


def description(card: MethodCard) -> None:
    st.markdown(common.md(card.description))


def canonical_paper(card: MethodCard) -> None:
    st.subheader("Canonical paper")
    if card.paper_in_atlas:
        common.page_link(urls.paper(card.paper), f"**{common.md(card.paper_title)}**", icon=":material/article:")
    else:
        st.markdown(f"**{common.md(card.paper_title)}** ({common.code(card.paper)}, not in the atlas yet)")


def implementations(card: MethodCard) -> None:
    st.subheader("Implementations")
    lines = [
        f"- {markdown_link(lib.name, lib.url)}" + ("" if lib.href else f" {common.code(lib.url)} *(not a web link)*")
        for lib in card.libraries
    ]
    st.markdown("\n".join(lines))
    st.markdown(f"Ours: {common.code(card.implementation)} (takes any PyTorch module, not only our toy models)")


def demo(card: MethodCard) -> None:
    """The figure made by the current code, if any; else a button to make it, with its progress; a figure
    of an earlier version of the code is shown meanwhile, with the offer to run it again."""
    st.subheader("Demo on a toy model")
    run = cached_run(card.id)
    missing = demos_unavailable_reason() if run is None else None
    if missing:
        st.info(f"No demo can run in this installation of the atlas: {common.md(missing)}.")
    elif run is None:
        older = previous_run(card.id)
        offer = st.empty()  # the button leaves once the run has started, and never comes back for this code
        with offer.container():
            if older is None:
                st.caption(
                    "Runs the method on its toy model. The very first run trains the model (about 20 s on "
                    "a CPU, kept on disk); after that a run takes seconds, and its figure is kept for every "
                    "visitor."
                )
            else:
                st.caption("The code changed since the figure below was made: run it again to see what it makes now.")
            clicked = st.button(
                "Run the demo" if older is None else "Run it again with the current code",
                icon=":material/play_arrow:",
                type="primary",
            )
        if clicked:
            offer.empty()
            run = run_with_progress(card)
        elif older is not None:
            show_run(older)
    if run is not None:
        show_run(run)
    st.caption("From a shell: " + common.code(f"atlas methods run {card.id} --out method-runs"))


def run_with_progress(card: MethodCard) -> DemoRun | None:
    bar = st.progress(0.0, text=f"Running {common.md(card.name)} ...")
    try:
        run = run_demo(card.id, progress=lambda text, done: bar.progress(min(done, 1.0), text=common.md(text)))
    except Exception as exc:  # noqa: BLE001  show any failure on the page; the rest of it still works
        st.error(f"The demo failed: {common.md(exc)}")
        return None
    finally:
        bar.empty()
    return run


def show_run(run: DemoRun) -> None:
    st.image(str(run.png))
    if run.numbers.get("seconds") is not None:
        st.caption(
            f"Made in {run.numbers['seconds']} s with torch {common.md(run.numbers.get('torch_version'))}"
            + ("" if run.png.parent == cache_dir() else ", by an earlier version of the code")
            + "."
        )
    with st.expander("The numbers"):
        st.json(run.numbers.get("results", {}), expanded=2)


def used_by(card: MethodCard) -> None:
    if not card.used_by:
        return
    st.subheader(f"Papers of the atlas that use it ({len(card.used_by)})")
    for paper in card.used_by:
        common.page_link(
            urls.paper(paper.key), f"{common.md(paper.title, 120)} · {paper.year or 'n.d.'}", icon=":material/article:"
        )


render()
