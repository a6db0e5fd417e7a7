//! End-to-end: target-aware models (`--target-col`, `--target-strategy`).
//!
//! `tests/fixtures/targets.tsv` has 72 rows about three targets (24 each, half FAVOR, half
//! AGAINST). The stance is carried by the verb: "close / ban / stop" is AGAINST coal and
//! renewables but FAVOR of car-free cities, "open / build / expand" the reverse; the other
//! words (who speaks, which site, when) are drawn at random. A pooled model cannot learn a
//! verb whose meaning flips with the target; per-target and conjoined models can.

use crate::common;
use common::*;

use serde_json::Value;
use std::path::{Path, PathBuf};

const TARGETS: [&str; 3] = ["Car-free cities", "Coal industry", "Renewable energy"];

fn data() -> PathBuf {
    fixture("targets.tsv")
}

/// Trains on the fixture with `args` (no CV unless asked) into `dir`; the model's path.
fn train(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    ok(stance()
        .arg("train")
        .arg("--data")
        .arg(data())
        .args(["--target-col", "target", "--alpha", "0.1", "--no-cv", "--out"])
        .arg(&out)
        .args(args));
    out
}

fn json_file(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The label `model` gives `text` about `target`.
fn label(model: &Path, target: &str, text: &str) -> String {
    let out =
        ok(stance().arg("classify").arg("--model").arg(model).args(["--target", target]).write_stdin(text));
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 1, "{}", out.stdout);
    rows[0]["label"].as_str().unwrap().to_owned()
}

