#!/usr/bin/env bash
# Nested leave-one-article-out evaluation of `stance tune` on the seed corpus: for each article,
# tune on the other four (grouped 4-fold CV, same grid as below), train the winner on them and
# evaluate it on the held-out article. Pooled over the five held-out articles, this measures the
# whole tuning procedure without the optimism of picking options on the test folds.
# Usage: scripts/nested-cv.sh [STANCE_BINARY]   (default target/release/stance)
set -euo pipefail
cd "$(dirname "$0")/.."
STANCE=${1:-target/release/stance}
DATA=data/labeled/peacekeepers.tsv
GRID=(--grid c=10,33.3,100 --grid char-ngrams=none,2-5,1-4 --grid class-weight=none,balanced --grid min-df=1,2)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
header=$(head -1 "$DATA")
for article in $(tail -n +2 "$DATA" | cut -f1 | sort -u); do
  { echo "$header"; tail -n +2 "$DATA" | awk -F'\t' -v a="$article" '$1 != a'; } > "$WORK/train.tsv"
  { echo "$header"; tail -n +2 "$DATA" | awk -F'\t' -v a="$article" '$1 == a'; } > "$WORK/test-$article.tsv"
  "$STANCE" tune --quiet --data "$WORK/train.tsv" --group-col article --folds 4 "${GRID[@]}" \
    --out "$WORK/m-$article.json" --force > /dev/null 2> "$WORK/tune-$article.err"
  best=$(grep '^best of' "$WORK/tune-$article.err" | sed 's/ (pooled.*//; s/.*candidates: //')
  "$STANCE" classify --model "$WORK/m-$article.json" --input-format jsonl --text-field text --level text \
    < <(tail -n +2 "$WORK/test-$article.tsv" | cut -f3 | python3 -c 'import json,sys; [print(json.dumps({"text": l.rstrip("\n")})) for l in sys.stdin]') \
    | python3 -c 'import json,sys; [print(json.loads(l)["label"]) for l in sys.stdin]' > "$WORK/pred-$article.txt"
  tail -n +2 "$WORK/test-$article.tsv" | cut -f4 > "$WORK/gold-$article.txt"
  echo "$article: $best"
done
cat "$WORK"/gold-*.txt > "$WORK/gold.txt"
cat "$WORK"/pred-*.txt > "$WORK/pred.txt"
python3 - "$WORK/gold.txt" "$WORK/pred.txt" <<'PY'
import sys
gold = open(sys.argv[1]).read().split()
pred = open(sys.argv[2]).read().split()
labels = sorted(set(gold) | set(pred))
def f1(label):
    tp = sum(g == p == label for g, p in zip(gold, pred))
    fp = sum(p == label != g for g, p in zip(gold, pred))
    fn = sum(g == label != p for g, p in zip(gold, pred))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0
f = {l: f1(l) for l in labels}
acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
stance = [f[l] for l in labels if l != "neutral"]
print(f"nested pooled over {len(gold)} held-out rows: accuracy {acc:.3f}, macro-F1 {sum(f.values())/len(f):.3f}, "
      f"F_avg {sum(stance)/len(stance):.3f}; F1 " + ", ".join(f"{l} {v:.3f}" for l, v in f.items()))
PY
