"""scikit-learn LogisticRegression with the same features as a stance configuration (issue 4).

Rebuilds stance's analyzer in Python — apostrophe folding, lowercasing, Unicode word tokens,
English Snowball stems (`snowballstemmer` 2.2.0, the Snowball 2 English algorithm that the
rust-stemmers crate in stance implements; 3.x stems some words differently), word n-grams of stems joined by a space, `#`-prefixed char_wb
n-grams of the tokens padded with a space — and feeds it to one TfidfVectorizer (sublinear tf,
smooth idf, L2 over the joint word + char vector, as stance does) and LogisticRegression(lbfgs,
multinomial, C = 1/alpha, optional class_weight="balanced"). With --check-vocabulary MODEL the
Python analyzer's vocabulary on MODEL's training file is compared with the vocabulary stored in
that stance model, to show the features really match.

Evaluations:
  (a) IBM claim stance: fit on DATASETS/ibm-claim-stance/train.tsv, evaluate on test.tsv
      (skipped, with a note, when DATASETS has no such folder);
  (b) the seed corpus (data/labeled/peacekeepers.tsv) with leave-one-group-out cross-validation
      (--group-col, default article): pooled out-of-fold accuracy / macro-F1 and per-fold
      mean ± population std, like `stance cv`.

Options mirror `stance train` (so `make compare-sklearn` passes the Makefile's MODEL_OPTS):
--alpha, --word-ngrams, --char-ngrams, --no-stem, --class-weight, --group-col, --neutral-label.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import snowballstemmer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parent.parent
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'", "\u02bc": "'"})
# An approximation of UAX #29 words (what stance's tokenizer uses): runs of word characters,
# joined across an apostrophe, a period or a colon when a word character follows ("russia's",
# "u.s" from "U.S.", "3.5"), and across a comma or semicolon between digits ("1,000");
# hyphens and other punctuation split.
WORD = re.compile(r"\w+(?:(?:[.':]|(?<=\d)[,;](?=\d))\w+)*")
CHAR_PREFIX = "#"


def parse_range(text: str) -> tuple[int, int] | None:
    if text == "none":
        return None
    low, _, high = text.partition("-")
    return int(low), int(high or low)


class StanceAnalyzer:
    """Terms of a text exactly as stance's Analyzer emits them (see crates/features/src/analyzer.rs)."""

    def __init__(self, word: tuple[int, int] | None, char: tuple[int, int] | None, stem: bool):
        self.word, self.char = word, char
        self.stemmer = snowballstemmer.stemmer("english") if stem else None
        self.cache: dict[str, str] = {}

    def stem(self, token: str) -> str:
        if self.stemmer is None:
            return token
        stem = self.cache.get(token)
        if stem is None:
            stem = self.cache[token] = self.stemmer.stemWord(token)
        return stem

    def __call__(self, text: str) -> list[str]:
        tokens = WORD.findall(text.translate(APOSTROPHES).lower())
        terms: list[str] = []
        if self.word:
            stems = [self.stem(t) for t in tokens]
            for n in range(self.word[0], min(self.word[1], len(stems)) + 1):
                terms.extend(" ".join(stems[i : i + n]) for i in range(len(stems) - n + 1))
        if self.char:
            for token in tokens:
                padded = f" {token} "
                for n in range(self.char[0], min(self.char[1], len(padded)) + 1):
                    terms.extend(CHAR_PREFIX + padded[i : i + n] for i in range(len(padded) - n + 1))
        return terms

    # TfidfVectorizer clones its parameters; keep the analyzer picklable and cheap to copy.
    def __getstate__(self):
        return {"word": self.word, "char": self.char, "stem": self.stemmer is not None}

    def __setstate__(self, state):
        self.__init__(state["word"], state["char"], state["stem"])


