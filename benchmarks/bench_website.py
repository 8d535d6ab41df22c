"""Benchmark: the website at 300 and 5,000 synthetic papers.

Run on demand:  .venv/bin/python benchmarks/bench_website.py [--sizes 300 5000] [--repeat 3] [--no-browser]

For each N it writes a synthetic data folder (N .bib + N .yaml, made from the bundled papers so
leaves, modalities, models and techniques are distributed like real data; authors from a pool of
N/3 people; one paper in four links to an earlier one) and builds it with ``ingest.build``. Then:

  library   the read side the pages call, in process: catalogue, overview, taxonomy node,
            faceted search, paper detail, and every graph (networkx build + pyvis HTML), or the
            time to refuse it when it is above the cap
  server    each page's script run under AppTest with warm caches (what a rerun costs the server)
  browser   a real Streamlit server and Debian's Chromium (Playwright):
              first content  goto -> the page's heading is drawn; "cold" is the first visit after the
                             server started (imports, catalogue), "warm" a new visitor afterwards
              complete       goto -> the script has finished and nothing is left to draw
              interactions   click/type -> the new content is on screen, on a loaded page (median of --repeat)

Targets (issue 4): first content <= 3 s and interactions <= 0.5 s at 300 papers; every page usable at 5,000.
Results are printed and written to benchmarks/out/website.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

FIRST = [
    "Jörg",
    "María",
    "Søren",
    "Zoë",
    "Li",
    "Anna",
    "José",
    "François",
    "Ngọc",
    "Ali",
    "Wei",
    "Priya",
    "Kofi",
    "Olga",
]
LAST = [
    "Muller",
    "Garcia",
    "Ostergaard",
    "Smith",
    "Nguyen",
    "Berg",
    "Dvorak",
    "Chen",
    "Kowalski",
    "Okafor",
    "Sato",
    "Ivanova",
]


# --- synthetic data --------------------------------------------------------------------------------


def write_data(folder: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    templates = [
        yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data" / "papers").glob("*.yaml"))
    ]
    title_words = sorted(
        {w.strip(",.:;?()") for t in templates for w in (t.get("summary") or "").split() if len(w) > 3}
    )
    model_pool = [f"Model{i}-{rng.choice(['7B', '13B', 'XL', 'v2'])}" for i in range(max(20, n // 25))]
    technique_pool = [
        f"{rng.choice(title_words).lower()} {rng.choice(['probing', 'patching', 'attribution', 'analysis'])} {i}"
        for i in range(max(20, n // 15))
    ]
    people = [(rng.choice(LAST) + str(i), rng.choice(FIRST)) for i in range(max(10, n // 3))]
    papers = folder / "papers"
    papers.mkdir(parents=True)
    for i in range(n):
        template = rng.choice(templates)
        key = f"synth{i:05d}"
        title = " ".join(rng.sample(title_words, k=rng.randint(5, 10))).capitalize() + f" {i}"
        authors = " and ".join(f"{last}, {first}" for last, first in rng.sample(people, k=rng.randint(1, 6)))
        year = 2015 + rng.randrange(12)
        (papers / f"{key}.bib").write_text(
            f"@article{{{key},\n  title = {{{title}}},\n  author = {{{authors}}},\n"
            "  journal = {Synthetic Proceedings},\n"
            f"  year = {{{year}}},\n  doi = {{10.5555/synthetic.{i}}},\n}}\n",
            encoding="utf-8",
        )
        models = list(
            dict.fromkeys(
                rng.sample(template.get("models") or ["LLaVA"], k=min(2, len(template.get("models") or ["LLaVA"])))
                + rng.sample(model_pool, k=rng.randint(0, 2))
            )
        )
        techniques = list(
            dict.fromkeys(rng.sample(template["technique"], k=1) + rng.sample(technique_pool, k=rng.randint(0, 2)))
        )
        annotation = {
            "key": key,
            "categories": [
                {"id": c["id"], "why": f"Synthetic paper {i} studies this leaf ({c['id']}) for the benchmark."}
                for c in template["categories"]
            ],
            "modalities": template["modalities"],
            "models": models,
            "technique": techniques,
            "granularity": template["granularity"],
            "summary": f"Synthetic paper {i}: " + " ".join(rng.sample(title_words, k=12)) + ".",
            "code": f"https://github.com/synthetic/p{i}" if rng.random() < 0.6 else None,
            "relations": (
                [
                    {
                        "type": rng.choice(["builds-on", "extends", "uses", "compares-with"]),
                        "key": f"synth{rng.randrange(i):05d}",
                    }
                ]
                if i and rng.random() < 0.25
                else []
            ),
            "added": f"2026-{1 + i % 11:02d}-{1 + i % 27:02d}",
        }
        (papers / f"{key}.yaml").write_text(
            yaml.safe_dump(annotation, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )


# --- measuring ---------------------------------------------------------------------------------------


def timed(function, repeat: int = 1):
    """(result, median seconds)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def library(db: Path, repeat: int) -> dict:
    from explorer.browse import node_view
    from explorer.catalog import load_catalog
    from explorer.compare import Filters, search
    from explorer.db import open_session
    from explorer.detail import paper_view
    from explorer.graphs import GraphSettings, GraphTooLarge, build_graph, render_html
    from explorer.overview import build_overview

    out: dict = {}
    with open_session(db) as session:
        catalog, out["catalogue"] = timed(lambda: load_catalog(session), repeat)
        key = max(catalog.papers, key=lambda p: len(p.leaves)).key
        _, out["paper detail"] = timed(lambda: paper_view(session, key), repeat)
    _, out["overview"] = timed(lambda: build_overview(catalog), repeat)
    _, out["taxonomy node (model)"] = timed(lambda: node_view(catalog, "model"), repeat)
    model = catalog.papers[0].models[0]
    for name, filters in [
        ("search: no filter", Filters()),
        ("search: node+modality+code", Filters(node=("model",), modality=("image",), has_code=True)),
        (f"search: model={model}", Filters(model=(model,))),
        ("search: text", Filters(text="attention layers")),
    ]:
        _, out[name] = timed(lambda filters=filters: search(catalog, filters), repeat)
    leaf = max((n for n in catalog.nodes.values() if n.is_leaf), key=lambda n: len(catalog.papers_under(n.id))).id
    small = min(
        (n for n in catalog.nodes.values() if n.is_leaf and catalog.papers_under(n.id)),
        key=lambda n: len(catalog.papers_under(n.id)),
    ).id
    graphs = {}
    for name, settings in [
        ("taxonomy, all", GraphSettings()),
        (f"taxonomy, largest leaf ({leaf})", GraphSettings(scope=leaf)),
        ("papers by leaf, all", GraphSettings(kind="papers", link_by="leaf")),
        ("papers by model, all", GraphSettings(kind="papers", link_by="model")),
        (f"papers by model, smallest leaf ({small})", GraphSettings(kind="papers", link_by="model", scope=small)),
        ("papers by relation, all", GraphSettings(kind="papers", link_by="relation")),
        ("papers by relation, largest leaf", GraphSettings(kind="papers", link_by="relation", scope=leaf)),
        ("co-authors (>=2 papers), all", GraphSettings(kind="co-authors")),
        ("co-authors (>=2 papers), largest leaf", GraphSettings(kind="co-authors", scope=leaf)),
        ("models (>=2 papers), all", GraphSettings(kind="models")),
        ("models (>=2 papers), largest leaf", GraphSettings(kind="models", scope=leaf)),
    ]:

        def run(settings=settings):
            start = time.perf_counter()
            try:
                result = build_graph(catalog, settings)
            except GraphTooLarge as exc:
                return f"capped ({exc.nodes:,} nodes, {'>' if 'up to' in str(exc) else ''}{exc.edges:,} edges)"
            built = time.perf_counter()
            html = render_html(result)
            return (
                f"{result.graph.number_of_nodes():,} nodes, {result.graph.number_of_edges():,} edges, "
                f"{len(html) / 1e6:.1f} MB HTML (networkx {1e3 * (built - start):.0f} ms)"
            )

        timed(run, 1)
        summary, seconds = timed(run, 1)  # the second run: imports and lazy loads out of the way
        graphs[name] = {"seconds": seconds, "result": summary}
    out["graphs"] = graphs
    return out


