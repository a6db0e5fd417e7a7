# stance: common tasks. `make demo` and `make test` are the quick start.
CARGO ?= cargo
STANCE := target/release/stance
# Options of the shipped default model, chosen by leave-one-article-out on the seed articles with
# the written rows in every training fold (`make loao`; README, "How accurate it is").
MODEL_OPTS := --topic-col topic --alpha 0.03 --word-ngrams 1-2 --char-ngrams none --min-df 2 --class-weight balanced
# The default model's training file: the seed corpus's labeled sentences plus the written ones.
TRAINING := data/labeled/training.tsv
# Evaluation data sets are not part of the repo; point DATASETS at a copy.
DATASETS ?= ../shared/datasets

.PHONY: build test lint fmt doc demo model training-data loao eval-test cv report-check eval-ibm eval-semeval bench bench-build compare-sklearn fuzz mutants python-package python-test python-throughput spark-check clean

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
	$(CARGO) test --release --locked -p stance-cli --test tests -- --ignored

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

doc:
	$(CARGO) doc --workspace --no-deps

## The default model's training file: peacekeepers.tsv (article, text, label, topic) then
## written.tsv (article "written"); a test checks that the committed file is exactly this.
training-data:
	{ printf 'article\ttext\tlabel\ttopic\n'; \
	  tail -n +2 data/labeled/peacekeepers.tsv | awk -F'\t' -v OFS='\t' '{print $$1,$$3,$$4,$$5}'; \
	  tail -n +2 data/labeled/written.tsv | awk -F'\t' -v OFS='\t' '{print "written",$$1,$$2,$$3}'; } > $(TRAINING)

## Rebuild the default model from the seed corpus and the written data (deterministic). Its
## honest accuracy is `make loao` (no stored CV: grouped folds would test on the written rows).
model: build training-data
	$(STANCE) train --data $(TRAINING) $(MODEL_OPTS) --no-cv --out models/peacekeepers.json --force

## Leave-one-article-out on the seed articles (the only real news), the written rows in every
## training fold and never in a test fold, with the default model's options.
loao: build
	python3 scripts/loao.py --stance $(STANCE) --out target/loao.json -- $(MODEL_OPTS)

## The frozen held-out test set (data/test, written in a separate pass before any tuning), with
## the default model: sentences, article sentences, and whole articles.
eval-test: build
	$(STANCE) evaluate --data data/test/sentences.tsv
	$(STANCE) evaluate --data data/test/article-sentences.tsv
	$(STANCE) evaluate --level article --data data/test/articles.tsv --text-col article --topic-col on_topic --articles data/test/articles

## Leave-one-article-out cross-validation of the seed corpus alone (no written rows), for the
## record: the shipped options without the written data.
cv: build
	$(STANCE) cv --data data/labeled/peacekeepers.tsv --group-col article $(filter-out --topic-col topic,$(MODEL_OPTS)) --folds 5

## HTML report of that cross-validation (docs/cv-report.html) and a Chromium screenshot of it
## (docs/cv-report.png) to check the layout; installs chromium with apt-get when missing.
report-check:
	CARGO="$(CARGO)" MODEL_OPTS="$(MODEL_OPTS)" scripts/report-screenshot.sh

## VADER's sentiment lexicon for --sentiment-lexicon (third-party data, MIT licence, not in the
## repo): vaderSentiment from PyPI in its own virtualenv, the lexicon file copied out of it.
VADER_LEXICON := target/vader-venv/vader_lexicon.txt
$(VADER_LEXICON):
	python3 -m venv target/vader-venv
	target/vader-venv/bin/pip install --quiet --disable-pip-version-check vaderSentiment==3.3.2
	cp "$$(target/vader-venv/bin/python -c 'import os, vaderSentiment; print(os.path.join(os.path.dirname(vaderSentiment.__file__), "vader_lexicon.txt"))')" $@

