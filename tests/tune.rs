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
            .args(["--grid", grid, "--out"])
            .arg(dir.path().join("m.json")));
        assert_eq!(run.code, 1, "{grid}: {}", run.stderr);
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
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("--target-col"), "{}", refused.stderr);
}
