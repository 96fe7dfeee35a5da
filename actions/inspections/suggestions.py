"""Which open actions already answer a new finding: ranked by similarity of meaning.

Findings and actions are turned into sentence embeddings by all-MiniLM-L6-v2, run offline in
numpy (``encoder.py``).

The score blends two cosine similarities (each -1 to 1; higher is closer): three quarters the
cosine of the two sentence embeddings, which catches the same point made in other words, and
one quarter the cosine of their TF-IDF word vectors (weighted over the actions compared), which
rewards the NHS terms a finding and its action share (BLS, DoLS, radiologist, risk register).
On the hand-labelled set in bench/suggestions the blend puts a right action in the top three
for more findings, and first for many more, than either alone (bench/suggestions/README.md).

Embeddings of action and finding texts are cached, keyed by a hash of the text, in memory and
in Django's cache (Redis in production), so a plan is embedded once, however many findings are
compared with it and however many workers ask; an edited action is embedded again. The worker
embeds them ahead (``embeddings_prepare``, when findings are imported and actions change).

The worker also ranks ahead: each finding's top actions in a plan are stored under a
fingerprint of the plan's open actions (their number, ids and newest save) and the finding's
text (``suggestion_rankings_prepare``), so the mapping page reads 50 findings' rankings in one
cache read (``plan_suggestions``) and ranks on the page only what is missing or stale.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max, Sum

from ..models import Action, Finding, Inspection
from .encoder import ModelMissing as ModelMissing  # what callers catch: no model installed
from .encoder import embeddings_for

logger = logging.getLogger(__name__)

CACHE_SIZE = 4096  # action-text embeddings kept per process (1.5 kB each)
_VECTOR_BYTES = 384 * 4  # one float32 embedding
WORD_WEIGHT = 0.25  # share of the score from shared words (TF-IDF); the rest from meaning


@dataclass(frozen=True)
class Suggestion:
    action: Action
    score: float  # cosine similarity, higher is closer


def suggestions_for(
    *, texts: Sequence[str], actions: Sequence[Action], top: int = 3
) -> list[list[Suggestion]]:
    """For each text, the ``top`` actions closest in meaning, best first (one list per text)."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    if top < 1:
        raise ValueError("top must be at least 1")
    texts = list(texts)
    actions = list(actions)
    if not texts:
        return []
    if not actions:
        return [[] for _ in texts]
    action_texts = [action_text(a) for a in actions]
    action_vectors = _cached_embeddings(action_texts)
    # Findings too: the worker embeds them when they are imported (embeddings_prepare), so
    # the mapping page only reads vectors; one it misses is computed here, then cached.
    text_vectors = _cached_embeddings(texts)
    meaning = text_vectors @ action_vectors.T  # unit vectors: the dot product is the cosine
    words = _word_similarity(texts, action_texts)
    scores = (1.0 - WORD_WEIGHT) * meaning + WORD_WEIGHT * words
    ranked = []
    for row in scores:
        # Stable sort on the negated score: ties keep the plan's order.
        order = np.argsort(-row, kind="stable")[:top]
        ranked.append([Suggestion(action=actions[i], score=float(row[i])) for i in order])
    return ranked


def action_text(action: Action) -> str:
    """What an action is compared on: its theme and its requirement and actions."""
    return _action_text(action.theme, action.requirement)


def _action_text(theme: str, requirement: str) -> str:
    parts = [theme.strip(), requirement.strip()]
    return ". ".join(p for p in parts if p)


# --- Shared words: TF-IDF over the actions compared ------------------------------------------

_WORD = re.compile(r"[a-z]+")
# Words in nearly every finding and action ("The trust must ensure that staff ...").
_STOP_WORDS = frozenset(
    """a an and are as at be been by for from had has have in is it its of on or that the their
    there these this those to was were which with within all any not should must ensure trust
    service services staff continue consider""".split()
)


