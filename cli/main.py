"""``atlas`` command-line interface.

Each command parses its arguments, calls one library function and prints the result.
Domain exceptions become messages that name the object and the fix, with exit code 1
(2 for usage errors, as argparse does).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import closing
from pathlib import Path

from explorer import related
from explorer.db import KnowledgeBaseMissing, connect_read_only, open_session
from ingest.errors import AtlasError, InvalidInput
from ingest.kbfile import PROJECT_ROOT, default_db_path
from ingest.problems import DataError
from taxonomy import TaxonomyError, load_taxonomy
from taxonomy.text import count

# Commands import what they use when they run: `atlas related` must answer in well under a second, and the loader,
# the exporters and SQLAlchemy's ORM would take most of that to import. The few names the parser needs are here.
EXPORT_FORMATS = ("bibtex", "csv", "json")  # the keys of explorer.export.EXPORTERS (tests/test_cli.py checks)
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"  # as ingest.validate.DEFAULT_DATA_DIR (tests/test_cli.py checks)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command's own parser, so the usage shown is that command's, not atlas's
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.handler(args) or 0
    except DataError as exc:
        print_problems(exc.problems)
        print(f"atlas: {exc}; nothing was changed", file=sys.stderr)
        return 1
    except AtlasError as exc:  # anything else is a bug and keeps its traceback
        print(str(exc) if exc.path else f"atlas: error: {exc}", file=sys.stderr)
        return 1
    except TaxonomyError as exc:  # a malformed tree or vocabulary file: the message names file, line and fix
        print(f"atlas: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `atlas export | head`
        return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atlas", description="MLLM Interpretability Atlas: build and query the knowledge base."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    leaves = ", ".join(n.id for n in load_taxonomy().leaves)
    cmd = commands.add_parser(
        "build",
        help=(
            "check the data folder and build the knowledge base atomically (nothing to do if no source changed); "
            "--keep-going loads every entry without an error and reports the rest"
        ),
        description="Check the data folder and build the SQLite knowledge base atomically. "
        "Does nothing if no source changed since the last build.",
    )
    _data_arg(cmd)
    _db_arg(cmd)
    cmd.add_argument("--strict", action="store_true", help="treat warnings (e.g. papers without annotation) as errors")
    cmd.add_argument("--force", action="store_true", help="rebuild even if no source changed")
    cmd.add_argument(
        "--keep-going",
        action="store_true",
        help="for bringing in an existing library: load every entry without an error, leave out (and "
        "report at path:line) every entry with one, and exit 0",
    )
    cmd.set_defaults(handler=cmd_build)

    cmd = commands.add_parser(
        "validate",
        help=(
            "report every problem of the data folder as path:line: message with the fix; --summary previews what a "
            "change adds in Markdown"
        ),
        description=f"Report every problem of the data folder as path:line: message. Leaf ids: {leaves}.",
    )
    _data_arg(cmd)
    cmd.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    cmd.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    cmd.add_argument(
        "--summary",
        action="store_true",
        help="print a Markdown preview of what the change adds instead: each new paper, where it lands "
        "in the taxonomy, its nearest neighbours; changed and removed papers; every problem",
    )
    cmd.add_argument(
        "--base",
        default="HEAD",
        metavar="REF|DIR",
        help="with --summary: compare with this git ref or data folder (default: HEAD, i.e. your "
        "uncommitted changes; origin/main for a whole branch)",
    )
    cmd.set_defaults(handler=cmd_validate)

    cmd = commands.add_parser(
        "add",
        help=(
            "scaffold a new paper (normalised .bib, pre-filled .yaml) from a BibTeX entry or an arXiv id; refuses a "
            "paper already in the atlas"
        ),
        description="Write data/papers/<key>.bib (normalised, key by the key convention) and a "
        "pre-filled data/papers/<key>.yaml whose open fields say TODO, from a .bib "
        "file, standard input (-) or an arXiv id (fetched from the arXiv API). "
        "Refuses a paper the atlas already has (same DOI, arXiv id or a "
        "near-identical title) and names its key. Writes nothing on any error.",
    )
    cmd.add_argument("source", metavar="FILE|-|ARXIV_ID", help="a .bib file, - for standard input, or an arXiv id")
    _data_arg(cmd)
    cmd.add_argument(
        "--distinct-from",
        action="append",
        default=[],
        metavar="KEY",
        help="a paper with a near-identical title that is a different paper (repeatable)",
    )
    for option, kind, example in (
        ("--leaf", "taxonomy leaf, by id or name (its why stays TODO for you to write)", "data/benchmark"),
        ("--model", "model or model family from the vocabulary, by id, name or alias", "llava-1.5"),
        ("--technique", "technique from the vocabulary, by id, name or alias", "logit-lens"),
        ("--modality", "modality from the vocabulary, by id, name or alias", "image"),
    ):
        cmd.add_argument(
            option,
            action="append",
            default=[],
            metavar=option.removeprefix("--").upper(),
            help=f"a {kind}, e.g. {example} (repeatable; added to what the title or abstract names; an unknown "
            "one is refused with the closest ids)",
        )
    cmd.add_argument("--dry-run", action="store_true", help="print the two files instead of writing them")
    cmd.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="how long to wait for the arXiv API (default: 15)",
    )
    cmd.set_defaults(handler=cmd_add)

    cmd = commands.add_parser(
        "check-metadata",
        help=(
            "compare the BibTeX with arXiv, Crossref and DBLP and print each difference with the suggested value; "
            "--fix writes them"
        ),
        description="Ask arXiv (the latest version), Crossref (the record of the DOI) and DBLP "
        "(published versions) about each paper with an arXiv id, DOI or URL, and "
        "print every difference as path:line: message with the suggested value. "
        "At most one request per second per host (arXiv: one per three seconds, "
        "50 papers per request), each with a timeout. Exit 1 when a difference "
        "is left.",
    )
    _data_arg(cmd)
    cmd.add_argument("--key", action="append", default=[], metavar="KEY", help="only this paper (repeatable)")
    cmd.add_argument(
        "--fix",
        action="store_true",
        help="write the suggested title, author, year and doi values into the .bib files (every other "
        "byte of a file stays as it was); a published venue is left to you",
    )
    cmd.add_argument(
        "--timeout", type=float, default=20.0, metavar="SECONDS", help="how long to wait for each answer (default: 20)"
    )
    cmd.set_defaults(handler=cmd_check_metadata)

    cmd = commands.add_parser("stats", help="totals and paper counts per taxonomy node")
    _db_arg(cmd)
    cmd.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    cmd.set_defaults(handler=cmd_stats)

    cmd = commands.add_parser(
        "export", help="export papers as BibTeX, CSV or JSON (a taxonomy node includes its descendants)"
    )
    cmd.add_argument("--format", choices=EXPORT_FORMATS, required=True, help="output format")
    cmd.add_argument(
        "--category",
        action="append",
        default=[],
        metavar="ID",
        help="only papers under this taxonomy node (repeatable; inner nodes include their leaves)",
    )
    cmd.add_argument("--output", "-o", type=Path, help="write to this file instead of standard output")
    _db_arg(cmd)
    cmd.set_defaults(handler=cmd_export)

    cmd = commands.add_parser(
        "related",
        help="papers related to some text, a paper or your .bib file, with reasons",
        description="Rank the atlas's papers by text relevance, taxonomy proximity, shared "
        "models/techniques/authors and explicit relations; each result says why.",
    )
    source = cmd.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "text", nargs="?", metavar="TEXT", help="keywords, a sentence or a whole abstract ('-' reads standard input)"
    )
    source.add_argument("--paper", metavar="KEY", help="a paper of the atlas (key, DOI or arXiv id)")
    source.add_argument(
        "--bib", type=Path, metavar="FILE", help="a .bib file of papers you cite: related papers you do not cite yet"
    )
    cmd.add_argument("--k", type=int, default=10, metavar="N", help="how many papers (default: 10)")
    cmd.add_argument("--category", metavar="ID", help="only papers under this taxonomy node (id or name)")
    cmd.add_argument("--year-from", type=int, metavar="Y", help="only papers from this year on")
    cmd.add_argument("--year-to", type=int, metavar="Y", help="only papers up to this year")
    cmd.add_argument("--has-code", action="store_true", help="only papers with a code link")
    cmd.add_argument("--format", choices=related.FORMATS, default="table", help="output format (default: table)")
    _db_arg(cmd)
    cmd.set_defaults(handler=cmd_related)

    cmd = commands.add_parser(
        "vocabulary",
        help="list the controlled vocabulary: every model, model family, technique, modality and topic "
        "with its id, name, family or broader term, aliases, definition and paper count",
        description="List every term of taxonomy/vocabulary/ with its id, name, family or "
        "broader term, aliases, definition and the number of papers in the data "
        "folder that use it (a family or broader term counts its narrower terms). "
        "No annotation names a topic: a topic's count is the papers of the knowledge base "
        "(--db, $ATLAS_DB or the default atlas.db, if it exists) whose title, summary or a "
        "category's why names it, as related-work search finds them. "
        "--format json adds a technique's or topic's plain description and informal phrasings.",
    )
    cmd.add_argument(
        "--kind",
        choices=("model", "technique", "modality", "topic"),
        action="append",
        default=[],
        help="only terms of this kind (repeatable; default: all)",
    )
    cmd.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    _data_arg(cmd)
    _db_arg(cmd)
    cmd.set_defaults(handler=cmd_vocabulary)

    methods = commands.add_parser(
        "methods",
        help="the catalogue of runnable interpretability methods",
        description="List the methods of methods/catalog.yaml, or run one on its tiny "
        "offline toy model (CPU, seconds) and save a figure and its numbers.",
    )
    actions = methods.add_subparsers(dest="action", required=True, metavar="ACTION")
    cmd = actions.add_parser(
        "list",
        help="every method: id, name, taxonomy leaves, canonical paper, libraries",
        description="List the catalogued methods. With a knowledge base (--db, $ATLAS_DB or "
        "the default atlas.db, if it exists) each method also says whether its "
        "canonical paper is in the atlas and which papers use it.",
    )
    cmd.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    _db_arg(cmd)
    cmd.set_defaults(handler=cmd_methods_list)
    cmd = actions.add_parser(
        "run",
        help=(
            "run a method on its toy model, or with --model on a local Hugging Face checkpoint, and write ID.png "
            "and ID.json"
        ),
        description="Run the method on its toy model (trained at first use with a fixed "
        "seed, nothing downloaded) and write the figure ID.png and the numbers "
        "ID.json to the output folder. Ids: atlas methods list.",
    )
    cmd.add_argument("method_id", metavar="ID", help="a method id, e.g. attention-rollout")
    cmd.add_argument(
        "--out",
        type=Path,
        default=Path("method-runs"),
        metavar="DIR",
        help="output folder, created if missing (default: ./method-runs)",
    )
    cmd.add_argument(
        "--model",
        type=Path,
        metavar="PATH",
        help="a local Hugging Face checkpoint folder (ViT, CLIP, LLaVA, Qwen2-VL or a decoder LLM) "
        "to run the method on, with a synthetic seeded input, instead of the toy model "
        "(needs the methods extra: pip install -e '.[methods]')",
    )
    cmd.set_defaults(handler=cmd_methods_run)
    for command in [*commands.choices.values(), *actions.choices.values()]:
        command.set_defaults(command_parser=command)  # a nested command's default wins over its parent's
    return parser


def _data_arg(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR", help=f"data folder (default: {DEFAULT_DATA_DIR})"
    )


def _db_arg(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"knowledge base file (default: $ATLAS_DB or {default_db_path()})",
    )


def print_problems(problems) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


class _StageReporter:
    """Prints build stages to stderr, but only once a build has taken more than a moment."""

    def __init__(self, after_seconds: float = 0.5):
        self.start = time.monotonic()
        self.after = after_seconds

    def __call__(self, message: str) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed >= self.after or sys.stderr.isatty():
            print(f"[{elapsed:5.1f}s] {message}", file=sys.stderr, flush=True)


def cmd_build(args) -> int:
    from ingest.builder import build

    result = build(
        args.data, args.db, strict=args.strict, force=args.force, progress=_StageReporter(), keep_going=args.keep_going
    )
    counts = result.counts
    if result.skipped:
        print(f"{result.db_path} is up to date: no source changed since the last build (use --force to rebuild)")
    else:
        print_problems(sorted([*result.warnings, *(result.left_out.errors if result.left_out else [])]))
        print(
            f"built {result.db_path}: {count(counts['papers'], 'paper')} ({counts['unclassified']} unclassified), "
            f"{count(counts['authors'], 'author')}, {count(counts['relations'], 'relation')}, "
            f"{count(counts['warnings'], 'warning')}"
        )
    if args.keep_going:
        print(
            f"{counts['papers']} loaded, {counts.get('left_out', 0)} left out"
            + (f" ({counts['containers']} crossref containers are not papers)" if counts.get("containers") else "")
        )
    return 0


def cmd_validate(args) -> int:
    if args.summary:
        from ingest.change_summary import summarise, to_markdown

        summary = summarise(args.data, args.base, strict=args.strict)
        sys.stdout.write(to_markdown(summary))
        return 1 if summary.failing else 0
    from ingest.validate import read_dataset

    dataset = read_dataset(args.data)
    failing = dataset.errors(args.strict)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "ok": not failing,
                    "papers": len(dataset.entries),
                    "annotations": len(dataset.annotations),
                    "problems": [p.as_dict() for p in sorted(dataset.problems)],
                },
                indent=2,
            )
        )
    else:
        for problem in sorted(dataset.problems):
            print(problem)
        errors = sum(p.severity == "error" for p in dataset.problems)
        print(
            f"{count(len(dataset.entries), 'paper')}, {count(len(dataset.annotations), 'annotation')}: "
            f"{count(errors, 'error')}, {count(len(dataset.warnings), 'warning')}"
        )
    return 1 if failing else 0


def cmd_add(args) -> int:
    from ingest import scaffold
    from ingest.arxiv import ArxivError, looks_like_arxiv_id
    from ingest.picks import PickError, pick_choices
    from ingest.problems import display_path
    from taxonomy import load_taxonomy
    from taxonomy.vocabulary import load_vocabulary

    distinct_from = set(args.distinct_from)
    try:
        picks = pick_choices(
            load_vocabulary(), load_taxonomy(), args.model, args.technique, args.modality, args.leaf
        )  # before any request: a typo fails fast
        if args.source == "-":
            text = utf8_text(sys.stdin.buffer.read(), "standard input")
            scaffolds = scaffold.scaffold_bibtex(
                text, args.data, origin="<stdin>", distinct_from=distinct_from, picks=picks
            )
        elif Path(args.source).is_file():
            text = utf8_text(Path(args.source).read_bytes(), args.source)
            scaffolds = scaffold.scaffold_bibtex(
                text, args.data, origin=args.source, distinct_from=distinct_from, picks=picks
            )
        elif looks_like_arxiv_id(args.source):
            scaffolds = [
                scaffold.scaffold_arxiv(
                    args.source, args.data, timeout=args.timeout, distinct_from=distinct_from, picks=picks
                )
            ]
        else:
            print(
                f"atlas: error: '{args.source}' is neither a file nor an arXiv id: give a .bib file, - for "
                "standard input, or an arXiv id such as 2410.07149",
                file=sys.stderr,
            )
            return 1
        written = [] if args.dry_run else scaffold.write_scaffolds(scaffolds, args.data)
    except (scaffold.ScaffoldError, PickError) as exc:
        for reason in exc.reasons:
            print(f"atlas: error: {reason}", file=sys.stderr)
        print("atlas: nothing was written", file=sys.stderr)
        return 1
    except ArxivError as exc:
        print(f"atlas: error: {exc}", file=sys.stderr)
        return 1
    for item in scaffolds:
        if args.dry_run:
            sys.stdout.write(f"# {item.bib_path}\n{item.bib_text}\n# {item.yaml_path}\n{item.yaml_text}")
        for note in item.notes:
            print(f"note: {item.key}: {note}", file=sys.stderr)
    if written:
        for item in scaffolds:
            bib, yaml_file = (display_path(p) for p in written if p.stem == item.key)
            print(f"added {item.key}: {bib} and {yaml_file}")
        print(
            "next: replace every TODO in the .yaml file(s), run `atlas validate --strict`, then open a pull "
            "request (CONTRIBUTING.md)"
        )
    return 0


def utf8_text(data: bytes, origin: str) -> str:
    """Text of a file or a stream a user gave us; one clear message when it is not UTF-8 text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            f"not UTF-8 text ({exc.reason} at byte {exc.start}): give a .bib file saved as UTF-8", origin, line
        ) from None
    if "\0" in text:
        raise InvalidInput(
            "contains NUL bytes: this looks like a binary file, not BibTeX",
            origin,
            text.count("\n", 0, text.index("\0")) + 1,
        )
    return text


