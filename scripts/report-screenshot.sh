#!/bin/sh
# Renders docs/cv-report.html, the HTML report of cross-validating the shipped model's options,
# and a PNG screenshot of it (docs/cv-report.png) with headless Chromium, to check the layout by
# eye. Chromium is installed with apt-get when missing (needs root). Run from anywhere;
# `make report-check` passes the shipped options in MODEL_OPTS.
set -eu
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
MODEL_OPTS=${MODEL_OPTS:---group-col article --alpha 0.1 --word-ngrams 1-2 --char-ngrams 1-4 --min-df 2 --class-weight balanced}
HTML=docs/cv-report.html
PNG=docs/cv-report.png

"$CARGO" build --release -p stance-cli
mkdir -p docs
# MODEL_OPTS is a list of words: split it on purpose.
# shellcheck disable=SC2086
target/release/stance cv --data data/labeled/peacekeepers.tsv $MODEL_OPTS --folds 5 \
    --report "$HTML" --force >/dev/null

if ! command -v chromium >/dev/null 2>&1; then
    apt-get update && apt-get install -y chromium
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1200,2400 \
    --screenshot="$PNG" "file://$PWD/$HTML" 2>/dev/null

# Cut the empty background below the page and reduce to 256 colours (keeps it small to commit).
if command -v python3 >/dev/null 2>&1; then
    python3 scripts/png-shrink.py "$PNG"
fi
echo "wrote $HTML ($(wc -c <"$HTML") bytes) and $PNG ($(wc -c <"$PNG") bytes)"
