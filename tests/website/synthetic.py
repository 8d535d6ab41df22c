"""Synthetic knowledge bases of any size, for the website's test at 5,000 papers and benchmarks/bench_website.py.

``write_data`` writes N papers (N .bib + N .yaml) made from the bundled papers, so leaves, modalities, models and
techniques are distributed like real data; authors come from a pool of N/3 people; one paper in four links to an
earlier one. Keys are ``synth00000`` ... in order; the same seed writes the same papers.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml
from tests_paths import BUNDLED

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


def write_data(folder: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    templates = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((BUNDLED / "papers").glob("*.yaml"))]
    title_words = sorted(
        {w.strip(",.:;?()") for t in templates for w in (t.get("summary") or "").split() if len(w) > 3}
    )
    from taxonomy.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()  # annotations name vocabulary ids: the synthetic papers draw on all of them
    model_pool, technique_pool = list(vocabulary.models), list(vocabulary.techniques)
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
                rng.sample(template.get("models") or ["llava"], k=min(2, len(template.get("models") or ["llava"])))
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
