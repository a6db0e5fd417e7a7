//! End-to-end tests of the evaluation features of issue 4, with the real `stance` binary: the
//! SemEval-2016 Task 6 layout and its Windows-1252 files, F_avg, per-target metrics,
//! temperature scaling (`train --calibrate`) and abstention (`evaluate --min-confidence`).

use crate::common;

use std::path::Path;

use common::*;
use serde_json::Value;

const SEMEVAL: &str = "semeval-sample.txt";

fn json(out: &Run) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// Runs `cmd` and requires a reported failure: exit 1 and a `stance: error:` line.
fn fails(cmd: &mut assert_cmd::Command) -> Run {
    let out = run(cmd);
    assert_eq!(out.code, 1, "expected exit code 1; stderr:\n{}", out.stderr);
    assert!(out.stderr.contains("stance: error: "), "{}", out.stderr);
    out
}

/// Trains a model on the SemEval sample in `dir` (as `semeval.json`), with `extra` flags.
fn train_semeval(dir: &Path, extra: &[&str]) -> Run {
    let data = fixture(SEMEVAL);
    let mut command = stance();
    command.current_dir(dir).args(["train", "--data"]).arg(&data).args([
        "--encoding",
        "auto",
        "--alpha",
        "0.1",
        "--folds",
        "3",
        "--out",
        "semeval.json",
    ]);
    ok(command.args(extra))
}

#[test]
fn semeval_sample_is_read_with_its_targets_and_decoded_characters() {
    let dir = tmp();
    let data = fixture(SEMEVAL);
    // Strict UTF-8 (the default) names the file and the first bad line.
    let out = fails(stance().current_dir(dir.path()).args(["cv", "--data"]).arg(&data));
    assert!(out.stderr.contains("semeval-sample.txt:2: invalid UTF-8"), "{}", out.stderr);
    assert!(out.stderr.contains("--encoding"), "{}", out.stderr);

    // auto falls back to Windows-1252 and says where; the header picks the SemEval layout.
    let trained = train_semeval(dir.path(), &[]);
    assert!(
        trained.stderr.contains("semeval-sample.txt:2: not valid UTF-8; read the whole file as Windows-1252"),
        "{}",
        trained.stderr
    );
    assert!(
        trained.stderr.contains("trained on 30 rows (AGAINST 10, FAVOR 11, NONE 9)"),
        "{}",
        trained.stderr
    );
    assert!(trained.stderr.contains("pooled F_avg"), "{}", trained.stderr);
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("semeval.json")).unwrap()).unwrap();
    assert_eq!(model["labels"], serde_json::json!(["AGAINST", "FAVOR", "NONE"]));
    assert_eq!(model["neutral_label"], "NONE", "SemEval's NONE is detected as the neutral label");
    // The decoded apostrophe (0x92 → ’) is folded by the analyzer: "won’t" gives the term "won't".
    let vocabulary = model["features"]["vocabulary"].as_array().unwrap();
    assert!(vocabulary.iter().any(|t| t == "won't"), "0x92 was not decoded as an apostrophe");
    assert!(!vocabulary.iter().any(|t| t.as_str().unwrap().contains('\u{fffd}')));

    // Named explicitly (any extension), no warning.
    std::fs::copy(&data, dir.path().join("tweets.dat")).unwrap();
    let out = ok(stance().current_dir(dir.path()).args([
        "evaluate",
        "--model",
        "semeval.json",
        "--data",
        "tweets.dat",
        "--input-format",
        "semeval",
        "--encoding",
        "windows-1252",
        "--format",
        "json",
    ]));
    assert!(!out.stderr.contains("Windows-1252"), "{}", out.stderr);
    assert_eq!(json(&out)["n"], 30);
}

