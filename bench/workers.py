"""One benchmark step of a Python peer, run by bench.py as its own process so that its wall
time and peak RSS (``ru_maxrss`` from ``os.wait4``) belong to that step alone.

Usage: python workers.py TOOL ACTION ARGS...
  fasttext train TRAIN_FT MODEL THREADS WORD_NGRAMS
  fasttext predict MODEL TEST_TXT OUT [PROCESSES]
  sklearn  train TRAIN_TSV MODEL_PICKLE C MAX_ITER FEATURES(word|word_char)
  sklearn  predict MODEL_PICKLE TEST_TXT OUT

Predictions are written one label per line, in input order; the driver scores them.
"""

from __future__ import annotations

import csv
import os
import pickle
import sys

BATCH = 10_000


def read_lines(path: str):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def batches(lines):
    for start in range(0, len(lines), BATCH):
        yield lines[start : start + BATCH]


def fasttext_train(train_ft: str, model: str, threads: str, word_ngrams: str) -> None:
    import fasttext

    # Defaults of train_supervised (lr 0.1, dim 100, epoch 5, ws 5, minCount 1, softmax loss),
    # except the thread count: fastText's default of 12 would oversubscribe a small machine.
    ft = fasttext.train_supervised(input=train_ft, thread=int(threads), wordNgrams=int(word_ngrams), verbose=0)
    ft.save_model(model)


def fasttext_predict(model: str, test_txt: str, out: str, processes: str = "1") -> None:
    """fastText's predict is one thread; with PROCESSES > 1 the lines are cut into that many
    consecutive parts, each predicted by its own forked process (model loaded in each), and the
    parts' predictions joined in order: how a user would use more cores."""
    import fasttext

    lines = read_lines(test_txt)
    n = int(processes)
    if n < 1:
        raise SystemExit("PROCESSES must be at least 1")
    size = -(-len(lines) // n)
    parts = [(lines[i * size : (i + 1) * size], f"{out}.part{i}") for i in range(n)]
    children = []
    for part, path in parts[1:]:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                predict_part(fasttext.load_model(model), part, path)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    predict_part(fasttext.load_model(model), parts[0][0], parts[0][1])
    for pid in children:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"a predicting process failed ({status})")
    with open(out, "w", encoding="utf-8") as f:
        for _, path in parts:
            with open(path, encoding="utf-8") as part:
                f.write(part.read())
            os.unlink(path)


def predict_part(ft, lines: list[str], path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for batch in batches(lines):
            labels, _ = ft.predict(batch)
            f.writelines(label[0].removeprefix("__label__") + "\n" for label in labels)


def sklearn_pipeline(c: float, max_iter: int, features: str):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    if features == "word":
        vectorizer = word
    elif features == "word_char":
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        vectorizer = FeatureUnion([("word", word), ("char", char)])
    else:
        raise SystemExit(f"unknown feature set {features!r}")
    # lbfgs fits the multinomial (softmax) loss for more than two classes.
    return Pipeline([("tfidf", vectorizer), ("lr", LogisticRegression(C=c, solver="lbfgs", max_iter=max_iter))])


def sklearn_train(train_tsv: str, model: str, c: str, max_iter: str, features: str) -> None:
    texts, labels = [], []
    with open(train_tsv, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for text, label in rows:
            texts.append(text)
            labels.append(label)
    pipeline = sklearn_pipeline(float(c), int(max_iter), features)
    pipeline.fit(texts, labels)
    with open(model, "wb") as f:
        pickle.dump(pipeline, f, protocol=pickle.HIGHEST_PROTOCOL)


def sklearn_predict(model: str, test_txt: str, out: str) -> None:
    with open(model, "rb") as f:
        pipeline = pickle.load(f)
    with open(out, "w", encoding="utf-8") as f:
        for batch in batches(read_lines(test_txt)):
            f.writelines(f"{label}\n" for label in pipeline.predict(batch))


STEPS = {
    ("fasttext", "train"): fasttext_train,
    ("fasttext", "predict"): fasttext_predict,
    ("sklearn", "train"): sklearn_train,
    ("sklearn", "predict"): sklearn_predict,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or (sys.argv[1], sys.argv[2]) not in STEPS:
        raise SystemExit(__doc__)
    STEPS[(sys.argv[1], sys.argv[2])](*sys.argv[3:])
