//! End-to-end: stance holders — the `holder` fields of classify rows, `--aliases`, and the
//! corpus table of `stance holders` with its dates and bad input.

use crate::common;
use common::*;

use serde_json::Value;

fn holders_json(args: &[&str]) -> Value {
    let out = ok(stance().arg("holders").args(args).args(["--format", "json"]));
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn the_seed_corpus_table_names_lavrov_and_russia_first() {
    let table = holders_json(&[CORPUS]);
    assert_eq!(table["articles"], 5);
    assert_eq!(table["labels"], serde_json::json!(["oppose", "support"]));
    let first = &table["holders"][0];
    // "Sergey Lavrov" (two articles) and "Sergei Lavrov" (two) merge through the alias table.
    assert_eq!((first["name"].as_str(), first["country"].as_str()), (Some("Sergei Lavrov"), Some("Russia")));
    assert_eq!(first["articles"], 3);
    assert_eq!(first["shares"]["oppose"], 1.0);
    let russia = &table["countries"][0];
    assert_eq!(russia["name"], "Russia");
    assert_eq!(russia["articles"], 5);
    // 000 begins "date 2024-12-30": one dated article, its month on the timeline.
    assert_eq!(table["dated_articles"], 1);
    assert!(table["timeline"].as_array().unwrap().iter().all(|m| m["month"] == "2024-12"));

    let html = ok(stance().args(["holders", "--format", "html", CORPUS])).stdout;
    assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
    assert!(html.matches("<svg").count() >= 3, "holders, countries and a timeline chart");
    let markdown = ok(stance().args(["holders", "--format", "markdown", CORPUS])).stdout;
    assert!(markdown.contains("| Sergei Lavrov | Russia |"), "{markdown}");
}

#[test]
fn dates_bad_dates_and_failed_documents() {
    let dir = tmp();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("2025-01-06_paris.txt", "Britain said it is ready to send troops to Ukraine after a ceasefire.\n");
    write("b.txt", "date: 2025-02-30\nRussia rejected any deployment of Western troops in Ukraine.\n");
    write("c.txt", "date 2025-03-04 Russian Foreign Minister Sergei Lavrov said Western troops in Ukraine are unacceptable.\n");
    write("empty.txt", "   \n");
    let out = run(stance().args(["holders", "--format", "json"]).arg(dir.path()));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stderr.matches("2025-02-30").count(), 1, "warned once: {}", out.stderr);
    assert!(out.stderr.contains("b.txt: date \"2025-02-30\" is not a YYYY-MM-DD date"), "{}", out.stderr);
    assert!(out.stderr.contains("empty.txt"), "{}", out.stderr);
    let table: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!((table["articles"].as_u64(), table["dated_articles"].as_u64()), (Some(3), Some(2)));
    let months: Vec<&str> =
        table["timeline"].as_array().unwrap().iter().map(|m| m["month"].as_str().unwrap()).collect();
    assert_eq!(months, ["2025-03", "2025-01"], "Russia (March) then the United Kingdom (January)");
    let russia = table["countries"].as_array().unwrap().iter().find(|c| c["name"] == "Russia").unwrap();
    assert_eq!(russia["articles"], 2, "the undated article still counts");
}

#[test]
fn jsonl_articles_with_a_non_string_date_fail_alone() {
    let input = concat!(
        r#"{"id":1,"text":"Russia rejected any deployment of Western troops in Ukraine.","date":"2025-01-02"}"#,
        "\n",
        r#"{"id":2,"text":"Britain said it is ready to send troops to Ukraine.","date":20250103}"#,
        "\n\n",
        r#"{"id":3,"text":"Britain said it is ready to send troops to Ukraine."}"#,
        "\n",
    );
    let out = run(stance()
        .args(["holders", "--input-format", "jsonl", "--format", "json", "-"])
        .write_stdin(input));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("-:2: field \"date\" is a number, not a string date"), "{}", out.stderr);
    let table: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!((table["articles"].as_u64(), table["dated_articles"].as_u64()), (Some(2), Some(1)));
}

