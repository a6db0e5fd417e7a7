//! End-to-end tests of issue 14, part 3, "a CLI without surprises": the real binary on real
//! files, one test (or a few) per surprise that was measured.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common;
use common::*;

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, contents).unwrap();
    path
}

const ARTICLE: &str = "Russia rejects the deployment of Western peacekeepers in Ukraine.\n\
                       Britain says it is ready to send troops to Ukraine.\n";

/// A working folder as the issue found it: an article, a Markdown note, a model file, an HTML
/// report, a TSV, a CSV and a PNG.
fn working_folder() -> tempfile::TempDir {
    let dir = tmp();
    write(dir.path(), "article.txt", ARTICLE);
    write(dir.path(), "notes/draft.md", "Poland will not send troops to Ukraine, Tusk said.\n");
    std::fs::copy(MODEL, dir.path().join("m4.json")).unwrap();
    write(dir.path(), "report.html", "<html><body><p>Russia rejects troops.</p></body></html>\n");
    write(dir.path(), "pool.tsv", "article\tsentence\ttext\na\t1\tRussia rejects troops.\n");
    write(dir.path(), "data.csv", "text,label\nRussia rejects troops.,oppose\n");
    write(dir.path(), "chart.dat", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0");
    dir
}

fn articles_of(stdout: &str) -> Vec<String> {
    let mut articles: Vec<String> =
        jsonl(stdout).iter().map(|row| row["article"].as_str().unwrap().to_owned()).collect();
    articles.dedup();
    articles
}

// 1. Directories walk text-like files only.

#[test]
fn directories_walk_only_text_like_files_with_one_summary_warning() {
    let dir = working_folder();
    let out = ok(stance().args(["classify", "--level", "article"]).arg(dir.path()));
    assert_eq!(articles_of(&out.stdout), ["article.txt", "notes/draft.md"], "{}", out.stdout);
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        warnings,
        ["stance: warning: skipped 5 files in directories: 1 binary (chart.dat); 4 not text by extension \
          (1 .csv, 1 .html, 1 .json, 1 .tsv); name a file, or choose with --glob/--type, to read it"],
        "{}",
        out.stderr
    );
    // `sentences` walks the same way.
    let out = ok(stance().arg("sentences").arg(dir.path()));
    assert!(out.stdout.lines().skip(1).all(|l| l.starts_with("article.txt\t") || l.starts_with("notes/")));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    // A file named on the command line is always read.
    let out = ok(stance().args(["classify", "--level", "article"]).arg(dir.path().join("report.html")));
    assert_eq!(articles_of(&out.stdout), ["report.html"]);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn glob_and_type_choose_the_files_of_a_walk() {
    let dir = working_folder();
    let classify = |args: &[&str]| {
        let out = ok(stance().args(["classify", "--level", "article"]).args(args).arg(dir.path()));
        (articles_of(&out.stdout), out.stderr)
    };
    let (articles, stderr) = classify(&["--glob", "*.md"]);
    assert_eq!(articles, ["notes/draft.md"]);
    assert!(stderr.is_empty(), "what the user left out is not warned about: {stderr}");
    let (articles, _) = classify(&["--glob", "!*.txt"]);
    assert_eq!(articles, ["notes/draft.md"]);
    let (articles, _) = classify(&["-t", "txt"]);
    assert_eq!(articles, ["article.txt"]);
    // A glob reads files the default would skip; binary files stay skipped.
    let (articles, stderr) = classify(&["--glob", "*.html", "--glob", "*.dat"]);
    assert_eq!(articles, ["report.html"]);
    assert!(stderr.contains("skipped 1 file in directories: 1 binary (chart.dat)"), "{stderr}");

    let bad = run(stance().args(["classify", "--glob", "a[b"]).arg(dir.path()));
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("--glob \"a[b\""), "{}", bad.stderr);
}

#[test]
fn suggest_walks_a_pool_directory_for_articles_only() {
    let dir = working_folder();
    let out = ok(stance().args(["suggest", "--n", "50", "--pool"]).arg(dir.path()));
    let articles: std::collections::BTreeSet<&str> =
        out.stdout.lines().skip(1).map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(articles.into_iter().collect::<Vec<_>>(), ["article.txt", "notes/draft.md"], "{}", out.stdout);
    assert!(out.stderr.contains("skipped 5 files in directories"), "{}", out.stderr);
}