def read_tsv(path: Path, text_col: str, label_col: str, group_col: str | None = None):
    """Header-first TSV without quoting (like stance's reader)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows)
        try:
            t, l = header.index(text_col), header.index(label_col)
            g = header.index(group_col) if group_col else None
        except ValueError as error:
            raise SystemExit(f"{path}: {error} (columns: {', '.join(header)})")
        texts, labels, groups = [], [], []
        for line, row in enumerate(rows, start=2):
            if len(row) != len(header):
                raise SystemExit(f"{path}:{line}: {len(row)} fields, expected {len(header)}")
            texts.append(row[t])
            labels.append(row[l])
            groups.append(row[g] if g is not None else None)
    return texts, labels, groups


def fit_predict(options, train_texts, train_labels, test_texts):
    vectorizer = TfidfVectorizer(
        analyzer=StanceAnalyzer(options.word, options.char, options.stem),
        sublinear_tf=True,
        smooth_idf=True,
        norm="l2",
        min_df=options.min_df,
    )
    x = vectorizer.fit_transform(train_texts)
    model = LogisticRegression(
        C=1.0 / options.alpha,
        solver="lbfgs",
        max_iter=options.max_iter,
        tol=options.tolerance,
        class_weight="balanced" if options.class_weight == "balanced" else None,
    )
    model.fit(x, train_labels)
    return list(model.predict(vectorizer.transform(test_texts))), x.shape[1]


def metrics(truth, predicted, neutral: str | None) -> dict:
    labels = sorted(set(truth) | set(predicted))
    per_class = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    out = {
        "accuracy": accuracy_score(truth, predicted),
        "macro_f1": f1_score(truth, predicted, labels=labels, average="macro", zero_division=0),
        "f1": dict(zip(labels, map(float, per_class))),
    }
    if neutral is not None and neutral in labels:
        # F_avg: mean F1 of the stance labels, the neutral label left out (SemEval-2016 task 6).
        out["f_avg"] = float(np.mean([f for label, f in zip(labels, per_class) if label != neutral]))
    return out


def neutral_of(options, labels) -> str | None:
    if options.neutral_label:
        return options.neutral_label
    # stance's default: a label named neutral or none, if any.
    return next((l for l in sorted(set(labels)) if l.lower() in ("neutral", "none")), None)


def evaluate_ibm(options) -> dict | None:
    folder = Path(options.datasets) / "ibm-claim-stance" if options.datasets else None
    if folder is None or not (folder / "train.tsv").exists():
        return None
    train_texts, train_labels, _ = read_tsv(folder / "train.tsv", "text", "label")
    test_texts, test_labels, _ = read_tsv(folder / "test.tsv", "text", "label")
    predicted, n_features = fit_predict(options, train_texts, train_labels, test_texts)
    result = metrics(test_labels, predicted, neutral_of(options, train_labels))
    result.update(train_rows=len(train_texts), test_rows=len(test_texts), features=n_features)
    return result


def evaluate_loao(options) -> dict:
    texts, labels, groups = read_tsv(Path(options.data), "text", "label", options.group_col)
    neutral = neutral_of(options, labels)
    oof = [None] * len(texts)
    folds = []
    for group in sorted(set(groups)):
        test = [i for i, g in enumerate(groups) if g == group]
        train = [i for i, g in enumerate(groups) if g != group]
        predicted, _ = fit_predict(
            options, [texts[i] for i in train], [labels[i] for i in train], [texts[i] for i in test]
        )
        for i, p in zip(test, predicted):
            oof[i] = p
        fold = metrics([labels[i] for i in test], predicted, neutral)
        fold.update(group=group, rows=len(test))
        folds.append(fold)
    pooled = metrics(labels, oof, neutral)
    mean_std = {
        key: {"mean": float(np.mean(values)), "std": float(np.std(values))}  # population std, as stance cv
        for key in ("accuracy", "macro_f1", "f_avg")
        if all(key in f for f in folds)
        for values in [[f[key] for f in folds]]
    }
    return {"rows": len(texts), "groups": len(folds), "pooled": pooled, "folds": folds, "mean_std": mean_std}


def check_vocabulary(options, model_path: Path) -> dict:
    model = json.loads(model_path.read_text())
    stored = set(model["features"]["vocabulary"])
    # The model names its training file by base name and SHA-256 only; --data must be that file.
    data = Path(options.data)
    same_data = hashlib.sha256(data.read_bytes()).hexdigest() == model.get("training", {}).get("data_sha256")
    texts, _, _ = read_tsv(data, "text", "label")
    config = model["features"]["config"]
    analyzer = StanceAnalyzer(
        tuple(config["word_ngrams"].values()) if config.get("word_ngrams") else None,
        tuple(config["char_ngrams"].values()) if config.get("char_ngrams") else None,
        config["stemmer"]["type"] == "snowball",
    )
    mine = {term for text in texts for term in analyzer(text)}
    return {
        "model": str(model_path),
        "same_training_data": same_data,
        "stance_terms": len(stored),
        "python_terms": len(mine),
        "common": len(stored & mine),
        "only_stance": sorted(stored - mine)[:10],
        "only_python": sorted(mine - stored)[:10],
    }


def fmt(x) -> str:
    return "—" if x is None else f"{x:.3f}"


def markdown(report: dict) -> str:
    o = report["options"]
    lines = [
        f"scikit-learn {report['sklearn_version']} LogisticRegression, stance-equivalent features: "
        f"word {o['word_ngrams']}, char_wb {o['char_ngrams']}, stemming {'on' if o['stem'] else 'off'} "
        f"(snowballstemmer {report['snowballstemmer_version']}), sublinear tf, smooth idf, L2; "
        f"C = 1/alpha = {1 / o['alpha']:g}, class_weight {o['class_weight'] or 'none'}",
        "",
        "| data | evaluation | rows | accuracy | macro-F1 | F_avg |",
        "|---|---|---:|---:|---:|---:|",
    ]
    ibm = report.get("ibm_claim_stance")
    if ibm:
        lines.append(
            f"| IBM claim stance | train.tsv → test.tsv | {ibm['train_rows']} → {ibm['test_rows']} | "
            f"{fmt(ibm['accuracy'])} | {fmt(ibm['macro_f1'])} | {fmt(ibm.get('f_avg'))} |"
        )
    else:
        lines.append(f"| IBM claim stance | skipped: no {o['datasets']}/ibm-claim-stance | | | | |")
    seed = report["seed_corpus"]
    p, ms = seed["pooled"], seed["mean_std"]
    lines.append(
        f"| {o['data']} | leave-one-{o['group_col']}-out, pooled | {seed['rows']} | {fmt(p['accuracy'])} | "
        f"{fmt(p['macro_f1'])} | {fmt(p.get('f_avg'))} |"
    )
    lines.append(
        f"| {o['data']} | leave-one-{o['group_col']}-out, mean ± std of {seed['groups']} folds | "
        f"{seed['rows']} | {ms['accuracy']['mean']:.3f} ± {ms['accuracy']['std']:.3f} | "
        f"{ms['macro_f1']['mean']:.3f} ± {ms['macro_f1']['std']:.3f} | "
        + (f"{ms['f_avg']['mean']:.3f} ± {ms['f_avg']['std']:.3f} |" if "f_avg" in ms else "— |")
    )
    lines += ["", f"| held-out {o['group_col']} | rows | accuracy | macro-F1 |", "|---|---:|---:|---:|"]
    lines += [f"| {f['group']} | {f['rows']} | {f['accuracy']:.3f} | {f['macro_f1']:.3f} |" for f in seed["folds"]]
    check = report.get("vocabulary_check")
    if check:
        lines += [
            "",
            f"Feature parity with {check['model']} (its training data "
            f"{'is' if check['same_training_data'] else 'is NOT'} {o['data']}): {check['common']:,} terms in common; "
            f"{check['stance_terms'] - check['common']} only in stance's vocabulary, "
            f"{check['python_terms'] - check['common']} only in the Python analyzer's.",
        ]
        if check["only_stance"] or check["only_python"]:
            lines.append(f"Examples: stance-only {check['only_stance']}, Python-only {check['only_python']}.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=os.environ.get("DATASETS"), help="folder holding ibm-claim-stance/")
    parser.add_argument("--data", default="data/labeled/peacekeepers.tsv", help="seed corpus for (b)")
    parser.add_argument("--group-col", default="article")
    parser.add_argument("--alpha", type=float, default=1.0, help="L2 strength; C = 1/alpha")
    parser.add_argument("--word-ngrams", default="1-2")
    parser.add_argument("--char-ngrams", default="none")
    parser.add_argument("--no-stem", action="store_true")
    parser.add_argument("--min-df", type=int, default=1, help="keep terms in at least this many rows")
    parser.add_argument("--class-weight", choices=["none", "balanced"], default="none")
    parser.add_argument("--neutral-label", default=None)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--check-vocabulary", metavar="MODEL", help="compare term sets with a stance model file")
    parser.add_argument("--out", default="target/compare-sklearn.json", help="JSON results")
    options = parser.parse_args(argv)
    options.word, options.char = parse_range(options.word_ngrams), parse_range(options.char_ngrams)
    options.stem = not options.no_stem
    options.class_weight = None if options.class_weight == "none" else options.class_weight
    os.chdir(ROOT)

    from importlib import metadata

    report = {
        "sklearn_version": metadata.version("scikit-learn"),
        "snowballstemmer_version": metadata.version("snowballstemmer"),
        "options": {
            "alpha": options.alpha,
            "word_ngrams": options.word_ngrams,
            "char_ngrams": options.char_ngrams,
            "stem": options.stem,
            "class_weight": options.class_weight,
            "group_col": options.group_col,
            "data": options.data,
            "datasets": options.datasets,
            "neutral_label": options.neutral_label,
        },
        "ibm_claim_stance": evaluate_ibm(options),
        "seed_corpus": evaluate_loao(options),
    }
    if options.check_vocabulary:
        report["vocabulary_check"] = check_vocabulary(options, Path(options.check_vocabulary))
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    os.replace(tmp, out)
    sys.stdout.write(markdown(report))
    print(f"\n(JSON: {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
