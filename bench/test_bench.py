"""Tests of the benchmark driver's own logic (run: bench/.venv/bin/python -m unittest discover bench).

Not part of CI, which needs only the Rust toolchain; `make bench` runs them before measuring.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402
import compare_sklearn  # noqa: E402
import synth  # noqa: E402


class ScoresTest(unittest.TestCase):
    def test_macro_f1_matches_scikit_learn(self):
        from sklearn.metrics import f1_score

        truth = ["a", "a", "b", "c", "c", "c", "b", "a"]
        predicted = ["a", "b", "b", "c", "a", "c", "d", "a"]
        mine = bench.scores(truth, predicted)
        self.assertAlmostEqual(mine["macro_f1"], f1_score(truth, predicted, average="macro"), places=12)
        self.assertAlmostEqual(mine["accuracy"], 5 / 8)

    def test_length_mismatch_is_an_error(self):
        with self.assertRaises(ValueError):
            bench.scores(["a", "b"], ["a"])


class CorpusTest(unittest.TestCase):
    def test_same_seed_same_bytes_and_formats_agree(self):
        digests = []
        for _ in range(2):
            with tempfile.TemporaryDirectory() as tmp:
                directory = synth.ensure_corpus(Path(tmp), 300, 7)
                files = sorted(p.name for p in directory.iterdir())
                digests.append({n: hashlib.sha256((directory / n).read_bytes()).hexdigest() for n in files})
                tsv = (directory / "test.tsv").read_text().splitlines()[1:]
                ft = (directory / "test.ft").read_text().splitlines()
                vw = (directory / "test.vw").read_text().splitlines()
                labels = (directory / "test.labels").read_text().splitlines()
                self.assertEqual(len(tsv), synth.test_rows_for(300))
                for t, f, v, label in zip(tsv, ft, vw, labels):
                    text = t.split("\t")[0]
                    self.assertEqual(t, f"{text}\t{label}")
                    self.assertEqual(f, f"__label__{label} {text}")
                    self.assertEqual(v, f"{synth.LABELS.index(label) + 1} |w {text}")
        self.assertEqual(digests[0], digests[1])

    def test_different_seed_different_rows(self):
        a, _ = synth.Corpus(1).rows(50)
        b, _ = synth.Corpus(2).rows(50)
        self.assertNotEqual(a, b)


class FlagsTest(unittest.TestCase):
    def test_missing_flags_are_named(self):
        available = {"--model", "--level"}
        args = ["classify", "--model", "m", "--input-format", "jsonl", "--level", "text"]
        self.assertEqual(bench.missing_flags(args, available), ["--input-format"])


class BestOfTest(unittest.TestCase):
    def test_the_fastest_run_is_kept_with_every_time(self):
        times = iter([2.0, 1.0, 3.0])
        best = bench.best_of(3, lambda: bench.Step("ok", next(times), 10.0))
        self.assertEqual((best.seconds, best.runs_seconds), (1.0, [2.0, 1.0, 3.0]))
        self.assertIsNone(bench.best_of(1, lambda: bench.Step("ok", 4.0)).runs_seconds)

    def test_a_failed_run_is_returned_and_not_retried(self):
        calls = []

        def run():
            calls.append(1)
            return bench.Step("ok", 1.0) if len(calls) == 1 else bench.Step("failed: boom", 0.1)

        self.assertEqual(bench.best_of(3, run).status, "failed: boom")
        self.assertEqual(len(calls), 2)


class MillionGoalTest(unittest.TestCase):
    @staticmethod
    def result(system_id: str, train_s: float, macro_f1: float) -> dict:
        ok = {"status": "ok", "seconds": train_s, "peak_rss_mb": 100.0, "stderr_tail": ""}
        return {"id": system_id, "train": ok, "predict": ok, "macro_f1": macro_f1}

    def test_the_1m_row_compares_with_fasttext_at_1m(self):
        million = {"stance-default": self.result("stance-default", 30.0, 0.87), "fasttext": self.result("fasttext", 20.0, 0.82)}
        row = [g for g in bench.goals([], None, None, million, 200_000) if g[0].startswith("1M rows")][0]
        self.assertIn("1.50× fastText's 20.0 s", row[1])
        self.assertIn("macro-F1 0.8700", row[1])
        self.assertEqual(row[3], "**NOT met**")
        million["fasttext"]["train"]["seconds"] = 40.0
        row = [g for g in bench.goals([], None, None, million, 200_000) if g[0].startswith("1M rows")][0]
        self.assertEqual(row[3], "met")
        row = [g for g in bench.goals([], None, None, None, 200_000) if g[0].startswith("1M rows")][0]
        self.assertIn("BENCH_MILLION=1", row[1])


class ThroughputGoalTest(unittest.TestCase):
    def test_a_one_core_peer_counts_its_faster_way(self):
        ok = {"status": "ok", "seconds": 1.0, "peak_rss_mb": 100.0, "stderr_tail": ""}
        st = {"id": "stance-default", "train": ok, "predict": ok, "rows_per_s": 200.0}
        vw = {"id": "vw", "train": ok, "predict": ok, "rows_per_s": 150.0}
        ft = {"id": "fasttext", "train": ok, "predict": ok, "rows_per_s": 100.0}
        row = lambda: [g for g in bench.goals([st, ft, vw], None, None, None, 1) if g[0].startswith("classify")][0]
        self.assertIn("2.00× fastText", row()[1])
        self.assertEqual(row()[3], "met")
        ft["predict_processes"] = {"processes": 2, **ok, "seconds": 0.5, "rows_per_s": 160.0}
        self.assertIn("1.25× fastText", row()[1])
        self.assertIn("best of 1 process and 2 processes", row()[0])
        self.assertEqual(row()[3], "**NOT met**")
        ft["predict_processes"]["rows_per_s"] = 50.0  # slower side by side: one process counts
        self.assertIn("2.00× fastText", row()[1])
        self.assertIsNone(bench.best_rows_per_s({"predict_processes": {"status": "failed"}}))


class AnalyzerTest(unittest.TestCase):
    def test_terms_follow_stance(self):
        analyzer = compare_sklearn.StanceAnalyzer((1, 2), (2, 3), stem=True)
        terms = analyzer("Russia’s troops, 1,000 of them")
        self.assertEqual(terms[0], "russia")  # "russia's" is one token (apostrophe folded), stemmed
        self.assertNotIn("s", terms)
        self.assertIn("1,000", terms)
        self.assertIn("troop 1,000", terms)
        self.assertIn("# t", terms)  # char_wb: padded token
        self.assertNotIn("# tr ", terms)  # longer than the range


if __name__ == "__main__":
    unittest.main()
