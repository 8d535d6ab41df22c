"""Helpers shared by the website tests: the hostile database, AppTest runs, a real Streamlit server
and Debian's Chromium driven by Playwright. Nothing here touches the network."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests_paths import ARTIFACTS, FIXTURE_DATA, FIXTURES, PROJECT

from ingest import build

APP = PROJECT / "app.py"
HOSTILE_DATA = FIXTURES / "hostile"

# What ingest refuses (it only accepts http(s) URLs) but an older or laxer build, or another
# writer, could leave in a database: the website must show these as text, never as links.
JAVASCRIPT_CODE_URL = "javascript:alert('xss-code-url')"
JAVASCRIPT_URL = "JaVaScRiPt:alert('xss-url')"
# Vocabulary terms are reviewed data whose ids ingest checks, so hostile ones are written into the
# database the same way: a model used only by evil2024script, and a broad technique (a gap-map column).
HOSTILE_MODEL = ("gill", "<svg onload=alert('xss-model')>")
HOSTILE_TECHNIQUE = ("lens-decoding", "<img src=x onerror=alert('xss-technique')>")

HOSTILE_KEYS = ("evil2024script", "evil2024href", "benign2023baseline")
# Markers every hostile payload carries: if one of these shows up as an element or a dialog, it ran.
XSS_MARKER = "xss-"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def combined_data(target: Path) -> Path:
    """The canonical fixture papers plus the hostile ones, in one data folder."""
    shutil.copytree(FIXTURE_DATA, target)
    shutil.copytree(HOSTILE_DATA / "papers", target / "hostile")
    return target


def tamper(db_path: Path) -> None:
    """Write what ingest refuses straight into the built database: javascript: URLs, and a model and a
    technique whose id, name and definition are markup."""
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE papers SET code_url = ?, url = ? WHERE key = 'evil2024href'", (JAVASCRIPT_CODE_URL, JAVASCRIPT_URL)
        )
    conn.close()
    rename_term(db_path, "model", *HOSTILE_MODEL)
    rename_term(db_path, "technique", *HOSTILE_TECHNIQUE)


# Where a model or technique id is stored: (table, column) pairs.
_TERM_COLUMNS = {
    "model": (("models", "id"), ("paper_models", "model_id")),
    "technique": (
        ("techniques", "id"),
        ("techniques", "broader_id"),
        ("technique_ancestors", "technique_id"),
        ("technique_ancestors", "ancestor_id"),
        ("paper_techniques", "technique_id"),
    ),
}


def rename_term(db_path: Path, kind: str, old: str, new: str) -> None:
    """Give a vocabulary term the id, name and definition ``new`` everywhere in a built database."""
    table = "models" if kind == "model" else "techniques"
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"UPDATE {table} SET name = ?, definition = ? WHERE id = ?", (new, new, old))
        for name, column in _TERM_COLUMNS[kind]:
            conn.execute(f"UPDATE {name} SET {column} = ? WHERE {column} = ?", (new, old))
    conn.close()


def build_hostile_db(workdir: Path) -> Path:
    data = combined_data(workdir / "data")
    db_path = workdir / "atlas.db"
    build(data, db_path, strict=True)
    tamper(db_path)
    return db_path


# --- AppTest -----------------------------------------------------------------------------------


def app_test(page: str | None = None, params: dict | None = None, timeout: float = 60):
    """Run the real app.py under AppTest, then switch to ``app_pages/<page>.py`` with ``params``
    (as a visitor following a deep link; without a page, ``params`` go to the site's root). ATLAS_DB must
    point at the database."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if page is None:
        at.query_params.update(params or {})
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}.py")
        at.query_params.update(params or {})
        at.run()
    return at


def shown(markdown: str) -> str:
    """What a reader sees of escaped Markdown: backslash escapes resolved, invisible word joiners dropped."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def url_notices(at) -> list[str]:
    """The lines of the page's one "Part of the link was not used" warning (AssertionError without exactly one)."""
    warnings = [shown(w.value) for w in at.warning if w.value.startswith("Part of the link was not used:")]
    assert len(warnings) == 1, [w.value for w in at.warning]
    return [line[2:] for line in warnings[0].splitlines()[1:]]


def permalink(at) -> str:
    """The address the page's "Permalink to this view" caption shows (relative under AppTest, which has no URL)."""
    captions = [shown(c.value) for c in at.caption if c.value.startswith("Permalink to this view: ")]
    assert len(captions) == 1, captions
    return captions[0].removeprefix("Permalink to this view: ")


