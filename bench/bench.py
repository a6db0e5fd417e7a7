"""Speed, memory and accuracy of stance against fastText, scikit-learn and Vowpal Wabbit.

Run through `make bench` (bench/run.sh sets up the virtualenv and the release binary). Every
step (one tool training, or one tool predicting) runs as its own child process; its wall time
covers the whole command (interpreter start, imports, reading the data, model load and save),
and its peak RSS is the child's own ``ru_maxrss`` from ``os.wait4``. Macro-F1 is computed here,
by one function, from each tool's predictions on the same held-out rows.

Also (issue 12): stance with no options next to the tuned row, the streamed `--solver sgd`,
an article-level row on real text (the seed corpus's articles replicated to BENCH_ARTICLE_MB,
default 50, classified with the shipped model), optionally `--solver sgd` on a BENCH_BIG_GB file
(the training rows replicated; default 0 = skipped), optionally (BENCH_MILLION=1, in a run of
fewer rows) stance with no options and fastText on a 1,000,000-row corpus, and the ratios
against issue 12's goals. Every prediction step (each tool's, the article row's) runs
BENCH_PREDICT_RUNS times (default 3) and keeps its fastest run, the same for every tool: on a
shared machine one slow run says more about the neighbours than about the tool. Training steps
run once.

Environment: BENCH_ROWS (training rows, default 200000), BENCH_MILLION (0), BENCH_SEED (42), BENCH_CHAR (1: also
the character n-gram table), BENCH_ALPHA (L2 strength for stance, C = 1/alpha for scikit-learn;
default 1), BENCH_VW_PASSES (1), BENCH_PREDICT_RUNS (3), BENCH_TIMEOUT (seconds per step, 7200), BENCH_MEM_GB (address
space limit per step, 16), BENCH_WORK (target/bench), BENCH_ONLY (comma-separated system ids to
run, e.g. "stance,fasttext"), STANCE (binary, target/release/stance), STANCE_EXTRA_TRAIN_ARGS
(appended to every stance train command, e.g. "--solver sparse").

`python bench/bench.py --report-only` rewrites BENCHMARKS.md from bench/results-$BENCH_ROWS.json
without measuring (after a change to the report's layout).
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import synth

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
PYTHON = sys.executable

# ============================================================================================
# stance command lines: THE place to edit when the CLI's flags change. Placeholders in braces
# are filled per run. Prediction reads test.jsonl on stdin and writes JSONL (one object with a
# "label" key per input row, in input order) on stdout. Before running a command, the driver
# checks that each of its --flags appears in `stance SUBCOMMAND --help`; a missing one makes
# that step "n/a (flag missing: ...)" instead of a failure.
# ============================================================================================
STANCE_COMMANDS = {
    "word": {
        "train": [
            "train", "--data", "{train_tsv}", "--no-cv", "--no-stem", "--word-ngrams", "1-2",
            "--char-ngrams", "none", "--alpha", "{alpha}", "--min-df", "2", "--tolerance", "1e-3", "--class-weight", "none",
            "--quiet", "--force", "--out", "{model}",
        ],
        "predict": [
            "classify", "--model", "{model}", "--input-format", "jsonl", "--text-field", "text",
            "--level", "text", "--quiet",
        ],
    },
    # `stance train` as a user runs it: no options at all (the defaults choose the accuracy
    # estimate, --min-df and --tolerance by the data's size).
    "default": {
        "train": ["train", "--data", "{train_tsv}", "--quiet", "--force", "--out", "{model}"],
        "predict": [
            "classify", "--model", "{model}", "--input-format", "jsonl", "--text-field", "text",
            "--level", "text", "--quiet",
        ],
    },
    # Out-of-core training: the file streamed in passes, hashed features, bounded memory.
    "sgd": {
        "train": [
            "train", "--data", "{train_tsv}", "--solver", "sgd", "--quiet", "--force", "--out", "{model}",
        ],
        "predict": [
            "classify", "--model", "{model}", "--input-format", "jsonl", "--text-field", "text",
            "--level", "text", "--quiet",
        ],
    },
    "word_char": {
        "train": [
            "train", "--data", "{train_tsv}", "--no-cv", "--no-stem", "--word-ngrams", "1-2",
            "--char-ngrams", "2-5", "--alpha", "{alpha}", "--min-df", "2", "--tolerance", "1e-3", "--class-weight", "none",
            "--quiet", "--force", "--out", "{model}",
        ],
        "predict": [
            "classify", "--model", "{model}", "--input-format", "jsonl", "--text-field", "text",
            "--level", "text", "--quiet",
        ],
    },
}  # fmt: skip

FEATURE_SETS = {
    "word": "word 1–2-grams",
    "word_char": "word 1–2-grams + char_wb 2–5-grams",
}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Settings:
    rows: int = env_int("BENCH_ROWS", 200_000)
    seed: int = env_int("BENCH_SEED", 42)
    char: bool = os.environ.get("BENCH_CHAR", "1") not in ("0", "", "no", "false")
    alpha: float = float(os.environ.get("BENCH_ALPHA", "1"))
    vw_passes: int = env_int("BENCH_VW_PASSES", 1)
    timeout: int = env_int("BENCH_TIMEOUT", 7200)
    mem_gb: int = env_int("BENCH_MEM_GB", 16)
    work: Path = Path(os.environ.get("BENCH_WORK", ROOT / "target" / "bench"))
    only: set[str] = field(
        default_factory=lambda: {s for s in os.environ.get("BENCH_ONLY", "").split(",") if s}
    )
    stance: Path = Path(os.environ.get("STANCE", ROOT / "target" / "release" / "stance"))
    stance_extra: list[str] = field(
        default_factory=lambda: shlex.split(os.environ.get("STANCE_EXTRA_TRAIN_ARGS", ""))
    )
    threads: int = os.cpu_count() or 1
    runstep: Path = Path(os.environ.get("BENCH_RUNSTEP", ROOT / "target" / "bench" / "runstep"))
    article_mb: int = env_int("BENCH_ARTICLE_MB", 50)
    big_gb: float = float(os.environ.get("BENCH_BIG_GB", "0"))
    million: bool = os.environ.get("BENCH_MILLION", "0") not in ("0", "", "no", "false")
    predict_runs: int = max(1, env_int("BENCH_PREDICT_RUNS", 3))


@dataclass
class Step:
    """Outcome of one child process."""

    status: str  # "ok", "failed: ...", "n/a (...)", "timeout"
    seconds: float | None = None
    peak_rss_mb: float | None = None
    stderr_tail: str = ""
    # Wall seconds of every run when the step was run more than once (best_of); `seconds` and
    # `peak_rss_mb` are then the fastest run's.
    runs_seconds: list[float] | None = None


def run_step(argv: list[str], settings: Settings, stdin: Path | None = None, stdout: Path | None = None) -> Step:
    """Runs `argv` as a child, timed from spawn to exit, with its peak RSS from wait4.

    The child is started through bench/runstep.c (built by run.sh) when it exists: Linux carries
    the RSS high-water mark across fork and exec, so a child forked straight from this driver
    would report at least the driver's own RSS. Without it, os.wait4 here, and the report says so.
    """
    mem_bytes = settings.mem_gb << 30
    report = settings.work / "last-step.json"
    report.unlink(missing_ok=True)
    if settings.runstep.exists():
        full = [str(settings.runstep), str(report), str(mem_bytes), "--"] + argv
        preexec = None
    else:
        full = argv

        def preexec():
            # Keeps a runaway step from taking a shared machine's memory: it fails instead.
            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))

    stderr_path = settings.work / "last-stderr.txt"
    with open(stderr_path, "wb") as err, open(stdin or os.devnull, "rb") as fin, open(
        stdout or os.devnull, "wb"
    ) as fout:
        start = time.perf_counter()
        child = subprocess.Popen(
            full, stdin=fin, stdout=fout, stderr=err, preexec_fn=preexec, start_new_session=True, cwd=ROOT
        )
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            os.killpg(child.pid, signal.SIGKILL)

        timer = threading.Timer(settings.timeout, kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / 1024  # KiB on Linux
    if report.exists():
        measured = json.loads(report.read_text())
        elapsed, rss = measured["seconds"], measured["maxrss_kib"] / 1024
    tail = stderr_path.read_text(errors="replace").strip()[-600:]
    if timed_out.is_set():
        return Step(f"timeout after {settings.timeout} s", elapsed, rss, tail)
    if child.returncode != 0:
        last = tail.splitlines()[-1] if tail else f"exit {child.returncode}"
        return Step(f"failed: {last[:200]}", elapsed, rss, tail)
    return Step("ok", elapsed, rss, tail)


def best_of(runs: int, run) -> Step:
    """The fastest of `runs` calls of `run()` (each returns a Step), with every run's time.

    The first failed run is returned as it is: a step that fails once is not retried until it
    happens to pass.
    """
    steps = []
    for _ in range(runs):
        step = run()
        if step.status != "ok":
            return step
        steps.append(step)
    best = min(steps, key=lambda s: s.seconds)
    if runs > 1:
        best.runs_seconds = [s.seconds for s in steps]
    return best


def help_flags(settings: Settings, subcommand: str) -> set[str]:
    try:
        out = subprocess.run(
            [str(settings.stance), subcommand, "--help"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return set()
    return set(re.findall(r"--[a-z0-9][a-z0-9-]*", out))


def missing_flags(args: list[str], available: set[str]) -> list[str]:
    return [a for a in args if a.startswith("--") and a not in available]


# --------------------------------------------------------------------------------------------
# Scoring: the same code for every tool.
# --------------------------------------------------------------------------------------------


def scores(truth: list[str], predicted: list[str]) -> dict:
    """Accuracy and macro-F1 (over the labels of the truth and the predictions, as
    scikit-learn's f1_score(average="macro") does)."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(predicted)} predictions for {len(truth)} rows")
    labels = sorted(set(truth) | set(predicted))
    f1s = []
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted) if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    accuracy = sum(1 for t, p in zip(truth, predicted) if t == p) / len(truth)
    return {"accuracy": accuracy, "macro_f1": sum(f1s) / len(f1s)}


