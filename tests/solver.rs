//! End-to-end tests of the solver options: `--solver dense|sparse|auto` and `--class-weight`.

use crate::common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn json_file(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Trains the seed corpus with `extra` options into `dir/out` and returns the model file.
fn train(dir: &Path, out: &str, extra: &[&str]) -> Value {
    ok(stance()
        .current_dir(dir)
        .args(["train", "--data", LABELED, "--no-cv", "--tolerance", "1e-5", "--tolerance-scale", "sum"])
        // The solver tests were written for alpha 1 and word n-grams alone.
        .args(["--alpha", "1", "--char-ngrams", "none"])
        .args(["--out", out])
        .args(extra));
    json_file(&dir.join(out))
}

fn classify(dir: &Path, model: &str) -> Vec<String> {
    let out = ok(stance().current_dir(dir).args(["classify", "--model", model, CORPUS]));
    jsonl(&out.stdout).iter().map(|row| row["label"].as_str().expect("a label").to_string()).collect()
}

#[test]
fn dense_and_sparse_solvers_classify_the_corpus_alike() {
    let dir = tmp();
    // Unweighted, so the dense solver is linfa-logistic's.
    let dense = train(dir.path(), "dense.json", &["--solver", "dense", "--class-weight", "none"]);
    let sparse = train(dir.path(), "sparse.json", &["--solver", "sparse", "--class-weight", "none"]);
    assert_eq!(dense["training"]["options"]["params"]["solver"], "dense");
    assert_eq!(sparse["training"]["options"]["params"]["solver"], "sparse");
    let name = |model: &Value| model["training"]["solver"]["solver"].as_str().unwrap().to_string();
    assert!(name(&dense).contains("linfa-logistic"), "{}", name(&dense));
    assert!(name(&sparse).contains("sparse"), "{}", name(&sparse));
    for model in [&dense, &sparse] {
        assert_eq!(model["training"]["solver"]["converged"], true, "{}", model["training"]["solver"]);
    }
    let (a, b) = (&dense["training"]["solver"]["objective"], &sparse["training"]["solver"]["objective"]);
    assert!((f64_of(a) - f64_of(b)).abs() < 1e-6, "objectives {a} and {b}");

    let labels = classify(dir.path(), "dense.json");
    assert_eq!(labels.len(), 169);
    assert_eq!(labels, classify(dir.path(), "sparse.json"));
    // Auto picks the dense solver for data this small, and records nothing for the default.
    let auto = train(dir.path(), "auto.json", &["--class-weight", "none"]);
    assert!(auto["training"]["options"]["params"].get("solver").is_none());
    assert_eq!(name(&auto), name(&dense));
}

#[test]
fn class_weights_are_recorded_and_change_the_model() {
    let dir = tmp();
    let plain = train(dir.path(), "plain.json", &["--solver", "sparse", "--class-weight", "none"]);
    let balanced = train(dir.path(), "balanced.json", &["--class-weight", "balanced"]);
    let params = &balanced["training"]["options"]["params"];
    assert_eq!(params["class_weight"], "balanced");
    assert!(plain["training"]["options"]["params"].get("class_weight").is_none());
    // Balanced weights on 115 neutral / 40 oppose / 14 support rows favour "support".
    let count = |labels: &[String]| labels.iter().filter(|l| *l == "support").count();
    let (before, after) = (classify(dir.path(), "plain.json"), classify(dir.path(), "balanced.json"));
    assert!(count(&after) > count(&before), "support predicted {} → {} times", count(&before), count(&after));

    let explicit = train(dir.path(), "explicit.json", &["--class-weight", "support=3,oppose=1.5"]);
    assert_eq!(
        explicit["training"]["options"]["params"]["class_weight"],
        serde_json::json!({"explicit": {"oppose": 1.5, "support": 3.0}})
    );
}

#[test]
fn bad_class_weights_are_rejected_with_a_clear_message() {
    for (value, message) in [
        ("support=0", "positive number"),
        ("support=-2", "positive number"),
        ("support=abc", "positive number"),
        ("balance", "LABEL=WEIGHT"),
        ("support=1,support=2", "given twice"),
    ] {
        let out = run(stance().current_dir(tmp().path()).args([
            "train",
            "--data",
            LABELED,
            "--no-cv",
            "--class-weight",
            value,
        ]));
        assert_eq!(out.code, 2, "{value}: {}", out.stderr);
        assert!(
            out.stderr.contains("--class-weight") && out.stderr.contains(message),
            "{value}: {}",
            out.stderr
        );
    }
    let dir = tmp();
    let out = run(stance().current_dir(dir.path()).args([
        "train",
        "--data",
        LABELED,
        "--no-cv",
        "--out",
        "m.json",
        "--class-weight",
        "suport=2",
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("\"suport\"") && out.stderr.contains("neutral, oppose, support"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn hashing_trains_a_vocabulary_free_model_that_classifies_and_explains() {
    let dir = tmp();
    let model =
        train(dir.path(), "hashed.json", &["--solver", "sparse", "--hashing-bits", "16", "--hash-seed", "7"]);
    let hashing = &model["features"]["config"]["hashing"];
    assert_eq!((hashing["bits"].as_u64(), hashing["seed"].as_u64()), (Some(16), Some(7)), "{hashing}");
    assert_eq!(model["features"]["vocabulary"].as_array().map(Vec::len), Some(0));
    // Same data, same options: the same file, byte for byte.
    train(dir.path(), "again.json", &["--solver", "sparse", "--hashing-bits", "16", "--hash-seed", "7"]);
    assert_eq!(
        std::fs::read(dir.path().join("hashed.json")).unwrap(),
        std::fs::read(dir.path().join("again.json")).unwrap()
    );
    let labels = classify(dir.path(), "hashed.json");
    assert!(!labels.is_empty() && labels.iter().all(|l| LABELS.contains(&l.as_str())));
    let card = ok(stance().current_dir(dir.path()).args(["inspect", "--model", "hashed.json"]));
    assert!(card.stdout.contains("hashed, 2^16"), "{}", card.stdout);
    let why = ok(stance().current_dir(dir.path()).args([
        "explain",
        "--model",
        "hashed.json",
        "Lavrov rejected the peacekeepers.",
    ]));
    assert!(why.stdout.contains("peacekeep"), "{}", why.stdout);
    // Out-of-range bits and a seed without hashing are refused before training.
    let bad = common::run(stance().current_dir(dir.path()).args([
        "train",
        "--data",
        LABELED,
        "--no-cv",
        "--hashing-bits",
        "40",
        "--out",
        "x.json",
    ]));
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("bits"), "{}", bad.stderr);
    let bad = common::run(stance().current_dir(dir.path()).args([
        "train",
        "--data",
        LABELED,
        "--no-cv",
        "--hash-seed",
        "3",
        "--out",
        "x.json",
    ]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(!dir.path().join("x.json").exists());
}
