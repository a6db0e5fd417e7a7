"""Shared helpers of the Python package's tests: the repository, the `stance` binary (the
release build `make python-test` makes; STANCE_BIN overrides it) and the seed data."""

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "corpus"
LABELED = ROOT / "data" / "labeled" / "peacekeepers.tsv"
FIXTURES = ROOT / "tests" / "fixtures"


def stance_bin():
    path = Path(os.environ.get("STANCE_BIN", ROOT / "target" / "release" / "stance"))
    if not path.exists():
        pytest.skip(f"no stance binary at {path}: run `cargo build --release -p stance-cli` (make python-test does)")
    return str(path)


def cli(*args, input=None, check=True):
    """Runs the stance binary; returns the completed process (text mode)."""
    done = subprocess.run(
        [stance_bin(), "--quiet", *args], input=input, capture_output=True, text=True, cwd=ROOT
    )
    if check and done.returncode != 0:
        raise AssertionError(f"stance {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done


def cli_error(*args):
    """The message of a failing stance run (its `stance: error: ` line)."""
    done = cli(*args, check=False)
    assert done.returncode != 0, done.stdout
    line = [l for l in done.stderr.splitlines() if l.startswith("stance: error: ")][-1]
    return line[len("stance: error: "):]


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def corpus_files():
    return sorted(p for p in CORPUS.iterdir() if p.is_file())


def labeled_rows(path=LABELED):
    """The rows of a TSV file as the CLI reads it (header, tabs, no quoting, trimmed)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [{k: v.strip() for k, v in row.items()} for row in reader]