#[test]
fn jsonl_records_are_walked_in_directories() {
    let dir = tmp();
    write(dir.path(), "a.jsonl", "{\"id\":1,\"text\":\"Russia rejects troops in Ukraine.\"}\n");
    std::fs::copy(MODEL, dir.path().join("m.json")).unwrap();
    let out = ok(stance().args(["classify", "--input-format", "jsonl", "--level", "text"]).arg(dir.path()));
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 1, "{}", out.stdout);
    assert_eq!(rows[0]["id"], 1);
    assert!(out.stderr.contains("skipped 1 file in directories: 1 not text by extension (1 .json)"));
}

// 2. Duplicate rows: one summary line.

#[test]
fn duplicate_rows_are_warned_in_one_line() {
    let dir = tmp();
    let mut data = String::from("text\tlabel\n");
    for i in 0..4 {
        data.push_str(&format!("Russia rejects troops {i}.\toppose\nBritain sends troops {i}.\tsupport\n"));
    }
    for i in 0..4 {
        data.push_str(&format!("Russia rejects troops {i}.\toppose\n"));
    }
    let path = write(dir.path(), "dups.tsv", data);
    let out = ok(stance().args(["evaluate", "--data"]).arg(&path));
    let warnings: Vec<&str> = out.stderr.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(
        warnings,
        [format!(
            "stance: warning: {}:10: 4 rows repeat the text and label of an earlier row: \
             line 10 (of 2), 11 (of 4), 12 (of 6) and 1 more",
            path.display()
        )],
        "{}",
        out.stderr
    );
    // The project's own data: one line, not one per duplicate.
    let out = ok(stance().args(["evaluate", "--data", TRAINING]));
    let duplicates = out.stderr.lines().filter(|l| l.contains("repeat") || l.contains("duplicate")).count();
    assert_eq!(duplicates, 1, "{}", out.stderr);
}

// 3. suggest keeps the pool's own ids.

#[test]
fn suggest_keeps_the_pool_article_and_sentence_ids() {
    let dir = tmp();
    let pool = ok(stance().arg("sentences").arg(CORPUS)).stdout;
    let path = write(dir.path(), "pool.tsv", &pool);
    let pool_rows: std::collections::BTreeSet<(String, String, String)> = pool
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect();
    let out = ok(stance().args(["suggest", "--n", "12", "--pool"]).arg(&path));
    let suggested: Vec<&str> = out.stdout.lines().skip(1).collect();
    assert_eq!(suggested.len(), 12);
    for line in suggested {
        let f: Vec<&str> = line.split('\t').collect();
        let id = (f[0].to_owned(), f[1].to_owned(), f[2].to_owned());
        assert!(pool_rows.contains(&id), "{id:?} is not a row of the pool");
    }
}

// 4. Nothing could be read: a usage error.

#[test]
fn nothing_readable_exits_2_and_some_failed_stays_3() {
    let dir = tmp();
    let nope = dir.path().join("nope.txt");
    for args in [vec!["classify"], vec!["classify", "--level", "article"], vec!["sentences"]] {
        let out = run(stance().args(&args).arg(&nope));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(&format!("stance: {}: cannot read", nope.display())), "{}", out.stderr);
        assert!(
            out.stderr.ends_with("stance: error: nothing could be read from the 1 input named above\n"),
            "{}",
            out.stderr
        );
    }
    let out = run(stance().args(["suggest", "--pool"]).arg(&nope));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nothing could be read"), "{}", out.stderr);
    let out = run(stance().args(["classify", "--input-format", "jsonl"]).arg(dir.path().join("nope.jsonl")));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nothing could be read"), "{}", out.stderr);
    // One readable input among them: the batch ran, some documents failed.
    let good = write(dir.path(), "good.txt", ARTICLE);
    let out = run(stance().arg("classify").arg(&nope).arg(&good));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.ends_with("stance: 1 of 2 documents failed\n"), "{}", out.stderr);
}

// 5. A semicolon-separated CSV.

