//! End-to-end tests of `stance suggest`, `--version` and the quiet/progress behaviour, running
//! the real binary on the repository's corpus. Anything written goes to a temporary directory.

use std::collections::BTreeMap;

use assert_cmd::Command;

use crate::common;
use common::*;

fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().expect("run stance");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Parses a suggest TSV into rows of (column → value).
fn rows(tsv: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    assert_eq!(header, ["article", "sentence", "text", "label", "predicted", "confidence", "uncertainty"]);
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), header.len(), "{line}");
            header.iter().map(|h| h.to_string()).zip(fields.iter().map(|f| f.to_string())).collect()
        })
        .collect()
}

#[test]
fn suggest_from_articles_spreads_across_articles_most_uncertain_first() {
    let tsv = stdout_of(stance().args(["suggest", "--pool", CORPUS, "--n", "10"]));
    let rows = rows(&tsv);
    assert_eq!(rows.len(), 10);
    // The first five rows are one per article (round one of the spread).
    let first_round: std::collections::BTreeSet<&str> =
        rows[..5].iter().map(|r| r["article"].as_str()).collect();
    assert_eq!(first_round.len(), 5, "{tsv}");
    // Rows are ready to label: empty label column, predicted label is one of the model's.
    for row in &rows {
        assert_eq!(row["label"], "");
        assert!(["neutral", "oppose", "support"].contains(&row["predicted"].as_str()));
        let u: f64 = row["uncertainty"].parse().unwrap();
        assert!((0.0..=1.0).contains(&u));
    }
    // Within the first round, uncertainty does not increase.
    let u: Vec<f64> = rows[..5].iter().map(|r| r["uncertainty"].parse().unwrap()).collect();
    assert!(u.windows(2).all(|w| w[0] >= w[1]), "{u:?}");
    // Each suggested sentence is the text of that article's sentence with that index.
    let sentences = stdout_of(stance().args(["sentences", CORPUS]));
    for row in &rows {
        let key = format!("{}\t{}\t{}", row["article"], row["sentence"], row["text"]);
        assert!(sentences.lines().any(|l| l == key), "{key}");
    }
}

#[test]
fn suggest_from_a_sentence_table_skips_labeled_rows_and_writes_out_file() {
    let dir = tempfile::tempdir().unwrap();
    // The labeled file: every row has a label, so nothing is left to suggest.
    let output = stance().args(["suggest", "--pool", LABELED]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no unlabeled sentence"));
    // The output of `stance sentences` has no label column: every row is a candidate.
    let pool = dir.path().join("pool.tsv");
    std::fs::write(&pool, stdout_of(stance().args(["sentences", CORPUS]))).unwrap();
    let out = dir.path().join("to_label.tsv");
    let tsv = stdout_of(
        stance()
            .args(["suggest", "--strategy", "entropy", "--n", "7", "--out"])
            .arg(&out)
            .arg("--pool")
            .arg(&pool),
    );
    assert_eq!(rows(&tsv).len(), 7);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), tsv);
}

#[test]
fn suggest_rejects_zero_and_requires_a_pool() {
    let output = stance().args(["suggest", "--pool", CORPUS, "--n", "0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let output = stance().args(["suggest"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn version_names_the_default_model() {
    let text = stdout_of(stance().arg("--version"));
    assert!(text.starts_with(&format!("stance {}", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.contains("default model") && text.contains("sha256:"), "{text}");
    assert!(text.contains("training.tsv") && text.contains("3208 rows"), "{text}");
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let output = stance().args(["classify", CORPUS, "--level", "article"]).output().unwrap();
    assert!(output.status.success());
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = stance()
        .args(["--quiet", "cv", "--data", LABELED, "--group-col", "article", "--max-features", "200"])
        .output()
        .unwrap();
    assert!(output.status.success());
    // Only the data warnings (the corpus repeats some boilerplate sentences), no progress bar.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.lines().all(|l| l.starts_with("stance: warning: ")), "{stderr}");
}
