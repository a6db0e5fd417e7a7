#!/usr/bin/env bash
# Golden outputs: runs every `stance` command on the seed corpus (compiled-in default model,
# plus a few models trained here on the repository's data) and writes each output to a file in
# OUTDIR, for a before/after comparison of a refactoring:
#
#   scripts/golden-outputs.sh /tmp/golden-before     # on the old tree
#   scripts/golden-outputs.sh /tmp/golden-after      # on the new tree
#   diff -r /tmp/golden-before /tmp/golden-after
#
# Every command's stdout goes to NAME.out, its stderr to NAME.err and its exit code to NAME.rc;
# files a command writes (--out, --report, tune results, models) are copied in beside them.
# Only what really varies between runs is masked (with sed, in place, after the run):
#   - wall-clock seconds of `tune` candidates: `"seconds": 1.234` in *.tune.json and the
#     `| 1.2 |` seconds column of the tune Markdown table (stdout and *.tune.md);
#   - the scratch directory the script works in ($WORK, a mktemp -d path) wherever it is named.
# Usage: scripts/golden-outputs.sh OUTDIR   (builds target/release/stance first; CARGO overrides cargo)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
cd "$(dirname "$0")/.."
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
"${CARGO:-cargo}" build --release --quiet -p stance-cli
STANCE=$PWD/target/release/stance
DATA=data/labeled/peacekeepers.tsv
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# run NAME ARGS...: `stance --quiet --threads 2 ARGS` with stdin from /dev/null.
run() {
  local name=$1
  shift
  set +e
  "$STANCE" --quiet --threads 2 "$@" < /dev/null > "$OUT/$name.out" 2> "$OUT/$name.err"
  echo $? > "$OUT/$name.rc"
  set -e
}
# run_in NAME FILE ARGS...: as run, with stdin from FILE.
run_in() {
  local name=$1 input=$2
  shift 2
  set +e
  "$STANCE" --quiet --threads 2 "$@" < "$input" > "$OUT/$name.out" 2> "$OUT/$name.err"
  echo $? > "$OUT/$name.rc"
  set -e
}
# keep NAME FILE: copy a file a command wrote into OUTDIR.
keep() { if [ -e "$2" ]; then cp "$2" "$OUT/$1"; else echo "missing $2" > "$OUT/$1.missing"; fi; }

## sentences
run sentences sentences data/corpus

## classify: every --format at every --level
for level in sentence article text; do
  for format in jsonl tsv text; do
    run "classify-$level-$format" classify data/corpus --level "$level" --format "$format"
  done
done
run classify-explain-text classify data/corpus/000_bf325d4e0de918fa.txt --explain --top 3 --format text
run classify-explain-jsonl classify data/corpus/000_bf325d4e0de918fa.txt --explain --top 3 --format jsonl

## classify: streamed JSONL records (a few rows of the labeled data, one with a target key)
sed -n 2,7p "$DATA" | cut -f1,3 | python3 -c '
import json, sys
for i, line in enumerate(sys.stdin):
    article, text = line.rstrip("\n").split("\t")
    record = {"id": i, "article": article, "text": text}
    if i == 2:
        record["topic"] = "peacekeepers"
    print(json.dumps(record, ensure_ascii=False))' > "$WORK/records.jsonl"
for level in text sentence article; do
  run_in "classify-jsonl-$level" "$WORK/records.jsonl" classify --input-format jsonl --level "$level"
done
# Records whose own keys collide with the added ones (those are dropped from the output).
cat > "$WORK/collide.jsonl" <<'JSONL'
{"id":1,"label":"gold","text":"Russia rejects Western peacekeepers. Britain is ready to send troops.","on_topic":"x"}
{"sentence":9,"text":"Lavrov said the deployment is unacceptable.","shares":[],"relevance":1,"explanation":0}
{"top_sentences":null,"text":"Advertisement","sentences":3,"probabilities":{}}
JSONL
for level in text sentence article; do
  run_in "classify-collide-$level" "$WORK/collide.jsonl" classify --input-format jsonl --level "$level"
done
run_in classify-jsonl-explain "$WORK/records.jsonl" classify --input-format jsonl --level text --explain --top 2

## evaluate: every --format, an abstention threshold, an explicit neutral label, --out and --report
for format in text json markdown; do
  run "evaluate-$format" evaluate --data "$DATA" --format "$format"
done
run evaluate-abstain-text evaluate --data "$DATA" --min-confidence 0.6
run evaluate-abstain-json evaluate --data "$DATA" --min-confidence 0.6 --format json
run evaluate-neutral-text evaluate --data "$DATA" --neutral-label oppose
run evaluate-files evaluate --data "$DATA" --min-confidence 0.6 --out "$WORK/evaluate.txt" \
  --report "$WORK/evaluate.html"
keep evaluate-files.txt "$WORK/evaluate.txt"
keep evaluate-files.html "$WORK/evaluate.html"
run evaluate-report-md evaluate --data "$DATA" --report "$WORK/evaluate.md"
keep evaluate-report.md "$WORK/evaluate.md"

## cv: grouped leave-one-article-out, text / json / markdown, and with --report
for format in text json markdown; do
  run "cv-$format" cv --data "$DATA" --group-col article --format "$format"
done
run cv-stratified cv --data "$DATA" --folds 3 --seed 7
run cv-report-html cv --data "$DATA" --group-col article --report "$WORK/cv.html"
keep cv-report.html "$WORK/cv.html"
run cv-report-md cv --data "$DATA" --group-col article --report "$WORK/cv.md"
keep cv-report.md "$WORK/cv.md"

