"""How well related work answers judged questions: recall@10 and nDCG@10 over sets of questions whose relevant
papers were chosen by reading the papers (``benchmarks/related_judged.yaml``).

recall@k is the share of a question's relevant papers among the first k results, out of at most k (a question
with 13 relevant papers is answered perfectly by 10 of them); nDCG@k rewards relevant papers near the top, every
relevant paper counting 1. ``benchmarks/bench_related.py`` prints both per set; ``tests/related/test_related_judged.py``
keeps them from falling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from explorer.related.scoring import find_related

JUDGED_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "related_judged.yaml"


@dataclass(frozen=True)
class Judged:
    question: str
    relevant: frozenset[str]


@dataclass(frozen=True)
class Scored:
    question: str
    recall: float
    ndcg: float
    found: list[str]  # the top k keys
    missed: list[str]  # relevant papers not in the top k


def load_judged(path: Path = JUDGED_FILE) -> dict[str, list[Judged]]:
    """The judged sets by name (``paraphrased``, ``keywords``, ``heldout``, ``heldout2``)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {name: [Judged(item["q"], frozenset(item["relevant"])) for item in items] for name, items in data.items()}


def score_question(session: Session, judged: Judged, k: int = 10, **options) -> Scored:
    found = [p.key for p in find_related(session, text=judged.question, k=k, **options).papers]
    return Scored(
        judged.question,
        recall_at(found, judged.relevant, k),
        ndcg_at(found, judged.relevant, k),
        found,
        sorted(judged.relevant - set(found)),
    )


def recall_at(found: list[str], relevant: frozenset[str], k: int) -> float:
    return len(relevant & set(found[:k])) / min(len(relevant), k) if relevant else 0.0


def ndcg_at(found: list[str], relevant: frozenset[str], k: int) -> float:
    gain = sum(1 / math.log2(rank + 2) for rank, key in enumerate(found[:k]) if key in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return gain / ideal if ideal else 0.0


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
