//! `stance tune` end to end: grid search by cross-validation, the best model and the results table.

use crate::common;

use common::*;
use serde_json::Value;

#[test]
fn tune_writes_the_best_model_and_the_full_results_table() {
    let dir = tmp();
    let model = dir.path().join("best.json");
    let tiny = fixture("tiny.tsv");
    let search = |model: &std::path::Path| {
        ok(stance()
            .args(["tune", "--quiet", "--data"])
            .arg(&tiny)
            .args(["--group-col", "article", "--folds", "3"])
            .args(["--grid", "alpha=0.01,100", "--grid", "word-ngrams=1-1,1-2"])
            .arg("--out")
            .arg(model))
    };
    let run = search(&model);
    assert!(run.stdout.contains("| rank | alpha | word_ngrams |"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("**best**").count(), 1);
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("best.tune.json")).unwrap()).unwrap();
    let candidates = results["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 4);
    let best = &candidates[results["best"].as_u64().unwrap() as usize];
    assert!(candidates.iter().all(|c| c["score"].as_f64() <= best["score"].as_f64()));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("best.tune.md")).unwrap(),
        run.stdout,
        "the Markdown file holds the printed table"
    );
    // The model is trained with the winner's settings and says so.
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let options = &saved["training"]["options"];
    assert_eq!(options["tuned"]["settings"], best["settings"]);
    let alpha = best["settings"][0]["value"].as_str().unwrap().parse::<f64>().unwrap();
    assert_eq!(options["params"]["alpha"].as_f64().unwrap(), alpha);
    // Deterministic: a second search picks the same candidate and writes the same model bytes.
    let again = dir.path().join("again.json");
    search(&again);
    assert_eq!(std::fs::read(&model).unwrap(), std::fs::read(&again).unwrap());
    // Outputs are not overwritten without --force.
    let refused = run_fail(&model);
    assert!(refused.contains("exists"), "{refused}");
}

fn run_fail(model: &std::path::Path) -> String {
    let run = run(stance().args(["tune", "--data"]).arg(fixture("tiny.tsv")).arg("--out").arg(model));
    assert_ne!(run.code, 0);
    run.stderr
}

#[test]
fn bad_grids_are_rejected_before_any_work() {
    let dir = tmp();
    for (grid, expected) in [
        ("gamma=1", "unknown grid axis"),
        ("alpha=-1", "alpha=-1"),
        ("alpha", "NAME=VALUE"),
        ("word-ngrams=none", "neither word nor character"),
    ] {
        let run = run(stance()
            .args(["tune", "--data"])
            .arg(fixture("tiny.tsv"))
            .args(["--char-ngrams", "none", "--grid", grid, "--out"])
            .arg(dir.path().join("m.json")));
        assert_eq!(run.code, 2, "{grid}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{grid}: {}", run.stderr);
        assert!(!dir.path().join("m.json").exists());
    }
    let run = run(stance()
        .args(["tune", "--data"])
        .arg(fixture("tiny.tsv"))
        .args(["--metric", "auc", "--out"])
        .arg(dir.path().join("m.json")));
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn tune_compares_target_strategies() {
    let dir = tmp();
    let model = dir.path().join("m.json");
    let run = ok(stance()
        .args(["tune", "--quiet", "--data"])
        .arg(fixture("targets.tsv"))
        .args(["--target-col", "target", "--alpha", "0.1", "--folds", "5"])
        .args(["--grid", "target-strategy=pooled,per-target,conjoined", "--out"])
        .arg(&model));
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("m.tune.json")).unwrap()).unwrap();
    let scores: Vec<f64> =
        results["candidates"].as_array().unwrap().iter().map(|c| c["score"].as_f64().unwrap()).collect();
    // The fixture's words flip meaning between targets: a pooled model cannot learn that.
    assert!(scores[1] > scores[0] && scores[2] > scores[0], "{scores:?}\n{}", run.stdout);
    assert_ne!(results["best"], 0);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert!(saved["targets"].is_object(), "the tuned model is target-aware");
    // A target strategy without a target column is refused before any work.
    let refused = common::run(
        stance()
            .args(["tune", "--data"])
            .arg(fixture("targets.tsv"))
            .args(["--grid", "target-strategy=pooled,conjoined", "--out"])
            .arg(dir.path().join("n.json")),
    );
    assert_eq!(refused.code, 2, "a grid the data cannot train is a usage error");
    assert!(refused.stderr.contains("--target-col"), "{}", refused.stderr);
}

