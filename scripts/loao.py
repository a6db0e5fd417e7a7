#!/usr/bin/env python3
"""Leave-one-article-out evaluation of stance on the seed corpus, with written rows in every
training fold and never in a test fold.

For each of the seed articles: train `stance train --no-cv` on the other seed articles' rows
plus every row of the written data, then classify the held-out article's sentences (each as one
text, as they were labeled) and the whole article. Prints the pooled sentence-level report
(accuracy, per-class P/R/F1, macro-F1) and the article labels, and writes them as JSON with
--out. Standard library only.

    scripts/loao.py --stance target/release/stance -- --topic-col topic --alpha 0.1 ...

Everything after `--` is passed to `stance train` (the options of the model under test).
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter

csv.field_size_limit(sys.maxsize)


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:] if line]
    return header, rows


def write_tsv(path, rows, columns):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\t".join(columns) + "\n")
        for row in rows:
            f.write("\t".join(row.get(c, "") for c in columns) + "\n")


def report(gold, predicted, labels):
    per_class = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn, "tp": tp}
    accuracy = sum(1 for g, p in zip(gold, predicted) if g == p) / len(gold)
    macro = sum(c["f1"] for c in per_class.values()) / len(labels)
    return {"rows": len(gold), "accuracy": accuracy, "macro_f1": macro, "per_class": per_class}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stance", default="target/release/stance")
    parser.add_argument("--seed", default="data/labeled/peacekeepers.tsv")
    parser.add_argument("--corpus", default="data/corpus")
    parser.add_argument("--written", default="data/labeled/written.tsv",
                        help="written rows (text, label, topic) added to every training fold; 'none' for none")
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("train_args", nargs="*", help="options for stance train (after --)")
    args = parser.parse_args()

    _, seed = read_tsv(args.seed)
    written = [] if args.written == "none" else read_tsv(args.written)[1]
    articles = sorted({row["article"] for row in seed})
    labels = sorted({row["label"] for row in seed})
    gold, predicted, topics, article_rows = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for article in articles:
            train = [r for r in seed if r["article"] != article] + written
            test = [r for r in seed if r["article"] == article]
            train_path = os.path.join(tmp, "train.tsv")
            model_path = os.path.join(tmp, "model.json")
            write_tsv(train_path, train, ["text", "label", "topic"])
            subprocess.run([args.stance, "--quiet", "train", "--data", train_path, "--no-cv", "--out", model_path,
                            "--force", *args.train_args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            records = "".join(json.dumps({"text": r["text"]}) + "\n" for r in test)
            out = subprocess.run([args.stance, "--quiet", "classify", "--model", model_path, "--input-format",
                                  "jsonl", "--level", "text"], input=records, capture_output=True, text=True,
                                 check=True).stdout
            for row, line in zip(test, out.splitlines()):
                gold.append(row["label"])
                topics.append(row.get("topic"))
                predicted.append(json.loads(line)["label"])
            article_out = subprocess.run([args.stance, "--quiet", "classify", "--model", model_path, "--level",
                                          "article", "--format", "jsonl", os.path.join(args.corpus, article)],
                                         capture_output=True, text=True, check=True).stdout
            prediction = json.loads(article_out)
            counts = Counter(r["label"] for r in test)
            article_rows.append({"article": article, "label": prediction["label"],
                                 "on_topic": prediction.get("on_topic"), "gold_counts": dict(counts)})
    result = report(gold, predicted, labels)
    other = [p for p, t in zip(predicted, topics) if t == "other"]
    result["other_rows"] = {"rows": len(other), "given_a_stance": sum(1 for p in other if p != "neutral")}
    result["articles"] = article_rows
    result["train_args"] = args.train_args
    result["written_rows"] = len(written)
    print(f"leave-one-article-out over {len(articles)} seed articles, {len(written)} written rows in every "
          f"training fold; {result['rows']} test sentences")
    print(f"accuracy {result['accuracy']:.3f}  macro-F1 {result['macro_f1']:.3f}")
    for label, c in result["per_class"].items():
        print(f"  {label:<8} P {c['precision']:.3f}  R {c['recall']:.3f} ({c['tp']}/{c['support']})  F1 {c['f1']:.3f}")
    print(f"  held-out rows about other things (topic other) given a stance: "
          f"{result['other_rows']['given_a_stance']} of {result['other_rows']['rows']}")
    for a in article_rows:
        print(f"  {a['article']}: {a['label']} (on_topic {a['on_topic']}; gold sentences {a['gold_counts']})")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