def read_label_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def read_stance_jsonl(path: Path) -> list[str]:
    return [json.loads(line)["label"] for line in path.read_text(encoding="utf-8").splitlines() if line]


def read_vw_predictions(path: Path) -> list[str]:
    return [synth.LABELS[int(float(line.split()[0])) - 1] for line in path.read_text().splitlines() if line]


# --------------------------------------------------------------------------------------------
# Systems
# --------------------------------------------------------------------------------------------


@dataclass
class System:
    id: str
    name: str
    features: str  # key of FEATURE_SETS
    settings_note: str
    threads: str
    train: callable  # (data_dir, model_path) -> (argv, stdin, stdout) or a Step (n/a)
    predict: callable  # (data_dir, model_path, out_path) -> (argv, stdin, stdout) or a Step
    read: callable  # out_path -> labels
    # For a tool whose predict uses one core: the same predict spread over `settings.threads`
    # processes, measured after the one-process run (a throughput comparison takes the faster).
    predict_processes: callable | None = None  # (data_dir, model_path, out_path) -> (argv, stdin, stdout)


def stance_system(settings: Settings, features: str, flags: dict[str, set[str]]) -> System:
    commands = STANCE_COMMANDS[features]

    def fill(args: list[str], **values) -> list[str]:
        return [a.format(**values) for a in args]

    def train(data: Path, model: Path):
        args = commands["train"] + settings.stance_extra
        missing = missing_flags(args, flags["train"])
        if missing:
            return Step(f"n/a (flag missing: {' '.join(missing)})")
        argv = [str(settings.stance)] + fill(args, train_tsv=data / "train.tsv", model=model, alpha=settings.alpha)
        if features in ("default", "sgd"):
            argv = [str(settings.stance)] + fill(commands["train"], train_tsv=data / "train.tsv", model=model)
        return argv, None, None

    def predict(data: Path, model: Path, out: Path):
        missing = missing_flags(commands["predict"], flags["classify"])
        if missing:
            return Step(f"n/a (flag missing: {' '.join(missing)})")
        return [str(settings.stance)] + fill(commands["predict"], model=model), data / "test.jsonl", out

    extra = f"; extra train args {' '.join(settings.stance_extra)}" if settings.stance_extra else ""
    ids = {"word": "stance", "word_char": "stance-char", "default": "stance-default", "sgd": "stance-sgd"}
    names = {"default": "stance defaults", "sgd": "stance --solver sgd"}
    notes = {
        "default": "`stance train --data train.tsv --out m.json`, no options: Snowball stems, word 1–2-grams, "
        "balanced class weights, and above 10,000 rows --min-df 5 (2 below), alpha 1 (0.3 below), no character n-grams, --tolerance 1e-3 "
        "and a held-out estimate (one fold of 10, fitted before the final fit) instead of a 5-fold cross-validation",
        "sgd": "`--solver sgd` with its defaults: the file streamed (a counting pass, then 3 AdaGrad passes, learning rate 0.1), "
        "2^20 hashed buckets, --min-df 2, alpha 1",
    }
    return System(
        id=ids[features],
        name=names.get(features, "stance"),
        features="word" if features in ("default", "sgd") else features,
        settings_note=notes.get(features)
        or (
            f"release binary, alpha {settings.alpha:g}, no class weights (as scikit-learn's LR here), no stemming, "
            f"--min-df 2 (terms seen once dropped), "
            f"--tolerance 1e-3 (L2 norm of the mean objective's gradient; scikit-learn's tol=1e-4 bounds "
            f"its max-abs entry){extra}"
        ),
        threads=f"{settings.threads} (all cores)",
        train=train,
        predict=predict,
        read=read_stance_jsonl,
    )


