"""Check the values a URL gives a page, and say what was dropped or changed.

A page's widgets quietly ignore a value they do not know (``/compare?node=nonexistent`` would show
every paper) or clamp one they cannot show; a visitor who followed a link must be told. Each check
here takes the raw values of one query parameter and returns the values the page will use plus a
``Notice`` for every value it dropped or changed, naming the value. ``URLCheck`` gathers them for
a whole page; the page reopens itself with the clean values and shows the notices.

Pure functions over plain values: no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from explorer.safety import plain_text

SHOWN_VALUE_LIMIT = 60  # a notice quotes at most this much of a value


@dataclass(frozen=True)
class Notice:
    parameter: str
    value: str
    change: str  # what happened to it, e.g. "ignored: not a taxonomy node"

    @property
    def message(self) -> str:
        """Plain text (escape it before Markdown): ``node=nonexistent ignored: not a taxonomy node``."""
        return f"{self.parameter}={plain_text(self.value, SHOWN_VALUE_LIMIT)} {self.change}"


@dataclass
class URLCheck:
    """The raw parameters of a page, checked one by one into clean ones and notices."""

    raw: Mapping[str, list[str]]
    clean: dict[str, list[str]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [v for v in self.raw.get(name, []) if v.strip()]

    def keep(self, name: str, values: list[str]) -> None:
        if values:
            self.clean[name] = values

    def note(self, name: str, value: str, change: str) -> None:
        self.notices.append(Notice(name, value, change))

    @property
    def changed(self) -> bool:
        """True when the clean parameters differ from the raw ones (the page must be reopened with them)."""
        given = {k: list(v) for k, v in self.raw.items() if [x for x in v if x.strip()]}
        return given != self.clean

    # --- one check per kind of parameter -------------------------------------------------------

    def unknown(self, known: Collection[str]) -> None:
        """Drop every parameter the page does not take, naming it."""
        for name in self.raw:
            if name not in known:
                for value in self.values(name):
                    self.note(name, value, "ignored: this page takes no such parameter")

    def text(self, name: str) -> str:
        """Free text, kept as given (the last value if repeated)."""
        values = self.values(name)
        self.keep(name, values[-1:])
        return values[-1] if values else ""

    def choices(self, name: str, allowed: Collection[str], what: str) -> list[str]:
        """Values that must each be one of ``allowed`` (repeatable parameter); duplicates are dropped quietly."""
        kept: list[str] = []
        for value in self.values(name):
            if value not in allowed:
                self.note(name, value, f"ignored: not {what}")
            elif value not in kept:
                kept.append(value)
        self.keep(name, kept)
        return kept

    def single(self, name: str) -> str | None:
        """The first value; a second one is dropped with a notice. Kept as given."""
        values = self.values(name)
        for extra in values[1:]:
            self.note(name, extra, "ignored: the parameter takes one value")
        self.keep(name, values[:1])
        return values[0] if values else None

    def choice(self, name: str, allowed: Collection[str], what: str, list_them: bool = True) -> str | None:
        """One value out of ``allowed``; a second value or an unknown one is dropped with a notice (which
        lists the allowed values when they are few)."""
        value = self.single(name)
        if value is not None and value not in allowed:
            options = f" (choose {', '.join(allowed)})" if list_them and len(allowed) <= 12 else ""
            self.note(name, value, f"ignored: not {what}{options}")
            self.clean.pop(name)
            return None
        return value

    def flag(self, name: str) -> bool:
        """``true`` or ``false``; anything else is ignored with a notice."""
        value = self.choice(name, ("true", "false"), "true or false", list_them=False)
        if value == "false":
            self.clean.pop(name, None)  # the default: the URL leaves it out
        return value == "true"

    def number(self, name: str, low: int, high: int) -> int | None:
        """A whole number clamped to ``[low, high]``, with a notice naming the value given and the one used."""
        given = self.single(name)
        if given is None:
            return None
        value = given.strip()
        if not (value.lstrip("-").isdigit() and len(value) <= 12):
            self.note(name, given, "ignored: not a whole number")
            self.clean.pop(name)
            return None
        number = int(value)
        used = min(max(number, low), high)
        if used != number:
            self.note(name, value, f"changed to {used}: the range is {low}–{high}")
        self.clean[name] = [str(used)]
        return used

    def years(self, name: str, span: tuple[int, int] | None) -> tuple[int, int] | None:
        """A first and a last year: reversed years are swapped, years outside ``span`` clamped to it, and
        a missing, non-numeric or extra value ignored; each change named."""
        values = self.values(name)
        numbers: list[int] = []
        for value in values:
            if not value.strip().isdigit():
                self.note(name, value, "ignored: not a year")
            elif len(numbers) == 2:
                self.note(name, value, "ignored: give two years, the first and the last")
            else:
                numbers.append(int(value))
        if len(numbers) == 1:
            self.note(name, str(numbers[0]), "ignored: give two years, the first and the last")
            numbers = []
        if not numbers or span is None:
            return None
        first, last = numbers
        if first > last:
            self.note(name, f"{first}&{name}={last}", f"swapped to {last}–{first}")
            first, last = last, first
        clamped = (min(max(first, span[0]), span[1]), max(min(last, span[1]), span[0]))
        if clamped != (first, last):
            self.note(
                name,
                f"{first}&{name}={last}",
                f"changed to {clamped[0]}–{clamped[1]}: the atlas has papers from {span[0]} to {span[1]}",
            )
        self.clean[name] = [str(clamped[0]), str(clamped[1])]
        return clamped


def only(raw: Mapping[str, list[str]], names: Collection[str], also: Collection[str] = ()) -> URLCheck:
    """A page whose parameters ``names`` are each one value read by the page itself (a key, an id, a query):
    any other parameter (but those in ``also``, which the caller checks), and a repeated value, is dropped
    with a notice."""
    check = URLCheck(raw)
    check.unknown([*names, *also])
    for name in names:
        check.single(name)
    return check