## tune: a small grid (2 candidates), by macro-F1 and by F_avg
run tune-macro tune --data "$DATA" --group-col article --grid alpha=0.1,1 --out "$WORK/tuned.json"
keep tune-macro.model.json "$WORK/tuned.json"
keep tune-macro.tune.json "$WORK/tuned.tune.json"
keep tune-macro.tune.md "$WORK/tuned.tune.md"
run tune-favg tune --data "$DATA" --group-col article --folds 3 --grid min-df=1,2 --metric f-avg \
  --out "$WORK/tuned-favg.json" --results "$WORK/favg"
keep tune-favg.model.json "$WORK/tuned-favg.json"
keep tune-favg.tune.json "$WORK/favg.json"
keep tune-favg.tune.md "$WORK/favg.md"

## train: models to evaluate below (calibrated; per-target on the targets fixture)
run train-calibrated train --data "$DATA" --group-col article --calibrate --out "$WORK/calibrated.json"
keep train-calibrated.model.json "$WORK/calibrated.json"
run train-targets train --data tests/fixtures/targets.tsv --target-col target --target-strategy per-target \
  --out "$WORK/targets.json"
keep train-targets.model.json "$WORK/targets.json"
run evaluate-calibrated evaluate --model "$WORK/calibrated.json" --data "$DATA" --min-confidence 0.5
run evaluate-calibrated-json evaluate --model "$WORK/calibrated.json" --data "$DATA" --format json
run evaluate-targets evaluate --model "$WORK/targets.json" --data tests/fixtures/targets.tsv --target-col target
run evaluate-targets-favg evaluate --model "$WORK/targets.json" --data tests/fixtures/targets.tsv \
  --target-col target --neutral-label AGAINST
run evaluate-targets-md evaluate --model "$WORK/targets.json" --data tests/fixtures/targets.tsv \
  --target-col target --format markdown
run cv-targets cv --data tests/fixtures/targets.tsv --target-col target --target-strategy per-target \
  --folds 3
run cv-targets-favg cv --data tests/fixtures/targets.tsv --target-col target --target-strategy per-target \
  --neutral-label AGAINST --folds 3
run cv-targets-json cv --data tests/fixtures/targets.tsv --target-col target --target-strategy conjoined \
  --neutral-label AGAINST --folds 3 --format json

## classify with a model that knows its topic (trained with --topic-col): rows carry on_topic
## and relevance, in every --format at every --level, and in the streamed JSONL records
run train-topic train --data "$DATA" --topic-col topic --no-cv --out "$WORK/topic.json"
keep train-topic.model.json "$WORK/topic.json"
for level in sentence article text; do
  for format in jsonl tsv text; do
    run "classify-topic-$level-$format" classify data/corpus --model "$WORK/topic.json" --level "$level" \
      --format "$format"
  done
  run_in "classify-topic-jsonl-$level" "$WORK/records.jsonl" classify --model "$WORK/topic.json" \
    --input-format jsonl --level "$level"
  run_in "classify-topic-collide-$level" "$WORK/collide.jsonl" classify --model "$WORK/topic.json" \
    --input-format jsonl --level "$level"
done
run classify-topic-explain-jsonl classify data/corpus/000_bf325d4e0de918fa.txt --model "$WORK/topic.json" \
  --explain --top 2 --format jsonl
run classify-topic-explain-text classify data/corpus/000_bf325d4e0de918fa.txt --model "$WORK/topic.json" \
  --explain --top 2 --format text
for format in jsonl text; do
  run "classify-topic-explain-textlevel-$format" classify data/corpus/000_bf325d4e0de918fa.txt \
    --model "$WORK/topic.json" --level text --explain --top 2 --format "$format"
done
# Undecided sentences (below --min-confidence) in every format, and in the streamed records.
for format in jsonl tsv text; do
  run "classify-undecided-$format" classify data/corpus/000_bf325d4e0de918fa.txt --min-confidence 0.7 \
    --format "$format"
done
run_in classify-undecided-jsonl-records "$WORK/records.jsonl" classify --input-format jsonl --level sentence \
  --min-confidence 0.7
run_in classify-topic-jsonl-explain "$WORK/records.jsonl" classify --model "$WORK/topic.json" \
  --input-format jsonl --level sentence --explain --top 2

## inspect: every --format (default model and the calibrated one)
for format in text json; do
  run "inspect-$format" inspect --format "$format"
  run "inspect-calibrated-$format" inspect --model "$WORK/calibrated.json" --format "$format"
done

## explain: every --format on two sentences
S1="Lavrov said the deployment of Western peacekeepers is completely unacceptable."
S2="Starmer said Britain is ready to send troops to Ukraine."
for format in text json; do
  run "explain-$format" explain --top 5 --format "$format" "$S1" "$S2"
done

## suggest: from the article directory and from a sentences TSV
run suggest suggest --pool data/corpus
run suggest-entropy suggest --pool data/corpus --n 5 --strategy entropy

## Mask what varies between runs.
# tune: wall-clock seconds per candidate.
for f in "$OUT"/tune-*.tune.json; do
  sed -i -E 's/("seconds": )[0-9.e+-]+/\1<SECONDS>/' "$f"
done
for f in "$OUT"/tune-*.out "$OUT"/tune-*.tune.md; do
  sed -i -E 's/\| [0-9]+\.[0-9] \|( [0-9]+ fold\(s\) did not converge)?$/| <SECONDS> |\1/' "$f"
done
# The scratch directory, wherever a command names it (stderr messages, model provenance).
grep -rlF "$WORK" "$OUT" | while read -r f; do sed -i "s#$WORK#<WORK>#g" "$f"; done
echo "wrote $(ls "$OUT" | wc -l) files to $OUT"
