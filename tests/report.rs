//! End-to-end tests of `--report FILE` of `stance evaluate` and `stance cv`: the real binary on
//! the small fixtures, writing into temporary directories only.

use std::path::Path;

use serde_json::Value;

use crate::common;
use common::*;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Files in `dir`, sorted (to see that no temporary file is left behind).
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The checks every HTML report must pass: one self-contained document, nothing fetched.
fn check_html(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.trim_end().ends_with("</html>"));
    let lower = html.to_ascii_lowercase();
    for banned in ["<script", "http://", "https://", "<link", "<img", "@import", "url("] {
        assert!(!lower.contains(banned), "the report contains {banned:?}");
    }
    assert_eq!(html.matches("<svg").count(), 3, "heatmap, bars and reliability diagram");
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    for label in LABELS {
        assert!(html.contains(label), "no {label} in the report");
    }
    for section in ["Per class", "Confusion matrix", "Calibration", "Most confident errors", "ECE"] {
        assert!(html.contains(section), "no {section:?} section");
    }
}

/// `evaluate --format json` of the same data, for the numbers the report must show.
fn evaluate_json(dir: &Path, data: &Path) -> Value {
    let run = ok(stance().current_dir(dir).args(["evaluate", "--format", "json", "--model"]).args([
        fixture("model-v1.json").as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ]));
    serde_json::from_str(&run.stdout).expect("evaluate --format json prints JSON")
}

#[test]
fn evaluate_writes_an_html_report() {
    let dir = tmp();
    let run = ok(stance().current_dir(dir.path()).args(["evaluate", "--model"]).args([
        fixture("model-v1.json").as_os_str(),
        "--data".as_ref(),
        fixture("tiny.tsv").as_os_str(),
        "--report".as_ref(),
        "report.html".as_ref(),
    ]));
    // The usual text report still goes to stdout; the file is announced on stderr.
    assert!(run.stdout.contains("precision"), "{}", run.stdout);
    assert!(run.stderr.contains("wrote report report.html"), "{}", run.stderr);
    assert_eq!(files_in(dir.path()), ["report.html"]);
    let html = read(&dir.path().join("report.html"));
    check_html(&html);
    assert!(html.contains("<title>Evaluation on tiny.tsv</title>"), "{html}");
    assert!(html.contains("model-v1.json"));
    assert!(!html.contains("Cross-validation folds"));

    // Every cell of the confusion matrix is in the heatmap, with its count.
    let json = evaluate_json(dir.path(), &fixture("tiny.tsv"));
    let matrix = json["confusion"]["matrix"].as_array().unwrap();
    assert_eq!(matrix.len(), 3);
    for (t, row) in matrix.iter().enumerate() {
        for (p, count) in row.as_array().unwrap().iter().enumerate() {
            let cell = format!("class=\"count\" data-true=\"{t}\" data-predicted=\"{p}\">{count}</text>");
            assert!(html.contains(&cell), "no {cell}");
        }
    }
    assert!(html.contains(&format!("<b>{}</b><span>rows</span>", json["n"])), "{html}");
    assert!(html.contains(&format!("{:.3}", json["accuracy"].as_f64().unwrap())));
}

#[test]
fn evaluate_writes_a_markdown_report() {
    let dir = tmp();
    ok(stance().current_dir(dir.path()).args(["evaluate", "--model"]).args([
        fixture("model-v1.json").as_os_str(),
        "--data".as_ref(),
        fixture("tiny.tsv").as_os_str(),
        "--report".as_ref(),
        "report.md".as_ref(),
    ]));
    let md = read(&dir.path().join("report.md"));
    assert!(md.starts_with("# Evaluation on tiny.tsv\n"), "{md}");
    for table in [
        // F_avg too: the model names `neutral` as its neutral label.
        "| rows | accuracy | macro-F1 | F_avg | weighted-F1 | ECE |",
        "| label | precision | recall | F1 | support |",
        "| true \\ predicted | neutral | oppose | support | rows |",
        "| confidence | rows | mean confidence | accuracy |",
    ] {
        assert!(md.contains(table), "no {table:?} in\n{md}");
    }
    assert!(md.contains("| 12 | "), "{md}");
    assert!(!md.contains("<svg") && !md.contains("<html"));
}

#[test]
fn worst_errors_are_escaped_in_html() {
    let dir = tmp();
    let data = dir.path().join("tricky.tsv");
    std::fs::write(
        &data,
        "text\tlabel\n\
         Russia rejects <script>alert(1)</script> foreign troops & \"peacekeepers\".\tsupport\n\
         Talks resume in Geneva.\tneutral\n",
    )
    .unwrap();
    ok(stance().current_dir(dir.path()).args(["evaluate", "--model"]).args([
        fixture("model-v1.json").as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
        "--report".as_ref(),
        "r.html".as_ref(),
    ]));
    let html = read(&dir.path().join("r.html"));
    check_html(&html);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; foreign troops &amp; &quot;peacekeepers&quot;")
    );
    assert!(html.contains("tricky.tsv:2"), "the source names file and line");
}

