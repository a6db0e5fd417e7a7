# stance: common tasks. `make demo` and `make test` are the quick start.
CARGO ?= cargo
STANCE := target/release/stance
# Options of the shipped default model (chosen by leave-one-article-out CV; see README).
MODEL_OPTS := --group-col article --alpha 0.03 --word-ngrams 1-2 --char-ngrams 2-5
# Evaluation data sets are not part of the repo; point DATASETS at a copy.
DATASETS ?= ../shared/datasets

.PHONY: build test lint fmt doc demo model cv report-check eval-ibm clean

build:
	$(CARGO) build --release --workspace

$(STANCE): build

## Classify the seed corpus with the compiled-in default model.
demo: build
	@echo "== sentence by sentence (label, probability, text) =="
	@$(STANCE) classify data/corpus --level sentence --format text
	@echo
	@echo "== whole articles (label, share of each label, most confident stance sentences) =="
	@$(STANCE) classify data/corpus --level article --format text

## Unit, integration (real binary on real files) and doc tests.
test:
	$(CARGO) test --workspace --locked
	# Retrains the shipped model with its recorded cross-validation; too slow for a debug build.
	$(CARGO) test --release --locked -p stance-cli --test cli -- --ignored

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

doc:
	$(CARGO) doc --workspace --no-deps

## Rebuild the default model from the labeled seed corpus (deterministic).
model: build
	$(STANCE) train --data data/labeled/peacekeepers.tsv $(MODEL_OPTS) --out models/peacekeepers.json --force

## Leave-one-article-out cross-validation of the default model's options.
cv: build
	$(STANCE) cv --data data/labeled/peacekeepers.tsv $(MODEL_OPTS) --folds 5

## HTML report of that cross-validation (docs/cv-report.html) and a Chromium screenshot of it
## (docs/cv-report.png) to check the layout; installs chromium with apt-get when missing.
report-check:
	CARGO="$(CARGO)" MODEL_OPTS="$(MODEL_OPTS)" scripts/report-screenshot.sh

## Train on IBM claim stance train.tsv, evaluate on test.tsv (needs DATASETS).
eval-ibm: build
	@test -f $(DATASETS)/ibm-claim-stance/train.tsv || { echo "no $(DATASETS)/ibm-claim-stance; set DATASETS=path"; exit 1; }
	$(STANCE) train --data $(DATASETS)/ibm-claim-stance/train.tsv --group-col target --out target/ibm-claim-stance.json --force
	$(STANCE) evaluate --model target/ibm-claim-stance.json --data $(DATASETS)/ibm-claim-stance/test.tsv

clean:
	$(CARGO) clean
