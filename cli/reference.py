"""Lists that documentation repeats, generated from their one source (the parser, the taxonomy).

README.md, CONTRIBUTING.md and the issue forms embed these through cog markers; `make docs`
rewrites them and a test fails when one is stale, so no list is ever copied by hand.
"""

from __future__ import annotations

import argparse
import re

from cli.main import make_parser
from taxonomy import load_taxonomy


def _commands(parser: argparse.ArgumentParser, prefix: str = "atlas") -> list[tuple[str, str, str]]:
    """(path, usage, help) of every command that does something, sub-commands included, in parser order."""
    rows = []
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
        for name, sub in action.choices.items():
            path = f"{prefix} {name}"
            nested = _commands(sub, path)
            if nested:
                rows += nested
                continue
            usage = " ".join(sub.format_usage().split())
            usage = usage.removeprefix("usage: ").replace(" [-h]", "")
            rows.append((path, usage, helps.get(name, "")))
    return rows


def command_table() -> str:
    """The README's table of `atlas` commands: usage and what each does."""
    lines = ["| command | what it does |", "|---|---|"]
    for _, usage, text in _commands(make_parser()):
        lines.append(f"| `{_cell(usage)}` | {_cell(text)} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return re.sub(r"\|", r"\\|", text)


def leaf_ids_markdown(width: int = 100) -> str:
    """The leaf ids as inline code, wrapped, for CONTRIBUTING.md."""
    words = [f"`{leaf.id}`," for leaf in load_taxonomy().leaves]
    words[-1] = words[-1].rstrip(",") + "."
    lines, line = [], "Leaf ids:"
    for word in words:
        if len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line += " " + word
    return "\n".join([*lines, line])


def leaf_options_yaml(indent: int = 8) -> str:
    """The dropdown options of the suggest-a-paper issue form: 'not sure', then every leaf id."""
    pad = " " * indent
    return "\n".join(f"{pad}- {option}" for option in ["not sure", *(leaf.id for leaf in load_taxonomy().leaves)])