#[test]
fn cv_writes_an_html_report_with_folds() {
    let dir = tmp();
    let run = ok(stance().current_dir(dir.path()).args(["cv", "--folds", "2", "--data"]).args([
        fixture("tiny.tsv").as_os_str(),
        "--report".as_ref(),
        "cv.html".as_ref(),
    ]));
    assert!(run.stdout.contains("cross-validation"), "{}", run.stdout);
    let html = read(&dir.path().join("cv.html"));
    check_html(&html);
    assert!(html.contains("<title>Cross-validation on tiny.tsv</title>"));
    assert!(html.contains("Cross-validation folds"));
    assert!(html.contains("2-fold stratified cross-validation over 12 rows"), "{html}");
    assert!(html.contains("mean ± std"));
    assert!(html.contains("F1 by fold"));
    assert!(html.contains("<b>12</b><span>rows</span>"), "pooled over all rows");
    // One row per fold, each with its 6 test rows.
    let folds = &html[html.find("Cross-validation folds").unwrap()..html.find("</tbody>").unwrap()];
    assert_eq!(folds.matches("<tr>").count(), 3, "header and two folds:\n{folds}");
    assert_eq!(folds.matches("<td class=\"n\">6</td>").count(), 2, "{folds}");

    // Same content as Markdown, and the same numbers as the JSON report.
    ok(stance().current_dir(dir.path()).args(["cv", "--folds", "2", "--data"]).args([
        fixture("tiny.tsv").as_os_str(),
        "--report".as_ref(),
        "cv.md".as_ref(),
    ]));
    let md = read(&dir.path().join("cv.md"));
    assert!(md.contains("| fold | test groups | n_test | accuracy | macro-F1 | weighted-F1 |"), "{md}");
    assert!(md.contains("| **mean ± std** |"), "{md}");
    let json: Value = serde_json::from_str(
        &ok(stance()
            .current_dir(dir.path())
            .args(["cv", "--folds", "2", "--format", "json", "--data"])
            .args([fixture("tiny.tsv").as_os_str()]))
        .stdout,
    )
    .unwrap();
    let fold = &json["per_fold"][0];
    let row = format!(
        "| 1 | — | {} | {:.3} | {:.3} | {:.3} |",
        fold["n_test"],
        fold["accuracy"].as_f64().unwrap(),
        fold["macro_f1"].as_f64().unwrap(),
        fold["weighted_f1"].as_f64().unwrap()
    );
    assert!(md.contains(&row), "no {row:?} in\n{md}");
}

#[test]
fn grouped_cv_report_names_the_test_groups() {
    let dir = tmp();
    ok(stance()
        .current_dir(dir.path())
        .args(["cv", "--folds", "3", "--group-col", "article", "--data"])
        .args([fixture("tiny.tsv").as_os_str(), "--report".as_ref(), "cv.html".as_ref()]));
    let html = read(&dir.path().join("cv.html"));
    check_html(&html);
    assert!(html.contains("grouped by the &quot;article&quot; column"), "{html}");
    for group in ["a1", "a2", "a3"] {
        assert!(html.contains(&format!("<td>{group}</td>")), "no fold row for {group}");
    }
}

#[test]
fn reports_are_deterministic_and_replace_an_existing_file_only_with_force() {
    let dir = tmp();
    std::fs::write(dir.path().join("r.html"), "old").unwrap();
    let evaluate = || {
        let mut cmd = stance();
        cmd.current_dir(dir.path()).args(["evaluate", "--model"]).args([
            fixture("model-v1.json").as_os_str(),
            "--data".as_ref(),
            fixture("tiny.tsv").as_os_str(),
            "--report".as_ref(),
            "r.html".as_ref(),
        ]);
        cmd
    };
    let refused = run(&mut evaluate());
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("r.html exists; pass --force"), "{}", refused.stderr);
    assert_eq!(read(&dir.path().join("r.html")), "old");
    let write = || {
        ok(evaluate().arg("--force"));
        read(&dir.path().join("r.html"))
    };
    let first = write();
    assert_ne!(first, "old");
    assert_eq!(first, write());
    assert_eq!(files_in(dir.path()), ["r.html"], "no temporary file is left behind");
}

#[test]
fn unknown_report_extension_fails_before_any_work() {
    let dir = tmp();
    for name in ["report.pdf", "report", "report.txt"] {
        let result = run(stance().current_dir(dir.path()).args(["evaluate", "--model"]).args([
            fixture("model-v1.json").as_os_str(),
            "--data".as_ref(),
            fixture("tiny.tsv").as_os_str(),
            "--report".as_ref(),
            name.as_ref(),
        ]));
        assert_eq!(result.code, 1, "{name}: {}", result.stderr);
        assert!(result.stderr.starts_with("stance: error: --report "), "{}", result.stderr);
        assert!(result.stderr.contains(".html, .htm, .md or .markdown"), "{}", result.stderr);
        assert!(result.stdout.is_empty(), "no report on stdout: {}", result.stdout);
    }
    // cv checks it before reading the data (which does not exist here) or training anything.
    let result =
        run(stance().current_dir(dir.path()).args(["cv", "--data", "missing.tsv", "--report", "cv.pdf"]));
    assert_eq!(result.code, 1);
    assert!(result.stderr.contains("--report cv.pdf: unknown report format"), "{}", result.stderr);
    // A folder that does not exist is caught up front too.
    let result = run(stance().current_dir(dir.path()).args(["cv", "--data"]).args([
        fixture("tiny.tsv").as_os_str(),
        "--report".as_ref(),
        "no/such/dir/cv.html".as_ref(),
    ]));
    assert_eq!(result.code, 1);
    assert!(result.stderr.contains("does not exist"), "{}", result.stderr);
    assert!(files_in(dir.path()).is_empty(), "nothing written: {:?}", files_in(dir.path()));
}
