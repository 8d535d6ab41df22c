"""Scoring: turn the question into a profile and sum the parts of every paper's score."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from explorer import fts
from explorer.related import store
from explorer.related.concepts import closest_concepts, everyday_weights, expansion_words
from explorer.related.index import Index, family_members, family_weights, load_index
from explorer.related.inputs import check_k, filter_mask, match_entry, read_user_bib, resolve_paper
from explorer.related.names import technique_key
from explorer.related.parts import rarity
from explorer.related.profile import Profile, find_mentions, profile_from_seeds, relative
from explorer.related.reasons import reasons
from explorer.related.results import BibMatch, CandidateFilters, RelatedInputError, RelatedPaper, RelatedResult
from explorer.related.textindex import query_words
from explorer.related.textmatch import TextMatch, feedback_words, score_words
from explorer.related.topics import TOPIC_KIND, topic_papers
from explorer.related.weights import COMPONENTS, FEATURE_KINDS, MAX_MENTION_WORDS, MAX_TEXT_CHARS, WEIGHTS, Weights
from taxonomy.text import count

Source = Any  # a SQLAlchemy Session or a sqlite3 connection (explorer.related.store reads through either)


def find_related(
    session: Source,
    *,
    text: str | None = None,
    paper: str | None = None,
    papers: Iterable[str] | None = None,
    bib: str | bytes | Path | None = None,
    k: int = 10,
    filters: CandidateFilters | None = None,
    weights: Weights = WEIGHTS,
) -> RelatedResult:
    """The ``k`` papers most related to exactly one of: free ``text``, a ``paper`` (key, DOI or arXiv id),
    several ``papers`` (keys), or ``bib`` (a .bib file's path, or its content as str/bytes)."""
    given = [
        name
        for name, value in (("text", text), ("paper", paper), ("papers", papers), ("bib", bib))
        if value is not None
    ]
    if len(given) != 1:
        raise RelatedInputError(
            "give exactly one of: free text, a paper key, or a BibTeX file"
            + (f" (got {', '.join(given)})" if given else "")
        )
    k, notes = check_k(k)
    filters = filters or CandidateFilters()
    index = load_index(session)
    mask = filter_mask(index, filters)
    if text is not None:
        result = _related_to_text(session, index, text, k, mask, weights)
    elif paper is not None:
        seed = resolve_paper(index, paper)
        result = _related_to_seeds(session, index, "paper", [seed], k, mask, weights)
    elif papers is not None:
        keys = [p for p in (papers if not isinstance(papers, str) else [papers])]
        seeds = list(dict.fromkeys(resolve_paper(index, key) for key in keys))
        if not seeds:
            raise RelatedInputError("no paper keys given: name at least one paper of the atlas")
        result = _related_to_seeds(session, index, "papers", seeds, k, mask, weights)
    else:
        result = _related_to_bib(session, index, bib, k, mask, weights)
    result.notes[:0] = notes
    if not result.papers and not result.notes:
        result.notes.append("no paper passes the filters" if not mask.all() else "no related papers found")
    elif not result.papers and not mask.all() and not mask.any():
        result.notes.append("no paper passes the filters: widen the category or year range, or drop --has-code")
    return result


def related_to_paper(session: Source, key: str, k: int = 10, filters: CandidateFilters | None = None) -> RelatedResult:
    """Papers related to one paper of the atlas (the paper page's "Related papers" section)."""
    return find_related(session, paper=key, k=k, filters=filters)


def _related_to_text(
    session: Source, index: Index, text: str, k: int, mask: np.ndarray, weights: Weights
) -> RelatedResult:
    result = RelatedResult("text", [])
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_TEXT_CHARS:
        result.notes.append(f"the text is {len(text):,} characters long; only the first {MAX_TEXT_CHARS:,} were used")
        text = text[:MAX_TEXT_CHARS]
    words = fts.tokenize(text)
    if not any(len(w) > 1 and w not in fts.STOP_WORDS for w in words):
        result.notes.append(
            "no words to search for: type a few keywords, a title or an abstract "
            "(punctuation, symbols and words such as 'and' or 'the' are ignored)"
        )
        return result
    profile = Profile(text=text, from_text=True)
    for kind, found in find_mentions(index, words[:MAX_MENTION_WORDS]).items():
        profile.features[kind] = found
        profile.feature_counts[kind] = {fid: 1 for fid in found}
    return _rank(session, index, profile, result, k, mask, weights)


def _related_to_seeds(
    session: Source, index: Index, kind: str, seeds: list[int], k: int, mask: np.ndarray, weights: Weights
) -> RelatedResult:
    profile = profile_from_seeds(index, seeds)
    profile.text = _seed_text(session, index, seeds)
    result = RelatedResult(kind, [], seeds=[index.keys[s] for s in seeds])
    return _rank(session, index, profile, result, k, mask, weights)


def _seed_text(session: Source, index: Index, seeds: list[int]) -> str:
    parts = []
    for _, title, summary in store.seed_texts(store.dbapi(session), [index.keys[s] for s in seeds]):
        parts.extend([title or "", summary or ""])
    techniques = index.vocab["technique"]
    parts.extend(techniques.names[fid] for s in seeds for fid in techniques.by_paper[s])
    return "\n".join(parts)


def _related_to_bib(session: Source, index: Index, bib, k: int, mask: np.ndarray, weights: Weights) -> RelatedResult:
    result = RelatedResult("bib", [])
    entries, problems, label = read_user_bib(bib)
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        result.notes.append(f"{label}: {count(len(problems), 'problem')} skipped: {shown}")
    if not entries:
        result.notes.append(
            f"{label} holds no BibTeX entries: give a .bib file with entries such as "
            "@article{key, title = {...}, author = {...}}"
        )
        return result
    seeds: list[int] = []
    texts: list[str] = []
    author_keys: list[str] = []
    from ingest.load import author_name_key  # the loader's rule for a person's identity (a .bib query only)

    for entry in entries:
        hit = match_entry(index, entry)
        if hit is None:
            result.unmatched.append(entry.key)
        else:
            i, by = hit
            result.matched.append(BibMatch(entry.key, index.keys[i], by))
            if i not in seeds:
                seeds.append(i)
        texts.extend(entry.fields.get(name, "") for name in ("title", "abstract", "keywords"))
        try:
            author_keys.extend(author_name_key(name) for name in entry.authors)
        except Exception:  # noqa: BLE001 - odd author fields only lose the shared-author signal
            pass
    profile = profile_from_seeds(index, seeds, author_keys)
    profile.many = True
    profile.text = "\n".join(texts) + ("\n" + _seed_text(session, index, seeds) if seeds else "")
    if len(profile.text) > MAX_TEXT_CHARS:
        profile.text = profile.text[:MAX_TEXT_CHARS]
    result.seeds = [index.keys[s] for s in seeds]
    if not seeds:
        result.notes.append(
            f"none of the {len(entries)} entries of {label} is in the atlas (matched by DOI, "
            "arXiv id or title); ranking by their titles and authors only"
        )
    return _rank(session, index, profile, result, k, mask, weights)


def _rank(
    session: Source, index: Index, profile: Profile, result: RelatedResult, k: int, mask: np.ndarray, weights: Weights
) -> RelatedResult:
    n = index.size
    parts = {name: np.zeros(n) for name in COMPONENTS}
    excluded = np.zeros(n, dtype=bool)
    excluded[profile.seeds] = True

    match, described = _match_text(session, index, profile, excluded, weights)
    hits = match.hits
    if hits:
        for i, points in hits:
            parts["text"][i] = points
        if profile.from_text:
            _infer_leaves(index, profile, hits, weights)
            _infer_techniques(index, profile, hits, weights)
            _described_techniques(index, profile, described, weights)
            _described_topics(session, index, profile, described, weights)
    elif profile.from_text and not any(profile.features.values()):
        if not result.notes:
            result.notes.append("no paper matches these words: try other or fewer keywords")
        return result

    _taxonomy_part(index, profile, parts["taxonomy"], weights)
    _topic_part(index, profile, parts["topic"], weights)
    for kind in FEATURE_KINDS:
        _feature_part(index, profile, kind, parts[kind], weights)
    for s in profile.seeds:
        for t, _ in index.out_links.get(s, ()):
            parts["relation"][t] += weights.relation
        for t, _ in index.in_links.get(s, ()):
            parts["relation"][t] += weights.relation
    np.minimum(parts["relation"], weights.relation_cap, out=parts["relation"])

    total = np.zeros(n)
    for name in COMPONENTS:
        total += parts[name]
    total = np.round(total, 6)
    eligible = mask & ~excluded & (total >= weights.min_score)
    if profile.from_text:  # free text: a paper must match the words or a model/technique named in them
        eligible &= (parts["text"] > 0) | (parts["model"] > 0) | (parts["technique"] > 0) | (parts["topic"] > 0)
    candidates = np.flatnonzero(eligible)
    if candidates.size == 0:
        if not result.notes:
            result.notes.append("no paper passes the filters" if not mask.all() else "no related papers found")
        return result
    scores = total[candidates]
    if candidates.size > 4 * k:
        cut = np.partition(scores, scores.size - k)[scores.size - k]
        keep = scores >= cut
        candidates, scores = candidates[keep], scores[keep]
    order = np.lexsort((candidates, -scores))[:k]
    top = [int(candidates[j]) for j in order]

    details = _paper_details(session, index, top)
    for i in top:
        components = {name: round(float(parts[name][i]), 4) for name in COMPONENTS if parts[name][i] > 0}
        words = match.words_in(index.text, i) if "text" in components else []
        because = reasons(index, profile, i, components, words, weights)
        result.papers.append(
            RelatedPaper(score=round(float(total[i]), 4), reasons=because, components=components, **details[i])
        )
    return result


def _match_text(
    session: Source, index: Index, profile: Profile, excluded: np.ndarray, weights: Weights
) -> tuple[TextMatch, list[tuple[int, float]]]:
    """The text part: the question's words, and for free text the words of the concepts it describes and the
    words its best first matches share; and those concepts, as (concept, strength). Added words and described
    concepts count in proportion to what the best match of the question's own words lacks of them
    (``_missing``): a question in the papers' own words ("attention sink") is answered as asked, one in other
    words gets the help."""
    if not profile.text.strip():
        return TextMatch(), []
    words = query_words(index.text, profile.text, weights.text_concepts, weights.text_row_budget)
    if profile.from_text:
        words = everyday_weights(index.concepts, index.text, words, weights.everyday)
    own = score_words(index.text, words, excluded, weights)
    if not profile.from_text or not own.hits:
        return own, []
    missing = _missing(index, own)
    if missing == 0:
        return own, []
    known = {w.term for w in words}
    described = [(c, strength * missing) for c, strength in closest_concepts(index.concepts, profile.text, weights)]
    words = words + expansion_words(index.concepts, index.text, described, known, weights)
    first = score_words(index.text, words, excluded, weights)
    best = [i for i, _ in first.hits[: weights.feedback_papers]]
    if len(best) < 2:
        return first, described
    shared = feedback_words(index.text, _paper_texts(session, index, best), {w.term for w in words}, weights)
    words = words + [replace(w, weight=w.weight * missing) for w in shared]
    return score_words(index.text, words, excluded, weights), described


def _missing(index: Index, own: TextMatch) -> float:
    """The share of the question's words (weighted by rarity) that its best match does not contain: 0 when a
    paper has them all."""
    total = sum(float(index.text.idf[w.term]) * w.weight for w in own.words)
    found = {m.word for m in own.words_in(index.text, own.hits[0][0])}
    present = sum(float(index.text.idf[w.term]) * w.weight for w in own.words if w.word in found)
    return max(0.0, 1.0 - present / total) if total > 0 else 0.0


def _paper_texts(session: Source, index: Index, positions: list[int]) -> list[str]:
    """The indexed text of a few papers (title, summary, whys, techniques), for feedback."""
    keys = [index.keys[i] for i in positions]
    conn = store.dbapi(session)
    texts = {index.keys[i]: [index.titles[i]] for i in positions}
    for key, summary in store.summaries(conn, keys):
        texts[key].append(summary or "")
    for key, why in store.whys(conn, keys):
        texts[key].append(why or "")
    techniques = index.vocab["technique"]
    for i, key in zip(positions, keys, strict=True):
        texts[key].extend(techniques.names[f] for f in techniques.by_paper[i])
    return ["\n".join(texts[key]) for key in keys]


def _infer_leaves(index: Index, profile: Profile, hits: list[tuple[int, float]], weights: Weights) -> None:
    """Free text: the leaves holding a good share of the best text matches' relevance."""
    mass: dict[str, float] = defaultdict(float)
    for i, points in hits[: weights.inferred_from_top]:
        leaves = index.paper_leaves[i]
        for leaf in leaves:
            mass[leaf] += points / len(leaves)
    total = sum(mass.values())
    if total <= 0:
        return
    shares = {leaf: v / total for leaf, v in mass.items() if v / total >= weights.inferred_leaf_share}
    profile.leaves = relative(Counter(shares)) if shares else {}
    profile.inferred_leaves = True


def _infer_techniques(index: Index, profile: Profile, hits: list[tuple[int, float]], weights: Weights) -> None:
    """Free text: the techniques that hold a good share of the best text matches' relevance count for the papers
    that use them too (pseudo-relevance feedback on the annotations: a question about "made-up objects" whose
    best matches are mostly hallucination benchmarks also finds the benchmarks that share none of its words)."""
    techniques = index.vocab["technique"]
    mass: dict[int, float] = defaultdict(float)
    for i, points in hits[: weights.inferred_from_top]:
        used = techniques.by_paper[i].tolist()
        for fid in used:
            mass[fid] += points / len(used)
    total = sum(mass.values())
    named = profile.features["technique"]
    for fid, value in sorted(mass.items()):
        share = value / total
        if share >= weights.inferred_technique_share and fid not in named:
            named[fid] = weights.inferred_technique * share
            profile.feature_counts["technique"][fid] = 1
            profile.inferred_techniques.add(fid)


def _described_techniques(index: Index, profile: Profile, described: list[tuple[int, float]], weights: Weights) -> None:
    """Free text: a vocabulary technique the question describes (one of its closest concepts) counts for the
    papers annotated with it, at ``described_technique`` times how well the question matched it, like a technique
    the best matches share (no ``named`` boost): "good and bad answers side by side" finds the papers that use
    preference optimisation even when their words differ from the question's. Its narrower techniques count too,
    at ``described_narrower`` of that (papers are annotated with the most specific term: a question that describes
    hallucination mitigation also wants the papers on contrastive decoding)."""
    named = profile.features["technique"]
    for c, strength in described:
        if index.concepts.kinds[c] != "technique":
            continue
        for fid, share in _described_terms(index, c, weights):
            if fid in named and fid not in profile.inferred_techniques:
                continue
            named[fid] = max(named.get(fid, 0.0), weights.described_technique * strength * share)
            profile.feature_counts["technique"][fid] = 1
            profile.inferred_techniques.add(fid)
            broader = "" if share == 1.0 else index.concepts.names[c][0]
            if not broader or fid not in profile.described_techniques:  # the term itself wins over a broader one
                profile.described_techniques[fid] = broader


def _described_topics(
    session: Source, index: Index, profile: Profile, described: list[tuple[int, float]], weights: Weights
) -> None:
    """Free text: the topics among the concepts the question describes best, with the papers about each (their
    words found close together by the database's full-text index)."""
    conn = store.dbapi(session)
    for c, strength in described:
        if index.concepts.kinds[c] == TOPIC_KIND:
            profile.topics[c] = strength
            profile.topic_papers[c] = topic_papers(
                index.concepts, index.text, c, conn, index.position, weights.topic_words_apart
            )


def _topic_part(index: Index, profile: Profile, out: np.ndarray, weights: Weights) -> None:
    """A topic the question describes counts for the papers about it: ``topic`` times its rarity (as a model's or
    technique's: ln((N+1)/(df+1)) / ln(N+1)) times the strength of the match."""
    for c, strength in profile.topics.items():
        papers = profile.topic_papers[c]
        out[papers] += weights.topic * rarity(papers.size, index.size) * strength
    np.minimum(out, weights.topic_cap, out=out)


def _described_terms(index: Index, concept: int, weights: Weights) -> list[tuple[int, float]]:
    """A vocabulary technique concept's term and its narrower terms, as (technique id, share of its weight). The
    concept's names are the term's name, its aliases and its narrower terms' names (``concepts.vocabulary_sources``);
    an alias is never another technique's name (the vocabulary's spellings are unique), so the names after the
    first that are technique names are the narrower terms."""
    by_name = index.vocab["technique"].by_name
    names = index.concepts.names[concept]
    out: dict[int, float] = {}
    for n, name in enumerate(names):
        fid = by_name.get(technique_key(name))
        if fid is not None and fid not in out:
            out[fid] = 1.0 if n == 0 else weights.described_narrower
    return [(fid, share) for fid, share in out.items() if share > 0]


def _taxonomy_part(index: Index, profile: Profile, out: np.ndarray, weights: Weights) -> None:
    if not profile.leaves:
        return
    same = np.zeros(index.size)
    factor = weights.inferred_leaf if profile.inferred_leaves else 1.0
    for leaf, w in profile.leaves.items():
        for other in index.leaves:
            level = index.proximity(leaf, other)
            if level is None or (profile.inferred_leaves and level != "same_leaf"):
                continue
            members = index.leaf_members.get(other)
            if members is None or members.size == 0:
                continue
            out[members] = np.maximum(out[members], getattr(weights, level) * w * factor)
            if level == "same_leaf":
                same[members] += w
    out += weights.extra_same_leaf * factor * np.maximum(same - 1.0, 0.0)


def _feature_part(index: Index, profile: Profile, kind: str, out: np.ndarray, weights: Weights) -> None:
    wanted = profile.features[kind]
    if not wanted:
        return
    vocab = index.vocab[kind]
    # A model or technique the question names was asked for: it counts more than one a seed paper happens to have.
    boost = weights.named if profile.from_text else 1.0
    unit = getattr(weights, kind) * boost
    for fid, w in wanted.items():
        inferred = kind == "technique" and fid in profile.inferred_techniques  # not named: no boost
        out[vocab.members[fid]] += (unit / boost if inferred else unit) * vocab.idf[fid] * w
    if kind == "model":
        # Papers that have a wanted model already scored; the rest get the family's members at model_family.
        family = np.zeros(index.size)
        for fam, w in family_weights(vocab, wanted).items():
            papers, rarity = family_members(vocab, fam)
            family += unit * weights.model_family * w * np.bincount(papers, weights=rarity, minlength=index.size)
        out += np.where(out > 0, 0.0, family)
    np.minimum(out, getattr(weights, f"{kind}_cap") * boost, out=out)


def _paper_details(session: Source, index: Index, top: list[int]) -> dict[int, dict]:
    """What a result shows about each paper: from the index, plus venue and links from the database."""
    links = store.links(store.dbapi(session), [index.keys[i] for i in top])
    authors = index.vocab["author"]
    out = {}
    for i in top:
        key = index.keys[i]
        venue, url, code_url = links.get(key, (None, None, None))
        out[i] = {
            "key": key,
            "title": index.titles[i],
            "year": int(index.years[i]) if index.years[i] >= 0 else None,
            "authors": [authors.names[fid] for fid in authors.by_paper[i]],
            "venue": venue,
            "url": url,
            "code_url": code_url,
            "categories": sorted(index.paper_leaves[i]),
        }
    return out
