"""What the browser spends on each page: Chromium's own CPU time for a full page load, beside a blank Streamlit page.

Run on demand:  .venv/bin/python benchmarks/profile_website_cpu.py [--papers 300] [--rounds 4] [PAGE NAME ...]

bench_website.py times page loads on the wall clock, which on a shared machine moves with the load of the moment
(a blank page took 1.1 s in one run and 3.5 s in another). This script reads, through the DevTools protocol
(``Performance.getMetrics``), the CPU time the page's renderer used (``ThreadTime``: its main thread, where React
and Streamlit's frontend run; ``ProcessTime``: the whole renderer process) from ``goto`` to the settled page, which
waiting for a core does not inflate. Each page: a fresh browser profile per round, the first round dropped (cold
server caches), the median of the rest, and its ratio to the blank page (``bench_website.BLANK_APP``) measured in
the same rounds. PAGE NAMEs are those of ``bench_website.PAGES`` (all by default).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "website"), str(ROOT / "benchmarks")]

from bench_website import BLANK_APP, PAGES  # noqa: E402  the pages and the blank page the benchmark loads

SETTLED = """([text]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.dataset.testScriptState !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    const frame = document.querySelector('iframe[title="Graph of the atlas"]');
    if (frame && !(frame.contentDocument && frame.contentDocument.body
        && frame.contentDocument.body.dataset.ready === '1')) return false;
    return document.body.innerText.includes(text);
}"""


def load(browser, url: str, text: str) -> tuple[float, float, float]:
    """(wall seconds, renderer main-thread CPU seconds, renderer process CPU seconds) of one fresh load."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("Performance.enable")
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(SETTLED, arg=[text], timeout=120_000)
    wall = time.perf_counter() - start
    metrics = {m["name"]: m["value"] for m in devtools.send("Performance.getMetrics")["metrics"]}
    context.close()
    return wall, metrics["ThreadTime"], metrics["ProcessTime"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="names from bench_website.PAGES (all by default)")
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4, help="loads per page; the first is dropped")
    args = parser.parse_args(argv)
    unknown = set(args.pages) - {name for name, _, _ in PAGES}
    if unknown:
        parser.error(f"unknown page {', '.join(sorted(unknown))}: choose from {', '.join(n for n, _, _ in PAGES)}")

    from playwright.sync_api import sync_playwright
    from synthetic import write_data
    from website_support import launch_chromium, streamlit_server

    from ingest import build

    with tempfile.TemporaryDirectory(prefix="profile-website-") as tmp:
        workdir = Path(tmp)
        write_data(workdir / "data", args.papers)
        build(workdir / "data", workdir / "atlas.db")
        (workdir / "blank_app.py").write_text(BLANK_APP, encoding="utf-8")
        chosen = [("blank", "", "Blank")] + [p for p in PAGES if not args.pages or p[0] in args.pages]
        samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _, _ in chosen}
        with (
            streamlit_server(workdir / "atlas.db", workdir / "site.log", timeout=120) as site,
            streamlit_server(
                workdir / "atlas.db", workdir / "blank.log", timeout=120, app=workdir / "blank_app.py"
            ) as blank,
            sync_playwright() as playwright,
        ):
            browser = launch_chromium(playwright)
            for round_ in range(args.rounds):
                for name, path, text in chosen:
                    sample = load(browser, f"{blank if name == 'blank' else site}/{path}", text)
                    if round_:
                        samples[name].append(sample)
            browser.close()
    report(args.papers, samples)
    return 0


def report(papers: int, samples: dict[str, list[tuple[float, float, float]]]) -> None:
    medians = {name: [statistics.median(s[i] for s in rows) for i in range(3)] for name, rows in samples.items()}
    blank = medians["blank"]
    print(f"{papers:,} synthetic papers; medians; x = ratio to the blank Streamlit page of the same rounds")
    print(f"  {'page':<36}{'wall':>14}{'main-thread CPU':>22}{'renderer CPU':>20}")
    for name, values in medians.items():
        cells = "".join(f"{v:>8.2f} s x{v / b:4.2f}" for v, b in zip(values, blank, strict=True))
        print(f"  {name:<36}{cells}")


if __name__ == "__main__":
    sys.exit(main())
