//! End-to-end: `stance classify --input-format jsonl` as a streaming stage (Hadoop Streaming,
//! Spark `pipe()`): JSONL records in, the same records plus predictions out, in input order,
//! bad records named by line while the rest go on.

use crate::common;
use common::*;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

const SENTENCES: [&str; 4] = [
    "Russia rejects Western peacekeepers in Ukraine.",
    "Britain is ready to send troops to Ukraine.",
    "The talks took place in Riyadh on Tuesday.",
    "Lavrov said the deployment is completely unacceptable. Starmer is open to sending troops.",
];

/// `n` records with ids, a nested object and escapes, cycling through [`SENTENCES`].
fn records(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"id":{i},"text":{},"meta":{{"batch":"b\u00e9{}","tags":[1,null,{{"x":true}}]}}}}"#,
                serde_json::to_string(SENTENCES[i % SENTENCES.len()]).unwrap(),
                i % 7
            ) + "\n"
        })
        .collect()
}

fn classify_jsonl(args: &[&str], stdin: &str) -> Run {
    run(stance().args(["classify", "--input-format", "jsonl"]).args(args).write_stdin(stdin.to_string()))
}

fn probabilities_match(a: &Value, b: &Value) {
    for label in LABELS {
        let (a, b) = (f64_of(&a[label]), f64_of(&b[label]));
        assert!((a - b).abs() < 1e-12, "{label}: {a} vs {b}");
    }
}

#[test]
fn jsonl_records_keep_their_fields_and_order() {
    let input = records(40);
    let out = classify_jsonl(&["--level", "text"], &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 40);
    for (i, (line, original)) in lines.iter().zip(input.lines()).enumerate() {
        // The record's own bytes (escapes included) come first, unchanged.
        assert!(line.starts_with(&original[..original.len() - 1]), "{line}");
        let row: Value = serde_json::from_str(line).unwrap();
        let original: Value = serde_json::from_str(original).unwrap();
        assert_eq!(
            keys(&row),
            ["id", "label", "meta", "on_topic", "probabilities", "relevance", "text"].into()
        );
        assert_eq!(row["id"], i);
        assert_eq!(row["meta"], original["meta"]);
        assert_eq!(row["text"], original["text"]);
        let probabilities = &row["probabilities"];
        let total: f64 = LABELS.iter().map(|l| f64_of(&probabilities[*l])).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert!(LABELS.contains(&row["label"].as_str().unwrap()));
    }
}

#[test]
fn text_level_is_the_whole_text_as_one_unit() {
    // Two sentences in one record: one prediction, the same as the text input's --level text.
    let text = SENTENCES[3];
    let record = format!("{{\"text\":{}}}\n", serde_json::to_string(text).unwrap());
    let out = classify_jsonl(&["--level", "text"], &record);
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 1);
    let plain = jsonl(&ok(stance().args(["classify", "--level", "text", "-"]).write_stdin(text)).stdout);
    assert_eq!(keys(&plain[0]), ["article", "label", "on_topic", "probabilities", "relevance"].into());
    assert_eq!(rows[0]["label"], plain[0]["label"]);
    probabilities_match(&rows[0]["probabilities"], &plain[0]["probabilities"]);
}

#[test]
fn sentence_level_gives_one_line_per_sentence_like_text_input() {
    let input = records(4);
    let out = classify_jsonl(&[], &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 5, "the fourth record has two sentences");
    let ids: Vec<u64> = rows.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    let numbers: Vec<u64> = rows.iter().map(|r| r["sentence"].as_u64().unwrap()).collect();
    assert_eq!((ids, numbers), (vec![0, 1, 2, 3, 3], vec![1, 1, 1, 1, 2]));
    assert_eq!(
        keys(&rows[4]),
        [
            "id",
            "holder",
            "holder_country",
            "label",
            "meta",
            "on_topic",
            "probabilities",
            "relevance",
            "sentence",
            "text"
        ]
        .into()
    );
    let plain = jsonl(&ok(stance().args(["classify", "-"]).write_stdin(SENTENCES[3])).stdout);
    for (row, plain) in rows[3..].iter().zip(&plain) {
        assert_eq!(row["text"], plain["text"]);
        assert_eq!(row["label"], plain["label"]);
        probabilities_match(&row["probabilities"], &plain["probabilities"]);
    }
}

#[test]
fn article_level_adds_the_article_prediction() {
    let out = classify_jsonl(&["--level", "article"], &records(4));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 4);
    let plain =
        jsonl(&ok(stance().args(["classify", "--level", "article", "-"]).write_stdin(SENTENCES[3])).stdout);
    assert_eq!(rows[3]["sentences"], 2);
    for key in ["label", "sentences", "shares", "top_sentences"] {
        assert_eq!(rows[3][key], plain[0][key], "{key}");
    }
    assert_eq!(rows[3]["text"], SENTENCES[3], "the record's fields are kept");
}

