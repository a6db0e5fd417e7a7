"""`make spark-check`: stance as a stage of real Spark jobs (PySpark in local mode).

Writes JSONL records (the labeled seed and written sentences, three times over, with ids) in
four files, classifies them once with the CLI directly as the reference, then runs:

1. the RDD stage: `textFile(...).pipe(cmd, env=..., checkCode=True)` through the `stance`
   binary, shipped with `sc.addFile` and run by its absolute `SparkFiles.get` path together
   with the model file shipped the same way (PySpark's `pipe` starts the command with an empty
   environment, so a bare `stance` would not be found);
2. the DataFrame stage: `mapInPandas` through the Python package;
3. the fault case: one record whose text is a number makes the `stance` process exit 3, and
   `checkCode=True` fails the job; the CLI names the record by its line counted from the start
   of its partition (checked by piping that partition's lines through the CLI).

Every record of both stages is compared with the CLI's: same ids, labels and probabilities
(exact floats). Exits non-zero on any difference. Needs Java 17 and the venv of `make
spark-check` (pyspark, pandas, pyarrow, the stance package).
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTITIONS = 4


def write_records(folder, copies=3):
    """The JSONL input: one record per labeled sentence and copy, spread over PARTITIONS files."""
    with open(ROOT / "data" / "labeled" / "training.tsv", encoding="utf-8", newline="") as f:
        texts = [row["text"].strip() for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    records = [{"id": f"{copy}-{i}", "text": text, "meta": {"copy": copy}}
               for copy in range(copies) for i, text in enumerate(texts)]
    folder.mkdir(parents=True)
    per_file = (len(records) + PARTITIONS - 1) // PARTITIONS
    for part in range(PARTITIONS):
        chunk = records[part * per_file:(part + 1) * per_file]
        with open(folder / f"part-{part}.jsonl", "w", encoding="utf-8") as out:
            out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk)
    return records


def cli_reference(stance, model, folder):
    """The CLI's records for every input file, by id."""
    done = subprocess.run(
        [stance, "--quiet", "classify", "--model", model, "--input-format", "jsonl", "--level", "text", str(folder)],
        capture_output=True, text=True, check=True,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return {row["id"]: row for row in rows}


def compare(name, got, expected):
    """Record-by-record comparison; returns the number of differences (and prints the first)."""
    problems = 0
    if set(got) != set(expected):
        print(f"{name}: ids differ: {len(set(got) ^ set(expected))} ids in only one of them")
        problems += 1
    for key in sorted(set(got) & set(expected)):
        if got[key] != expected[key]:
            if problems < 3:
                print(f"{name}: record {key} differs:\n  spark {got[key]}\n  cli   {expected[key]}")
            problems += 1
    print(f"{name}: {len(got)} records, {problems} differences from the CLI")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stance", required=True, help="the stance binary")
    parser.add_argument("--model", default=str(ROOT / "models" / "peacekeepers.json"))
    args = parser.parse_args()
    stance_bin = str(Path(args.stance).resolve())

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark import SparkFiles
    from pyspark.sql import SparkSession

    import stance

    work = Path(tempfile.mkdtemp(prefix="stance-spark-"))
    try:
        records = write_records(work / "in")
        expected = cli_reference(stance_bin, args.model, work / "in")
        assert len(expected) == len(records), "the CLI lost records"

        started = time.monotonic()
        spark = (SparkSession.builder.master("local[2]").appName("stance-spark-check")
                 .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4")
                 .getOrCreate())
        sc = spark.sparkContext
        sc.setLogLevel("ERROR")
        # Ship the binary and the model to every executor; run them by their absolute paths.
        sc.addFile(stance_bin)
        sc.addFile(args.model)
        model_name = Path(args.model).name
        cmd = (f"{SparkFiles.get('stance')} --threads 2 --quiet classify --model {SparkFiles.get(model_name)} "
               "--input-format jsonl --level text")
        print(f"spark {spark.version} up in {time.monotonic() - started:.1f} s; pipe command: {cmd}")
        problems = 0

        # 1. The RDD stage through the binary.
        lines = sc.textFile(str(work / "in"), minPartitions=PARTITIONS)
        piped = lines.pipe(cmd, env={"RAYON_NUM_THREADS": "2"}, checkCode=True).map(json.loads).collect()
        problems += compare("rdd pipe", {r["id"]: r for r in piped}, expected)
        if len(piped) != len(records):
            print(f"rdd pipe: {len(piped)} rows for {len(records)} records")
            problems += 1

        # 2. The DataFrame stage through the Python package.
        labels = stance.Classifier.load(args.model).labels
        schema = "id string, text string, label string, " + ", ".join(f"p_{l} double" for l in labels) + \
                 ", on_topic boolean, relevance double"

        def classify_batches(batches):
            classifier = stance.Classifier.load(SparkFiles.get(model_name))
            for batch in batches:
                rows = classifier.classify(batch["text"].tolist(), level="text", as_frame=True)
                out = batch[["id", "text"]].reset_index(drop=True)
                out["label"] = rows["label"]
                for label in labels:
                    out[f"p_{label}"] = rows[f"probabilities.{label}"]
                out["on_topic"] = rows["on_topic"]
                out["relevance"] = rows["relevance"]
                yield out

        frame = spark.read.json(str(work / "in")).repartition(PARTITIONS).mapInPandas(classify_batches, schema)
        got = {}
        for row in frame.collect():
            got[row["id"]] = {"label": row["label"], "probabilities": {l: row[f"p_{l}"] for l in labels},
                              "on_topic": row["on_topic"], "relevance": row["relevance"]}
        keys = ("label", "probabilities", "on_topic", "relevance")
        problems += compare("mapInPandas", got, {k: {f: v[f] for f in keys} for k, v in expected.items()})

        # 3. The fault case: one bad record fails the job with checkCode=True.
        # One file split into several partitions, so a partition's lines do not start the file.
        bad = work / "bad"
        bad.mkdir()
        all_lines = [line for part in sorted((work / "in").iterdir()) for line in part.open(encoding="utf-8")]
        bad_at = len(all_lines) * 3 // 5
        all_lines.insert(bad_at, json.dumps({"id": "bad", "text": 5}) + "\n")
        (bad / "all.jsonl").write_text("".join(all_lines), encoding="utf-8")
        sc.setLogLevel("OFF")  # the failing task's stack trace is expected
        bad_lines = sc.textFile(str(bad), minPartitions=PARTITIONS)
        try:
            bad_lines.pipe(cmd, checkCode=True).count()
            print("fault case: the job with a bad record did not fail")
            problems += 1
        except Exception as error:  # Py4JJavaError wrapping the worker's RuntimeError
            message = str(error)
            if "exited with error code 3" not in message:
                print(f"fault case: the job failed, but not with the pipe's exit code 3: {message[:500]}")
                problems += 1
            else:
                print("fault case: checkCode=True failed the job (the stance process exited 3)")
        # The error names the record by its line counted from the start of its partition.
        partitions = bad_lines.glom().collect()
        where = [(p, i) for p, lines_ in enumerate(partitions) for i, line in enumerate(lines_) if '"bad"' in line]
        (p, i), = where
        done = subprocess.run([stance_bin, "--quiet", "classify", "--input-format", "jsonl", "--level", "text"],
                              input="\n".join(partitions[p]) + "\n", capture_output=True, text=True)
        want = f"<stdin>:{i + 1}: "
        if done.returncode != 3 or want not in done.stderr:
            print(f"fault case: expected exit 3 and {want!r} on stderr, got {done.returncode}: {done.stderr}")
            problems += 1
        else:
            print(f"fault case: the bad record is {want.strip(': ')} of partition {p} "
                  f"({len(partitions[p])} lines), line {bad_at + 1} of its file")
        sc.setLogLevel("ERROR")
        spark.stop()
        print(f"spark-check: {'FAILED' if problems else 'ok'} ({time.monotonic() - started:.1f} s in Spark)")
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