def cmd_check_metadata(args) -> int:
    from ingest.metadata_check import apply_fixes, check_metadata
    from ingest.web import WebError

    report = check_metadata(args.data, args.key, timeout=args.timeout, progress=_StageReporter(after_seconds=2.0))
    if report.unreachable:
        raise WebError(f"no service answered: {report.failures[0].reason}")
    for line in report.failure_lines():
        print(f"atlas: {line}", file=sys.stderr)
    for difference in report.differences:
        print(difference)
    left = report.differences
    if args.fix:
        changed = apply_fixes(report.differences)
        left = [d for d in report.differences if d.value is None]
        print(
            f"fixed {count(len(report.differences) - len(left), 'field')} in {count(len(changed), 'file')}; "
            f"{count(len(left), 'difference')} to settle by hand; now run `atlas validate` "
            "(a new venue year may need first_public)",
            file=sys.stderr,
        )
    print(
        f"checked {count(report.checked, 'paper')}: {count(len(report.differences), 'difference')}, "
        f"{count(len(report.failures), 'question')} unanswered",
        file=sys.stderr,
    )
    return 1 if left else 0


def cmd_stats(args) -> int:
    from explorer.stats import compute_stats

    with open_session(args.db) as session:
        stats = compute_stats(session)
    if args.format == "json":
        print(json.dumps(stats.as_dict(), indent=2))
        return 0
    print(f"papers: {stats.papers} ({stats.classified} classified, {stats.unclassified} unclassified)")
    print(
        f"reported at last build: {count(stats.errors, 'error')}, {count(stats.warnings, 'warning')}; "
        f"built {stats.built_at}"
    )
    if stats.left_out or stats.containers:
        print(
            f"entries in the .bib files: {stats.papers + stats.left_out + stats.containers} = {stats.papers} papers "
            f"+ {stats.left_out} left out for errors + {stats.containers} crossref containers"
        )
    print()
    print(f"{'node':<52} {'papers':>6} {'survey':>6} {'min':>4}")
    for node in stats.nodes:
        label = "  " * node.depth + node.name + ("" if node.is_leaf else "/")
        marker = " !" if node.minimum is not None and node.papers < node.minimum else ""
        print(
            f"{label:<52} {node.papers:>6} {node.survey_refs if node.survey_refs is not None else '':>6} "
            f"{node.minimum if node.minimum is not None else '':>4}{marker}"
        )
    return 0