#[test]
fn semeval_evaluate_reports_f_avg_and_per_target() {
    let dir = tmp();
    train_semeval(dir.path(), &["--no-cv"]);
    let out = ok(stance()
        .current_dir(dir.path())
        .args(["evaluate", "--model", "semeval.json", "--data"])
        .arg(fixture(SEMEVAL))
        .args(["--encoding", "auto", "--format", "json"]));
    let report = json(&out);
    let f1 = |label: &str| f64_of(&report["per_class"][label]["f1"]);
    assert!((f64_of(&report["f_avg"]) - (f1("FAVOR") + f1("AGAINST")) / 2.0).abs() < 1e-12, "{report}");
    let targets = report["per_target"].as_object().expect("per_target");
    let names: Vec<&str> = targets.keys().map(String::as_str).collect();
    assert_eq!(names, ["Atheism", "Climate Change is a Real Concern", "Hillary Clinton"]);
    let mut total = 0;
    for (target, r) in targets {
        assert_eq!(r["n"], 10, "{target}");
        total += r["n"].as_u64().unwrap();
        let f1 = |label: &str| f64_of(&r["per_class"][label]["f1"]);
        assert!((f64_of(&r["f_avg"]) - (f1("FAVOR") + f1("AGAINST")) / 2.0).abs() < 1e-12, "{target}");
    }
    assert_eq!(total, 30);

    // Another neutral label, another F_avg: (F1 FAVOR + F1 NONE) / 2.
    let out = ok(stance()
        .current_dir(dir.path())
        .args(["evaluate", "--model", "semeval.json", "--neutral-label", "AGAINST", "--data"])
        .arg(fixture(SEMEVAL))
        .args(["--encoding", "auto", "--format", "json"]));
    let other = json(&out);
    let f1 = |label: &str| f64_of(&other["per_class"][label]["f1"]);
    assert!((f64_of(&other["f_avg"]) - (f1("FAVOR") + f1("NONE")) / 2.0).abs() < 1e-12);

    // Text, Markdown and HTML show both.
    let text = ok(stance()
        .current_dir(dir.path())
        .args(["evaluate", "--model", "semeval.json", "--encoding", "auto", "--data"])
        .arg(fixture(SEMEVAL))
        .args(["--report", "page.html"]));
    assert!(text.stdout.contains("       F_avg  "), "{}", text.stdout);
    assert!(text.stdout.contains("per target:\ntarget "), "{}", text.stdout);
    assert!(text.stdout.contains("\nHillary Clinton  "), "{}", text.stdout);
    let html = std::fs::read_to_string(dir.path().join("page.html")).unwrap();
    assert!(html.contains("F_avg (stance labels)") && html.contains("<h2>Per target</h2>"));
    let markdown = ok(stance()
        .current_dir(dir.path())
        .args(["evaluate", "--model", "semeval.json", "--encoding", "auto", "--format", "markdown", "--data"])
        .arg(fixture(SEMEVAL)));
    assert!(markdown.stdout.contains("| rows | accuracy | macro-F1 | F_avg | weighted-F1 | ECE |"));
    assert!(markdown.stdout.contains("| Atheism | 10 | "), "{}", markdown.stdout);
}

#[test]
fn cv_on_semeval_reports_f_avg_per_fold_and_per_target() {
    let dir = tmp();
    let out = ok(stance()
        .current_dir(dir.path())
        .args(["cv", "--encoding", "auto", "--folds", "3", "--alpha", "0.1", "--format", "json", "--data"])
        .arg(fixture(SEMEVAL)));
    let report = json(&out);
    assert_eq!(report["neutral_label"], "NONE");
    let folds = report["per_fold"].as_array().unwrap();
    assert!(folds.iter().all(|f| f["f_avg"].is_number()), "{report}");
    let mean = folds.iter().map(|f| f64_of(&f["f_avg"])).sum::<f64>() / folds.len() as f64;
    assert!((f64_of(&report["mean"]["f_avg"]["mean"]) - mean).abs() < 1e-12);
    let pooled = &report["pooled"];
    let f1 = |label: &str| f64_of(&pooled["per_class"][label]["f1"]);
    assert!((f64_of(&pooled["f_avg"]) - (f1("FAVOR") + f1("AGAINST")) / 2.0).abs() < 1e-12);
    assert_eq!(report["per_target"].as_object().unwrap().len(), 3);
    let text = ok(stance()
        .current_dir(dir.path())
        .args(["cv", "--encoding", "auto", "--folds", "3", "--alpha", "0.1", "--data"])
        .arg(fixture(SEMEVAL)));
    assert!(
        text.stdout.contains("F_avg  test groups") && text.stdout.contains("per target:"),
        "{}",
        text.stdout
    );
}