def server(db: Path) -> dict:
    """Seconds per page script run under AppTest with warm caches: what each rerun costs the server."""
    from website_support import app_test

    os.environ["ATLAS_DB"] = str(db)
    out = {}
    for page, params in [
        (None, {}),
        ("taxonomy", {"node": "model/token"}),
        ("paper", {"key": "synth00001"}),
        ("compare", {"modality": ["image"]}),
        ("graphs", {"scope": "model/token/visual-token"}),
    ]:
        at = app_test(page, params)
        _, out[page or "overview"] = timed(at.run, 3)
        assert not at.exception, [e.value for e in at.exception]
    return out


def browser(db: Path, workdir: Path, repeat: int) -> dict:
    from playwright.sync_api import sync_playwright
    from website_support import launch_chromium, streamlit_server

    def ready(page, text: str | None = None):
        page.wait_for_function(
            """(text) => {
                const app = document.querySelector('[data-testid="stApp"]');
                if (!app || app.dataset.testScriptState !== 'notRunning'
                    || document.querySelector('[data-testid="stSkeleton"]')) return false;
                return !text || document.body.innerText.includes(text);
            }""",
            arg=text,
            timeout=120_000,
        )

    def heading(page):
        page.wait_for_selector("h1", timeout=120_000)

    def graph_drawn(page):
        """vis-network has laid the graph out (the frame is same-origin, so its body is readable)."""
        page.wait_for_function(
            """() => [...document.querySelectorAll('iframe[title="Graph of the atlas"]')].some(
                f => f.contentDocument && f.contentDocument.body && f.contentDocument.body.dataset.ready === '1')""",
            timeout=120_000,
        )

    out: dict = {"first content": {}, "complete": {}, "interactions": {}}
    pages = [
        ("overview", ""),
        ("taxonomy", "taxonomy?node=model/token"),
        ("paper", "paper?key=synth00001"),
        ("compare", "compare"),
        ("graphs (capped or drawn)", "graphs"),
        ("graphs: leaf scope", "graphs?scope=model/token/visual-token"),
    ]
    with streamlit_server(db, workdir / "server.log", timeout=120) as url, sync_playwright() as playwright:
        chromium = launch_chromium(playwright)

        def fresh_page():
            context = chromium.new_context(viewport={"width": 1400, "height": 1000})
            return context, context.new_page()

        # cold: the first visitor after the server started
        context, page = fresh_page()
        start = time.perf_counter()
        page.goto(f"{url}/")
        heading(page)
        out["first content"]["overview (cold server)"] = time.perf_counter() - start
        ready(page)
        out["complete"]["overview (cold server)"] = time.perf_counter() - start
        context.close()

        for name, path in pages:
            # a new visitor: a fresh browser profile, nothing cached
            firsts, completes = [], []
            for _ in range(repeat):
                context, page = fresh_page()
                start = time.perf_counter()
                page.goto(f"{url}/{path}")
                heading(page)
                firsts.append(time.perf_counter() - start)
                ready(page)
                if name == "graphs: leaf scope":
                    graph_drawn(page)
                completes.append(time.perf_counter() - start)
                context.close()
            out["first content"][name + " (new visitor)"] = statistics.median(firsts)
            out["complete"][name + " (new visitor)"] = statistics.median(completes)
            # a returning visitor: the site's scripts and fonts are in the browser cache
            context, page = fresh_page()
            page.goto(f"{url}/{path}")
            ready(page)
            firsts, completes = [], []
            for _ in range(repeat):
                start = time.perf_counter()
                page.goto(f"{url}/{path}")
                heading(page)
                firsts.append(time.perf_counter() - start)
                ready(page)
                if name == "graphs: leaf scope":
                    graph_drawn(page)
                completes.append(time.perf_counter() - start)
            context.close()
            out["first content"][name + " (returning)"] = statistics.median(firsts)
            out["complete"][name + " (returning)"] = statistics.median(completes)

        def interaction(name, path, act, expect, after=None):
            """Median time from the action to the new content, on a loaded page of a returning
            visitor (one untimed run first, so lazily loaded scripts are in the browser cache)."""
            context, page = fresh_page()
            times = []
            try:
                for attempt in range(repeat + 1):
                    page.goto(f"{url}/{path}")
                    ready(page)
                    start = time.perf_counter()
                    act(page)
                    ready(page, expect)
                    if after:
                        after(page)
                    if attempt:
                        times.append(time.perf_counter() - start)
                out["interactions"][name] = statistics.median(times)
            except Exception as exc:  # noqa: BLE001  reported, the other measurements go on
                out["interactions"][name] = f"failed: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
            finally:
                context.close()

        def link(pattern):
            import re

            return lambda page: (
                page.locator('[data-testid="stPageLink-NavLink"]').filter(has_text=re.compile(pattern)).first.click()
            )

        def choose(label, value):
            def act(page):
                box = page.locator('[data-testid="stMultiSelect"]').filter(has_text=label)
                box.locator("input").fill(value)
                box.locator("input").press("Enter")

            return act

        def words(value):
            def act(page):
                box = page.locator('[data-testid="stTextInput"]').filter(has_text="Words").locator("input")
                box.fill(value)
                box.press("Enter")

            return act

        def segment(label):
            return lambda page: (
                page.locator('[data-testid="stButtonGroup"] button').filter(has_text=label).first.click()
            )

        # Each expectation is text that only the new state shows, so no timing ends before the rerun.
        from explorer.catalog import load_catalog
        from explorer.compare import Filters, filter_papers
        from explorer.db import open_session

        with open_session(db) as session:
            catalog = load_catalog(session)
        video = len(filter_papers(catalog, Filters(modality=("video",))))
        attention = len(filter_papers(catalog, Filters(text="attention")))
        interaction("taxonomy: open a leaf", "taxonomy?node=model/token", link(r"Visual Token · \d+ papers"), "Target")
        interaction(
            "paper: follow a link to another paper",
            "taxonomy?node=model/token/visual-token",
            link(r"· (19|20)\d\d$"),
            "Where it sits in the taxonomy",
        )
        interaction("compare: add a modality filter", "compare", choose("Modality", "video"), f"\n{video:,} papers\n")
        interaction("compare: type words", "compare", words("attention"), f"\n{attention:,} papers\n")
        year_legend = lambda page: page.wait_for_function(  # noqa: E731  the redrawn graph's legend shows years
            """() => [...document.querySelectorAll('iframe')].some(
                f => (f.srcdoc || '').includes('background: #440154'))""",
            timeout=120_000,
        )
        interaction(
            "graphs: colour by year (settings applied)",
            "graphs?scope=model/token/visual-token",
            segment("year"),
            None,
            year_legend,
        )
        interaction(
            "graphs: colour by year (graph drawn)",
            "graphs?scope=model/token/visual-token",
            segment("year"),
            None,
            lambda page: (year_legend(page), graph_drawn(page)),
        )
        interaction(
            "graphs: switch to co-authors (graph drawn)",
            "graphs?scope=model/token/visual-token",
            segment("co-authors"),
            "Authors with at least",
            graph_drawn,
        )
        chromium.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "website.json")
    args = parser.parse_args(argv)

    from ingest import build

    results = {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-website-{n}-") as tmp:
            workdir = Path(tmp)
            write_data(workdir / "data", n)
            _, build_seconds = timed(lambda workdir=workdir: build(workdir / "data", workdir / "atlas.db"))
            row = {
                "build": build_seconds,
                "library": library(workdir / "atlas.db", args.repeat),
                "server": server(workdir / "atlas.db"),
            }
            if not args.no_browser:
                row["browser"] = browser(workdir / "atlas.db", workdir, args.repeat)
            results[n] = row
        report(n, results[n])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


def report(n: int, row: dict) -> None:
    ms = lambda s: f"{1e3 * s:8.0f} ms"  # noqa: E731
    print(f"\n=== {n:,} synthetic papers (ingest.build: {row['build']:.1f} s) ===")
    print("library (read side, in process)")
    for name, value in row["library"].items():
        if name != "graphs":
            print(f"  {name:<48}{ms(value)}")
    print("graph build + pyvis HTML")
    for name, value in row["library"]["graphs"].items():
        print(f"  {name:<48}{ms(value['seconds'])}  {value['result']}")
    print("server: page script run (AppTest, warm)")
    for name, value in row["server"].items():
        print(f"  {name:<48}{ms(value)}")
    for section in ("first content", "complete", "interactions"):
        if "browser" in row:
            print(f"browser: {section}")
            for name, value in row["browser"][section].items():
                print(f"  {name:<48}{ms(value) if isinstance(value, float) else value}")


if __name__ == "__main__":
    sys.exit(main())