def fasttext_system(settings: Settings, word_ngrams: int) -> System:
    worker = str(BENCH_DIR / "workers.py")
    return System(
        id="fasttext" if word_ngrams == 1 else "fasttext-bigrams",
        name="fastText" if word_ngrams == 1 else "fastText wordNgrams=2",
        features="word",
        settings_note=f"train_supervised defaults (epoch 5, lr 0.1, dim 100), wordNgrams={word_ngrams}",
        threads=f"{settings.threads} (train), 1 (predict)",
        train=lambda d, m: ([PYTHON, worker, "fasttext", "train", str(d / "train.ft"), str(m), str(settings.threads), str(word_ngrams)], None, None),
        predict=lambda d, m, o: ([PYTHON, worker, "fasttext", "predict", str(m), str(d / "test.txt"), str(o)], None, None),
        read=read_label_lines,
        predict_processes=(lambda d, m, o: ([PYTHON, worker, "fasttext", "predict", str(m), str(d / "test.txt"), str(o), str(settings.threads)], None, None))
        if settings.threads > 1 else None,
    )  # fmt: skip


def sklearn_system(settings: Settings, features: str) -> System:
    worker = str(BENCH_DIR / "workers.py")
    c = 1.0 / settings.alpha
    vectorizer = (
        "TfidfVectorizer(ngram_range=(1,2), sublinear_tf=True)"
        if features == "word"
        else "FeatureUnion(word 1–2 tf-idf, TfidfVectorizer(analyzer='char_wb', ngram_range=(2,5), sublinear_tf=True))"
    )
    return System(
        id="sklearn" if features == "word" else "sklearn-char",
        name="scikit-learn LR",
        features=features,
        settings_note=f"{vectorizer} + LogisticRegression(lbfgs, multinomial, C={c:g}, max_iter=1000)",
        threads="1 (+ BLAS)",
        train=lambda d, m: ([PYTHON, worker, "sklearn", "train", str(d / "train.tsv"), str(m), str(c), "1000", features], None, None),
        predict=lambda d, m, o: ([PYTHON, worker, "sklearn", "predict", str(m), str(d / "test.txt"), str(o)], None, None),
        read=read_label_lines,
    )  # fmt: skip


def vw_system(settings: Settings) -> System:
    # The vowpalwabbit wheel ships no `vw` executable; `python -m vowpalwabbit` is its command
    # line (the same options as vw, reading the data file itself).
    vw = [PYTHON, "-m", "vowpalwabbit", "--quiet"]
    passes = ["--passes", str(settings.vw_passes), "--cache", "--holdout_off"] if settings.vw_passes > 1 else []

    def train(d: Path, m: Path):
        for stale in m.parent.glob("vw-train.cache*"):
            stale.unlink()
        cache = ["--cache_file", str(m.parent / "vw-train.cache")] if passes else []
        argv = vw + ["--oaa", "3", "--ngram", "2", "--loss_function", "logistic", "-d", str(d / "train.vw"), "-f", str(m)]
        return argv + passes + cache, None, None

    how = f"{settings.vw_passes} passes with a cache" if passes else "1 pass, no cache"
    return System(
        id="vw",
        name="Vowpal Wabbit",
        features="word",
        settings_note=f"--oaa 3 --ngram 2 --loss_function logistic, {how}, default -b 18 (2^18 hashed weights per class)",
        threads="1 (+ parser thread)",
        train=train,
        predict=lambda d, m, o: (vw + ["-t", "-i", str(m), "-d", str(d / "test.vw"), "-p", str(o)], None, None),
        read=read_vw_predictions,
    )  # fmt: skip


