//! `--nb-scaling` and `--blend` end to end: recorded in the model, deterministic, applied by
//! classify, evaluate and explain through the stored weights alone, and contradictory
//! options refused as usage errors before any work.

use crate::common;

use common::*;
use serde_json::Value;

fn train(dir: &std::path::Path, name: &str, extra: &[&str]) -> (Value, Vec<u8>) {
    let out = dir.join(name);
    ok(stance()
        .args(["train", "--quiet", "--data", LABELED, "--group-col", "article", "--no-cv"])
        .args(["--alpha", "0.3", "--class-weight", "balanced"])
        .args(extra)
        .arg("--out")
        .arg(&out));
    let bytes = std::fs::read(&out).unwrap();
    (serde_json::from_slice(&bytes).unwrap(), bytes)
}

/// Accuracy of `evaluate --format json` of `model` on the seed corpus.
fn accuracy(model: &std::path::Path) -> f64 {
    let out =
        ok(stance().args(["evaluate", "--format", "json", "--data", LABELED]).arg("--model").arg(model));
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    f64_of(&summary["accuracy"])
}

/// `explain`'s logits and probabilities for `text`, and `classify`'s probabilities.
fn explain_and_classify(model: &std::path::Path, text: &str) -> (Value, Value) {
    let explained = ok(stance().args(["explain", "--format", "json", text]).arg("--model").arg(model));
    let classified =
        ok(stance().args(["classify", "--level", "text", "-"]).arg("--model").arg(model).write_stdin(text));
    (jsonl(&explained.stdout).remove(0), jsonl(&classified.stdout).remove(0))
}

fn check_model(dir: &std::path::Path, name: &str, flag: &str, extra: &[&str]) {
    let mut args = vec![flag];
    args.extend(extra);
    let (model, bytes) = train(dir, name, &args);
    let params = &model["training"]["options"]["params"];
    assert_eq!(params[flag.trim_start_matches("--").replace('-', "_")], true, "{params}");
    // Same data and options: the same bytes.
    let (_, again) = train(dir, &format!("again-{name}"), &args);
    assert!(bytes == again, "{flag}: two runs gave different model files");
    // Without the flag the weights differ.
    let (plain, _) = train(dir, &format!("plain-{name}"), extra);
    assert_ne!(model["weights"], plain["weights"], "{flag} changed nothing");
    let path = dir.join(name);
    // The stored model fits its own training data (every scorer reads the same weights).
    let fitted = accuracy(&path);
    assert!(fitted > 0.9, "{flag}: training accuracy {fitted}");
    let text = "Moscow rejects any deployment of Western troops in Ukraine.";
    let (explanation, prediction) = explain_and_classify(&path, text);
    assert_eq!(explanation["label"], prediction["label"]);
    for label in LABELS {
        let (a, b) =
            (f64_of(&explanation["probabilities"][label]), f64_of(&prediction["probabilities"][label]));
        assert!((a - b).abs() < 1e-12, "{flag} {label}: {a} vs {b}");
    }
    assert_eq!(prediction["label"], "oppose", "{flag}: {prediction}");
}

#[test]
fn nb_scaling_is_recorded_deterministic_and_scored_by_every_path() {
    let dir = tmp();
    check_model(dir.path(), "nb.json", "--nb-scaling", &[]);
    let model: Value = serde_json::from_slice(&std::fs::read(dir.path().join("nb.json")).unwrap()).unwrap();
    assert!(
        model["training"]["solver"]["solver"].as_str().unwrap().contains("NB-scaled"),
        "{}",
        model["training"]["solver"]
    );
}

#[test]
fn blend_is_recorded_deterministic_and_scored_by_every_path() {
    let dir = tmp();
    check_model(dir.path(), "blend.json", "--blend", &["--char-ngrams", "2-4"]);
}

#[test]
fn cv_and_tune_take_both_options() {
    let tiny = fixture("tiny.tsv");
    let out = ok(stance()
        .args(["cv", "--format", "json", "--folds", "3", "--group-col", "article", "--data"])
        .arg(&tiny)
        .args(["--nb-scaling", "--blend", "--char-ngrams", "2-4"]));
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(report["pooled"]["accuracy"].is_number(), "{report}");
    let dir = tmp();
    let model = dir.path().join("tuned.json");
    let run = ok(stance()
        .args(["tune", "--quiet", "--folds", "3", "--group-col", "article", "--char-ngrams", "2-4", "--data"])
        .arg(&tiny)
        .args(["--grid", "nb-scaling=off,on", "--grid", "blend=off,on", "--out"])
        .arg(&model));
    assert!(run.stdout.contains("| nb_scaling | blend |"), "{}", run.stdout);
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("tuned.tune.json")).unwrap()).unwrap();
    assert_eq!(results["candidates"].as_array().unwrap().len(), 4);
}

#[test]
fn contradictory_fitting_options_are_usage_errors_before_any_work() {
    let dir = tmp();
    let tiny = fixture("tiny.tsv");
    let cases: &[(&[&str], &str, &str)] = &[
        (&["train", "--blend", "--char-ngrams", "none"], "no character n-grams", "--char-ngrams"),
        (
            &["cv", "--blend", "--word-ngrams", "none", "--char-ngrams", "2-5"],
            "only character n-grams",
            "--word-ngrams",
        ),
        (
            &["train", "--blend", "--char-ngrams", "2-5", "--hashing-bits", "16"],
            "needs a vocabulary",
            "--hashing-bits",
        ),
        (&["tune", "--blend", "--char-ngrams", "none"], "no character n-grams", "--char-ngrams"),
        (&["train", "--solver", "sgd", "--nb-scaling"], "does not support --nb-scaling", ""),
    ];
    for (args, message, hint) in cases {
        let out = run(stance()
            .current_dir(dir.path())
            .args(*args)
            .arg("--data")
            .arg(&tiny)
            .args(["--out", "m.json"]));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(message) && out.stderr.contains(hint), "{args:?}: {}", out.stderr);
        assert!(!dir.path().join("m.json").exists());
    }
    // A grid value other than on/off names the axis.
    let out = run(stance()
        .args(["tune", "--data"])
        .arg(&tiny)
        .args(["--grid", "nb-scaling=maybe", "--out"])
        .arg(dir.path().join("m.json")));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nb_scaling=maybe") && out.stderr.contains("on or off"), "{}", out.stderr);
}
