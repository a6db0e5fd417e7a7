"""Deterministic synthetic 3-class text corpus for the speed benchmark.

Rows are ~25 made-up words long. Every word is drawn either from a shared Zipfian background
over the whole vocabulary, or (with a small probability) from its label's own Zipfian list of
indicative words, or as one of its label's indicative *pairs* of common words (each word of a
pair is frequent in every label; only the pair says which label), so word bigrams carry signal
that unigrams do not. A fixed share of labels is then flipped at random: a linear model can
learn the task well but not perfectly (macro-F1 around 0.8).

The same (rows, seed, GENERATOR_VERSION) always gives byte-identical files: numpy's PCG64 with
a fixed seed, no hashing of Python objects, no dictionary-order dependence.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

# Bump when the generator changes so cached corpora are regenerated.
GENERATOR_VERSION = 1

LABELS = ("neutral", "oppose", "support")
LABEL_SHARES = (0.45, 0.30, 0.25)
VOCABULARY_SIZE = 40_000
ZIPF_EXPONENT = 1.07
# Per token: chance of an indicative word of the row's label, and chance of an indicative pair.
TOPIC_WORD_RATE = 0.08
TOPIC_PAIR_RATE = 0.03
INDICATIVE_WORDS = 3_000  # per label, drawn from vocabulary ranks 200..20000
INDICATIVE_PAIRS = 400  # per label, both words among the 300 most frequent
LABEL_NOISE = 0.08  # share of rows whose label is replaced by a uniformly drawn one
MEAN_TOKENS = 25

SYLLABLES = [
    c + v
    for c in ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh", "tr", "br")
    for v in ("a", "e", "i", "o", "u", "ai", "ou")
]


def vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    """`size` distinct made-up lowercase words of 2–4 syllables (only ASCII letters, so every
    tool's tokenizer sees the same words)."""
    words: list[str] = []
    seen: set[str] = set()
    syllables = np.array(SYLLABLES)
    while len(words) < size:
        counts = rng.integers(2, 5, size=size)
        parts = rng.integers(0, len(SYLLABLES), size=(size, 4))
        for n, row in zip(counts, parts):
            word = "".join(syllables[row[:n]])
            if word not in seen:
                seen.add(word)
                words.append(word)
                if len(words) == size:
                    break
    return words


def zipf_cdf(n: int) -> np.ndarray:
    weights = 1.0 / np.power(np.arange(n, dtype=np.float64) + 2.7, ZIPF_EXPONENT)
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def draw(rng: np.random.Generator, cdf: np.ndarray, size) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(size)), len(cdf) - 1)


class Corpus:
    """Generator state fixed by the seed: vocabulary and per-label indicative words and pairs."""

    def __init__(self, seed: int):
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.words = np.array(vocabulary(self.rng, VOCABULARY_SIZE))
        self.background = zipf_cdf(VOCABULARY_SIZE)
        self.indicative = [
            self.rng.choice(np.arange(200, 20_000), size=INDICATIVE_WORDS, replace=False) for _ in LABELS
        ]
        self.indicative_cdf = zipf_cdf(INDICATIVE_WORDS)
        self.pairs = [self.rng.integers(0, 300, size=(INDICATIVE_PAIRS, 2)) for _ in LABELS]
        self.pair_cdf = zipf_cdf(INDICATIVE_PAIRS)

    def rows(self, n: int) -> tuple[list[str], list[str]]:
        """`n` (text, label) rows, as two lists (vectorized over all tokens of all rows)."""
        rng = self.rng
        labels = rng.choice(len(LABELS), size=n, p=LABEL_SHARES)
        lengths = np.maximum(5, rng.poisson(MEAN_TOKENS, size=n))
        ends = np.cumsum(lengths)
        total = int(ends[-1])
        token_label = np.repeat(labels, lengths)
        kind = rng.random(total)
        tokens = draw(rng, self.background, total)
        for label in range(len(LABELS)):
            topic = np.flatnonzero((kind < TOPIC_WORD_RATE) & (token_label == label))
            tokens[topic] = self.indicative[label][draw(rng, self.indicative_cdf, len(topic))]
        # A pair takes a token's place and the next one's, if that is in the same row.
        last_of_row = np.zeros(total, dtype=bool)
        last_of_row[ends - 1] = True
        is_pair = (kind >= TOPIC_WORD_RATE) & (kind < TOPIC_WORD_RATE + TOPIC_PAIR_RATE) & ~last_of_row
        for label in range(len(LABELS)):
            at = np.flatnonzero(is_pair & (token_label == label))
            chosen = self.pairs[label][draw(rng, self.pair_cdf, len(at))]
            tokens[at] = chosen[:, 0]
            tokens[at + 1] = chosen[:, 1]
        words = self.words[tokens].tolist()
        starts = ends - lengths
        texts = [" ".join(words[a:b]) for a, b in zip(starts.tolist(), ends.tolist())]
        noisy = rng.random(n) < LABEL_NOISE
        labels = np.where(noisy, rng.integers(0, len(LABELS), size=n), labels)
        return texts, [LABELS[i] for i in labels]


def write_atomically(path: Path, lines) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            out.write(line)
            out.write("\n")
    os.replace(tmp, path)


def test_rows_for(train_rows: int) -> int:
    """Held-out rows: 20% of the training size, at least 200,000, so that a prediction run
    measures batch throughput (the use case: millions of rows) rather than process start-up
    and model loading, which every tool also pays and which the table reports inside the time."""
    return max(200_000, train_rows // 5)


def ensure_corpus(root: Path, train_rows: int, seed: int) -> Path:
    """Writes (once) the corpus for (train_rows, seed) under `root` in every tool's format and
    returns its directory. A `DONE` marker written last makes an interrupted run start over."""
    directory = root / f"data-r{train_rows}-s{seed}-v{GENERATOR_VERSION}"
    if (directory / "DONE").exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(seed)
    train_text, train_label = corpus.rows(train_rows)
    test_text, test_label = corpus.rows(test_rows_for(train_rows))
    for split, texts, labels in (("train", train_text, train_label), ("test", test_text, test_label)):
        write_atomically(directory / f"{split}.tsv", ["text\tlabel"] + [f"{t}\t{l}" for t, l in zip(texts, labels)])
        write_atomically(directory / f"{split}.ft", [f"__label__{l} {t}" for t, l in zip(texts, labels)])
        write_atomically(
            directory / f"{split}.vw", [f"{LABELS.index(l) + 1} |w {t}" for t, l in zip(texts, labels)]
        )
    # Prediction inputs: text only (labels stay with the driver).
    write_atomically(directory / "test.txt", test_text)
    write_atomically(directory / "test.jsonl", [json.dumps({"text": t}) for t in test_text])
    write_atomically(directory / "test.labels", test_label)
    description = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "train_rows": train_rows,
        "test_rows": len(test_text),
        "labels": list(LABELS),
        "label_shares": list(LABEL_SHARES),
        "label_noise": LABEL_NOISE,
        "vocabulary_size": VOCABULARY_SIZE,
        "zipf_exponent": ZIPF_EXPONENT,
        "mean_tokens": float(np.mean([t.count(" ") + 1 for t in train_text])),
        "test_text_bytes": (directory / "test.txt").stat().st_size,
        "train_tsv_bytes": (directory / "train.tsv").stat().st_size,
    }
    (directory / "corpus.json").write_text(json.dumps(description, indent=2) + "\n")
    (directory / "DONE").write_text("")
    return directory