def systems(settings: Settings) -> list[System]:
    flags = {"train": help_flags(settings, "train"), "classify": help_flags(settings, "classify")}
    chosen = [
        stance_system(settings, "word", flags),
        stance_system(settings, "default", flags),
        stance_system(settings, "sgd", flags),
        fasttext_system(settings, 1),
        fasttext_system(settings, 2),
        sklearn_system(settings, "word"),
        vw_system(settings),
    ]
    if settings.char:
        chosen += [stance_system(settings, "word_char", flags), sklearn_system(settings, "word_char")]
    if settings.only:
        chosen = [s for s in chosen if s.id in settings.only]
    return chosen


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def run_system(system: System, data: Path, settings: Settings, truth: list[str], test_bytes: int) -> dict:
    run_dir = settings.work / f"run-r{settings.rows}" / system.id
    run_dir.mkdir(parents=True, exist_ok=True)
    model = run_dir / "model"
    out = run_dir / "predictions"
    for stale in (model, out):
        if stale.exists():
            stale.unlink()
    result = {
        "id": system.id,
        "system": system.name,
        "features": system.features,
        "settings": system.settings_note,
        "threads": system.threads,
    }
    print(f"== {system.id}: train", flush=True)
    planned = system.train(data, model)
    train = planned if isinstance(planned, Step) else run_step(planned[0], settings, planned[1], planned[2])
    result["train"] = train.__dict__
    result["model_bytes"] = model.stat().st_size if model.exists() else None
    print(f"   {train.status} {fmt_s(train.seconds)} {fmt_mb(train.peak_rss_mb)}", flush=True)
    if train.status != "ok":
        result["predict"] = Step("n/a (no model)").__dict__
        return result
    print(f"== {system.id}: predict", flush=True)
    planned = system.predict(data, model, out)
    predict = (
        planned
        if isinstance(planned, Step)
        else best_of(settings.predict_runs, lambda: run_step(planned[0], settings, planned[1], planned[2]))
    )
    result["predict"] = predict.__dict__
    if predict.status == "ok":
        result["rows_per_s"] = len(truth) / predict.seconds
        result["mb_per_s"] = test_bytes / 1e6 / predict.seconds
        try:
            result.update(scores(truth, system.read(out)))
        except (ValueError, KeyError, json.JSONDecodeError, IndexError) as error:
            predict.status = f"failed: unreadable predictions ({error})"
            result["predict"] = predict.__dict__
    print(
        f"   {predict.status} {fmt_s(predict.seconds)} {fmt_mb(predict.peak_rss_mb)}"
        f" macro-F1 {result.get('macro_f1', float('nan')):.4f}",
        flush=True,
    )
    if system.predict_processes and predict.status == "ok":
        print(f"== {system.id}: predict in {settings.threads} processes", flush=True)
        single = system.read(out)
        planned = system.predict_processes(data, model, out)
        spread = best_of(settings.predict_runs, lambda: run_step(planned[0], settings, planned[1], planned[2]))
        if spread.status == "ok" and system.read(out) != single:
            spread.status = "failed: predictions differ from the one-process run's"
        result["predict_processes"] = {"processes": settings.threads, **spread.__dict__}
        if spread.status == "ok":
            result["predict_processes"]["rows_per_s"] = len(truth) / spread.seconds
        print(f"   {spread.status} {fmt_s(spread.seconds)} {fmt_mb(spread.peak_rss_mb)}", flush=True)
    return result


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def fmt_s(seconds):
    return "—" if seconds is None else f"{seconds:.1f}"


def fmt_mb(mb):
    return "—" if mb is None else f"{mb:,.0f} MB"


