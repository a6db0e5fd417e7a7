//! End-to-end tests of issue 13's honesty checks: every report shows the majority-class
//! baseline beside its metrics, and `evaluate` warns when the data is the model's training file.

use crate::common;

use common::*;
use serde_json::Value;

const SEED: &str = "../../data/labeled/training.tsv";

fn training_file() -> std::path::PathBuf {
    fixture(SEED)
}

#[test]
fn evaluate_warns_on_the_training_data_and_shows_the_baseline() {
    let dir = tmp();
    // The compiled-in default model was trained on this file.
    let out = ok(stance().current_dir(dir.path()).args(["evaluate", "--data"]).arg(training_file()));
    assert!(out.stderr.contains("stance: warning: evaluating on the training data"), "{}", out.stderr);
    assert!(out.stdout.contains("support  majority"), "{}", out.stdout);
    assert!(out.stdout.contains("majority: the scores of a rule that ignores the text (always neutral)"));

    let json = ok(stance()
        .current_dir(dir.path())
        .args(["evaluate", "--format", "json", "--data"])
        .arg(training_file()));
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    let baseline = &value["baseline"];
    assert_eq!(baseline["rule"], "always neutral");
    // Always neutral is right exactly on the neutral rows.
    let neutral = value["per_class"]["neutral"]["support"].as_f64().unwrap();
    let rows = value["n"].as_f64().unwrap();
    assert!((f64_of(&baseline["accuracy"]) - neutral / rows).abs() < 1e-12, "{baseline}");

    let md = ok(stance()
        .current_dir(dir.path())
        .args(["evaluate", "--format", "markdown", "--report", "page.html", "--data"])
        .arg(training_file()));
    assert!(md.stdout.contains("Majority-class baseline (always neutral, ignoring the text): accuracy 0."));
    let html = std::fs::read_to_string(dir.path().join("page.html")).unwrap();
    assert!(html.contains("<span>accuracy</span><i>majority 0."), "{html}");
}

#[test]
fn evaluate_does_not_warn_on_other_data() {
    let dir = tmp();
    let other = dir.path().join("other.tsv");
    std::fs::write(&other, "text\tlabel\nMoscow rejects any Western troops in Ukraine\toppose\n").unwrap();
    let out = ok(stance().current_dir(dir.path()).args(["evaluate", "--data"]).arg(&other));
    assert!(!out.stderr.contains("training data"), "{}", out.stderr);
}

#[test]
fn cv_reports_the_baseline_in_text_and_json() {
    let dir = tmp();
    let out = ok(stance()
        .current_dir(dir.path())
        .args(["cv", "--folds", "3", "--format", "json", "--data"])
        .arg(fixture("semeval-sample.txt"))
        .args(["--encoding", "auto"]));
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    // Rows carry targets, so the baseline is SemEval's: each target's majority label.
    assert_eq!(value["pooled"]["baseline"]["rule"], "the majority label of each target");
    assert!(value["pooled"]["baseline"]["f_avg"].is_number(), "{}", value["pooled"]);
}
