#!/usr/bin/env bash
# Leave-one-article-out check of `stance train --calibrate` on the seed corpus: for each article,
# train on the other articles (with and without --calibrate), evaluate on the held-out article,
# and pool the held-out reliability bins of all articles into one ECE, before and after the
# temperature. Modes: plain (no temperature), calibrated-grouped (--calibrate --group-col article:
# T fitted on a held-out article), calibrated-stratified (--calibrate: T fitted on a stratified
# fifth of the rows). Training options come from $OPTS (default: the shipped model's).
# Usage: scripts/calibration-loao.sh [path/to/stance] [labeled.tsv]
set -euo pipefail
stance=${1:-target/release/stance}
data=${2:-data/labeled/peacekeepers.tsv}
read -r -a opts <<< "${OPTS:---alpha 0.03 --word-ngrams 1-2 --char-ngrams 2-5}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
header=$(head -n 1 "$data")
for article in $(tail -n +2 "$data" | cut -f1 | sort -u); do
    { echo "$header"; tail -n +2 "$data" | awk -F'\t' -v a="$article" '$1 != a'; } > "$work/train.tsv"
    { echo "$header"; tail -n +2 "$data" | awk -F'\t' -v a="$article" '$1 == a'; } > "$work/test.tsv"
    for mode in plain calibrated-grouped calibrated-stratified; do
        case $mode in
            plain) flags=(--group-col article) ;;
            calibrated-grouped) flags=(--group-col article --calibrate) ;;
            calibrated-stratified) flags=(--calibrate) ;;
        esac
        "$stance" -q train --data "$work/train.tsv" --no-cv "${opts[@]}" "${flags[@]}" \
            --out "$work/$mode.json" --force 2>/dev/null
        "$stance" -q evaluate --model "$work/$mode.json" --data "$work/test.tsv" --format json \
            > "$work/$article.$mode.eval.json" 2>/dev/null
    done
done
python3 - "$work" <<'PY'
import glob, json, sys
work = sys.argv[1]
for mode in ["plain", "calibrated-grouped", "calibrated-stratified"]:
    bins, rows, right, temps = {}, 0, 0, []
    for path in sorted(glob.glob(f"{work}/*.{mode}.eval.json")):
        e = json.load(open(path))
        if "temperature" in e:
            temps.append(e["temperature"]["temperature"])
        for b in e["calibration"]["bins"]:
            c, s, k = bins.get(b["lower"], (0, 0.0, 0.0))
            bins[b["lower"]] = (c + b["count"], s + b["count"] * b["mean_confidence"], k + b["count"] * b["accuracy"])
        rows += e["n"]
        right += e["n"] * e["accuracy"]
    ece = sum(abs(k - s) for c, s, k in bins.values() if c) / rows
    confidence = sum(s for c, s, k in bins.values()) / rows
    print(f"{mode:>21}: {rows} held-out rows, accuracy {right / rows:.3f}, "
          f"mean confidence {confidence:.3f}, pooled ECE {ece:.3f}"
          + (f", temperatures {', '.join(f'{t:.2f}' for t in temps)}" if temps else ""))
PY