#[test]
fn tune_without_a_grid_searches_the_default_space_by_successive_halving() {
    let dir = tmp();
    let model = dir.path().join("m.json");
    let search = |model: &std::path::Path| {
        ok(stance()
            .args(["tune", "--quiet", "--data"])
            .arg(fixture("targets.tsv"))
            .args(["--target-col", "target", "--folds", "4", "--candidates", "10", "--out"])
            .arg(model))
    };
    let run = search(&model);
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("m.tune.json")).unwrap()).unwrap();
    let axes: Vec<&str> =
        results["grid"]["axes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    // Chosen from the data: short texts with a target column, few rows, not tweets.
    assert_eq!(axes, ["alpha", "class_weight", "word_ngrams", "char_ngrams", "target_strategy"], "{results}");
    assert_eq!(results["search"]["space"], 6 * 2 * 3 * 2 * 3);
    assert_eq!(results["search"]["tried"], 10);
    assert_eq!(results["search"]["rungs"], serde_json::json!([1, 2, 4]));
    assert_eq!(results["search"]["per_rung"], serde_json::json!([10, 4, 2]));
    assert!(run.stdout.contains("- `--grid target_strategy=pooled,per-target,conjoined`"), "{}", run.stdout);
    let best = &results["candidates"][results["best"].as_u64().unwrap() as usize];
    assert_eq!(best["folds"], 4);
    // A fixed candidate count is the same search on every run: the same model bytes.
    let again = dir.path().join("again.json");
    search(&again);
    assert_eq!(std::fs::read(&model).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn bad_budgets_and_metrics_are_usage_errors_before_any_work() {
    let dir = tmp();
    let out = dir.path().join("m.json");
    for (flags, expected) in [
        (vec!["--budget", "0"], "more than 0 seconds"),
        (vec!["--budget", "0s"], "more than 0 seconds"),
        (vec!["--budget", "soon"], "not a duration"),
        (vec!["--budget", "5x"], "not a duration"),
        (vec!["--candidates", "0"], "--candidates"),
        // targets.tsv has only FAVOR and AGAINST: no neutral label to leave out.
        (vec!["--metric", "f-avg"], "F_avg needs a neutral label"),
        (vec!["--metric", "f-avg"], "stance: hint: name it with --neutral-label"),
        (vec!["--grid", "target_strategy=per-target"], "needs a target column"),
        (
            vec!["--grid", "target_strategy=per-target"],
            "stance: hint: name the target column with --target-col",
        ),
    ] {
        let run = run(stance()
            .args(["tune", "--data"])
            .arg(fixture("targets.tsv"))
            .args(&flags)
            .arg("--out")
            .arg(&out));
        assert_eq!(run.code, 2, "{flags:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{flags:?}: {}", run.stderr);
        assert!(!out.exists());
    }
}

/// The frozen format-5 file carries class priors fitted by `tune --metric f-avg`; the scorer
/// applies them to every prediction: p(l) ∝ exp(logit(l) + offset(l)).
#[test]
fn class_priors_are_stored_and_applied_by_the_scorer() {
    let path = fixture("model-v5-priors.json");
    let model: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(model["format_version"], 5);
    let labels: Vec<&str> = model["labels"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let offsets: Vec<f64> =
        model["priors"]["log_offsets"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(offsets.len(), labels.len());
    assert!(offsets.iter().any(|&o| o != 0.0), "{offsets:?}");
    for text in ["Russia rejects foreign troops.", "London supports sending troops."] {
        let out = ok(stance()
            .args(["explain", "--format", "json", "--model"])
            .arg(&path)
            .arg("-")
            .write_stdin(format!("{text}\n")));
        let explained: Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
        let logit = |label: &str| {
            let parts = explained["per_label"].as_array().unwrap();
            parts.iter().find(|p| p["label"] == label).unwrap()["logit"].as_f64().unwrap()
        };
        let p = |label: &str| explained["probabilities"][label].as_f64().unwrap();
        for (i, label) in labels.iter().enumerate().skip(1) {
            let ratio = p(label) / p(labels[0]);
            let expected = (logit(label) + offsets[i] - logit(labels[0]) - offsets[0]).exp();
            assert!((ratio / expected - 1.0).abs() < 1e-9, "{text} {label}: {ratio} vs {expected}");
        }
        // classify gives the same probabilities: one scoring path.
        let classified = jsonl(
            &ok(stance().args(["classify", "--model"]).arg(&path).arg("-").write_stdin(format!("{text}\n")))
                .stdout,
        );
        assert_eq!(classified[0]["probabilities"], explained["probabilities"]);
    }
}