#[test]
fn a_one_column_csv_header_names_the_delimiter_flag() {
    let dir = tmp();
    let csv = write(
        dir.path(),
        "semi.csv",
        "text;label\nRussia rejects Western troops in Ukraine.;oppose\n\"Britain is ready; it says.\";support\n",
    );
    let out = run(stance().args(["evaluate", "--data"]).arg(&csv));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "{}:1: the header is one column, \"text;label\", holding ';': the file looks separated by ';', \
             not read as comma-separated; read it with --delimiter ';'",
            csv.display()
        )),
        "{}",
        out.stderr
    );
    let report: Value = serde_json::from_str(
        &ok(stance().args(["evaluate", "--format", "json", "--delimiter", ";", "--data"]).arg(&csv)).stdout,
    )
    .unwrap();
    assert_eq!(report["n"], 2, "{report}");
    // A TSV that is really comma-separated is named too.
    let tsv = write(dir.path(), "commas.tsv", "text,label\nRussia rejects troops.,oppose\n");
    let out = run(stance().args(["evaluate", "--data"]).arg(&tsv));
    assert!(out.stderr.contains("read it with --input-format csv"), "{}", out.stderr);
    let out =
        run(stance().args(["evaluate", "--delimiter", ";", "--input-format", "jsonl", "--data"]).arg(&csv));
    assert!(out.stderr.contains("--delimiter is for CSV files"), "{}", out.stderr);
}

// 6. Too many folds.

#[test]
fn the_folds_error_suggests_no_cv_or_fewer_folds() {
    let dir = tmp();
    let data = write(
        dir.path(),
        "tiny.tsv",
        "text\tlabel\nRussia rejects troops.\toppose\nBritain sends troops.\tsupport\nMoscow objects.\toppose\n",
    );
    let out = run(stance().args(["train", "--out"]).arg(dir.path().join("m.json")).arg("--data").arg(&data));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "cannot make 5 folds from 3 rows; pass --folds 3 or fewer, or --no-cv to train without cross-validation"
        ),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("m.json").exists());
    let out = run(stance().args(["cv", "--data"]).arg(&data));
    assert!(
        out.stderr.contains("cannot make 5 folds from 3 rows; pass --folds 3 or fewer"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("--no-cv"), "cv has no --no-cv: {}", out.stderr);
}

// 7. Reading stdin on a terminal says so.

#[test]
fn classify_on_a_terminal_says_it_reads_stdin() {
    // `script` gives the command a pseudo-terminal; Ctrl-D (\x04) ends the input there.
    let command = format!("{} classify --format text", env!("CARGO_BIN_EXE_stance"));
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"Russia rejects Western troops in Ukraine.\n\x04")?;
            child.wait_with_output()
        })
        .expect("run stance under script(1) (util-linux)");
    let terminal = String::from_utf8_lossy(&output.stdout);
    assert!(terminal.contains("stance: reading an article from stdin (end with Ctrl-D)"), "{terminal}");
    assert!(terminal.contains("-:1   oppose"), "{terminal}");
    // Not on a pipe.
    let out = ok(stance().arg("classify").write_stdin(ARTICLE));
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

// 8. --format json, --input-format fasttext, --top-k.

#[test]
fn format_json_is_one_array_of_the_jsonl_rows() {
    for level in ["sentence", "article", "text"] {
        let lines = ok(stance().args(["classify", "--level", level, CORPUS])).stdout;
        let out = ok(stance().args(["classify", "--format", "json", "--level", level, CORPUS]));
        let array: Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(array, Value::Array(jsonl(&lines)), "{level}");
    }
    let dir = tmp();
    let empty = write(dir.path(), "empty.txt", "");
    let out = run(stance().args(["classify", "--format", "json"]).arg(&empty));
    assert_eq!((out.code, out.stdout.as_str()), (3, "[]\n"), "{}", out.stderr);
}