#[test]
fn bad_records_are_named_by_line_and_the_rest_classified() {
    let good = records(3);
    let good: Vec<&str> = good.lines().collect();
    let input = [
        good[0],
        "",
        "[1, 2, 3]",
        good[1],
        "   ",
        r#"{"id": 9, "body": "no text key"}"#,
        r#"{"id": 10, "text": 42}"#,
        r#"{"id": 11, "text": "unterminated"#,
        good[2],
    ]
    .join("\n");
    let out = classify_jsonl(&["--level", "text"], &input);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let ids: Vec<u64> = jsonl(&out.stdout).iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [0, 1, 2]);
    let stderr: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        stderr,
        [
            "stance: <stdin>:3: not a JSON object but an array",
            r#"stance: <stdin>:6: no field "text" (--text-field); the record has "id", "body""#,
            r#"stance: <stdin>:7: field "text" is a number, not a string"#,
            "stance: <stdin>:8: not valid JSON: EOF while parsing a string (column 32)",
            "stance: 4 of 7 records failed",
        ]
    );
}

#[test]
fn text_field_picks_the_key_and_a_missing_key_fails_every_record() {
    let input = "{\"id\":\"a\",\"body\":\"Russia rejects Western peacekeepers in Ukraine.\"}\n\
                 {\"id\":\"b\",\"body\":\"Britain is ready to send troops to Ukraine.\"}\n";
    let body = classify_jsonl(&["--level", "text", "--text-field", "body"], input);
    assert_eq!(body.code, 0, "{}", body.stderr);
    let rows = jsonl(&body.stdout);
    assert_eq!((rows[0]["id"].as_str(), rows[1]["id"].as_str()), (Some("a"), Some("b")));

    let missing = classify_jsonl(&["--level", "text"], input);
    assert_eq!(missing.code, 3);
    assert_eq!(missing.stdout, "");
    assert!(missing
        .stderr
        .contains(r#"<stdin>:2: no field "text" (--text-field); the record has "id", "body""#));
    assert!(missing.stderr.ends_with("stance: 2 of 2 records failed\n"), "{}", missing.stderr);

    let clash = classify_jsonl(&["--level", "text", "--text-field", "label"], input);
    assert_eq!(clash.code, 1);
    assert!(clash.stderr.contains("--text-field label is a key that --level text adds"), "{}", clash.stderr);
}

#[test]
fn empty_input_is_an_empty_output() {
    // An empty partition of a Spark job is not an error.
    let out = classify_jsonl(&["--level", "text"], "\n\n");
    assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str()), (0, "", ""));
}

#[test]
fn jsonl_only_writes_jsonl_and_text_field_needs_jsonl() {
    let tsv = classify_jsonl(&["--format", "tsv"], &records(1));
    assert_eq!(tsv.code, 1);
    assert!(tsv.stderr.contains("--input-format jsonl writes JSONL"), "{}", tsv.stderr);
    let text = run(stance().args(["classify", "--text-field", "body", "-"]).write_stdin("Talks go on."));
    assert_eq!(text.code, 1);
    assert!(text.stderr.contains("--text-field is for JSONL records"), "{}", text.stderr);
}

#[test]
fn invalid_utf8_in_a_record_is_repaired_with_a_warning_or_skipped() {
    let mut input = b"{\"id\":1,\"text\":\"Talks went on in Riyadh \xe9.\"}\n".to_vec();
    input.extend_from_slice(records(1).as_bytes());
    let replaced = run(stance()
        .args(["classify", "--input-format", "jsonl", "--level", "text"])
        .write_stdin(input.clone()));
    assert_eq!(replaced.code, 0, "{}", replaced.stderr);
    assert_eq!(
        replaced.stderr,
        "stance: warning: <stdin>:1: invalid UTF-8 at byte 40; undecodable bytes replaced with U+FFFD\n"
    );
    assert_eq!(jsonl(&replaced.stdout)[0]["text"], "Talks went on in Riyadh \u{FFFD}.");
    let skipped = run(stance()
        .args(["classify", "--input-format", "jsonl", "--level", "text", "--invalid-utf8", "skip"])
        .write_stdin(input));
    assert_eq!(skipped.code, 3);
    assert_eq!(jsonl(&skipped.stdout).len(), 1);
}

/// Writes `input` in `parts` files under `dir/parts/`, named so that sorting keeps their order.
fn split_into_files(dir: &Path, input: &str, parts: usize) -> Vec<String> {
    let parts_dir = dir.join("parts");
    std::fs::create_dir_all(parts_dir.join("b")).unwrap();
    let lines: Vec<&str> = input.lines().collect();
    let per_part = lines.len().div_ceil(parts);
    let mut contents = Vec::new();
    for (i, part) in lines.chunks(per_part).enumerate() {
        // Nested folders are walked in sorted order too: a/ < b/ < c.jsonl.
        let name = match i {
            0 => "a.jsonl".to_string(),
            _ => format!("b/{i:03}.jsonl"),
        };
        let text = part.join("\n") + "\n";
        std::fs::write(parts_dir.join(&name), &text).unwrap();
        contents.push(text);
    }
    contents
}

