//! Hardening tests: the real `stance` binary on damaged, hostile and extreme input. Every test
//! checks the exit code, that stderr names the file at fault (and its line where there is one),
//! that nothing panicked (`common::run` refuses a panic or a death by signal), and that no output
//! file was left behind half-written. Everything a test writes goes into a temporary directory.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::common;
use common::*;

/// A seed article (12 sentences) that classifies without trouble.
const GOOD_ARTICLE: &str = "000_bf325d4e0de918fa.txt";

const SENTENCE: &str = "Lavrov said Western peacekeepers in Ukraine are unacceptable to Moscow.\n";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Writes `contents` to `dir/name` and returns the path.
fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// The names in `dir` (hidden temporary files included).
fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

/// The rows of `tests/fixtures/tiny.tsv` (header `article, text, label`; 12 rows, 4 per label).
fn tiny_tsv() -> String {
    std::fs::read_to_string(fixture("tiny.tsv")).unwrap()
}

/// A `stance train --no-cv --out m.json` over `data`, run in `dir`.
fn train(dir: &Path, data: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = stance();
    cmd.current_dir(dir).args(["train", "--data", data, "--no-cv", "--out", "m.json"]).args(extra);
    cmd
}

/// Training on `dir/data` must fail cleanly: exit 1, one error naming the file (and `line` if
/// given, as `data:line:`), and no model or temporary file written.
fn train_rejected(dir: &Path, data: &str, line: Option<usize>, extra: &[&str]) -> Run {
    let before = names(dir);
    let out = run(&mut train(dir, data, extra));
    assert_eq!(out.code, 1, "expected exit code 1; stderr:\n{}", out.stderr);
    assert!(out.stderr.starts_with("stance: error: "), "{}", out.stderr);
    let place = match line {
        Some(line) => format!("{data}:{line}: "),
        None => format!("{data}: "),
    };
    assert!(out.stderr.contains(&place), "{place:?} not named in:\n{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(names(dir), before, "a failed run left files behind");
    out
}

/// Training on `dir/data` must succeed and write a loadable model; returns the run and the model.
fn train_ok(dir: &Path, data: &str, extra: &[&str]) -> (Run, Value) {
    let out = ok(&mut train(dir, data, extra));
    ok(stance().current_dir(dir).args(["inspect", "--model", "m.json"]));
    let model = serde_json::from_slice(&std::fs::read(dir.join("m.json")).unwrap()).unwrap();
    (out, model)
}

/// `dir/articles/` holding the good seed article as `good.txt`.
fn articles_dir(dir: &Path) -> PathBuf {
    let articles = dir.join("articles");
    std::fs::create_dir(&articles).unwrap();
    std::fs::copy(Path::new(CORPUS).join(GOOD_ARTICLE), articles.join("good.txt")).unwrap();
    articles
}

/// Checks a batch that partly failed: exit 3, every `(path, problem)` reported on a line of its
/// own naming the path, the summary line last, and output rows (JSONL from `classify`) only for
/// the articles in `good`.
fn check_partial_batch(out: &Run, failed: &[(&Path, &str)], total: usize, good: &[&str]) {
    assert_eq!(out.code, 3, "expected exit code 3; stderr:\n{}", out.stderr);
    for (path, problem) in failed {
        let prefix = format!("stance: {}: ", path.display());
        assert!(
            out.stderr.lines().any(|l| l.starts_with(&prefix) && l.contains(problem)),
            "no line starting {prefix:?} and saying {problem:?} in:\n{}",
            out.stderr
        );
    }
    let summary = format!("stance: {} of {total} documents failed", failed.len());
    assert_eq!(out.stderr.lines().last(), Some(summary.as_str()), "{}", out.stderr);
    let rows = jsonl(&out.stdout);
    assert!(!rows.is_empty(), "nothing classified");
    let articles: BTreeSet<&str> = rows.iter().map(|r| r["article"].as_str().unwrap()).collect();
    assert_eq!(articles, good.iter().copied().collect(), "{}", out.stdout);
}

/// `stance sentences` over the same batch: exit 3, the same failures, rows only for `good`.
fn check_partial_sentences(out: &Run, failed: &[(&Path, &str)], total: usize, good: &[&str]) {
    assert_eq!(out.code, 3, "expected exit code 3; stderr:\n{}", out.stderr);
    for (path, problem) in failed {
        let prefix = format!("stance: {}: ", path.display());
        assert!(
            out.stderr.lines().any(|l| l.starts_with(&prefix) && l.contains(problem)),
            "no line starting {prefix:?} and saying {problem:?} in:\n{}",
            out.stderr
        );
    }
    let summary = format!("stance: {} of {total} documents failed", failed.len());
    assert_eq!(out.stderr.lines().last(), Some(summary.as_str()), "{}", out.stderr);
    let mut lines = out.stdout.lines();
    assert_eq!(lines.next(), Some("article\tsentence\ttext"));
    let articles: BTreeSet<&str> = lines.map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(articles, good.iter().copied().collect(), "{}", out.stdout);
}

/// A model file damaged as given must be refused by `classify` and `inspect`: exit 1, an error
/// naming the file, nothing on stdout. Returns classify's stderr.
fn model_rejected(name: &str, contents: &[u8]) -> String {
    let dir = tmp();
    write(dir.path(), name, contents);
    let before = names(dir.path());
    let out = run(stance().current_dir(dir.path()).args(["classify", "--model", name]).write_stdin(SENTENCE));
    assert_eq!(out.code, 1, "expected exit code 1; stderr:\n{}", out.stderr);
    assert!(out.stderr.starts_with(&format!("stance: error: {name}")), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let inspect = run(stance().current_dir(dir.path()).args(["inspect", "--model", name]));
    assert_eq!(inspect.code, 1, "{}", inspect.stderr);
    assert!(inspect.stderr.starts_with(&format!("stance: error: {name}")), "{}", inspect.stderr);
    assert!(inspect.stdout.is_empty(), "{}", inspect.stdout);
    assert_eq!(names(dir.path()), before);
    out.stderr
}

/// The frozen version-1 model fixture, as text.
fn model_v1() -> String {
    std::fs::read_to_string(fixture("model-v1.json")).unwrap()
}

/// The first coefficient of the version-1 fixture, as written in the file.
const V1_FIRST_COEFFICIENT: &str = "-0.11230386152696273";

/// An option rejected before any work: `stance ARGS` must fail with `code`, say `message`, and
/// never get as far as the (absent) data file.
fn rejected_before_work(args: &[&str], code: i32, message: &str) {
    let dir = tmp();
    let out = run(stance().current_dir(dir.path()).args(args));
    assert_eq!(out.code, code, "{args:?}: stderr:\n{}", out.stderr);
    assert!(out.stderr.contains(message), "{args:?}: {message:?} not in:\n{}", out.stderr);
    assert!(!out.stderr.contains("absent.tsv"), "{args:?}: the data was read first:\n{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(names(dir.path()).is_empty(), "{args:?} wrote {:?}", names(dir.path()));
}

/// `n` labeled rows of random words from a small vocabulary (deterministic), three labels
/// taking turns: enough to keep a debug-build training busy for a few seconds.
fn generated_rows(n: usize) -> String {
    const WORDS: [&str; 24] = [
        "russia",
        "ukraine",
        "troops",
        "peacekeepers",
        "deploy",
        "reject",
        "support",
        "oppose",
        "talks",
        "mission",
        "london",
        "paris",
        "moscow",
        "kyiv",
        "force",
        "peace",
        "plan",
        "ceasefire",
        "security",
        "guarantee",
        "europe",
        "nato",
        "army",
        "border",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut text = String::from("text\tlabel\n");
    for i in 0..n {
        let length = 8 + next() % 18;
        let words: Vec<&str> = (0..length).map(|_| WORDS[next() % WORDS.len()]).collect();
        text.push_str(&format!("{}.\t{}\n", words.join(" "), LABELS[i % 3]));
    }
    text
}

/// Sentences that the splitter cuts exactly as written when joined by spaces.
const LINE_SENTENCES: [&str; 4] = [
    "Mr. Lavrov spoke in the U.S. on Feb. 3.",
    "Russia rejects Western peacekeepers in Ukraine.",
    "Starmer is ready to send troops!",
    "“These warnings remain valid,” she added.",
];

/// Writes one line of about `bytes` bytes made of [`LINE_SENTENCES`]; returns how many sentences
/// it holds.
fn write_one_line_article(path: &Path, bytes: usize) -> usize {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let (mut written, mut count) = (0, 0);
    while written < bytes {
        let sentence = LINE_SENTENCES[count % LINE_SENTENCES.len()];
        if count > 0 {
            file.write_all(b" ").unwrap();
        }
        file.write_all(sentence.as_bytes()).unwrap();
        written += sentence.len() + 1;
        count += 1;
    }
    file.write_all(b"\n").unwrap();
    file.flush().unwrap();
    count
}

/// Runs `cmd` with stdout and stderr sent to files `stdout` and `stderr` in `dir`; returns the
/// exit code, stderr and the peak resident set size in KiB (`VmHWM` of /proc/PID/status, polled
/// until the process exits; `None` where there is no /proc).
fn run_with_peak_rss(cmd: &mut std::process::Command, dir: &Path) -> (i32, String, Option<u64>) {
    let stdout = std::fs::File::create(dir.join("stdout")).unwrap();
    let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
    let mut child = cmd.stdout(stdout).stderr(stderr).spawn().expect("start stance");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak: Option<u64> = None;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let hwm = status.lines().find_map(|l| l.strip_prefix("VmHWM:"));
            if let Some(kib) = hwm.and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()) {
                peak = Some(peak.unwrap_or(0).max(kib));
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = std::fs::read_to_string(dir.join("stderr")).unwrap();
    assert!(!stderr.contains("panicked"), "stance panicked:\n{stderr}");
    let code = status.code().unwrap_or_else(|| panic!("stance was killed by a signal ({status}):\n{stderr}"));
    (code, stderr, peak)
}

// ---------------------------------------------------------------------------------------------
// 1. Label files
// ---------------------------------------------------------------------------------------------

#[test]
fn label_file_missing_the_label_column() {
    let dir = tmp();
    write(dir.path(), "nolabel.tsv", "article\ttext\na1\tRussia rejects foreign troops.\n");
    let out = train_rejected(dir.path(), "nolabel.tsv", None, &[]);
    assert!(out.stderr.contains("no column `label`"), "{}", out.stderr);
    assert!(out.stderr.contains("`article`, `text`"), "the available columns are listed: {}", out.stderr);
}

#[test]
fn label_file_with_a_misspelled_column() {
    let dir = tmp();
    write(dir.path(), "typo.tsv", tiny_tsv().replacen("\ttext\t", "\ttxet\t", 1));
    let out = train_rejected(dir.path(), "typo.tsv", None, &[]);
    assert!(out.stderr.contains("no column `text`") && out.stderr.contains("`txet`"), "{}", out.stderr);
    // The same file read with the column named as it is spelled trains.
    train_ok(dir.path(), "typo.tsv", &["--text-col", "txet"]);
}

#[test]
fn label_file_row_with_too_few_fields() {
    let dir = tmp();
    let mut data = tiny_tsv();
    data.push_str("a4\tA row without its label.\n");
    write(dir.path(), "short.tsv", data);
    let out = train_rejected(dir.path(), "short.tsv", Some(14), &[]);
    assert!(out.stderr.contains("expected 3 tab-separated fields") && out.stderr.contains("found 2"));

    write(dir.path(), "short.csv", "text,label\nRussia rejects troops.,oppose\nParis agrees.\n");
    let out = train_rejected(dir.path(), "short.csv", Some(3), &[]);
    assert!(out.stderr.contains("found 1"), "{}", out.stderr);
}

#[test]
fn label_file_row_with_too_many_fields() {
    let dir = tmp();
    let mut data = tiny_tsv();
    data.push_str("a4\tA row\twith a tab inside.\tsupport\n");
    write(dir.path(), "long.tsv", data);
    let out = train_rejected(dir.path(), "long.tsv", Some(14), &[]);
    assert!(out.stderr.contains("expected 3 tab-separated fields") && out.stderr.contains("found 4"));
}

#[test]
fn label_file_row_with_empty_text() {
    let dir = tmp();
    let data = tiny_tsv().replace("\tTalks resume in Geneva.\t", "\t   \t");
    write(dir.path(), "notext.tsv", data);
    let out = train_rejected(dir.path(), "notext.tsv", Some(4), &[]);
    assert!(out.stderr.contains("the text is empty"), "{}", out.stderr);
}

#[test]
fn label_file_row_with_empty_label() {
    let dir = tmp();
    let data = tiny_tsv().replace("Talks resume in Geneva.\tneutral", "Talks resume in Geneva.\t ");
    write(dir.path(), "nolabel.tsv", data);
    let out = train_rejected(dir.path(), "nolabel.tsv", Some(4), &[]);
    assert!(out.stderr.contains("the label is empty"), "{}", out.stderr);
}

#[test]
fn label_file_with_only_one_class() {
    let dir = tmp();
    write(dir.path(), "one.tsv", "text\tlabel\nRussia objects.\toppose\nMoscow says no.\toppose\n");
    let out = train_rejected(dir.path(), "one.tsv", None, &[]);
    assert!(out.stderr.contains("two labels") && out.stderr.contains("oppose"), "{}", out.stderr);
}

#[test]
fn label_file_that_is_empty() {
    let dir = tmp();
    write(dir.path(), "empty.tsv", "");
    let out = train_rejected(dir.path(), "empty.tsv", None, &[]);
    assert!(out.stderr.contains("empty"), "{}", out.stderr);
    write(dir.path(), "empty.jsonl", "\n\n");
    train_rejected(dir.path(), "empty.jsonl", None, &[]);
}

#[test]
fn label_file_with_a_header_only() {
    let dir = tmp();
    write(dir.path(), "header.tsv", "article\ttext\tlabel\n");
    let out = train_rejected(dir.path(), "header.tsv", None, &[]);
    assert!(out.stderr.contains("no data rows"), "{}", out.stderr);
    write(dir.path(), "header.csv", "text,label\r\n\r\n");
    let out = train_rejected(dir.path(), "header.csv", None, &[]);
    assert!(out.stderr.contains("no data rows"), "{}", out.stderr);
}

/// Windows line ends and a UTF-8 byte order mark are read as if they were not there: the model
/// is the one trained from the plain file.
#[test]
fn label_file_with_crlf_line_ends_and_a_bom_trains() {
    let dir = tmp();
    let plain = tiny_tsv();
    write(dir.path(), "plain.tsv", &plain);
    let windows = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    write(dir.path(), "windows.tsv", &windows);
    let csv = std::fs::read_to_string(fixture("tiny.csv")).unwrap();
    write(dir.path(), "windows.csv", format!("\u{feff}{}", csv.replace('\n', "\r\n")));

    let (_, expected) = train_ok(dir.path(), "plain.tsv", &[]);
    for name in ["windows.tsv", "windows.csv"] {
        let (out, model) = train_ok(dir.path(), name, &["--force"]);
        assert!(out.stderr.contains("trained on 12 rows"), "{name}: {}", out.stderr);
        assert_eq!(model["labels"], serde_json::json!(LABELS), "{name}");
        assert_eq!(model["features"], expected["features"], "{name}: the BOM or a \\r leaked into the text");
        assert_eq!(model["weights"], expected["weights"], "{name}");
    }
}

#[test]
fn label_file_with_an_invalid_utf8_byte_names_the_line() {
    let dir = tmp();
    let mut data = tiny_tsv().into_bytes();
    data.extend_from_slice(b"a4\tLatin-1 caf\xe9 text.\tneutral\n");
    write(dir.path(), "latin1.tsv", data);
    let out = train_rejected(dir.path(), "latin1.tsv", Some(14), &[]);
    assert!(out.stderr.contains("UTF-8"), "{}", out.stderr);
}

#[test]
fn label_file_with_a_nul_byte_names_the_line() {
    let dir = tmp();
    let mut data = tiny_tsv().into_bytes();
    data.extend_from_slice(b"a4\tA NUL\0 inside.\tneutral\n");
    write(dir.path(), "nul.tsv", data);
    let out = train_rejected(dir.path(), "nul.tsv", Some(14), &[]);
    assert!(out.stderr.contains("NUL"), "{}", out.stderr);
}

/// A single text field of 50 MB (one line) trains: no crash, no absurd slowness.
#[test]
fn label_file_with_a_50_mb_text_field_trains() {
    let dir = tmp();
    let mut data = tiny_tsv();
    data.push_str("a4\t");
    let filler = "Warsaw backs the peace mission in Ukraine ";
    data.push_str(&filler.repeat(50 * 1024 * 1024 / filler.len() + 1));
    data.push_str("\tsupport\n");
    write(dir.path(), "huge.tsv", data);
    let (out, model) = train_ok(dir.path(), "huge.tsv", &[]);
    assert!(out.stderr.contains("trained on 13 rows"), "{}", out.stderr);
    assert_eq!(model["training"]["rows_per_label"]["support"], 5);
}

#[test]
fn jsonl_with_a_broken_line_names_the_line() {
    let dir = tmp();
    let mut data = std::fs::read_to_string(fixture("tiny.jsonl")).unwrap();
    data.push_str("{\"text\": \"Paris agrees.\", \"label\": \n");
    data.push_str("{\"text\": \"London agrees.\", \"label\": \"support\"}\n");
    write(dir.path(), "broken.jsonl", data);
    let out = train_rejected(dir.path(), "broken.jsonl", Some(13), &[]);
    assert!(out.stderr.contains("invalid JSON"), "{}", out.stderr);
}

#[test]
fn csv_with_an_unclosed_quote_names_the_line() {
    let dir = tmp();
    let mut data = std::fs::read_to_string(fixture("tiny.csv")).unwrap();
    data.push_str("a4,\"Paris agrees, it said.,support\n");
    data.push_str("a4,London agrees.,support\n");
    write(dir.path(), "quote.csv", data);
    let out = train_rejected(dir.path(), "quote.csv", Some(14), &[]);
    assert!(out.stderr.contains("unclosed quote"), "{}", out.stderr);
}

/// Contract item 2: a label with exactly one row is worth a warning, not a failure.
#[test]
fn label_seen_only_once_warns_and_trains() {
    let dir = tmp();
    let mut data = tiny_tsv();
    data.push_str("a4\tNobody knows what to think.\tunsure\n");
    write(dir.path(), "once.tsv", data);
    let (out, model) = train_ok(dir.path(), "once.tsv", &[]);
    assert!(
        out.stderr.contains("stance: warning: once.tsv:14: label \"unsure\" has only one row"),
        "{}",
        out.stderr
    );
    assert_eq!(model["labels"], serde_json::json!(["neutral", "oppose", "support", "unsure"]));
}

/// Contract item 1: duplicate rows (same text and label) are summarised in one warning (their
/// count and the first three lines), and training goes on.
#[test]
fn duplicate_rows_warn_and_train() {
    let dir = tmp();
    let plain = tiny_tsv();
    let rows: Vec<&str> = plain.lines().skip(1).collect();
    let mut data = plain.clone();
    // Lines 14..=21 repeat lines 2..=9.
    for row in &rows[..8] {
        data.push_str(row);
        data.push('\n');
    }
    write(dir.path(), "dups.tsv", data);
    let (out, _) = train_ok(dir.path(), "dups.tsv", &[]);
    let warnings: Vec<&str> = out.stderr.lines().filter(|l| l.contains("earlier row")).collect();
    assert_eq!(
        warnings,
        ["stance: warning: dups.tsv:14: 8 rows repeat the text and label of an earlier row: \
          line 14 (of 2), 15 (of 3), 16 (of 4) and 5 more"],
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("trained on 20 rows"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// 2. Articles to classify
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_and_whitespace_only_articles_are_failed_documents() {
    let dir = tmp();
    let articles = articles_dir(dir.path());
    let empty = write(&articles, "empty.txt", "");
    let blank = write(&articles, "blank.txt", " \n\t\n   \r\n\n");
    let failed = [(empty.as_path(), "no sentence"), (blank.as_path(), "no sentence")];

    let out = run(stance().arg("classify").arg(&articles));
    check_partial_batch(&out, &failed, 3, &["good.txt"]);
    let out = run(stance().args(["classify", "--level", "article"]).arg(&articles));
    check_partial_batch(&out, &failed, 3, &["good.txt"]);
    let out = run(stance().arg("sentences").arg(&articles));
    check_partial_sentences(&out, &failed, 3, &["good.txt"]);
}

#[test]
fn binary_article_is_skipped() {
    let dir = tmp();
    let articles = articles_dir(dir.path());
    let binary = write(&articles, "image.dat", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0");
    let failed = [(binary.as_path(), "binary file (NUL byte at byte 8, line 3); skipped")];
    let empty = write(&articles, "empty.txt", "");
    let empty_failed = [(empty.as_path(), "no sentence")];

    // Found in a directory, a binary file is left out of the walk, with a summary warning.
    let summary = "stance: warning: skipped 1 file in directories: 1 binary (image.dat)";
    let out = run(stance().arg("classify").arg(&articles));
    check_partial_batch(&out, &empty_failed, 2, &["good.txt"]);
    assert!(out.stderr.contains(summary), "{}", out.stderr);
    let out = run(stance().arg("sentences").arg(&articles));
    check_partial_sentences(&out, &empty_failed, 2, &["good.txt"]);
    assert!(out.stderr.contains(summary), "{}", out.stderr);
    // Named on the command line, it is read, and refused as binary.
    let good = articles.join("good.txt");
    let out = run(stance().arg("classify").arg(&binary).arg(&good));
    check_partial_batch(&out, &failed, 2, &["good.txt"]);
    let out = run(stance().arg("sentences").arg(&binary).arg(&good));
    check_partial_sentences(&out, &failed, 2, &["good.txt"]);
}

/// By default an article that is not UTF-8 is decoded with U+FFFD, with a warning naming the
/// file and the first bad byte.
#[test]
fn invalid_utf8_article_is_repaired_with_a_warning_by_default() {
    let dir = tmp();
    let path = write(dir.path(), "latin1.txt", b"Talks resume.\nRussia rejects Western troops \xe0 Kyiv.\n");
    let warning =
        format!("stance: warning: {}: invalid UTF-8 at byte 44 (line 2); undecodable bytes", path.display());
    for explicit in [false, true] {
        let mut cmd = stance();
        cmd.arg("classify").arg(&path);
        if explicit {
            cmd.args(["--invalid-utf8", "replace"]);
        }
        let out = ok(&mut cmd);
        assert!(out.stderr.starts_with(&warning), "{}", out.stderr);
        let rows = jsonl(&out.stdout);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["text"], "Russia rejects Western troops \u{FFFD} Kyiv.");
    }
    let out = ok(stance().arg("sentences").arg(&path));
    assert!(out.stderr.starts_with(&warning), "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 3);
}

/// `--invalid-utf8 skip`: such an article is a failed document (named with the byte offset),
/// the rest of the batch goes on.
#[test]
fn invalid_utf8_article_is_skipped_on_request() {
    let dir = tmp();
    let articles = articles_dir(dir.path());
    let latin1 = write(&articles, "latin1.txt", b"Talks resume.\nRussia rejects Western troops \xe0 Kyiv.\n");
    let failed = [(latin1.as_path(), "invalid UTF-8 at byte 44 (line 2); skipped")];

    let out = run(stance().args(["classify", "--invalid-utf8", "skip"]).arg(&articles));
    check_partial_batch(&out, &failed, 2, &["good.txt"]);
    assert!(!out.stdout.contains('\u{FFFD}'));
    let out = run(stance().args(["classify", "--level", "article", "--invalid-utf8", "skip"]).arg(&articles));
    check_partial_batch(&out, &failed, 2, &["good.txt"]);
    let out = run(stance().args(["sentences", "--invalid-utf8", "skip"]).arg(&articles));
    check_partial_sentences(&out, &failed, 2, &["good.txt"]);

    // From stdin too.
    let out =
        run(stance().args(["classify", "--invalid-utf8", "skip", "-"]).write_stdin(b"Caf\xe9.\n".to_vec()));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("stance: <stdin>: invalid UTF-8 at byte 3 (line 1)"), "{}", out.stderr);
    assert!(out.stdout.is_empty());

    let out = run(stance().args(["classify", "--invalid-utf8", "ignore", "-"]).write_stdin("x"));
    assert_eq!(out.code, 2, "{}", out.stderr);
}

/// The address space `stance sentences` gets for the 100 MB line, in KiB: 1 GiB. The article
/// itself is 100 MB and its output about as much again; the per-character table the splitter
/// used to hold would need 1.6 GB more.
const ONE_LINE_MEMORY_CAP_KIB: u64 = 1024 * 1024;

/// One line of 100 MB: split without a per-character table (the splitter used to hold 16 bytes
/// per character, 1.6 GB for this line), every sentence found.
///
/// The bound is enforced, not only measured: `stance` runs with its address space capped at
/// [`ONE_LINE_MEMORY_CAP_KIB`] (`ulimit -v` in `sh`, which needs no /proc), on a fixed number of
/// threads and malloc arenas so that the cap does not depend on the machine's core count; an
/// allocation past the cap aborts it and fails the test. Where /proc exists, the peak resident
/// set size is also read and printed.
#[test]
fn one_100_mb_line_is_split_in_bounded_memory() {
    let dir = tmp();
    let path = dir.path().join("one-line.txt");
    let sentences = write_one_line_article(&path, 100 * 1024 * 1024);
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {ONE_LINE_MEMORY_CAP_KIB} && exec \"$0\" --threads 2 sentences \"$1\""))
        .arg(env!("CARGO_BIN_EXE_stance"))
        .arg(&path)
        .env("MALLOC_ARENA_MAX", "2");
    let (code, stderr, peak) = run_with_peak_rss(&mut cmd, dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let output = std::fs::read(dir.path().join("stdout")).unwrap();
    assert_eq!(output.iter().filter(|&&b| b == b'\n').count(), sentences + 1);
    let last_row = output[..output.len() - 1].rsplit(|&b| b == b'\n').next().unwrap();
    let expected = format!("one-line.txt\t{sentences}\t{}", LINE_SENTENCES[(sentences - 1) % 4]);
    assert_eq!(std::str::from_utf8(last_row).unwrap(), expected);
    if let Some(kib) = peak {
        eprintln!("note: peak RSS of `stance sentences` on a 100 MB line: {} MiB", kib / 1024);
        assert!(kib < ONE_LINE_MEMORY_CAP_KIB, "peak RSS {kib} KiB for a 100 MB line");
    }
}

/// A long one-line article (1 MB, some 20,000 sentences) classifies at both levels.
#[test]
fn long_one_line_article_is_classified() {
    let dir = tmp();
    let path = dir.path().join("one-line.txt");
    let sentences = write_one_line_article(&path, 1024 * 1024);
    let out = ok(stance().args(["classify", "--format", "tsv"]).arg(&path));
    assert_eq!(out.stdout.lines().count(), sentences + 1);
    let out = ok(stance().args(["classify", "--level", "article"]).arg(&path));
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["sentences"], sentences);
}

/// The user and group id of "nobody", which `stance` runs as where the test runs as root.
#[cfg(unix)]
const NOBODY: u32 = 65534;

/// A directory holding an unreadable file and a symbolic link loop: each is reported, the rest
/// is classified, exit code 3.
///
/// Root reads a file of mode 000 all the same (as in CI containers), so there `stance` runs as
/// the unprivileged user [`NOBODY`] — from a copy of the binary in the temporary directory, which
/// that user can reach wherever the build tree is. If that user cannot be switched to, the test
/// fails: it never passes without the unreadable file.
#[cfg(unix)]
#[test]
fn unreadable_file_and_symlink_loop_in_a_directory() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let dir = tmp();
    let articles = articles_dir(dir.path());
    let locked = write(&articles, "locked.txt", SENTENCE);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::os::unix::fs::symlink(".", articles.join("loop")).unwrap();
    let loop_path = articles.join("loop");
    let as_root = std::fs::read(&locked).is_ok();
    let command = |subcommand: &str| -> assert_cmd::Command {
        if !as_root {
            let mut cmd = stance();
            cmd.arg(subcommand).arg(&articles);
            return cmd;
        }
        let mut cmd = std::process::Command::new(dir.path().join("stance"));
        cmd.uid(NOBODY).gid(NOBODY).current_dir(dir.path()).arg(subcommand).arg(&articles);
        assert_cmd::Command::from_std(cmd)
    };
    if as_root {
        std::fs::copy(env!("CARGO_BIN_EXE_stance"), dir.path().join("stance")).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut probe = std::process::Command::new(dir.path().join("stance"));
        probe.uid(NOBODY).gid(NOBODY).current_dir(dir.path()).arg("--version");
        let probe = probe.output().unwrap_or_else(|e| {
            panic!("running as root, and stance cannot be started as uid {NOBODY} to test an unreadable file: {e}")
        });
        assert!(probe.status.success(), "stance --version as uid {NOBODY}: {probe:?}");
    }
    let failed =
        [(loop_path.as_path(), "symbolic link loop"), (locked.as_path(), "cannot read: Permission denied")];

    let out = run(&mut command("classify"));
    check_partial_batch(&out, &failed, 3, &["good.txt"]);
    let out = run(&mut command("sentences"));
    check_partial_sentences(&out, &failed, 3, &["good.txt"]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn nonexistent_path_is_reported_and_the_rest_classified() {
    let dir = tmp();
    let articles = articles_dir(dir.path());
    let missing = dir.path().join("missing.txt");
    let failed = [(missing.as_path(), "cannot read: ")];
    let out = run(stance().arg("classify").arg(articles.join("good.txt")).arg(&missing));
    check_partial_batch(&out, &failed, 2, &["good.txt"]);
    let out = run(stance().arg("sentences").arg(&missing).arg(&articles));
    check_partial_sentences(&out, &failed, 2, &["good.txt"]);
}

#[test]
fn help_documents_the_exit_codes() {
    for flag in ["--help", "-h"] {
        let out = ok(stance().arg(flag));
        let help = &out.stdout[out.stdout.find("Exit codes:").expect("an Exit codes section")..];
        for code in
            ["0  success", "1  error", "2  usage error", "3  a batch finished but some documents failed"]
        {
            assert!(help.contains(code), "{code:?} not in:\n{help}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Model files
// ---------------------------------------------------------------------------------------------

#[test]
fn truncated_model_file() {
    let model = model_v1();
    let stderr = model_rejected("cut.json", &model.as_bytes()[..model.len() / 2]);
    assert!(stderr.starts_with("stance: error: cut.json:") && stderr.contains("truncated"), "{stderr}");
    let stderr = model_rejected("empty.json", b"");
    assert!(stderr.contains("not valid JSON"), "{stderr}");
}

/// Contract item 5: a digit changed inside a weight leaves valid JSON, which only the checksum
/// of a version-2 file can catch.
#[test]
fn model_with_a_flipped_digit_fails_its_checksum() {
    let dir = tmp();
    let (_, model) = train_ok(dir.path(), fixture("tiny.tsv").to_str().unwrap(), &[]);
    assert_eq!(model["format_version"], 5);
    assert!(model["checksum"].as_str().unwrap().starts_with("sha256:"));
    let text = std::fs::read_to_string(dir.path().join("m.json")).unwrap();
    let weight = model["weights"]["coefficients"][0][0].to_string();
    let (head, last) = weight.split_at(weight.len() - 1);
    let digit: u32 = last.parse().expect("a number ends with a digit");
    // Never a trailing 0, which could leave the value (and so the checksum) unchanged.
    let flipped = format!("{head}{}", if digit == 9 { 8 } else { digit + 1 });
    let changed = text.replacen(&weight, &flipped, 1);
    assert_ne!(changed, text);
    serde_json::from_str::<Value>(&changed).expect("still valid JSON");
    let stderr = model_rejected("flipped.json", changed.as_bytes());
    assert!(stderr.contains("checksum mismatch"), "{stderr}");

    // A version-1 file has no checksum: the same damage goes unnoticed (which is why version 2
    // added one).
    let v1 = model_v1().replacen(V1_FIRST_COEFFICIENT, "-0.11230386152696274", 1);
    let path = write(dir.path(), "v1-flipped.json", v1);
    ok(stance().arg("classify").arg("--model").arg(&path).write_stdin(SENTENCE));
}

#[test]
fn model_of_the_wrong_shape() {
    let stderr = model_rejected(
        "shape.json",
        br#"{"format": "stance-model", "format_version": 1, "labels": "neutral", "weights": [1, 2]}"#,
    );
    assert!(stderr.contains("malformed"), "{stderr}");
    let stderr =
        model_rejected("renamed.json", model_v1().replace("\"intercepts\"", "\"intercept\"").as_bytes());
    assert!(stderr.contains("malformed"), "{stderr}");
    let stderr = model_rejected("report.json", br#"{"accuracy": 0.9, "n": 12}"#);
    assert!(stderr.contains("not a stance model"), "{stderr}");
}

#[test]
fn model_from_a_newer_format_version() {
    let model = model_v1();
    assert!(model.contains("\"format_version\": 1,"));
    let stderr = model_rejected(
        "future.json",
        model.replace("\"format_version\": 1,", "\"format_version\": 99,").as_bytes(),
    );
    assert!(stderr.contains("newer") && stderr.contains("99"), "{stderr}");
}

/// The frozen version-1 file (older format, no checksum) still loads, classifies and inspects.
#[test]
fn frozen_v1_model_still_loads() {
    let path = fixture("model-v1.json");
    let out = ok(stance().arg("classify").arg("--model").arg(&path).write_stdin(SENTENCE));
    assert_eq!(jsonl(&out.stdout).len(), 1);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let out = ok(stance().arg("inspect").arg("--model").arg(&path));
    assert!(out.stdout.contains("version 1"), "{}", out.stdout);
}

#[test]
fn model_whose_coefficients_and_vocabulary_disagree() {
    let mut model: Value = serde_json::from_str(&model_v1()).unwrap();
    for row in model["weights"]["coefficients"].as_array_mut().unwrap() {
        row.as_array_mut().unwrap().push(0.25.into());
    }
    let stderr = model_rejected("longer.json", serde_json::to_string(&model).unwrap().as_bytes());
    assert!(stderr.contains("inconsistent") && stderr.contains("vocabulary"), "{stderr}");

    let mut model: Value = serde_json::from_str(&model_v1()).unwrap();
    model["weights"]["coefficients"][1].as_array_mut().unwrap().pop();
    let stderr = model_rejected("ragged.json", serde_json::to_string(&model).unwrap().as_bytes());
    assert!(stderr.contains("inconsistent"), "{stderr}");
}

#[test]
fn model_with_an_infinite_nan_or_null_weight() {
    let model = model_v1();
    assert!(model.contains(V1_FIRST_COEFFICIENT));
    for (name, weight, what) in [
        ("inf.json", "1e999", "out of range"),
        ("nan.json", "NaN", "not valid JSON"),
        ("null.json", "null", "malformed"),
    ] {
        let stderr = model_rejected(name, model.replacen(V1_FIRST_COEFFICIENT, weight, 1).as_bytes());
        // Line and column of the bad weight.
        assert!(stderr.starts_with(&format!("stance: error: {name}:116:")), "{stderr}");
        assert!(stderr.contains(what), "{stderr}");
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Options rejected before any work starts (the data file named here does not exist)
// ---------------------------------------------------------------------------------------------

#[test]
fn negative_alpha_is_rejected_before_reading_data() {
    for command in ["train", "cv"] {
        for alpha in [["--alpha=-1"], ["--alpha=0"]] {
            let mut args = vec![command, "--data", "absent.tsv", "--out", "m.json"];
            if command == "cv" {
                args.truncate(3);
            }
            args.extend(alpha);
            rejected_before_work(&args, 1, "alpha must be a positive number");
        }
    }
}

#[test]
fn one_fold_is_rejected_before_reading_data() {
    rejected_before_work(
        &["train", "--data", "absent.tsv", "--folds", "1", "--out", "m.json"],
        1,
        "--folds must be at least 2",
    );
    rejected_before_work(&["cv", "--data", "absent.tsv", "--folds", "1"], 1, "--folds must be at least 2");
}

#[test]
fn calibrate_with_a_target_strategy_is_rejected_before_reading_data() {
    for strategy in ["per-target", "conjoined"] {
        rejected_before_work(
            &[
                "train",
                "--data",
                "absent.tsv",
                "--target-col",
                "target",
                "--target-strategy",
                strategy,
                "--calibrate",
                "--out",
                "m.json",
            ],
            1,
            "calibration is only supported with the pooled target strategy\nstance: hint: drop --calibrate or use --target-strategy pooled",
        );
    }
}

#[test]
fn more_folds_than_rows_names_both_numbers() {
    let dir = tmp();
    let data = fixture("tiny.tsv");
    for command in ["train", "cv"] {
        let mut cmd = stance();
        cmd.current_dir(dir.path()).arg(command).arg("--data").arg(&data).args(["--folds", "20"]);
        if command == "train" {
            cmd.args(["--out", "m.json"]);
        }
        let out = run(&mut cmd);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.contains("20") && out.stderr.contains("12"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }
}

#[test]
fn reversed_word_ngram_range_is_rejected_before_reading_data() {
    rejected_before_work(
        &["train", "--data", "absent.tsv", "--word-ngrams", "3-1", "--out", "m.json"],
        1,
        "--word-ngrams",
    );
    rejected_before_work(&["cv", "--data", "absent.tsv", "--word-ngrams", "3-1"], 1, "--word-ngrams");
}

/// Contract item 6.
#[test]
fn zero_threads_is_a_usage_error() {
    rejected_before_work(
        &["--threads", "0", "train", "--data", "absent.tsv", "--out", "m.json"],
        2,
        "--threads",
    );
    rejected_before_work(
        &["train", "--threads", "0", "--data", "absent.tsv", "--out", "m.json"],
        2,
        "--threads",
    );
    rejected_before_work(&["classify", "--threads", "0", "absent.tsv"], 2, "--threads");
}

// ---------------------------------------------------------------------------------------------
// 5. Output files
// ---------------------------------------------------------------------------------------------

/// `cmd` must refuse to replace `path`, whose content is `old`, before any work (`absent` is a
/// data file that does not exist, so it is the first message either way).
fn refuses_to_overwrite(cmd: &mut assert_cmd::Command, path: &Path, old: &str) {
    let out = run(cmd);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(out.stderr.contains(&format!("{name} exists; pass --force to overwrite it")), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(std::fs::read_to_string(path).unwrap(), old);
}

#[test]
fn train_out_is_not_overwritten_without_force() {
    let dir = tmp();
    let out = write(dir.path(), "m.json", "precious\n");
    refuses_to_overwrite(
        stance().current_dir(dir.path()).args(["train", "--data", "absent.tsv", "--out", "m.json"]),
        &out,
        "precious\n",
    );
    let mut cmd = train(dir.path(), fixture("tiny.tsv").to_str().unwrap(), &[]);
    refuses_to_overwrite(&mut cmd, &out, "precious\n");
    assert_eq!(names(dir.path()), BTreeSet::from(["m.json".to_string()]));
    train_ok(dir.path(), fixture("tiny.tsv").to_str().unwrap(), &["--force"]);
}

#[test]
fn evaluate_out_is_not_overwritten_without_force() {
    let dir = tmp();
    let report = write(dir.path(), "report.txt", "precious\n");
    let data = fixture("tiny.tsv");
    refuses_to_overwrite(
        stance().current_dir(dir.path()).args(["evaluate", "--data", "absent.tsv", "--out", "report.txt"]),
        &report,
        "precious\n",
    );
    refuses_to_overwrite(
        stance()
            .current_dir(dir.path())
            .arg("evaluate")
            .arg("--data")
            .arg(&data)
            .args(["--out", "report.txt"]),
        &report,
        "precious\n",
    );
    let out = ok(stance().current_dir(dir.path()).arg("evaluate").arg("--data").arg(&data).args([
        "--out",
        "report.txt",
        "--force",
    ]));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), out.stdout);
}

#[test]
fn cv_report_is_not_overwritten_without_force() {
    let dir = tmp();
    let page = write(dir.path(), "cv.html", "precious\n");
    let data = fixture("tiny.tsv");
    refuses_to_overwrite(
        stance().current_dir(dir.path()).args(["cv", "--data", "absent.tsv", "--report", "cv.html"]),
        &page,
        "precious\n",
    );
    let mut cmd = stance();
    cmd.current_dir(dir.path())
        .arg("cv")
        .arg("--data")
        .arg(&data)
        .args(["--folds", "3", "--report", "cv.html"]);
    refuses_to_overwrite(&mut cmd, &page, "precious\n");
    ok(cmd.arg("--force"));
    assert!(std::fs::read_to_string(&page).unwrap().contains("<html"), "not replaced by the report");
    assert_eq!(names(dir.path()), BTreeSet::from(["cv.html".to_string()]));
}

/// `train --force` killed (SIGKILL) at various points: the target is always either the old model,
/// byte for byte, or the complete new one, never a partial file.
#[cfg(unix)]
#[test]
fn killing_train_never_leaves_a_partial_model() {
    let dir = tmp();
    write(dir.path(), "many.tsv", generated_rows(400));
    let args =
        ["train", "--quiet", "--data", "many.tsv", "--char-ngrams", "2-5", "--no-cv", "--force", "--out"];
    // The model this training writes when left alone (training is deterministic).
    let started = std::time::Instant::now();
    ok(stance().current_dir(dir.path()).args(args).arg("new.json"));
    let duration = started.elapsed();
    let new = std::fs::read(dir.path().join("new.json")).unwrap();
    std::fs::remove_file(dir.path().join("new.json")).unwrap();
    // The existing model it replaces.
    train_ok(dir.path(), "many.tsv", &["--char-ngrams", "none"]);
    let old = std::fs::read(dir.path().join("m.json")).unwrap();
    assert_ne!(old, new);

    // Each run starts from the old model.
    let start = |dir: &Path| {
        std::fs::write(dir.join("m.json"), &old).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_stance"))
            .current_dir(dir)
            .args(args)
            .arg("m.json")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start stance")
    };
    let check = |when: &str| {
        let now = std::fs::read(dir.path().join("m.json")).unwrap();
        assert!(now == old || now == new, "{when}: m.json is neither the old nor the new model");
        ok(stance().current_dir(dir.path()).args(["inspect", "--model", "m.json"]));
        // Besides the data and the model, at most the hidden temporary file of a killed write.
        for name in names(dir.path()) {
            assert!(
                name == "many.tsv"
                    || name == "m.json"
                    || (name.starts_with(".m.json.") && name.ends_with(".tmp")),
                "{when}: unexpected file {name}"
            );
        }
        now == new
    };

    let mut replaced = 0;
    // Kill at fractions of an uninterrupted run's time (from the start to past the end).
    for percent in [0, 10, 30, 60, 80, 90, 100, 120] {
        let delay = duration * percent / 100;
        let mut child = start(dir.path());
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        replaced += usize::from(check(&format!("killed after {delay:?}")));
    }
    // Kill at the moment the temporary file appears, i.e. while the new model is being written.
    for _ in 0..3 {
        let mut child = start(dir.path());
        loop {
            let writing = names(dir.path()).iter().any(|n| n.starts_with(".m.json.") && n.ends_with(".tmp"));
            if writing || child.try_wait().unwrap().is_some() {
                break;
            }
        }
        let _ = child.kill();
        child.wait().unwrap();
        replaced += usize::from(check("killed while writing"));
    }
    eprintln!("note: {replaced} of 11 killed runs had already replaced the model");
    // Left alone, the same run replaces it with the new model.
    let mut child = start(dir.path());
    assert!(child.wait().unwrap().success());
    assert!(check("not killed"), "an uninterrupted run did not write the new model");
}

// ---------------------------------------------------------------------------------------------
// 6. Non-convergence
// ---------------------------------------------------------------------------------------------

#[test]
fn one_iteration_warns_about_the_gradient_norm_and_still_writes_a_model() {
    let dir = tmp();
    let (out, model) =
        train_ok(dir.path(), fixture("tiny.tsv").to_str().unwrap(), &["--max-iterations", "1"]);
    let warning =
        out.stderr.lines().find(|l| l.starts_with("stance: warning: ") && l.contains("gradient norm"));
    assert!(warning.is_some(), "no warning about the gradient norm:\n{}", out.stderr);
    assert_eq!(model["training"]["solver"]["converged"], false);
    let weights: Vec<f64> = model["weights"]["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(f64_of))
        .collect();
    assert!(weights.iter().any(|&w| w != 0.0), "all-zero weights");
    assert!(weights.iter().all(|w| w.is_finite()));
}