def cmd_export(args) -> int:
    from explorer.export import EXPORTERS
    from explorer.papers import get_papers

    with open_session(args.db) as session:
        text = EXPORTERS[args.format](get_papers(session, args.category))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_related(args) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    filters = related.CandidateFilters(args.category, args.year_from, args.year_to, args.has_code)
    with closing(connect_read_only(args.db)) as conn:
        result = related.find_related(conn, text=text, paper=args.paper, bib=args.bib, k=args.k, filters=filters)
    if args.format == "bibtex":  # the entries come from the loader's models (SQLAlchemy's ORM)
        with open_session(args.db) as session:
            output = related.render(session, result, args.format)
    else:
        output = related.render(None, result, args.format)
    for line in [*related.input_summary(result), *result.notes]:
        print(f"atlas: {line}", file=sys.stderr)
    sys.stdout.write(output)
    return 0


def cmd_vocabulary(args) -> int:
    from explorer.terms import paper_terms, topic_counts, vocabulary_entries
    from taxonomy.vocabulary import load_vocabulary

    kinds = tuple(dict.fromkeys(args.kind)) or ("model", "technique", "modality", "topic")
    topics, how = topic_counts(args.db) if "topic" in kinds else (None, "")
    entries = vocabulary_entries(load_vocabulary(), paper_terms(args.data), kinds, topics)
    if how:
        print(f"atlas: {how}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return 0
    header = ("kind", "id", "name", "family/broader", "papers", "aliases", "definition")
    rows = [
        (
            e["kind"],
            e["id"],
            e["name"],
            e.get("family") or e.get("broader") or "",
            "?" if e["papers"] is None else str(e["papers"]),
            ", ".join(e["aliases"]),
            e["definition"],
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        print("  ".join([*cells, row[4].rjust(6), row[5], row[6]]).rstrip())
    counted = {
        kind: sum(e["kind"] in (kind, "family") if kind == "model" else e["kind"] == kind for e in entries)
        for kind in kinds
    }
    print("\n" + ", ".join(f"{n} {kind} terms" for kind, n in counted.items()))
    return 0


def cmd_methods_list(args) -> int:
    from explorer.methods_view import method_cards

    try:
        session = open_session(args.db)
    except KnowledgeBaseMissing:
        if args.db is not None:
            raise
        session = None  # no knowledge base: list the catalogue alone
    try:
        cards = method_cards(session)
    finally:
        if session is not None:
            session.close()
    if args.format == "json":
        print(json.dumps([card.as_dict() for card in cards], indent=2, ensure_ascii=False))
        return 0
    rows = [
        (
            card.id,
            card.name,
            card.paper + ("" if card.paper_in_atlas is not False else " (not in atlas)"),
            "" if card.used_by is None else str(len(card.used_by)),
            ", ".join(leaf.id for leaf in card.leaves),
        )
        for card in cards
    ]
    header = ("id", "name", "canonical paper", "papers", "leaves")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print(
            "  ".join(
                [
                    *(
                        cell.ljust(w) if i != 3 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=False))
                    ),
                    row[4],
                ]
            )
        )
    print(f"\n{count(len(cards), 'method')}; run one with: atlas methods run ID [--out DIR]")
    return 0


def cmd_methods_run(args) -> int:
    from methods.catalog import UnknownMethodError, get_method

    try:
        get_method(args.method_id)  # before importing torch, so a typo fails at once
    except UnknownMethodError as exc:
        print(f"atlas: error: {exc}", file=sys.stderr)
        return 1
    from methods import require_methods_extra

    require_methods_extra()
    if args.model is not None:
        from methods.hf_runner import run_on_checkpoint  # its CheckpointError is an AtlasError

        result = run_on_checkpoint(args.method_id, args.model, args.out)
    else:
        from methods.runner import run_method

        result = run_method(args.method_id, args.out)
    print(f"ran {result['name']} ({args.method_id}) in {result['seconds']:.1f}s")
    print(f"figure:  {args.out / result['figure']}")
    print(f"numbers: {args.out / (args.method_id + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