#[test]
fn min_confidence_leaves_unsure_rows_undecided() {
    let out =
        ok(stance().args(["evaluate", "--data", LABELED, "--min-confidence", "0.9", "--format", "json"]));
    let report = json(&out);
    let a = &report["abstention"];
    assert_eq!(a["min_confidence"], 0.9);
    assert_eq!(a["n"], 169);
    let coverage = f64_of(&a["coverage"]);
    assert!(coverage < 1.0, "{a}");
    assert!((coverage - a["decided"].as_f64().unwrap() / 169.0).abs() < 1e-12);
    let thresholds: Vec<f64> =
        a["curve"].as_array().unwrap().iter().map(|p| f64_of(&p["min_confidence"])).collect();
    assert_eq!(thresholds, [0.34, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    let decided: Vec<u64> =
        a["curve"].as_array().unwrap().iter().map(|p| p["decided"].as_u64().unwrap()).collect();
    assert!(decided.windows(2).all(|w| w[0] >= w[1]), "coverage never grows with the threshold: {decided:?}");
    assert_eq!(decided[6], a["decided"].as_u64().unwrap());
    // The decided rows are the ones the model is surest of: at least as accurate as all rows.
    assert!(f64_of(&a["accuracy"]) >= f64_of(&report["accuracy"]));

    let text = ok(stance().args(["evaluate", "--data", LABELED, "--min-confidence", "0.55"]));
    assert!(text.stdout.contains("abstention at confidence >= 0.55: coverage "), "{}", text.stdout);
    assert!(text.stdout.contains("\n          0.55  "), "{}", text.stdout);
    // Without the flag, no abstention.
    let plain = json(&ok(stance().args(["evaluate", "--data", LABELED, "--format", "json"])));
    assert!(plain.get("abstention").is_none());
}

#[test]
fn bad_values_are_rejected_clearly() {
    for bad in ["1.5", "-0.1", "abc"] {
        let out = run(stance().args(["evaluate", "--data", LABELED, "--min-confidence", bad]));
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("--min-confidence"), "{}", out.stderr);
    }
    let out = run(stance().args(["evaluate", "--data", LABELED, "--min-confidence", "1.5"]));
    assert!(out.stderr.contains("1.5 is not a probability: it must be between 0 and 1"), "{}", out.stderr);
    let out = fails(stance().args(["evaluate", "--data", LABELED, "--neutral-label", "NONE"]));
    assert!(
        out.stderr
            .contains("--neutral-label \"NONE\" is not one of the model's labels (neutral, oppose, support)"),
        "{}",
        out.stderr
    );
    // cv checks it before any fold is fitted.
    let out = fails(stance().args(["cv", "--data", LABELED, "--neutral-label", "NONE"]));
    assert!(out.stderr.contains("neutral label \"NONE\" is not among the data's labels"), "{}", out.stderr);
    let out = run(stance().args(["evaluate", "--data", LABELED, "--encoding", "latin9"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("windows-1252"), "{}", out.stderr);
}

#[test]
fn train_calibrate_stores_a_temperature_that_inspect_and_evaluate_show() {
    let dir = tmp();
    let trained = ok(stance().current_dir(dir.path()).args([
        "train",
        "--data",
        LABELED,
        "--group-col",
        "article",
        "--no-cv",
        "--calibrate",
        "--out",
        "calibrated.json",
    ]));
    assert!(trained.stderr.contains("calibration: temperature "), "{}", trained.stderr);
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("calibrated.json")).unwrap()).unwrap();
    let temperature = f64_of(&model["calibration"]["temperature"]);
    assert!(temperature.is_finite() && temperature > 0.0 && temperature != 1.0, "{temperature}");
    let fitted_on = model["calibration"]["fitted_on"].as_str().unwrap();
    assert!(fitted_on.contains("grouped by \"article\""), "{fitted_on}");

    let card = ok(stance().current_dir(dir.path()).args(["inspect", "--model", "calibrated.json"]));
    assert!(card.stdout.contains(&format!("calibration\n  temperature {temperature} ")), "{}", card.stdout);
    let card = json(&ok(stance().current_dir(dir.path()).args([
        "inspect",
        "--model",
        "calibrated.json",
        "--format",
        "json",
    ])));
    assert_eq!(f64_of(&card["calibration"]["temperature"]), temperature);
    // A model without a temperature says so, and has no calibration key.
    let plain = ok(stance().args(["inspect"]));
    assert!(plain.stdout.contains("calibration: none"), "{}", plain.stdout);

    // Evaluate shows the ECE with and without the temperature; the labels do not change.
    let calibrated = json(&ok(stance().current_dir(dir.path()).args([
        "evaluate",
        "--model",
        "calibrated.json",
        "--data",
        LABELED,
        "--format",
        "json",
    ])));
    let effect = &calibrated["temperature"];
    assert_eq!(f64_of(&effect["temperature"]), temperature);
    assert_eq!(f64_of(&effect["ece_calibrated"]), f64_of(&calibrated["calibration"]["ece"]));
    assert!(f64_of(&effect["ece_uncalibrated"]) != f64_of(&effect["ece_calibrated"]));
    // Same data, same options, no calibration: the same weights, so the same predictions.
    ok(stance().current_dir(dir.path()).args([
        "train",
        "--data",
        LABELED,
        "--group-col",
        "article",
        "--no-cv",
        "--out",
        "plain.json",
    ]));
    let plain = json(&ok(stance().current_dir(dir.path()).args([
        "evaluate",
        "--model",
        "plain.json",
        "--data",
        LABELED,
        "--format",
        "json",
    ])));
    assert!(plain.get("temperature").is_none());
    assert_eq!(plain["confusion"], calibrated["confusion"]);
    assert_eq!(f64_of(&plain["calibration"]["ece"]), f64_of(&effect["ece_uncalibrated"]));

    // Calibrated training is deterministic: byte-identical model files.
    ok(stance().current_dir(dir.path()).args([
        "train",
        "--data",
        LABELED,
        "--group-col",
        "article",
        "--no-cv",
        "--calibrate",
        "--out",
        "again.json",
    ]));
    assert_eq!(
        std::fs::read(dir.path().join("again.json")).unwrap(),
        std::fs::read(dir.path().join("calibrated.json")).unwrap()
    );
    // The temperature reaches classify's probabilities too.
    let sentence = "Lavrov said the deployment of European troops is unacceptable.";
    let probability = |model: &str| {
        let out = ok(stance()
            .current_dir(dir.path())
            .args(["classify", "--model", model, "-"])
            .write_stdin(sentence));
        let row: Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
        let label = row["label"].as_str().unwrap().to_owned();
        (label.clone(), f64_of(&row["probabilities"][label.as_str()]))
    };
    let (plain_label, plain_p) = probability("plain.json");
    let (calibrated_label, calibrated_p) = probability("calibrated.json");
    assert_eq!(plain_label, calibrated_label);
    assert!((plain_p - calibrated_p).abs() > 1e-6, "{plain_p} vs {calibrated_p}");
}