#[test]
fn large_inputs_stream_in_order_whatever_the_chunking_and_threads() {
    let dir = tmp();
    let input = records(50_000);
    let path = dir.path().join("all.jsonl");
    std::fs::write(&path, &input).unwrap();
    let classify = |threads: &str, inputs: &[&Path]| {
        ok(stance()
            .args(["--threads", threads, "classify", "--input-format", "jsonl", "--level", "text"])
            .args(inputs))
        .stdout
    };
    let serial = classify("1", &[&path]);
    assert_eq!(serial.lines().count(), 50_000);
    for (i, row) in jsonl(&serial).iter().enumerate() {
        assert_eq!(row["id"], i, "input order");
    }
    assert!(classify("2", &[&path]) == serial, "--threads 2 differs from --threads 1");

    // The same records in several files (a directory, walked in sorted order), and piecewise:
    // chunks fall elsewhere, the output does not change.
    let parts = split_into_files(dir.path(), &input, 7);
    assert!(classify("2", &[&dir.path().join("parts")]) == serial, "a directory of parts differs");
    let piecewise: String = parts
        .iter()
        .map(|part| {
            ok(stance()
                .args(["classify", "--input-format", "jsonl", "--level", "text"])
                .write_stdin(part.clone()))
            .stdout
        })
        .collect();
    assert!(piecewise == serial, "classifying the parts one by one differs");
}

#[test]
fn errors_in_files_name_the_file_and_line() {
    let dir = tmp();
    let path = dir.path().join("part-00000");
    std::fs::write(&path, records(2) + "oops\n" + &records(1)).unwrap();
    let missing = dir.path().join("missing.jsonl");
    let out = run(stance()
        .args(["classify", "--input-format", "jsonl", "--level", "text"])
        .arg(&path)
        .arg(&missing));
    assert_eq!(out.code, 3);
    assert_eq!(jsonl(&out.stdout).len(), 3);
    let stderr: Vec<&str> = out.stderr.lines().collect();
    assert!(
        stderr[0].starts_with(&format!("stance: {}:3: not valid JSON", path.display())),
        "{}",
        out.stderr
    );
    assert!(stderr[1].starts_with(&format!("stance: {}: cannot read", missing.display())), "{}", out.stderr);
    assert_eq!(stderr[2], "stance: 1 of 4 records failed; 1 input could not be read");
}

#[test]
fn a_closed_pipe_ends_the_stream_successfully() {
    // `stance classify ... | head -1`: the reader goes away early; that is success, not an error.
    let dir = tmp();
    let path = dir.path().join("rows.jsonl");
    std::fs::write(&path, records(50_000)).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["classify", "--input-format", "jsonl", "--level", "text"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with(r#"{"id":0,"#), "{first}");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn stdin_is_streamed_not_read_whole() {
    // The first records come out while stdin is still open: the command is a pipeline stage.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["classify", "--input-format", "jsonl", "--level", "text"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (close, closed) = std::sync::mpsc::channel::<()>();
    // A writer of its own: stance's output is read meanwhile, so neither pipe fills up.
    let feeder = std::thread::spawn(move || {
        // More than one chunk, so the first one is classified and written before stdin ends.
        stdin.write_all(records(20_000).as_bytes()).unwrap();
        stdin.flush().unwrap();
        closed.recv().unwrap();
    });
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with(r#"{"id":0,"#), "{first}");
    close.send(()).unwrap();
    let rest = stdout.lines().count();
    assert_eq!(rest, 19_999);
    feeder.join().unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn text_level_on_article_files_is_one_row_per_file() {
    let dir = tmp();
    std::fs::write(dir.path().join("a.txt"), SENTENCES[3]).unwrap();
    std::fs::write(dir.path().join("b.txt"), SENTENCES[0]).unwrap();
    std::fs::write(dir.path().join("c.txt"), " \n ").unwrap();
    let tsv = run(stance().args(["classify", "--level", "text", "--format", "tsv"]).arg(dir.path()));
    assert_eq!(tsv.code, 3);
    let lines: Vec<&str> = tsv.stdout.lines().collect();
    assert_eq!(lines[0], "article\tlabel\tp_neutral\tp_oppose\tp_support\ton_topic\trelevance");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("a.txt\t") && lines[2].starts_with("b.txt\t"), "{}", tsv.stdout);
    assert!(tsv.stderr.contains("c.txt: empty or whitespace only"), "{}", tsv.stderr);
    assert!(tsv.stderr.ends_with("stance: 1 of 3 documents failed\n"), "{}", tsv.stderr);
    let jsonl_rows = jsonl(&run(stance().args(["classify", "--level", "text"]).arg(dir.path())).stdout);
    for (row, line) in jsonl_rows.iter().zip(&lines[1..]) {
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(row["label"], cells[1]);
        let p: f64 = cells[2].parse().unwrap();
        assert!((f64_of(&row["probabilities"]["neutral"]) - p).abs() < 1e-4);
    }
}
