"""Benchmark: bare bibtexparser parse vs full `atlas build`, no-op rebuild and peak memory.

Run on demand:  .venv/bin/python benchmarks/bench_build.py [--sizes 1000 10000] [--repeat 3]

For each N it writes a synthetic bibliography (accented names, @string macros in a separate
file, # concatenation, crossrefs to proceedings), then times in fresh processes:
  parse   bibtexparser.parse_string(text) with its default stack (the baseline)
  build   ingest.build(..., force=True): parse, evaluate, check, write SQLite + FTS, rename
  no-op   ingest.build(...) again with nothing changed
Targets (issue 2): build <= 1.5 x parse; no-op <= 5 % of build.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = ["Jörg", "María", "Søren", "Zoë", "Li", "Anna", "José", "François", "Ngọc", "Ali"]
LAST_TEX = ["M{\\\"u}ller", "Garc{\\'\\i}a", "{\\O}stergaard", "Smith", "Nguyen", "van der Berg", "Dvo{\\v{r}}{\\'a}k", "Chen", "Kowalski", "O'Neil"]
WORDS = "attention visual token probing neuron layer circuit multimodal grounding hallucination lens sparse feature steering".split()


def write_corpus(folder: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    venues = [f"conf{i}" for i in range(20)]
    strings = [f'@string{{{v} = "Proceedings of Conference " # "{i}"}}' for i, v in enumerate(venues)]
    procs = [f"@proceedings{{proc{i},\n  title = {{Proceedings of Workshop {i}}},\n  year = {{2024}},\n  publisher = {{ACM}},\n}}"
             for i in range(20)]
    (folder / "strings.bib").write_text("\n".join(strings + procs) + "\n", encoding="utf-8")
    entries = []
    for i in range(n):
        authors = " and ".join(f"{rng.choice(LAST_TEX)}, {rng.choice(FIRST)}" for _ in range(rng.randint(1, 6)))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10))).capitalize()
        title = f"{title} in {{LLaVA}} {i}"
        kind = i % 3
        venue = (f"  booktitle = {rng.choice(venues)} # \", Main Track\",\n" if kind == 0
                 else f"  crossref = {{proc{rng.randrange(20)}}},\n" if kind == 1
                 else "  journal = {Journal of Interpretability},\n")
        entries.append(
            f"@{'article' if kind == 2 else 'inproceedings'}{{paper{i},\n  title = {{{title}}},\n  author = {{{authors}}},\n"
            f"{venue}  year = {{{2015 + i % 11}}},\n  month = {rng.choice(['jan', 'mar', 'sep', 'dec'])},\n"
            f"  doi = {{10.5555/bench.{i}}},\n  pages = {{{i}--{i + 9}}},\n}}\n")
    (folder / "papers.bib").write_text("\n".join(entries), encoding="utf-8")


def child(mode: str, folder: Path, db: Path) -> dict:
    """Runs inside a fresh interpreter so timings and peak RSS are not shared between modes."""
    sys.path.insert(0, str(ROOT))
    if mode == "parse":
        import bibtexparser

        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.bib"))]
        start = time.perf_counter()
        for text in texts:
            bibtexparser.parse_string(text)
        seconds = time.perf_counter() - start
    else:
        from ingest import build

        start = time.perf_counter()
        result = build(folder, db, force=(mode == "build"))
        seconds = time.perf_counter() - start
        assert result.skipped == (mode == "noop")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb}


def measure(mode: str, folder: Path, db: Path, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", mode, str(folder), str(db)],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {"seconds": min(r["seconds"] for r in runs), "peak_mb": max(r["peak_mb"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="best-of runs per measurement")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, folder, db = args.child
        print(json.dumps(child(mode, Path(folder), Path(db))))
        return
    print(f"{'N':>7} {'parse s':>9} {'build s':>9} {'build/parse':>11} {'no-op s':>9} {'no-op/build':>11} {'parse MB':>9} {'build MB':>9}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder, db = Path(tmp) / "data", Path(tmp) / "kb.db"
            write_corpus(folder, n)
            parse = measure("parse", folder, db, args.repeat)
            full = measure("build", folder, db, args.repeat)
            noop = measure("noop", folder, db, args.repeat)
            print(f"{n:>7} {parse['seconds']:>9.3f} {full['seconds']:>9.3f} {full['seconds'] / parse['seconds']:>10.2f}x "
                  f"{noop['seconds']:>9.4f} {100 * noop['seconds'] / full['seconds']:>10.1f}% "
                  f"{parse['peak_mb']:>9.0f} {full['peak_mb']:>9.0f}", flush=True)
    print("targets: build <= 1.5x parse; no-op <= 5% of build (peak = max RSS of the process, MB)")


if __name__ == "__main__":
    main()