def texts(at) -> str:
    """Every text the page shows through Markdown-like elements, joined (for assertions)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "code", "text"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    parts += [str(getattr(e, "proto", "")) for e in at.get("page_link")]
    return "\n".join(parts)


# --- a real server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(db_path: Path, log_path: Path, timeout: float = 60, app: Path = APP):
    """``streamlit run app.py`` (or another ``app``) on a free local port against ``db_path``; yields the base URL."""
    port = free_port()
    env = {**os.environ, "ATLAS_DB": str(db_path), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
    ]
    log = open(log_path, "w")
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer within {timeout}s; see {log_path}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


# How long a browser step may wait. A loaded machine (CI, or two test runs at once on two cores) has taken more
# than Playwright's default 30 s to draw a page: a test fails on what the page shows, not on a slow machine.
BROWSER_TIMEOUT_MS = 120_000


def new_context(browser, **options):
    """A browser context (one visitor) at the tests' window size, every wait bounded by BROWSER_TIMEOUT_MS."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, **options)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    return context


# --- the browser ----------------------------------------------------------------------------------

# Streamlit's own start-up probe: opened at /<page>, the client first asks /<page>/_stcore/... to
# find its base path, gets a 404 and retries at the root. Not an error of the site.
BASE_PATH_PROBE = re.compile(r"/[^/?]+/_stcore/(health|host-config)$")


class Watch:
    """Console errors, uncaught page errors and dialogs (alert, confirm, ...) of a page and its frames."""

    def __init__(self):
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def attach(self, page):
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("dialog", self.dialog)
        page.on("popup", self.attach)

    def console(self, message):
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if "404" in message.text and BASE_PATH_PROBE.search(where):
            return
        self.errors.append(f"{message.text} ({where})")

    def dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


def wait_ready(page, timeout: float = BROWSER_TIMEOUT_MS, shown: str = "h1") -> None:
    """The app is connected, the script has finished, no placeholder is left and ``shown`` (a CSS
    selector: the page title unless told) is on the page."""
    page.wait_for_function(
        """(shown) => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.dataset.testConnectionState === 'CONNECTED'
                && app.dataset.testScriptState === 'notRunning'
                && !document.querySelector('[data-testid="stSkeleton"]')
                && document.querySelector(shown);
        }""",
        arg=shown,
        timeout=timeout,
    )
    page.wait_for_timeout(300)  # let charts and frames lay themselves out


# Pairs of nodes of a drawn graph whose boxes (the node with its label, as vis-network last drew them) intersect.
_OVERLAPS = """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const network = window.atlasNetwork;
    const boxes = window.atlasNodes.getIds().map((id) => [id, network.getBoundingBox(id)]);
    const pairs = [];
    boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
        if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) pairs.push([a, b]);
    }));
    done(pairs);
})))"""


def overlapping_labels(frame) -> list[list[str]]:
    """[node, node] pairs whose labels (or nodes) overlap in a graph's frame, after the next two redraws."""
    return frame.evaluate(_OVERLAPS)


_OUTSIDE = """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const network = window.atlasNetwork;
    const frame = document.getElementById("graph");
    const outside = window.atlasNodes.getIds().filter((id) => {
        const box = network.getBoundingBox(id);
        const corner = network.canvasToDOM({x: box.left, y: box.top});
        const opposite = network.canvasToDOM({x: box.right, y: box.bottom});
        return corner.x < 0 || corner.y < 0 || opposite.x > frame.clientWidth || opposite.y > frame.clientHeight;
    });
    done(outside);
})))"""


def labels_outside_frame(frame) -> list[str]:
    """Nodes whose label (or dot) is cut off at the edges of a graph's frame as first drawn, after two redraws."""
    return frame.evaluate(_OUTSIDE)


def screenshot(page, name: str) -> Path:
    """The whole page (Streamlit scrolls inside its main block, so the viewport is grown to fit)."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height), 1000), 7000)})
    page.wait_for_timeout(400)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 1000})
    return path


def ok(at):
    """An AppTest run that raised nothing (the exceptions' messages otherwise)."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_links(at) -> dict[str, str]:
    """label -> "page?query" of every page link of an AppTest run."""
    return {link.proto.label: f"{link.proto.page}?{link.proto.query_string}" for link in at.get("page_link")}