## Train on IBM claim stance train.tsv, evaluate on test.tsv (needs DATASETS): pooled, then the
## relative target strategy (for topics unseen in training), then the plain default search with
## VADER's sentiment lexicon (about 4 minutes).
eval-ibm: build $(VADER_LEXICON)
	@test -f $(DATASETS)/ibm-claim-stance/train.tsv || { echo "no $(DATASETS)/ibm-claim-stance; set DATASETS=path"; exit 1; }
	$(STANCE) train --data $(DATASETS)/ibm-claim-stance/train.tsv --group-col target --out target/ibm-claim-stance.json --force
	$(STANCE) evaluate --model target/ibm-claim-stance.json --data $(DATASETS)/ibm-claim-stance/test.tsv
	$(STANCE) train --data $(DATASETS)/ibm-claim-stance/train.tsv --group-col target --target-col target --target-strategy relative --out target/ibm-claim-stance-relative.json --force
	$(STANCE) evaluate --model target/ibm-claim-stance-relative.json --data $(DATASETS)/ibm-claim-stance/test.tsv --target-col target
	$(STANCE) tune --quiet --data $(DATASETS)/ibm-claim-stance/train.tsv --group-col target --target-col target --sentiment-lexicon $(VADER_LEXICON) --candidates 215 --out target/ibm-claim-stance-sentiment.json --force
	$(STANCE) evaluate --model target/ibm-claim-stance-sentiment.json --data $(DATASETS)/ibm-claim-stance/test.tsv --target-col target

## SemEval-2016 Task 6 subtask A (SEMEVAL=DIR holding the organisers' *-all-annotations.txt files,
## outside the repo): the plain default search of `tune --metric f-avg` on trial + training data
## (2,914 tweets), then the test file (1,249 tweets) scored once. SEMEVAL_BUDGET bounds the search.
SEMEVAL_BUDGET ?= 4m
eval-semeval: build
	@test -f $(SEMEVAL)/trainingdata-all-annotations.txt || { echo "set SEMEVAL=DIR with the SemEval-2016 Task 6 files (README: SemEval-2016)"; exit 1; }
	{ cat $(SEMEVAL)/trialdata-all-annotations.txt; tail -n +2 $(SEMEVAL)/trainingdata-all-annotations.txt; } > target/semeval-train.txt
	$(STANCE) tune --quiet --data target/semeval-train.txt --encoding auto --target-col Target --metric f-avg \
		--budget $(SEMEVAL_BUDGET) --out target/semeval.json --force > /dev/null
	$(STANCE) evaluate --model target/semeval.json --data $(SEMEVAL)/testdata-taskA-all-annotations.txt \
		--encoding auto --target-col Target

## Speed, memory and macro-F1 of stance against fastText, scikit-learn and Vowpal Wabbit on a
## synthetic corpus of BENCH_ROWS training rows (20000, 200000, 1000000); writes BENCHMARKS.md and
## bench/results-ROWS.json. Installs the pinned peers into bench/.venv (PyPI) on first use; the
## corpus is cached in target/bench/. BENCH_CHAR=0 skips the slow character n-gram table. Other
## knobs (BENCH_ALPHA, BENCH_TIMEOUT, BENCH_ONLY, BENCH_ARTICLE_MB, BENCH_BIG_GB,
## STANCE_EXTRA_TRAIN_ARGS) in bench/bench.py.
BENCH_ROWS ?= 200000
BENCH_CHAR ?= 1

bench:
	BENCH_ROWS=$(BENCH_ROWS) BENCH_CHAR=$(BENCH_CHAR) CARGO="$(CARGO)" bench/run.sh

## Compile the criterion micro-benchmarks (benches/) without running them; `cargo bench -p
## stance-benches` runs them.
bench-build:
	$(CARGO) bench --workspace --no-run --locked

## scikit-learn LogisticRegression with the default model's features, on IBM claim stance
## (needs DATASETS) and leave-one-article-out on the seed corpus (does not).
compare-sklearn:
	bench/run.sh --venv-only
	bench/.venv/bin/python bench/compare_sklearn.py --datasets $(DATASETS) $(MODEL_OPTS) \
	    --check-vocabulary models/peacekeepers.json --out target/compare-sklearn.json

## Fuzz the sentence splitter and analyzer, the label-file readers and the model loader
## (libFuzzer through cargo-fuzz; RUSTC_BOOTSTRAP=1 lets the stable toolchain build it). Runs the
## targets one after another, FUZZ_SECONDS each (or FUZZ_RUNS executions, -1 = no limit), on one
## core. Installs cargo-fuzz when missing. Not part of `make test` or CI. Crashes land in
## fuzz/artifacts/TARGET/; reproduce one with `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz
## -O -a -s none TARGET fuzz/artifacts/TARGET/crash-...`.
FUZZ_TARGETS ?= sentences labels model
FUZZ_SECONDS ?= 300
FUZZ_RUNS ?= -1
FUZZ_FLAGS := --fuzz-dir fuzz -O -a -s none