def command_output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=ROOT).stdout.strip()
    except OSError:
        return "unavailable"


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text()
    total_kb = int(re.search(r"^MemTotal:\s*(\d+)", meminfo, re.M).group(1))
    os_release = Path("/etc/os-release").read_text() if Path("/etc/os-release").exists() else ""
    pretty = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', os_release, re.M)
    return {
        "cores": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "ram_gib": round(total_kb / 2**20, 1),
        "os": f"{pretty.group(1) if pretty else platform.system()}, Linux {platform.release()}",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def versions(settings: Settings) -> dict:
    head = command_output(["git", "rev-parse", "--short=12", "HEAD"])
    dirty = command_output(["git", "status", "--porcelain", "--untracked-files=no"])
    packages = {}
    for name in ("scikit-learn", "fasttext-numpy2", "vowpalwabbit", "numpy", "scipy"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "stance_git": head + ("-dirty" if dirty else ""),
        "stance": command_output([str(settings.stance), "--version"]).splitlines()[0:1],
        "rustc": command_output(["rustc", "--version"]),
        "python": platform.python_version(),
        "packages": packages,
    }


def short(status: str) -> str:
    """A step's status as a table cell: failures in a word (their stderr is printed below)."""
    if status.startswith("failed"):
        return "failed (below)"
    return status


def ratio(a, b):
    return a / b if a and b else None


def fmt_ratio(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}×"


def stance_ratios(results: list[dict], features: str, mine_id: str | None = None) -> list[dict]:
    if mine_id is None:
        mine = next((r for r in results if r["name"] == "stance" and r["features"] == features), None)
    else:
        mine = next((r for r in results if r["id"] == mine_id), None)
    rows = []
    if mine is None:
        return rows
    for peer in results:
        if peer is mine or peer["features"] != features or peer["name"].startswith("stance"):
            continue
        rows.append(
            {
                "stance": mine["label"],
                "peer": peer["label"],
                "throughput": ratio(mine.get("rows_per_s"), peer.get("rows_per_s")),
                "train_time": ratio(time_of(mine, "train"), time_of(peer, "train")),
                "train_rss": ratio(rss_of(mine, "train"), rss_of(peer, "train")),
                "predict_rss": ratio(rss_of(mine, "predict"), rss_of(peer, "predict")),
            }
        )
    return rows


def time_of(result: dict, step: str):
    s = result[step]
    return s["seconds"] if s["status"] == "ok" else None


def rss_of(result: dict, step: str):
    s = result[step]
    return s["peak_rss_mb"] if s["status"] == "ok" else None


def targets(results: list[dict], rows: int, million: dict | None) -> list[tuple[str, str, str]]:
    by_id = {r["id"]: r for r in results}
    st, ft, sk, vw = (by_id.get(k) for k in ("stance", "fasttext", "sklearn", "vw"))

    def verdict(ok) -> str:
        if ok is not None:
            return "met" if ok else "**NOT met**"
        broken = [
            f"{r['label']} {step} {short(r[step]['status']).removesuffix(' (below)')}"
            for r in (st, ft, sk, vw)
            if r
            for step in ("train", "predict")
            if r[step]["status"] != "ok"
        ][:2]
        return "not measured" + (f" ({'; '.join(broken)})" if broken else "")

    out = []
    if st and ft and sk:
        t_ft = ratio(st.get("rows_per_s"), best_rows_per_s(ft))
        t_sk = ratio(st.get("rows_per_s"), sk.get("rows_per_s"))
        ok = None if t_ft is None or t_sk is None else (t_ft >= 2 and t_sk >= 20)
        out.append(("prediction throughput ≥ 2× fastText and ≥ 20× scikit-learn",
                    f"{fmt_ratio(t_ft)} fastText, {fmt_ratio(t_sk, 1)} scikit-learn", verdict(ok)))  # fmt: skip
        s_time, f_time = time_of(st, "train"), time_of(ft, "train")
        s_f1, k_f1 = st.get("macro_f1"), sk.get("macro_f1")
        ok = None if None in (s_time, f_time, s_f1, k_f1) else (s_time <= f_time and s_f1 >= k_f1)
        detail = f"train {fmt_s(s_time)} s vs fastText {fmt_s(f_time)} s; macro-F1 "
        detail += "—" if s_f1 is None or k_f1 is None else f"{s_f1:.4f} vs scikit-learn {k_f1:.4f}"
        out.append(("training time ≤ fastText default, at macro-F1 ≥ scikit-learn LR", detail, verdict(ok)))
    if st and vw:
        r_train = ratio(rss_of(st, "train"), rss_of(vw, "train"))
        r_pred = ratio(rss_of(st, "predict"), rss_of(vw, "predict"))
        ok = None if r_train is None or r_pred is None else (r_train <= 2 and r_pred <= 2)
        out.append(("peak RSS ≤ 2× Vowpal Wabbit's, training and prediction",
                    f"train {fmt_ratio(r_train)}, predict {fmt_ratio(r_pred)}", verdict(ok)))  # fmt: skip
    source = by_id.get("stance") if rows >= 1_000_000 else (million or {}).get("stance")
    if source is None:
        out.append(("1M-row training completes", "not run (`make bench BENCH_ROWS=1000000`)", "—"))
    else:
        ok = source["train"]["status"] == "ok"
        out.append(("1M-row training completes",
                    f"{source['train']['status']}, {fmt_s(source['train']['seconds'])} s, "
                    f"{fmt_mb(source['train']['peak_rss_mb'])}"
                    + (f" (not this run: {source['origin']})" if "origin" in source else ""),
                    verdict(ok)))  # fmt: skip
    return out


def best_rows_per_s(result: dict) -> float | None:
    """A one-core predictor's throughput: the faster of one process and the processes run side by
    side (`predict_processes`), when both were measured."""
    rates = [r for r in (result.get("rows_per_s"), (result.get("predict_processes") or {}).get("rows_per_s")) if r]
    return max(rates) if rates else None


def results_table(results: list[dict]) -> list[str]:
    """The table of train and predict figures, one row per system."""
    lines = [
        "| system | train s | predict s | predict rows/s | predict MB/s | peak RSS train | peak RSS predict | macro-F1 | accuracy | threads |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        t, p = r["train"], r["predict"]
        train_s = fmt_s(t["seconds"]) if t["status"] == "ok" else short(t["status"])
        predict_s = fmt_s(p["seconds"]) if p["status"] == "ok" else short(p["status"])
        label = r["label"] + (f" (not this run: {r['origin']})" if "origin" in r else "")
        lines.append(
            f"| {label} | {train_s} | {predict_s} | "
            + (f"{r['rows_per_s']:,.0f} | {r['mb_per_s']:.2f}" if "rows_per_s" in r else "— | —")
            + f" | {fmt_mb(rss_of(r, 'train'))} | {fmt_mb(rss_of(r, 'predict'))} | "
            + (f"{r['macro_f1']:.4f} | {r['accuracy']:.4f}" if "macro_f1" in r else "— | —")
            + f" | {r['threads']} |"
        )
    for r in results:
        spread = r.get("predict_processes")
        if spread:
            done = spread["status"] == "ok"
            lines.append(
                f"| {r['label']}, predict in {spread['processes']} processes | — | "
                + (fmt_s(spread["seconds"]) if done else short(spread["status"]))
                + (f" | {spread['rows_per_s']:,.0f} | — | — | {fmt_mb(spread['peak_rss_mb'])}" if done else " | — | — | — | —")
                + f" | same labels | — | {spread['processes']} processes of 1 thread |"
            )
    return lines


def markdown(report: dict) -> str:
    m, v, c, s = report["machine"], report["versions"], report["corpus"], report["settings"]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench BENCH_ROWS={c['train_rows']}{'' if s['char_table'] else ' BENCH_CHAR=0'}` "
        f"({report['finished_utc']} UTC, "
        f"{report['total_seconds'] / 60:.1f} min); raw numbers in `bench/results-{c['train_rows']}.json`.",
        "",
        "## Machine and versions",
        "",
        f"- {m['cores']} cores, {m['cpu']}, {m['ram_gib']} GiB RAM, {m['os']}; load average at start "
        f"{', '.join(map(str, m['load_average_at_start']))} (a shared machine: other work can slow a step down)",
        f"- stance {v['stance_git']} ({'; '.join(v['stance'])}), {v['rustc']}",
        f"- Python {v['python']}: "
        + ", ".join(f"{name} {version}" for name, version in v["packages"].items()),
        "",
        "## Data",
        "",
        f"Synthetic, deterministic (bench/synth.py, generator v{c['generator_version']}, seed {c['seed']}): "
        f"{c['train_rows']:,} training rows and {c['test_rows']:,} held-out rows, 3 labels "
        f"({', '.join(f'{l} {p:.0%}' for l, p in zip(c['labels'], c['label_shares']))}), "
        f"{c['mean_tokens']:.1f} words a row from a Zipfian vocabulary of {c['vocabulary_size']:,} "
        f"made-up words; each label has its own indicative words and word pairs, and "
        f"{c['label_noise']:.0%} of labels are redrawn at random. Held-out text: "
        f"{c['test_text_bytes'] / 1e6:.1f} MB. The same rows are written in each tool's format "
        "(TSV and JSONL for stance, `__label__X text` for fastText, VW text format, plain lines).",
        "",
        "## How it is measured",
        "",
        "- Each training and each prediction is its own child process; **train s** and **predict** "
        "times are wall-clock for the whole command: process start, imports, reading the data, model "
        "load (prediction) and model save (training)."
        + (
            f" Every prediction (each tool's, and the article row's) runs {runs} times and the fastest "
            "run is kept (all runs' times are in the JSON): the host is shared, and a slow run measures "
            "the neighbours. Training runs once."
            if (runs := s.get("predict_runs", 1)) > 1
            else ""
        ),
        "- **rows/s** and **MB/s**: held-out rows, and MB of held-out text (the plain text, one row a "
        "line, the same bytes for every tool), divided by that full prediction time.",
        "- fastText predicts on one thread, so it is also run as one process per core, each on its "
        "consecutive share of the lines (model loaded in each, labels joined in order and checked "
        "against the one-process run): the rows \"predict in N processes\". Throughput goals take "
        "the faster of the two.",
        "- **peak RSS**: the child's `ru_maxrss` from `wait4`, for training and prediction separately"
        + (
            " (children are started by `bench/runstep.c`, so no step inherits the driver's RSS high-water mark)."
            if s["runstep"]
            else " (**runstep not built: each child's figure includes the Python driver's RSS at fork time**)."
        ),
        "- **macro-F1** and accuracy: computed by the driver, with one function, from each tool's "
        "predicted labels on the held-out rows.",
        f"- L2 strength: stance `--alpha {s['alpha']:g}`, scikit-learn `C = 1/alpha = {1 / s['alpha']:g}`.",
        "",
    ]
    for features, title in FEATURE_SETS.items():
        results = [r for r in report["results"] if r["features"] == features]
        if not results:
            continue
        lines += [f"## {title}", "", *results_table(results)]
        lines += ["", "Settings:", ""]
        lines += [f"- {r['label']}: {r['settings']}" for r in results]
        ratios = [
            x
            for mine in ("stance", "stance-default", "stance-sgd", "stance-char")
            for x in stance_ratios(report["results"], features, mine)
        ]
        if ratios:
            lines += [
                "",
                "stance ÷ peer (throughput above 1× = stance faster; time and RSS below 1× = stance faster / smaller):",
                "",
                "| stance | peer | throughput × | train time × | peak RSS train × | peak RSS predict × |",
                "|---|---|---:|---:|---:|---:|",
            ]
            lines += [
                f"| {x['stance']} | {x['peer']} | {fmt_ratio(x['throughput'])} | {fmt_ratio(x['train_time'])} | "
                f"{fmt_ratio(x['train_rss'])} | {fmt_ratio(x['predict_rss'])} |"
                for x in ratios
            ]
        failures = [r for r in results if r["train"]["status"] not in ("ok",) or r["predict"]["status"] != "ok"]
        for r in failures:
            for step in ("train", "predict"):
                if r[step]["status"].startswith("failed") and r[step]["stderr_tail"]:
                    tail = r[step]["stderr_tail"].splitlines()[-3:]
                    lines += ["", f"{r['label']} {step} stderr (last lines):", "", "```text", *tail, "```"]
        lines.append("")
    lines += ["## Targets (issue 3)", "", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in report["targets"]]
    lines.append("")
    if report.get("million_rows"):
        lines += [
            "## 1,000,000 training rows (BENCH_MILLION=1)",
            "",
            "The same generator and seed with 1,000,000 training rows (held-out rows: 20%); each system on its defaults.",
            "",
            *results_table(report["million_rows"]),
            "",
        ]
    for extra in ("articles", "big"):
        r = report.get(extra)
        if r:
            lines += [f"## {r['title']}", "", r["how"], "", "| step | s | MB/s | peak RSS | note |", "|---|---:|---:|---:|---|"]
            step = r["step"]
            mbps = f"{r['mb_per_s']:.1f}" if r.get("mb_per_s") else "—"
            lines += [f"| {r['what']} | {fmt_s(step['seconds'])} | {mbps} | {fmt_mb(step['peak_rss_mb'])} | {short(step['status'])}{r.get('note', '')} |", ""]
    if report.get("goals"):
        lines += [
            "## Goals of issue 12 (defaults on both sides, this run)",
            "",
            "| measure | now | goal | verdict |",
            "|---|---:|---:|---|",
        ]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in report["goals"]]
        lines.append("")
    return "\n".join(lines)


def article_corpus(settings: Settings) -> tuple[Path, int]:
    """The seed corpus's articles copied (each under a numbered name) until the directory holds
    BENCH_ARTICLE_MB megabytes: real news text, as many documents as it takes."""
    sources = sorted((ROOT / "data" / "corpus").glob("*.txt"))
    target = settings.article_mb * 1_000_000
    out = settings.work / f"articles-{settings.article_mb}mb"
    done = out / "DONE"
    if not done.exists():
        out.mkdir(parents=True, exist_ok=True)
        total, i = 0, 0
        while total < target:
            text = sources[i % len(sources)].read_bytes()
            (out / f"{i:07d}.txt").write_bytes(text)
            total += len(text)
            i += 1
        done.write_text(str(total))
    return out, int(done.read_text())


def run_articles(settings: Settings) -> dict:
    directory, size = article_corpus(settings)
    print(f"== articles: {size / 1e6:.0f} MB", flush=True)
    out = settings.work / "articles.jsonl"
    argv = [str(settings.stance), "classify", "--level", "article", "--format", "jsonl", "--quiet", str(directory)]
    step = best_of(settings.predict_runs, lambda: run_step(argv, settings, None, out))
    print(f"   {step.status} {fmt_s(step.seconds)} {fmt_mb(step.peak_rss_mb)}", flush=True)
    return {
        "title": "Article level, real text",
        "how": f"`stance classify --level article --format jsonl DIR` with the shipped model on {size / 1e6:.1f} MB: "
        f"the seed corpus's {len(list((ROOT / 'data' / 'corpus').glob('*.txt')))} news articles copied until the "
        f"directory holds that much, {settings.threads} threads.",
        "what": "classify --level article",
        "step": step.__dict__,
        "mb_per_s": size / 1e6 / step.seconds if step.status == "ok" else None,
    }


def run_big(settings: Settings, data: Path) -> dict | None:
    if settings.big_gb <= 0:
        return None
    big = settings.work / f"big-{settings.big_gb:g}g.tsv"
    if not big.exists():
        rows = (data / "train.tsv").read_bytes().split(b"\n", 1)
        tmp = big.with_name(big.name + ".tmp")
        with tmp.open("wb") as f:
            f.write(rows[0] + b"\n")
            written = 0
            while written < settings.big_gb * 1e9:
                f.write(rows[1])
                written += len(rows[1])
        os.replace(tmp, big)
    size = big.stat().st_size
    print(f"== big file: {size / 1e9:.2f} GB, --solver sgd", flush=True)
    model = settings.work / "big-model.json"
    argv = [str(settings.stance), "train", "--data", str(big), "--solver", "sgd", "--quiet", "--force", "--out", str(model)]
    step = run_step(argv, settings)
    print(f"   {step.status} {fmt_s(step.seconds)} {fmt_mb(step.peak_rss_mb)}", flush=True)
    return {
        "title": "Training data larger than memory",
        "how": f"`stance train --solver sgd` on a {size / 1e9:.2f} GB TSV file (the training rows replicated).",
        "what": "train --solver sgd",
        "step": step.__dict__,
        "mb_per_s": size / 1e6 / step.seconds if step.status == "ok" else None,
        "gb": size / 1e9,
    }


def goals(results: list[dict], articles: dict | None, big: dict | None, million: dict | None, rows: int) -> list:
    """Issue 12's goals: stance on its defaults against the peers on theirs."""
    by_id = {r["id"]: r for r in results}
    st, ft, sk, vw = (by_id.get(k) for k in ("stance-default", "fasttext", "sklearn", "vw"))
    out = []

    def verdict(ok):
        return "—" if ok is None else ("met" if ok else "**NOT met**")

    if st and ft and vw:
        t_ft, t_vw = ratio(st.get("rows_per_s"), best_rows_per_s(ft)), ratio(st.get("rows_per_s"), vw.get("rows_per_s"))
        ok = None if None in (t_ft, t_vw) else (t_ft >= 2 and t_vw >= 1)
        spread = ft.get("predict_processes")
        which = "best of 1 process and " + f"{spread['processes']} processes" if spread else "1 process"
        out.append((f"classify JSONL through the CLI vs fastText's predict ({which}) and VW",
                    f"{fmt_ratio(t_ft)} fastText, {fmt_ratio(t_vw)} VW", "≥ 2× fastText, ≥ 1× VW", verdict(ok)))  # fmt: skip
    if articles:
        mbps = articles.get("mb_per_s")
        out.append(("article-level batch, real news, shipped model", "—" if mbps is None else f"{mbps:.1f} MB/s",
                    "≥ 25 MB/s", verdict(None if mbps is None else mbps >= 25)))  # fmt: skip
    if st and ft and sk:
        t = ratio(time_of(st, "train"), time_of(ft, "train"))
        f1, k1 = st.get("macro_f1"), sk.get("macro_f1")
        ok = None if None in (t, f1, k1) else (t <= 1 and f1 >= k1)
        detail = f"{fmt_ratio(t)} fastText's time; macro-F1 " + ("—" if None in (f1, k1) else f"{f1:.4f} vs {k1:.4f}")
        out.append((f"default `stance train`, {rows:,} rows", detail, "≤ 1× fastText, macro-F1 ≥ scikit-learn", verdict(ok)))
    if st and vw:
        r_t, r_p = ratio(rss_of(st, "train"), rss_of(vw, "train")), ratio(rss_of(st, "predict"), rss_of(vw, "predict"))
        ok = None if None in (r_t, r_p) else (r_t <= 2 and r_p <= 2)
        out.append(("peak RSS, default training and classifying, vs VW", f"train {fmt_ratio(r_t)}, classify {fmt_ratio(r_p)}",
                    "≤ 2× VW", verdict(ok)))  # fmt: skip
    at_million = by_id if rows >= 1_000_000 else (million or {})
    source, peer = at_million.get("stance-default"), at_million.get("fasttext")
    if source is None:
        out.append(("1M rows, default `stance train`", "not run in this file (`make bench BENCH_MILLION=1`)", "≤ fastText's time", "—"))
    else:
        t = ratio(time_of(source, "train"), time_of(peer, "train")) if peer else None
        detail = f"{fmt_s(time_of(source, 'train'))} s, {fmt_mb(rss_of(source, 'train'))}"
        if t is not None:
            detail += f"; {fmt_ratio(t)} fastText's {fmt_s(time_of(peer, 'train'))} s"
        if source.get("macro_f1") is not None:
            detail += f"; macro-F1 {source['macro_f1']:.4f}"
        if "origin" in source:
            detail += f" (not this run: {source['origin']})"
        out.append(("1M rows, default `stance train`", detail, "≤ fastText's time", verdict(None if t is None else t <= 1)))
    if big:
        rss = big["step"]["peak_rss_mb"]
        ok = None if big["step"]["status"] != "ok" else rss <= 1024
        out.append((f"training data larger than memory ({big['gb']:.1f} GB file, --solver sgd)", f"{fmt_mb(rss)} peak RSS",
                    "5 GB file in ≤ 1 GB RSS", verdict(ok)))  # fmt: skip
    else:
        out.append(("training data larger than memory", "not run (BENCH_BIG_GB=N)", "5 GB file in ≤ 1 GB RSS", "—"))
    return out


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def run_million(settings: Settings, chosen: list[System]) -> list[dict]:
    """BENCH_MILLION=1: stance with no options and fastText, trained and scored on the
    1,000,000-row corpus (generated once, like every corpus), for issue 12's 1M-row goal."""
    if not settings.million or settings.rows >= 1_000_000:
        return []
    data = synth.ensure_corpus(settings.work, 1_000_000, settings.seed)
    truth = read_label_lines(data / "test.labels")
    test_bytes = (data / "test.txt").stat().st_size
    at_million = Settings(**{**settings.__dict__, "rows": 1_000_000})
    results = []
    for system in chosen:
        if system.id in ("stance-default", "fasttext"):
            print("== 1,000,000 rows:", end=" ", flush=True)
            result = run_system(system, data, at_million, truth, test_bytes)
            result["name"] = result["label"] = system.name
            results.append(result)
    return results


def million_results(settings: Settings) -> dict | None:
    path = BENCH_DIR / "results-1000000.json"
    if settings.rows >= 1_000_000 or not path.exists():
        return None
    stored = json.loads(path.read_text())
    # Not measured by this run: say where and when it was.
    origin = f"{path.relative_to(ROOT)}, run {stored['finished_utc']} UTC on {stored['versions']['stance_git']}"
    return {r["id"]: {**r, "origin": origin} for r in stored["results"]}


def main() -> int:
    settings = Settings()
    if sys.argv[1:] == ["--report-only"]:
        # Rewrites BENCHMARKS.md from bench/results-ROWS.json without measuring anything.
        report = json.loads((BENCH_DIR / f"results-{settings.rows}.json").read_text())
        report["targets"] = targets(report["results"], settings.rows, million_results(settings))
        write_atomically(ROOT / "BENCHMARKS.md", markdown(report))
        return 0
    settings.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"== data: {settings.rows} training rows, seed {settings.seed}", flush=True)
    data = synth.ensure_corpus(settings.work, settings.rows, settings.seed)
    corpus = json.loads((data / "corpus.json").read_text())
    truth = read_label_lines(data / "test.labels")
    test_bytes = (data / "test.txt").stat().st_size
    results = []
    chosen = systems(settings)
    for system in chosen:
        result = run_system(system, data, settings, truth, test_bytes)
        result["name"] = system.name
        result["label"] = system.name
        results.append(result)
    previous = BENCH_DIR / f"results-{settings.rows}.json"
    if settings.only and previous.exists():
        # A partial run (BENCH_ONLY) replaces its systems' rows and keeps the others', so e.g.
        # stance can be re-measured after a change without re-running scikit-learn.
        old = json.loads(previous.read_text())
        if old["corpus"] == corpus:
            rerun = {s.id for s in chosen}
            earlier = f"an earlier run, {old['finished_utc']} UTC on {old['versions']['stance_git']}"
            kept = [{"origin": earlier, **r} for r in old["results"] if r["id"] not in rerun]
            results = kept + results
            order = ["stance", "stance-default", "stance-sgd", "fasttext", "fasttext-bigrams", "sklearn", "vw", "stance-char", "sklearn-char"]
            results.sort(key=lambda r: order.index(r["id"]) if r["id"] in order else len(order))
    million_rows = run_million(settings, chosen)
    million = {r["id"]: r for r in million_rows} if million_rows else million_results(settings)
    articles = run_articles(settings) if not settings.only or "articles" in settings.only else None
    big = run_big(settings, data)
    report = {
        "machine": machine(),
        "versions": versions(settings),
        "corpus": corpus,
        "settings": {
            "alpha": settings.alpha,
            "vw_passes": settings.vw_passes,
            "char_table": settings.char,
            "stance_commands": STANCE_COMMANDS,
            "stance_extra_train_args": settings.stance_extra,
            "timeout_s": settings.timeout,
            "mem_limit_gib": settings.mem_gb,
            "runstep": settings.runstep.exists(),
            "predict_runs": settings.predict_runs,
        },
        "results": results,
        "million_rows": million_rows,
        "finished_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "total_seconds": time.perf_counter() - started,
    }
    report["targets"] = targets(results, settings.rows, million)
    report["articles"], report["big"] = articles, big
    report["goals"] = goals(results, articles, big, million, settings.rows)
    write_atomically(BENCH_DIR / f"results-{settings.rows}.json", json.dumps(report, indent=2) + "\n")
    write_atomically(ROOT / "BENCHMARKS.md", markdown(report))
    print(f"== wrote BENCHMARKS.md and bench/results-{settings.rows}.json ({report['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