#[test]
fn fasttext_files_train_evaluate_and_cross_validate() {
    let dir = tmp();
    let mut lines = String::new();
    for i in 0..6 {
        lines.push_str(&format!("__label__oppose Russia rejects Western troops in Ukraine, plan {i}.\n"));
        lines.push_str(&format!("__label__support Britain is ready to send troops to Ukraine, plan {i}.\n"));
    }
    let data = write(dir.path(), "train.ft", &lines);
    let model = dir.path().join("ft.json");
    let trained = ok(stance()
        .args(["train", "--input-format", "fasttext", "--folds", "3", "--out"])
        .arg(&model)
        .arg("--data")
        .arg(&data));
    assert!(trained.stderr.contains("trained on 12 rows (oppose 6, support 6)"), "{}", trained.stderr);
    let report: Value = serde_json::from_str(
        &ok(stance()
            .args(["evaluate", "--format", "json", "--input-format", "fasttext", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data))
        .stdout,
    )
    .unwrap();
    assert_eq!(report["n"], 12);
    ok(stance().args(["cv", "--folds", "3", "--input-format", "fasttext", "--data"]).arg(&data));
    // A .txt file of fastText lines is recognised by its first label.
    let txt = write(dir.path(), "train.txt", &lines);
    ok(stance().args(["evaluate", "--model"]).arg(&model).arg("--data").arg(&txt));
    let bad = write(dir.path(), "bad.ft", "__label__a one\nno label here\n");
    let out = run(stance().args(["evaluate", "--input-format", "fasttext", "--data"]).arg(&bad));
    assert!(out.stderr.contains(&format!("{}:2: no label", bad.display())), "{}", out.stderr);
}

fn check_top_k(row: &Value, k: usize) {
    let top = row["top_k"].as_array().unwrap_or_else(|| panic!("no top_k in {row}"));
    assert_eq!(top.len(), k, "{row}");
    let probabilities: Vec<f64> = top.iter().map(|t| f64_of(&t["probability"])).collect();
    assert!(probabilities.windows(2).all(|w| w[0] >= w[1]), "{row}");
    for t in top {
        assert_eq!(t["probability"], row["probabilities"][t["label"].as_str().unwrap()], "{row}");
    }
    if row["label"] != "undecided" {
        assert_eq!(top[0]["label"], row["label"], "{row}");
    }
}

#[test]
fn top_k_lists_the_most_probable_labels_in_every_format() {
    let article = Path::new(CORPUS).join("000_bf325d4e0de918fa.txt");
    for level in ["sentence", "text"] {
        for format in ["jsonl", "json"] {
            let out = ok(stance()
                .args(["classify", "--top-k", "2", "--level", level, "--format", format])
                .arg(&article));
            let rows = match format {
                "json" => serde_json::from_str::<Vec<Value>>(&out.stdout).unwrap(),
                _ => jsonl(&out.stdout),
            };
            assert!(!rows.is_empty());
            rows.iter().for_each(|row| check_top_k(row, 2));
        }
    }
    let records = "{\"id\":\"r1\",\"text\":\"Russia rejects Western troops in Ukraine.\"}\n";
    let out = ok(stance()
        .args(["classify", "--input-format", "jsonl", "--level", "text", "--top-k", "3"])
        .write_stdin(records));
    check_top_k(&jsonl(&out.stdout)[0], 3);

    let tsv = ok(stance().args(["classify", "--top-k", "2", "--format", "tsv"]).arg(&article)).stdout;
    let header: Vec<&str> = tsv.lines().next().unwrap().split('\t').collect();
    let (top1, p_top1) = (
        header.iter().position(|&h| h == "top1").unwrap(),
        header.iter().position(|&h| h == "p_top1").unwrap(),
    );
    assert_eq!(&header[top1..top1 + 4], ["top1", "p_top1", "top2", "p_top2"]);
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), header.len(), "{line}");
        assert_eq!(f[top1], f[2], "the first of the top labels is the label: {line}");
        let column = header.iter().position(|h| *h == format!("p_{}", f[top1])).unwrap();
        assert_eq!(f[p_top1], f[column], "{line}");
    }
    let text = ok(stance().args(["classify", "--top-k", "2", "--format", "text"]).arg(&article)).stdout;
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("000_bf325d4e0de918fa.txt:1   oppose   0.98  [oppose 0.98, "), "{first}");

    let out = run(stance().args(["classify", "--top-k", "4"]).arg(&article));
    assert!(out.stderr.contains("--top-k 4 is more than the model's 3 labels"), "{}", out.stderr);
    let out = run(stance().args(["classify", "--top-k", "2", "--level", "article"]).arg(&article));
    assert!(out.stderr.contains("use --level sentence or --level text"), "{}", out.stderr);
}
