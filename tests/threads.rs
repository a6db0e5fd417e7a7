//! End-to-end: `--threads` changes speed only. Training, cross-validation and classification
//! give byte-identical output whatever the number of worker threads.

use crate::common;
use common::*;

/// Trains on the seed data (with its cross-validation) on `threads` threads; the model bytes.
fn train_with(threads: &str) -> Vec<u8> {
    let dir = tmp();
    let model = dir.path().join("model.json");
    ok(stance()
        .args(["--threads", threads, "train", "--data", LABELED, "--group-col", "article"])
        .args(["--max-features", "500", "--out"])
        .arg(&model));
    std::fs::read(&model).expect("read the model")
}

#[test]
fn training_gives_the_same_model_file_on_one_or_two_threads() {
    let serial = train_with("1");
    let parallel = train_with("2");
    assert!(serial == parallel, "model files differ between --threads 1 and --threads 2");
}

#[test]
fn cross_validation_report_is_the_same_on_one_or_two_threads() {
    let cv = |threads: &str| {
        ok(stance()
            .args(["cv", "--data", LABELED, "--group-col", "article", "--max-features", "500"])
            .args(["--format", "json", "--threads", threads]))
        .stdout
    };
    let serial = cv("1");
    assert!(serial.contains("\"per_fold\""), "{serial}");
    assert_eq!(cv("2"), serial);
}

#[test]
fn classification_output_is_the_same_on_one_or_two_threads() {
    for args in [&["--format", "jsonl"][..], &["--level", "article", "--format", "tsv"]] {
        let classify =
            |threads: &str| ok(stance().args(["--threads", threads, "classify", CORPUS]).args(args)).stdout;
        let serial = classify("1");
        assert!(!serial.is_empty());
        assert_eq!(classify("2"), serial, "{args:?}");
    }
}

/// More documents than one parallel chunk, with failures among them: the output keeps the
/// input order, each failure is named once, and the exit code is 3, as on one thread.
#[test]
fn large_batches_keep_input_order_and_failure_reports() {
    let dir = tmp();
    let sentences = [
        "Russia rejects Western peacekeepers in Ukraine.",
        "Britain is ready to send troops to Ukraine.",
        "The talks took place in Riyadh on Tuesday.",
    ];
    for i in 0..150 {
        let path = dir.path().join(format!("{i:03}.txt"));
        match i {
            17 | 64 | 130 => std::fs::write(&path, "  \n ").unwrap(),
            99 => std::fs::write(&path, b"binary\0file").unwrap(),
            _ => std::fs::write(&path, sentences[i % 3].repeat(1 + i % 4)).unwrap(),
        }
    }
    let classify = |threads: &str| run(stance().args(["--threads", threads, "classify"]).arg(dir.path()));
    let serial = classify("1");
    let parallel = classify("4");
    assert_eq!(serial.code, 3, "{}", serial.stderr);
    assert_eq!(parallel.code, 3);
    assert_eq!(parallel.stdout, serial.stdout);
    assert_eq!(parallel.stderr, serial.stderr);
    // The binary file is skipped by the walk (one summary line), the blank ones fail.
    assert!(serial.stderr.contains("skipped 1 file in directories: 1 binary (099.txt)"), "{}", serial.stderr);
    assert!(serial.stderr.contains("3 of 149 documents failed"), "{}", serial.stderr);
    let articles: Vec<String> =
        jsonl(&serial.stdout).iter().map(|row| row["article"].as_str().unwrap().to_owned()).collect();
    let mut sorted = articles.clone();
    sorted.sort();
    assert_eq!(articles, sorted, "rows follow the input order");
    let mut distinct = articles;
    distinct.dedup();
    assert_eq!(distinct.len(), 146);
}

#[test]
fn zero_threads_is_a_usage_error() {
    let run = run(stance().args(["--threads", "0", "classify", CORPUS]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("threads"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}
