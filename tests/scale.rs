//! End-to-end tests of training at scale: the accuracy estimate chosen by the data's size
//! (cross-validation, or one held-out fold above 10,000 rows), `--cv`, `--held-out`, and the
//! size-dependent defaults of `--min-df` and `--tolerance`.

use crate::common;

use std::fmt::Write as _;
use std::path::Path;

use common::*;
use serde_json::Value;

fn json_file(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

#[test]
fn held_out_asks_for_one_fold_and_stores_it_typed_in_a_format_5_model() {
    let dir = tmp();
    let run = ok(stance().current_dir(dir.path()).args([
        "train",
        "--data",
        LABELED,
        "--group-col",
        "article",
        "--held-out",
        "--out",
        "m.json",
    ]));
    assert!(
        run.stderr.contains("held-out estimate (fold 1 of 5 grouped by \"article\": 1 group;"),
        "{}",
        run.stderr
    );
    let model = json_file(&dir.path().join("m.json"));
    assert_eq!(model["format_version"], 5);
    let training = &model["training"];
    assert!(training["cross_validation"].is_null());
    assert_eq!(
        training["options"]["held_out"],
        serde_json::json!({"folds": 10, "grouped": true, "seed": 42})
    );
    let estimate = &training["held_out"];
    let rows = training["rows"].as_u64().unwrap();
    assert_eq!(estimate["n_train"].as_u64().unwrap() + estimate["n_test"].as_u64().unwrap(), rows);
    assert!((0.0..=1.0).contains(&f64_of(&estimate["macro_f1"])), "{estimate}");
    // The small-data defaults: terms seen once dropped (from 100 rows), the usual tolerance.
    assert_eq!(training["options"]["params"]["features"]["min_df"], 2);
    assert_eq!(training["options"]["params"]["gradient_tolerance"], 1e-4);
    let card = ok(stance().current_dir(dir.path()).args(["inspect", "--model", "m.json"]));
    assert!(card.stdout.contains("held-out estimate (instead of a cross-validation"), "{}", card.stdout);
    assert!(card.stdout.contains("held out       fold 1 of 5 grouped by \"article\""), "{}", card.stdout);
}

#[test]
fn estimate_flags_exclude_each_other() {
    for flags in [["--cv", "--no-cv"], ["--cv", "--held-out"], ["--held-out", "--no-cv"]] {
        let run = run(stance().args(["train", "--data", LABELED, "--out", "never.json"]).args(flags));
        assert_eq!(run.code, 2, "{flags:?}: {}", run.stderr);
        assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    }
}

/// More than 10,000 rows: plain `train` holds out one fold instead of cross-validating, drops
/// terms seen in fewer than five rows and loosens the tolerance; flags given by hand win.
#[test]
fn large_data_get_the_large_data_defaults() {
    let dir = tmp();
    let mut tsv = String::from("text\tlabel\n");
    let words = ["troops", "peace", "force", "talks", "border", "Kyiv", "London", "Paris"];
    for i in 0..10_001 {
        let (label, verb) = [("oppose", "rejects"), ("support", "backs"), ("neutral", "discusses")][i % 3];
        // "trio0" to "trio2" are each seen in three rows: kept by min-df 2, dropped by 5.
        let trio = if i < 9 { format!(" trio{}", i / 3) } else { String::new() };
        let _ = writeln!(tsv, "{} {verb} {} w{i}{trio}\t{label}", words[i % 8], words[(i / 8) % 8]);
    }
    let data = dir.path().join("large.tsv");
    std::fs::write(&data, tsv).unwrap();
    let run =
        ok(stance().current_dir(dir.path()).arg("train").arg("--data").arg(&data).args(["--out", "m.json"]));
    assert!(
        run.stderr.contains("held-out estimate (fold 1 of 10 stratified by label, seed 42; 1001 rows)"),
        "{}",
        run.stderr
    );
    let model = json_file(&dir.path().join("m.json"));
    let options = &model["training"]["options"];
    assert!(options["cross_validation"].is_null());
    assert_eq!(options["held_out"]["folds"], 10);
    assert_eq!(options["params"]["features"]["min_df"], 5);
    assert_eq!(options["params"]["gradient_tolerance"], 1e-3);
    // The unique "w<i>" words are seen once and the "trio<k>" words three times: pruned.
    let vocabulary = model["features"]["vocabulary"].as_array().unwrap();
    assert!(!vocabulary.iter().any(|t| t.as_str().unwrap().starts_with("w1")), "{}", vocabulary.len());
    assert!(!vocabulary.iter().any(|t| t.as_str().unwrap().contains("trio")), "{}", vocabulary.len());
    assert!(vocabulary.iter().any(|t| t.as_str().unwrap() == "troop"), "{}", vocabulary.len());
    assert_eq!(f64_of(&model["training"]["held_out"]["accuracy"]), 1.0);
    let given = ok(stance().current_dir(dir.path()).arg("train").arg("--data").arg(&data).args([
        "--no-cv",
        "--min-df",
        "1",
        "--tolerance",
        "1e-4",
        "--out",
        "given.json",
    ]));
    assert!(!given.stderr.contains("held-out"), "{}", given.stderr);
    let options = &json_file(&dir.path().join("given.json"))["training"]["options"];
    assert_eq!(options["params"]["features"]["min_df"], 1);
    assert_eq!(options["params"]["gradient_tolerance"], 1e-4);
}

/// `--solver sgd` streams the file: a hashed model that classifies, the same bytes for any
/// thread count, the solver and the data's digest recorded.
#[test]
fn sgd_streams_a_file_into_the_same_model_for_any_thread_count() {
    let dir = tmp();
    let train =
        |threads: &str, out: &str| {
            ok(stance()
                .current_dir(dir.path())
                .args(["--threads", threads, "train", "--data", LABELED])
                .args(["--solver", "sgd", "--hashing-bits", "16", "--passes", "4", "--out", out]))
        };
    let run = train("1", "one.json");
    assert!(run.stderr.contains("by AdaGrad (streamed, 4 passes"), "{}", run.stderr);
    train("2", "two.json");
    let one = std::fs::read(dir.path().join("one.json")).unwrap();
    assert_eq!(one, std::fs::read(dir.path().join("two.json")).unwrap(), "thread count changed the model");
    let model = json_file(&dir.path().join("one.json"));
    assert_eq!(model["features"]["config"]["hashing"]["bits"], 16);
    assert_eq!(model["training"]["options"]["params"]["solver"], "sgd");
    assert_eq!(model["training"]["options"]["params"]["passes"], 4);
    let sha = model["training"]["data_sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha.len(), 64);
    let out = ok(stance()
        .current_dir(dir.path())
        .args(["classify", "--model", "one.json", "--format", "jsonl", "-"])
        .write_stdin("Moscow rejects any foreign troops in Ukraine.\n"));
    assert_eq!(jsonl(&out.stdout).len(), 1);
}

/// What the streamed solver cannot honour, or out-of-range settings, fail before any work and
/// write nothing; a row that is bad late in the file names its line and writes no model.
#[test]
fn sgd_refuses_what_it_cannot_honour_and_bad_rows_leave_no_model() {
    let dir = tmp();
    let cases: [(&[&str], &str); 7] = [
        (&["--calibrate"], "--solver sgd does not support --calibrate"),
        (&["--held-out"], "--solver sgd does not support --held-out"),
        (&["--class-weight", "balanced"], "--solver sgd does not support --class-weight"),
        (&["--learning-rate", "0"], "the learning rate must be in (0, 100], got 0"),
        (&["--learning-rate", "-1"], "the learning rate must be in (0, 100], got -1"),
        (&["--passes", "0"], "passes must be from 1 to 1000, got 0"),
        (&["--passes", "5000"], "passes must be from 1 to 1000, got 5000"),
    ];
    for (flags, message) in cases {
        let refused = run(stance()
            .current_dir(dir.path())
            .args(["train", "--data", LABELED, "--solver", "sgd", "--out", "m.json"])
            .args(flags));
        assert_ne!(refused.code, 0, "{flags:?}");
        assert!(refused.stderr.contains(message), "{flags:?}: {}", refused.stderr);
        assert!(!dir.path().join("m.json").exists());
    }
    let lbfgs = run(stance()
        .current_dir(dir.path())
        .args(["train", "--data", LABELED, "--passes", "2", "--out", "m.json"]));
    assert!(
        lbfgs.stderr.contains("--learning-rate and --passes are options of --solver sgd"),
        "{}",
        lbfgs.stderr
    );
    let csv = run(stance()
        .current_dir(dir.path())
        .arg("train")
        .arg("--data")
        .arg(fixture("tiny.csv"))
        .args(["--solver", "sgd", "--out", "m.json"]));
    assert!(csv.stderr.contains("csv files cannot be streamed"), "{}", csv.stderr);

    // A file that turns bad after 30,000 good rows: the error names the line, no model is written.
    let late_bad_row = |name: &str, contents: String, line: usize| {
        std::fs::write(dir.path().join(name), contents).unwrap();
        let late = run(stance()
            .current_dir(dir.path())
            .args(["train", "--data", name, "--solver", "sgd", "--out", "m.json"]));
        assert_eq!(late.code, 1, "{}", late.stderr);
        assert!(late.stderr.contains(&format!("{name}:{line}:")), "{}", late.stderr);
        assert!(!dir.path().join("m.json").exists());
    };
    let mut tsv = String::from("text\tlabel\n");
    let mut jsonl = String::new();
    for i in 0..30_000 {
        let (word, label) = [("backs", "support"), ("rejects", "oppose")][i % 2];
        let _ = writeln!(tsv, "row {i} {word} troops\t{label}");
        let _ = writeln!(jsonl, r#"{{"text": "row {i} {word} troops", "label": "{label}"}}"#);
    }
    tsv.push_str("a row\twith\tthree fields\n");
    late_bad_row("late.tsv", tsv, 30_002);
    // A record cut short, as a truncated download ends.
    jsonl.push_str("{\"text\": \"a row\", \"lab\n");
    late_bad_row("late.jsonl", jsonl, 30_001);
}