#[test]
fn a_user_alias_file_extends_the_table_and_a_bad_one_names_its_line() {
    let dir = tmp();
    let aliases = dir.path().join("aliases.tsv");
    std::fs::write(&aliases, "# mine\nperson\tKaja Kallas\tEstonia\tKallas\n").unwrap();
    let text = "Kallas said Europe must be ready to send troops to Ukraine after a ceasefire.\n";
    let plain = jsonl(&ok(stance().args(["classify", "-"]).write_stdin(text)).stdout);
    let extended =
        jsonl(&ok(stance().args(["classify", "--aliases"]).arg(&aliases).arg("-").write_stdin(text)).stdout);
    assert_eq!(plain[0]["label"], "support", "{plain:?}");
    assert_eq!((plain[0]["holder"].as_str(), plain[0]["holder_country"].as_str()), (Some("Kallas"), None));
    assert_eq!(extended[0]["holder"], "Kaja Kallas");
    assert_eq!(extended[0]["holder_country"], "Estonia");

    std::fs::write(&aliases, "person\tKaja Kallas\tEstonia\tKallas\nfriend\tX\t\tX\n").unwrap();
    for command in ["classify", "holders"] {
        let out = run(stance().arg(command).arg("--aliases").arg(&aliases).arg(CORPUS));
        assert_ne!(out.code, 0);
        assert!(out.stdout.is_empty(), "nothing is written before the aliases are read");
        let at = format!("{}:2: unknown kind `friend`", aliases.display());
        assert!(out.stderr.contains(&at), "{}", out.stderr);
    }
}

#[test]
fn explain_shows_the_words_that_decided_the_holder() {
    let text = "Russian Foreign Minister Sergei Lavrov spoke on Monday.\n\
                He said Western peacekeepers in Ukraine would be completely unacceptable.\n";
    let out = ok(stance().args(["classify", "--explain", "--format", "text", "-"]).write_stdin(text));
    assert!(out.stdout.contains("— Sergei Lavrov (Russia)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("holder by pronoun: “He said” (sentence 2), named in sentence 1"),
        "{}",
        out.stdout
    );
}

#[test]
fn evaluate_reports_holder_accuracy_for_data_with_holder_columns() {
    let out = ok(stance().args(["evaluate", "--format", "json", "--data", LABELED]));
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let holders = &report["holders"];
    assert_eq!(holders["sentences"], 54, "every support/oppose row of the seed corpus");
    // The goals of issue 15 on the seed corpus (the rules were developed on it: not held out).
    assert!(f64_of(&holders["exact"]) >= 0.90, "{holders}");
    assert!(f64_of(&holders["merged"]) >= f64_of(&holders["exact"]), "{holders}");
    assert!(f64_of(&holders["country"]) >= 0.95, "{holders}");
    let text = ok(stance().args(["evaluate", "--data", LABELED])).stdout;
    assert!(text.contains("holders of the 54 gold stance rows (rules, not the model): exact "), "{text}");
    let dir = tmp();
    let plain = dir.path().join("plain.tsv");
    std::fs::write(&plain, "text\tlabel\nRussia rejects troops.\toppose\n").unwrap();
    let report: Value = serde_json::from_str(
        &ok(stance().args(["evaluate", "--format", "json", "--data"]).arg(&plain)).stdout,
    )
    .unwrap();
    assert!(report.get("holders").is_none(), "no holder columns, no holder accuracy");
}

#[test]
fn evaluate_reads_gold_holders_through_the_data_reader_in_any_format() {
    let tsv = std::fs::read_to_string(LABELED).unwrap();
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let records: Vec<serde_json::Map<String, Value>> = lines
        .map(|line| {
            header.iter().zip(line.split('\t')).map(|(k, v)| (k.to_string(), Value::from(v))).collect()
        })
        .collect();
    let dir = tmp();
    let jsonl = dir.path().join("labeled.jsonl");
    let lines: Vec<String> = records.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
    std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
    let holders = |data: &std::path::Path| {
        let out = ok(stance().args(["evaluate", "--format", "json", "--data"]).arg(data));
        serde_json::from_str::<Value>(&out.stdout).unwrap()["holders"].clone()
    };
    let from_tsv = holders(std::path::Path::new(LABELED));
    assert_eq!(from_tsv["sentences"], 54);
    assert_eq!(holders(&jsonl), from_tsv, "the same rows as JSONL give the same holder accuracy");
    // A record without a gold holder key is named by file and line.
    let mut broken = records.clone();
    let stance_row = broken.iter().position(|r| r["label"] != "neutral").unwrap();
    broken[stance_row].remove("holder");
    let lines: Vec<String> = broken.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
    std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
    let failed = run(stance().args(["evaluate", "--data"]).arg(&jsonl));
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    let at = format!("{}:{}: no column holder", jsonl.display(), stance_row + 1);
    assert!(failed.stderr.contains(&at), "{}", failed.stderr);
}