fuzz:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	RUSTC_BOOTSTRAP=1 $(CARGO) fuzz build $(FUZZ_FLAGS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  case $$t in model) max_len=16384;; *) max_len=4096;; esac; \
	  mkdir -p fuzz/corpus/$$t fuzz/artifacts/$$t; \
	  echo "== fuzz $$t: $(FUZZ_SECONDS) s or $(FUZZ_RUNS) runs =="; \
	  RUSTC_BOOTSTRAP=1 RAYON_NUM_THREADS=1 $(CARGO) fuzz run $(FUZZ_FLAGS) $$t fuzz/corpus/$$t fuzz/seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) -max_len=$$max_len -timeout=10 -print_final_stats=1; \
	done

## Mutation testing (cargo-mutants) of the metrics, evaluation, fold, cross-validation,
## calibration and article-rule code: each mutant is built with the `mutation` profile (no debug
## info) in a copy of the tree and tested by its own package's tests (doc tests left out), one
## mutant at a time, MUTANTS_TIMEOUT seconds at most each. Installs cargo-mutants when missing.
## Some 25 minutes on 2 cores; not part of `make test` or CI. Writes target/mutants/mutants.out/
## (caught.txt, missed.txt, timeout.txt, unviable.txt, outcomes.json and a log per mutant).
MUTANTS_FILES := crates/metrics/src/metrics.rs crates/eval/src/evaluation.rs crates/eval/src/cv.rs \
    crates/train/src/folds.rs crates/train/src/cv.rs crates/train/src/calibration.rs \
    crates/infer/src/classifier.rs
MUTANTS_TIMEOUT ?= 30

mutants:
	@$(CARGO) mutants --version >/dev/null 2>&1 || $(CARGO) install cargo-mutants --locked
	$(CARGO) mutants --jobs 1 --profile mutation --package stance-metrics --package stance-eval --package stance-train \
	    --package stance-infer $(addprefix --file ,$(MUTANTS_FILES)) --test-workspace false \
	    --timeout $(MUTANTS_TIMEOUT) --minimum-test-timeout 20 --build-timeout 900 \
	    --output target/mutants -- --tests

## The Python package (python/, PyO3 + maturin): builds it into the venv target/py-venv
## (created on first use from python/requirements-test.txt; the extension's Cargo target dir is
## target/python), lints its Rust code and runs its pytest tests against the release binary.
PY_VENV ?= target/py-venv
PY_TARGET ?= target/python
PY := $(PY_VENV)/bin/python
PY_ENV := PATH="$(CURDIR)/$(PY_VENV)/bin:$$PATH" CARGO_TARGET_DIR="$(CURDIR)/$(PY_TARGET)"

$(PY_VENV)/.test-deps: python/requirements-test.txt
	@command -v python3 >/dev/null || { echo "python-test needs python3 with venv and pip (apt-get install python3-venv)"; exit 1; }
	test -x $(PY) || python3 -m venv $(PY_VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r python/requirements-test.txt
	touch $@

$(PY_VENV)/.spark-deps: python/requirements-spark.txt $(PY_VENV)/.test-deps
	$(PY) -m pip install --quiet --disable-pip-version-check -r python/requirements-spark.txt
	touch $@

python-package: $(PY_VENV)/.test-deps
	$(PY_ENV) $(PY) -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps ./python

python-test: python-package
	$(CARGO) build --release --locked -p stance-cli
	$(PY_ENV) $(CARGO) fmt --manifest-path python/Cargo.toml -- --check
	# Its own target dir: maturin builds PyO3 with other settings, which would rebuild it each time.
	$(PY_ENV) CARGO_TARGET_DIR="$(CURDIR)/$(PY_TARGET)-lint" $(CARGO) clippy --locked --manifest-path python/Cargo.toml -- -D warnings
	$(PY) -m pytest -q python/tests

## Batch throughput of the Python package against the CLI on the same texts.
python-throughput: python-package
	$(CARGO) build --release --locked -p stance-cli
	$(PY) scripts/python_throughput.py --stance $(STANCE)

## Spark, for real: PySpark in local mode (needs Java 17) runs the RDD pipe stage through the
## binary and a mapInPandas stage through the Python package, each compared record by record
## with the CLI, and a bad record failing the job with checkCode=True (scripts/spark_check.py).
spark-check: python-package $(PY_VENV)/.spark-deps
	@command -v java >/dev/null || { echo "spark-check needs Java 17: apt-get install openjdk-17-jre-headless"; exit 1; }
	$(CARGO) build --release --locked -p stance-cli
	$(PY) scripts/spark_check.py --stance $(STANCE)

clean:
	$(CARGO) clean
