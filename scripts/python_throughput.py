"""Batch throughput of the Python package against the CLI on the same texts.

The texts are the default model's training sentences (data/labeled/training.tsv), repeated
COPIES times. The CLI is timed as a whole process (model load included) classifying them as a
JSONL file at --level text; Python as calls on a loaded classifier (load timed apart): rows
as dicts, the same as a DataFrame, and the bare probability lists. Each timing is the best
of --repeat runs. Run by `make python-throughput` (in target/py-venv).
"""

import argparse
import csv
import json
import subprocess
import tempfile
import time
from pathlib import Path

import stance

ROOT = Path(__file__).resolve().parents[1]


def best(repeat, run):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stance", default=str(ROOT / "target" / "release" / "stance"))
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with open(ROOT / "data" / "labeled" / "training.tsv", encoding="utf-8", newline="") as f:
        sentences = [r["text"].strip() for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    texts = sentences * args.copies
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
        f.writelines(json.dumps({"text": t}) + "\n" for t in texts)
        records = f.name
    n = len(texts)
    cli = best(args.repeat, lambda: subprocess.run(
        [args.stance, "--quiet", "classify", "--input-format", "jsonl", "--level", "text", records],
        stdout=subprocess.DEVNULL, check=True))
    load = best(args.repeat, stance.Classifier.default)
    clf = stance.Classifier.default()
    dicts = best(args.repeat, lambda: clf.classify(texts, level="text"))
    frame = best(args.repeat, lambda: clf.classify(texts, level="text", as_frame=True))
    probabilities = best(args.repeat, lambda: clf.probabilities(texts))
    Path(records).unlink()
    print(f"{n} texts, {stance.threads()} threads, best of {args.repeat}")
    print(f"CLI classify --input-format jsonl --level text (process): {cli:.3f} s, {n / cli:,.0f} texts/s")
    print(f"Python Classifier.default() load:                         {load:.3f} s")
    for name, seconds in [("classify(level='text') -> dicts", dicts),
                          ("classify(..., as_frame=True)", frame),
                          ("probabilities()", probabilities)]:
        print(f"Python {name:<50} {seconds:.3f} s, {n / seconds:,.0f} texts/s, {cli / seconds:.2f}x the CLI")


if __name__ == "__main__":
    main()