fn cv(args: &[&str]) -> Value {
    let out = ok(stance()
        .arg("cv")
        .arg("--data")
        .arg(data())
        .args(["--target-col", "target", "--alpha", "0.1", "--format", "json"])
        .args(args));
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn per_target_and_conjoined_beat_pooled_in_cross_validation() {
    let macro_f1 = |strategy: &str| {
        let report = cv(&["--target-strategy", strategy]);
        assert_eq!(report["n"], 72);
        assert_eq!(report["strategy"]["type"], "stratified");
        f64_of(&report["pooled"]["macro_f1"])
    };
    let pooled = macro_f1("pooled");
    let per_target = macro_f1("per-target");
    let conjoined = macro_f1("conjoined");
    assert!(per_target > pooled + 0.1, "per-target {per_target:.3} vs pooled {pooled:.3}");
    assert!(conjoined > pooled + 0.1, "conjoined {conjoined:.3} vs pooled {pooled:.3}");
}

#[test]
fn folds_grouped_by_target_need_a_fallback_for_per_target() {
    let out = run(stance()
        .arg("cv")
        .arg("--data")
        .arg(data())
        .args(["--target-col", "target", "--group-col", "target", "--folds", "3"])
        .args(["--target-strategy", "per-target"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("cross-validation fold 1: unknown target \"Car-free cities\""),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("use stratified folds"), "{}", out.stderr);
    // With a pooled fallback (or conjoined, whose shared block serves unseen targets) it runs.
    for args in
        [&["--target-strategy", "per-target", "--pooled-fallback"][..], &["--target-strategy", "conjoined"]]
    {
        let report = cv(&[&["--group-col", "target", "--folds", "3"], args].concat());
        assert_eq!(report["strategy"]["type"], "grouped");
        assert_eq!(report["per_fold"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn per_target_model_round_trips_and_picks_the_model_of_the_target() {
    let dir = tmp();
    let model = train(dir.path(), "per-target.json", &["--target-strategy", "per-target"]);
    let json = json_file(&model);
    assert_eq!(json["format_version"], 5);
    let targets = &json["targets"];
    assert_eq!(targets["strategy"], "per_target");
    assert_eq!(targets["pooled_fallback"], false);
    let models = targets["models"].as_object().unwrap();
    assert_eq!(models.keys().map(String::as_str).collect::<Vec<_>>(), TARGETS);
    for (target, sub) in models {
        assert_eq!(sub["rows"], 24, "{target}");
        let vocabulary = sub["features"]["vocabulary"].as_array().unwrap().len();
        assert!(vocabulary > 0, "{target}");
        assert_eq!(sub["weights"]["coefficients"][0].as_array().unwrap().len(), vocabulary);
    }
    assert_eq!(json["training"]["options"]["targets"]["strategy"], "per_target");

    // The same sentence, opposite stances by target.
    let text = "We should ban it.";
    assert_eq!(label(&model, "Car-free cities", text), "FAVOR");
    assert_eq!(label(&model, "Coal industry", text), "AGAINST");

    // evaluate routes every row by its target column and needs one.
    let report = ok(stance().arg("evaluate").arg("--model").arg(&model).arg("--data").arg(data()).args([
        "--target-col",
        "target",
        "--format",
        "json",
    ]));
    let report: Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(report["n"], 72);
    assert!(f64_of(&report["accuracy"]) > 0.95, "training rows are fitted: {}", report["accuracy"]);
    let out = run(stance().arg("evaluate").arg("--model").arg(&model).arg("--data").arg(data()));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("target-aware model: pass --target-col"), "{}", out.stderr);

    let card = ok(stance().arg("inspect").arg("--model").arg(&model)).stdout;
    assert!(
        card.contains("targets        3 per_target, no pooled fallback; unknown target: error"),
        "{card}"
    );
    assert!(card.contains("Coal industry                    24 rows (AGAINST 12, FAVOR 12)"), "{card}");
    let card: Value = serde_json::from_str(
        &ok(stance().arg("inspect").arg("--model").arg(&model).args(["--format", "json"])).stdout,
    )
    .unwrap();
    assert_eq!(card["targets"]["targets"][1]["name"], "Coal industry");
    assert_eq!(card["targets"]["targets"][1]["rows"], 24);
}

#[test]
fn unknown_or_missing_target_is_an_error_unless_there_is_a_pooled_fallback() {
    let dir = tmp();
    let model = train(dir.path(), "per-target.json", &["--target-strategy", "per-target"]);
    let text = "We should ban roads for cars.";
    let out = run(stance()
        .arg("classify")
        .arg("--model")
        .arg(&model)
        .args(["--target", "Atheism"])
        .write_stdin(text));
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains(
            "unknown target \"Atheism\": the model knows Car-free cities, Coal industry, Renewable energy"
        ),
        "{}",
        out.stderr
    );
    let out = run(stance().arg("classify").arg("--model").arg(&model).write_stdin(text));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("the model is target-aware: pass --target TARGET"), "{}", out.stderr);
    let out = run(stance().arg("explain").arg("--model").arg(&model).arg(text));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("pass --target"), "{}", out.stderr);

    let with_fallback =
        train(dir.path(), "fallback.json", &["--target-strategy", "per-target", "--pooled-fallback"]);
    let json = json_file(&with_fallback);
    assert_eq!(json["targets"]["pooled_fallback"], true);
    assert!(
        !json["features"]["vocabulary"].as_array().unwrap().is_empty(),
        "the pooled model is the main one"
    );
    let unknown = ok(stance()
        .arg("classify")
        .arg("--model")
        .arg(&with_fallback)
        .args(["--target", "Atheism"])
        .write_stdin(text));
    assert_eq!(jsonl(&unknown.stdout).len(), 1);
}

#[test]
fn conjoined_model_has_shared_and_target_blocks_and_scores_unknown_targets_on_the_shared_block() {
    let dir = tmp();
    let model = train(dir.path(), "conjoined.json", &["--target-strategy", "conjoined"]);
    let json = json_file(&model);
    assert_eq!(json["format_version"], 5);
    assert_eq!(json["targets"]["strategy"], "conjoined");
    assert_eq!(json["targets"]["targets"], serde_json::json!(TARGETS));
    let vocabulary = json["features"]["vocabulary"].as_array().unwrap().len();
    assert_eq!(json["weights"]["coefficients"][0].as_array().unwrap().len(), 4 * vocabulary);

    let text = "We should ban it.";
    assert_eq!(label(&model, "Car-free cities", text), "FAVOR");
    assert_eq!(label(&model, "Coal industry", text), "AGAINST");
    // A new target gets the shared block (the pooled part): a prediction, not an error.
    assert_eq!(
        jsonl(
            &ok(stance()
                .arg("classify")
                .arg("--model")
                .arg(&model)
                .args(["--target", "Atheism"])
                .write_stdin(text))
            .stdout
        )
        .len(),
        1
    );

    let explained = ok(stance().arg("explain").arg("--model").arg(&model).args([
        "--target",
        "Car-free cities",
        "--format",
        "json",
        "--top",
        "100",
        text,
    ]));
    let explanation: Value = serde_json::from_str(explained.stdout.trim()).unwrap();
    let blocks: Vec<Option<&str>> = explanation["per_label"][0]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.get("target_block").and_then(Value::as_str))
        .collect();
    assert!(blocks.contains(&None) && blocks.contains(&Some("Car-free cities")), "{blocks:?}");
    assert!(blocks.iter().flatten().all(|b| *b == "Car-free cities"), "{blocks:?}");
    let text_out = ok(stance().arg("explain").arg("--model").arg(&model).args([
        "--target",
        "Car-free cities",
        "--top",
        "50",
        text,
    ]));
    assert!(text_out.stdout.contains("ban @Car-free cities"), "{}", text_out.stdout);
}

#[test]
fn a_single_label_target_always_predicts_its_label() {
    let dir = tmp();
    let mut tsv = std::fs::read_to_string(data()).unwrap();
    tsv.push_str("Space travel\tWe should build rockets now.\tFAVOR\n");
    tsv.push_str("Space travel\tThe city plans to open a spaceport soon.\tFAVOR\n");
    let path = dir.path().join("with-space.tsv");
    std::fs::write(&path, tsv).unwrap();
    let model = dir.path().join("m.json");
    let out = ok(stance()
        .arg("train")
        .arg("--data")
        .arg(&path)
        .args(["--target-col", "target", "--target-strategy", "per-target", "--no-cv", "--out"])
        .arg(&model));
    assert!(
        out.stderr.contains(
            "target \"Space travel\" has only label \"FAVOR\" (2 row(s)): its model always predicts it"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(label(&model, "Space travel", "We should ban rockets and close every spaceport."), "FAVOR");
    let json = json_file(&model);
    assert_eq!(json["targets"]["models"]["Space travel"]["solver"], Value::Null);
    let card = ok(stance().arg("inspect").arg("--model").arg(&model)).stdout;
    assert!(card.contains("single label: constant model"), "{card}");
}

#[test]
fn rows_without_a_target_and_strategies_without_a_target_column_are_refused() {
    let dir = tmp();
    let path = dir.path().join("gap.tsv");
    let mut tsv = std::fs::read_to_string(data()).unwrap();
    tsv.push_str("\tWe should build rockets now.\tFAVOR\n");
    std::fs::write(&path, tsv).unwrap();
    let out = run(stance()
        .arg("train")
        .arg("--data")
        .arg(&path)
        .args(["--target-col", "target", "--target-strategy", "conjoined", "--no-cv", "--out"])
        .arg(dir.path().join("m.json")));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("gap.tsv:74: row has no value in target column \"target\""),
        "{}",
        out.stderr
    );

    let out = run(stance().arg("cv").arg("--data").arg(data()).args(["--target-strategy", "per-target"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("--target-strategy per-target needs --target-col"), "{}", out.stderr);
    let out = run(stance().arg("cv").arg("--data").arg(data()).args([
        "--target-col",
        "target",
        "--pooled-fallback",
    ]));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("--pooled-fallback only applies to --target-strategy per-target"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_pooled_model_has_no_targets_section_and_ignores_targets() {
    let dir = tmp();
    let model = train(dir.path(), "pooled.json", &[]);
    let json = json_file(&model);
    assert_eq!(json["format_version"], 5);
    assert!(json.get("targets").is_none());
    assert!(json["training"]["options"].get("targets").is_none());
    let text = "We should ban roads for cars.";
    assert_eq!(label(&model, "Coal industry", text), label(&model, "Car-free cities", text));
    // Without a target it classifies as always.
    ok(stance().arg("classify").arg("--model").arg(&model).write_stdin(text));
}

#[test]
fn frozen_v2_model_loads_classifies_and_evaluates() {
    let path = fixture("model-v2.json");
    let json = json_file(&path);
    assert_eq!(json["format_version"], 2, "model-v2.json must stay a version-2 file: do not regenerate it");
    assert!(json["checksum"].as_str().unwrap().starts_with("sha256:"));
    let out = ok(stance()
        .arg("classify")
        .arg("--model")
        .arg(&path)
        .write_stdin("Russia rejects foreign troops. Talks resume in Geneva."));
    assert_eq!(jsonl(&out.stdout).len(), 2);
    let report = ok(stance()
        .arg("evaluate")
        .arg("--model")
        .arg(&path)
        .arg("--data")
        .arg(fixture("tiny.tsv"))
        .args(["--format", "json"]));
    let report: Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(report["n"], 12);
    assert_eq!(report["accuracy"], 1.0);
    let card = ok(stance().arg("inspect").arg("--model").arg(&path)).stdout;
    assert!(card.contains("format         stance-model version 2"), "{card}");
}

#[test]
fn target_aware_training_and_cv_are_deterministic_on_any_thread_count() {
    for strategy in ["per-target", "conjoined"] {
        let bytes = |threads: &str| {
            let dir = tmp();
            let out = dir.path().join("m.json");
            ok(stance()
                .args(["--threads", threads, "train", "--data"])
                .arg(data())
                .args(["--target-col", "target", "--target-strategy", strategy, "--folds", "3", "--out"])
                .arg(&out));
            std::fs::read(&out).unwrap()
        };
        let first = bytes("1");
        assert!(first == bytes("1"), "{strategy}: two trainings differ");
        assert!(first == bytes("2"), "{strategy}: one and two threads differ");
        let report = |threads: &str| cv(&["--target-strategy", strategy, "--threads", threads]);
        assert_eq!(report("1"), report("2"), "{strategy}");
    }
}

#[test]
fn jsonl_records_are_classified_about_their_own_target() {
    let dir = tmp();
    let model = train(dir.path(), "per-target.json", &["--target-strategy", "per-target"]);
    let input = concat!(
        r#"{"id":1,"text":"We should ban it.","topic":"Car-free cities"}"#,
        "\n",
        r#"{"id":2,"text":"We should ban it.","topic":"Coal industry"}"#,
        "\n",
        r#"{"id":3,"text":"We should ban it."}"#,
        "\n",
        r#"{"id":4,"text":"We should ban it.","topic":7}"#,
        "\n",
        r#"{"id":5,"text":"We should ban it.","topic":"Mars colonies"}"#,
        "\n",
    );
    let classify = |extra: &[&str]| {
        common::run(
            stance()
                .arg("classify")
                .arg("--model")
                .arg(&model)
                .args(["--input-format", "jsonl", "--level", "text", "--target-field", "topic"])
                .args(extra)
                .write_stdin(input),
        )
    };
    // Without --target, the record without a topic, the numeric topic and the unknown topic fail;
    // the others are classified about their own target, in input order.
    let out = classify(&[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let rows = jsonl(&out.stdout);
    let labels: Vec<(i64, &str)> =
        rows.iter().map(|r| (r["id"].as_i64().unwrap(), r["label"].as_str().unwrap())).collect();
    assert_eq!(labels, [(1, "FAVOR"), (2, "AGAINST")], "{}", out.stdout);
    assert!(out.stderr.contains("<stdin>:3:") && out.stderr.contains("target"), "{}", out.stderr);
    assert!(out.stderr.contains("<stdin>:4:") && out.stderr.contains("not a string"), "{}", out.stderr);
    assert!(out.stderr.contains("<stdin>:5:") && out.stderr.contains("Mars colonies"), "{}", out.stderr);
    // --target covers the record without a topic; a record's own topic still wins.
    let out = classify(&["--target", "Coal industry"]);
    let rows = jsonl(&out.stdout);
    let labels: Vec<(i64, &str)> =
        rows.iter().map(|r| (r["id"].as_i64().unwrap(), r["label"].as_str().unwrap())).collect();
    assert_eq!(labels, [(1, "FAVOR"), (2, "AGAINST"), (3, "AGAINST")], "{}", out.stdout);
    // --target-field needs JSONL input.
    let out =
        common::run(stance().arg("classify").arg("--model").arg(&model).args(["--target-field", "topic"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("--input-format jsonl"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// the relative strategy: targets unseen in training
// ---------------------------------------------------------------------------------------------

/// `tests/fixtures/motions.tsv`: 24 claims about six debate motions, PRO or CON; three motions
/// are phrased against something ("ban", "prohibit"). "clean, cheap, safe" speak for the thing
/// a claim is about, "dangerous, expensive, pollutes" against it.
fn motions() -> PathBuf {
    fixture("motions.tsv")
}

fn train_motions(dir: &Path, strategy: &str) -> PathBuf {
    let out = dir.join(format!("{strategy}.json"));
    ok(stance()
        .arg("train")
        .arg("--data")
        .arg(motions())
        .args(["--target-col", "target", "--target-strategy", strategy, "--no-cv", "--out"])
        .arg(&out));
    out
}

#[test]
fn a_relative_model_reads_unseen_targets_and_swaps_labels_for_negative_ones() {
    let dir = tmp();
    let model = train_motions(dir.path(), "relative");
    let file = json_file(&model);
    assert_eq!(file["format_version"], 6);
    assert_eq!(file["targets"]["strategy"], "relative");
    assert_eq!(file["targets"]["mirrored"], serde_json::json!(["CON", "PRO"]));
    let (allow, ban) = ("This house would subsidise wind farms", "This house would ban wind farms");
    assert_eq!(label(&model, allow, "Wind farms are clean and cheap."), "PRO");
    assert_eq!(label(&model, ban, "Wind farms are clean and cheap."), "CON");
    assert_eq!(label(&model, allow, "Wind farms are dangerous and expensive."), "CON");
    assert_eq!(label(&model, ban, "Wind farms are dangerous and expensive."), "PRO");
    // The probabilities of a negative target are the other target's, swapped.
    let probabilities = |target: &str| {
        let out = ok(stance()
            .arg("classify")
            .arg("--model")
            .arg(&model)
            .args(["--target", target])
            .write_stdin("Wind farms are clean and cheap."));
        jsonl(&out.stdout)[0]["probabilities"].clone()
    };
    let (plain, swapped) = (probabilities(allow), probabilities(ban));
    assert_eq!(
        (plain["PRO"].clone(), plain["CON"].clone()),
        (swapped["CON"].clone(), swapped["PRO"].clone())
    );
    // Without a target the model refuses to guess.
    let failed =
        run(stance().arg("classify").arg("--model").arg(&model).write_stdin("Wind farms are clean."));
    assert_ne!(failed.code, 0);
    assert!(failed.stderr.contains("target-aware: pass --target TARGET"), "{}", failed.stderr);
    // explain shows each label with the weights its logit comes from: they add up.
    let out = ok(stance().arg("explain").arg("--model").arg(&model).args([
        "--target",
        ban,
        "--format",
        "json",
        "--top",
        "100000",
        "Wind farms are clean and cheap.",
    ]));
    let explained: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(explained["label"], "CON");
    for label in explained["per_label"].as_array().unwrap() {
        let sum: f64 =
            label["contributions"].as_array().unwrap().iter().map(|c| f64_of(&c["contribution"])).sum();
        let total = f64_of(&label["intercept"]) + sum;
        assert!((total - f64_of(&label["logit"])).abs() < 1e-9, "{label}");
    }
    // inspect names the swapped labels and the negative training targets.
    let out = ok(stance().arg("inspect").arg("--model").arg(&model).args(["--format", "json"]));
    let card: Value = serde_json::from_str(&out.stdout).unwrap();
    let negative: Vec<&str> =
        card["targets"]["negative_targets"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(
        negative,
        [
            "This house would ban nuclear power",
            "This house would ban private cars in city centres",
            "This house would prohibit coal mining"
        ]
    );
}

#[test]
fn relative_beats_pooled_on_targets_left_out_of_training() {
    // Folds grouped by target: every test target is unseen, as in IBM's claim stance split.
    let macro_f1 = |strategy: &str| {
        let out = ok(stance().arg("cv").arg("--data").arg(motions()).args([
            "--target-col",
            "target",
            "--group-col",
            "target",
            "--folds",
            "3",
            "--format",
            "json",
            "--target-strategy",
            strategy,
        ]));
        let report: Value = serde_json::from_str(&out.stdout).unwrap();
        f64_of(&report["pooled"]["macro_f1"])
    };
    let (pooled, relative) = (macro_f1("pooled"), macro_f1("relative"));
    assert!(relative >= 0.9, "relative {relative}");
    assert!(relative > pooled + 0.3, "relative {relative} vs pooled {pooled}");
}

#[test]
fn the_relative_strategy_needs_two_stance_labels() {
    // targets.tsv has FAVOR and AGAINST only: fine. Three stance labels are not.
    let dir = tmp();
    let three = dir.path().join("three.tsv");
    let mut text = std::fs::read_to_string(data()).unwrap();
    text.push_str("Coal industry\tVoters are unsure about new pits.\tUNSURE\n");
    std::fs::write(&three, text).unwrap();
    let failed = run(stance()
        .arg("train")
        .arg("--data")
        .arg(&three)
        .args(["--target-col", "target", "--target-strategy", "relative", "--no-cv", "--out"])
        .arg(dir.path().join("m.json")));
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed
            .stderr
            .contains(&format!("{}: the relative target strategy swaps two stance labels", three.display())),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("AGAINST, FAVOR, UNSURE"), "{}", failed.stderr);
    assert!(!dir.path().join("m.json").exists());
    // Without --target-col it is a usage error.
    let failed = run(stance()
        .arg("train")
        .arg("--data")
        .arg(motions())
        .args(["--target-strategy", "relative", "--out"])
        .arg(dir.path().join("m.json")));
    assert_ne!(failed.code, 0);
    assert!(failed.stderr.contains("--target-strategy relative needs --target-col"), "{}", failed.stderr);
}

#[test]
fn plain_tune_with_folds_grouped_by_target_searches_strategies_that_score_unseen_targets() {
    // A per-target model cannot score a target its training folds lack: the default space
    // leaves it out (it used to fail the search at its first per-target candidate) and tries
    // the relative strategy instead, which wins on these motions.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tuned.json");
    ok(stance()
        .arg("tune")
        .arg("--data")
        .arg(motions())
        .args(["--target-col", "target", "--group-col", "target", "--folds", "3", "--quiet", "--out"])
        .arg(&out));
    let table = json_file(&dir.path().join("tuned.tune.json"));
    let strategies = table["grid"]["axes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|axis| axis["name"] == "target_strategy")
        .map(|axis| axis["values"].clone())
        .unwrap();
    assert_eq!(strategies, serde_json::json!(["pooled", "conjoined", "relative"]));
    let chosen = |name: &str| {
        table["candidates"][table["best"].as_u64().unwrap() as usize]["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["value"].as_str().unwrap().to_owned())
    };
    assert_eq!(chosen("target_strategy").as_deref(), Some("relative"));
    assert_eq!(json_file(&out)["training"]["options"]["targets"]["strategy"], "relative");
}

/// `--sentiment-lexicon`: the lexicon is stored in the model (format 7, named by `inspect`),
/// and with the relative strategy a negated lexicon word carries to an unseen negative target.
#[test]
fn a_sentiment_lexicon_is_stored_in_a_format_7_model_and_read_relative_to_the_target() {
    let dir = tmp();
    let train_with = |name: &str, lexicon: bool| {
        let out = dir.path().join(name);
        let mut cmd = stance();
        cmd.arg("train").arg("--data").arg(motions()).args([
            "--target-col",
            "target",
            "--target-strategy",
            "relative",
            "--char-ngrams",
            "none",
            "--no-cv",
            "--out",
        ]);
        cmd.arg(&out);
        if lexicon {
            cmd.arg("--sentiment-lexicon").arg(fixture("sentiment-lexicon.tsv"));
        }
        ok(&mut cmd);
        out
    };
    let (with, without) = (train_with("with.json", true), train_with("without.json", false));
    assert_eq!(json_file(&with)["format_version"], 7);
    assert_eq!(json_file(&without)["format_version"], 6);
    let card = ok(stance().arg("inspect").arg("--model").arg(&with)).stdout;
    assert!(card.contains("sentiment lexicon sentiment-lexicon.tsv (12 words)"), "{card}");
    // "safe" is positive, negated here; the motion is against wind farms, so the claim agrees
    // with it. No training claim says "not safe", so only the lexicon knows.
    let target = "This house would ban wind farms";
    assert_eq!(label(&with, target, "Wind farms are not safe."), "PRO");
    assert_eq!(label(&with, target, "Wind farms are safe."), "CON");
}

/// A lexicon line that is not `word<TAB>valence` stops `train` before any fit, naming the file
/// and the line, and no model is written.
#[test]
fn a_bad_sentiment_lexicon_names_its_line_and_writes_no_model() {
    let dir = tmp();
    let lexicon = dir.path().join("lexicon.tsv");
    std::fs::write(&lexicon, "good\t1.9\ngreat\tvery\n").unwrap();
    let out = dir.path().join("model.json");
    let run_train = |lexicon: &Path| {
        run(stance()
            .arg("train")
            .arg("--data")
            .arg(motions())
            .arg("--sentiment-lexicon")
            .arg(lexicon)
            .arg("--out")
            .arg(&out))
    };
    let run = run_train(&lexicon);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("lexicon.tsv") && run.stderr.contains("line 2"), "{}", run.stderr);
    assert!(run.stderr.contains("the valence of \"great\" is not a finite number"), "{}", run.stderr);
    assert!(!out.exists());
    std::fs::write(&lexicon, b"good\t1.9\nbad\xff\t-2\n").unwrap();
    let run = run_train(&lexicon);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("lexicon.tsv: line 2 is not UTF-8"), "{}", run.stderr);
    assert!(!out.exists());
}