@functools.lru_cache(maxsize=65536)  # as the tokenizer's words: a word stems one way
def _stem(word: str) -> str:
    """Fold plurals and simple tenses together: risks/risk, recorded/record, training/train."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@functools.lru_cache(maxsize=8192)  # a plan's actions are compared again on every page
def _terms(text: str) -> Counter[str]:
    return Counter(
        _stem(w) for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP_WORDS
    )


def _word_similarity(texts: list[str], action_texts: list[str]) -> np.ndarray:
    """Cosine of TF-IDF vectors (sublinear term counts, IDF over the actions): texts × actions."""
    docs = [_terms(t) for t in action_texts]
    document_frequency: Counter[str] = Counter()
    for doc in docs:
        document_frequency.update(doc.keys())
    n = len(docs)
    column = {term: i for i, term in enumerate(document_frequency)}
    idf = np.array(
        [math.log((n + 1) / (document_frequency[t] + 1)) + 1.0 for t in column], dtype=np.float32
    )

    def vectors(term_counts: list[Counter[str]]) -> np.ndarray:
        m = np.zeros((len(term_counts), len(column)), dtype=np.float32)
        for row, counts in enumerate(term_counts):
            for term, count in counts.items():
                if term in column:
                    m[row, column[term]] = 1.0 + math.log(count)
        m *= idf
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.clip(norms, 1e-12, None)

    return vectors([_terms(t) for t in texts]) @ vectors(docs).T


# --- Cache of action embeddings -------------------------------------------------------------
# Two tiers: this process's memory, then Django's cache (Redis in production), so a plan is
# embedded once for every worker and after restarts, not once per process. The key names the
# model, so another model never reads these vectors.

_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()
SHARED_CACHE_PREFIX = "suggest:all-MiniLM-L6-v2:"
SHARED_CACHE_SECONDS = 60 * 60 * 24 * 30


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shared_get(keys: list[str]) -> dict[str, np.ndarray]:
    if not keys:
        return {}
    try:
        stored = cache.get_many([SHARED_CACHE_PREFIX + k for k in keys])
    except Exception:  # a cache outage only costs time: the vectors are computed instead
        logger.warning("Suggestion embeddings could not be read from the cache", exc_info=True)
        return {}
    found = {}
    for key in keys:
        raw = stored.get(SHARED_CACHE_PREFIX + key)
        if isinstance(raw, bytes) and len(raw) == _VECTOR_BYTES:
            found[key] = np.frombuffer(raw, dtype=np.float32).copy()
    return found


def _shared_set(vectors: dict[str, np.ndarray]) -> None:
    try:
        cache.set_many(
            {SHARED_CACHE_PREFIX + k: v.astype(np.float32).tobytes() for k, v in vectors.items()},
            timeout=SHARED_CACHE_SECONDS,
        )
    except Exception:
        logger.warning("Suggestion embeddings could not be written to the cache", exc_info=True)


def _cached_embeddings(texts: list[str]) -> np.ndarray:
    keys = [_text_key(t) for t in texts]
    with _cache_lock:
        found = {k: _cache[k] for k in keys if k in _cache}
        for k in found:
            _cache.move_to_end(k)
    shared = _shared_get([k for k in dict.fromkeys(keys) if k not in found])
    found.update(shared)
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
    fresh: dict[str, np.ndarray] = {}
    if missing:
        fresh = dict(zip(missing, embeddings_for(list(missing.values())), strict=True))
        found.update(fresh)
        _shared_set(fresh)
    if shared or fresh:
        with _cache_lock:
            _cache.update(shared)
            _cache.update(fresh)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return np.stack([found[k] for k in keys])


def embeddings_prepare(texts: Sequence[str]) -> int:
    """Embed and cache the texts not cached yet, ahead of any page (the worker's job); the
    number embedded."""
    by_key = {_text_key(t): t for t in texts}
    cached = _shared_get(list(by_key))
    missing = {k: t for k, t in by_key.items() if k not in cached}
    if missing:
        _shared_set(dict(zip(missing, embeddings_for(list(missing.values())), strict=True)))
    return len(missing)


def suggestion_vectors_prepare(
    *, inspection_id: int | None = None, plan_id: int | None = None
) -> int:
    """Embed what the mapping page compares: an inspection's findings, a plan's open actions;
    then rank the findings against the plan (the newest inspection's, if only the plan is
    given: its actions changed).

    Safe to run twice: texts already cached are not embedded again. The number embedded.
    """
    texts: list[str] = []
    if inspection_id is not None:
        texts += Finding.objects.filter(inspection_id=inspection_id).values_list("text", flat=True)
    if plan_id is not None:
        actions = Action.objects.filter(plan_id=plan_id).open().only("theme", "requirement")
        texts += [action_text(a) for a in actions]
    embedded = embeddings_prepare(texts)
    if plan_id is not None:
        if inspection_id is None:
            inspection_id = (
                Inspection.objects.filter(findings__isnull=False)
                .values_list("pk", flat=True)
                .first()
            )
        if inspection_id is not None:
            suggestion_rankings_prepare(inspection_id=inspection_id, plan_id=plan_id)
    return embedded


# --- Rankings ahead: a finding's top actions in a plan ------------------------------------

RANKING_PREFIX = "suggest:ranking:v1:"


def _plan_fingerprint(plan_id: int) -> str:
    """Moves whenever a ranking could: an action opened, closed, added, removed or saved (its
    text or ref edited; ``updated_at`` moves on every save). One row of aggregates."""
    count, id_sum, newest = (
        Action.objects.filter(plan_id=plan_id)
        .open()
        .aggregate(count=Count("id"), id_sum=Sum("id"), newest=Max("updated_at"))
        .values()
    )
    return _fingerprint_of(count, id_sum, newest)


def _fingerprint_of(count: int, id_sum: int | None, newest: dt.datetime | None) -> str:
    return f"{count}-{id_sum or 0}-{newest.isoformat() if newest is not None else ''}"


def _ranking_key(fingerprint: str, text: str, top: int) -> str:
    return f"{RANKING_PREFIX}{fingerprint}:{_text_key(text)}:{top}"


def plan_suggestions(*, texts: Sequence[str], plan_id: int, top: int = 3) -> list[list[Suggestion]]:
    """``suggestions_for`` the plan's open actions, read from the rankings stored ahead.

    Rankings missing (the worker has not run, Redis lost them) or stale (an action changed
    since) are computed here and stored, so the page always shows the same suggestions.
    """
    texts = list(texts)
    if not texts:
        return []
    fingerprint = _plan_fingerprint(plan_id)
    keys = [_ranking_key(fingerprint, t, top) for t in texts]
    try:
        stored = cache.get_many(keys)
    except Exception:  # a cache outage only costs time: the rankings are computed instead
        logger.warning("Suggestion rankings could not be read from the cache", exc_info=True)
        stored = {}
    missing = [i for i, key in enumerate(keys) if key not in stored]
    if missing:
        computed = _rankings_compute(texts=[texts[i] for i in missing], plan_id=plan_id, top=top)
        stored.update({keys[i]: ranking for i, ranking in zip(missing, computed, strict=True)})
    wanted = {pk for key in keys for pk, _ in stored[key]}
    actions = Action.objects.in_bulk(wanted)
    return [
        [Suggestion(action=actions[pk], score=score) for pk, score in stored[key] if pk in actions]
        for key in keys
    ]


def _rankings_compute(*, texts: list[str], plan_id: int, top: int) -> list[list[tuple[int, float]]]:
    """Rank ``texts`` against the plan's open actions and store each ranking; the rankings.

    Stored under the fingerprint of the actions ranked (not the one asked with), so an action
    edited in between never leaves a ranking under a fingerprint it does not belong to."""
    actions = list(Action.objects.filter(plan_id=plan_id).open().order_by("ref", "id"))
    fingerprint = _fingerprint_of(
        len(actions), sum(a.pk for a in actions), max((a.updated_at for a in actions), default=None)
    )
    ranked = [
        [(s.action.pk, s.score) for s in suggestions]
        for suggestions in suggestions_for(texts=texts, actions=actions, top=top)
    ]
    try:
        cache.set_many(
            {_ranking_key(fingerprint, t, top): r for t, r in zip(texts, ranked, strict=True)},
            timeout=SHARED_CACHE_SECONDS,
        )
    except Exception:
        logger.warning("Suggestion rankings could not be written to the cache", exc_info=True)
    return ranked


def suggestion_rankings_prepare(*, inspection_id: int, plan_id: int, top: int = 3) -> int:
    """Rank every finding of the inspection against the plan ahead of the mapping page (the
    worker's job). Safe to run twice: rankings already stored are kept. The number ranked."""
    texts = list(
        dict.fromkeys(
            Finding.objects.filter(inspection_id=inspection_id).values_list("text", flat=True)
        )
    )
    if not texts:
        return 0
    fingerprint = _plan_fingerprint(plan_id)
    stored = cache.get_many([_ranking_key(fingerprint, t, top) for t in texts])
    missing = [t for t in texts if _ranking_key(fingerprint, t, top) not in stored]
    if missing:
        _rankings_compute(texts=missing, plan_id=plan_id, top=top)
    return len(missing)


def cache_clear() -> None:
    """Forget this process's cached embeddings and words (Django's cache keeps its copies)."""
    with _cache_lock:
        _cache.clear()
    _terms.cache_clear()
