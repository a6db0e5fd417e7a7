//! `stance holders`: who is for and who is against across a corpus — the holders and countries
//! of on-topic stance sentences × stance labels, with counts, shares, first and last article,
//! an example sentence, and each country's stance per month when articles carry dates.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use stance_holders::{CorpusBuilder, CorpusHolders, CorpusRow};
use stance_infer::{Classifier, StanceHolders};

use super::classify::for_each_document;
use super::{bind_target, check_outputs, emit_report, load_classifier, model_name, parse_probability};
use crate::documents::InvalidUtf8;
use crate::EXIT_SOME_FAILED;

/// Who holds which stance across articles: holders and countries × stance labels.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    stance holders data/corpus\n  \
    stance holders --format html --out holders.html --force data/corpus\n  \
    stance holders --input-format jsonl --text-field body --date-field published < articles.jsonl\n\n\
    Only on-topic stance sentences (not neutral, not undecided) have holders. An article's date is\n\
    a first line `date: YYYY-MM-DD` (or `date YYYY-MM-DD …`), a JSONL string field (--date-field),\n\
    or a YYYY-MM-DD / YYYYMMDD date in the file name; a date that does not parse is warned about\n\
    once per file and the article is counted without one. A document that cannot be read or\n\
    classified is named on stderr and the rest go on (exit code 3).")]
pub struct HoldersArgs {
    /// Model file (default: the peacekeeper model compiled into stance).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Article or JSONL files, directories (walked) or - for stdin [default: -].
    inputs: Vec<PathBuf>,
    /// What the inputs hold: plain-text articles, or JSON Lines records (one article each).
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    input_format: crate::records::InputFormat,
    /// With --input-format jsonl: the key holding each article's text.
    #[arg(long, value_name = "KEY", default_value = "text")]
    text_field: String,
    /// With --input-format jsonl: the key holding each article's date (a string, YYYY-MM-DD…).
    #[arg(long, value_name = "KEY", default_value = "date")]
    date_field: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: HoldersFormat,
    /// Also write the output to FILE (atomically).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
    /// Extra holder aliases (lines `kind<TAB>name<TAB>country<TAB>variant|variant…`).
    #[arg(long, value_name = "FILE")]
    aliases: Option<PathBuf>,
    /// Stance target of every input, for a per-target or conjoined model.
    #[arg(long, value_name = "TARGET")]
    target: Option<String>,
    /// Leave sentences whose top probability is below P undecided (they have no holder).
    #[arg(long, value_name = "P", value_parser = parse_probability, allow_negative_numbers = true)]
    min_confidence: Option<f64>,
    /// Articles that are not valid UTF-8: decode with U+FFFD and warn, or skip as failed.
    #[arg(long, value_enum, default_value = "replace", value_name = "WHAT")]
    invalid_utf8: InvalidUtf8,
    #[command(flatten)]
    walk: crate::args::WalkArgs,
}

/// Output format of `stance holders`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HoldersFormat {
    /// Aligned text tables.
    Text,
    /// One JSON object.
    Json,
    /// Markdown tables.
    Markdown,
    /// One self-contained HTML page with inline SVG charts.
    Html,
}

/// One article as a document's pass hands it on (a JSON line, so articles processed in
/// parallel are added in input order).
#[derive(Debug, Serialize, Deserialize)]
struct ArticleLine {
    name: String,
    date: Option<String>,
    warning: Option<String>,
    sentences: Vec<HeldSentence>,
    unattributed: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct HeldSentence {
    sentence: usize,
    text: String,
    label: String,
    confidence: f64,
    holder: String,
    country: Option<String>,
}

pub fn run(args: HoldersArgs, quiet: bool) -> Result<ExitCode> {
    check_outputs([args.out.as_deref()], args.force)?;
    let classifier = load_classifier(args.model.as_deref())?.with_min_confidence(args.min_confidence)?;
    let classifier = bind_target(classifier, args.target.as_deref())?;
    let holders = super::load_holders(args.aliases.as_deref(), &classifier)?;
    let inputs = if args.inputs.is_empty() { vec![PathBuf::from("-")] } else { args.inputs.clone() };
    let walk = args.walk.walk(match args.input_format {
        crate::records::InputFormat::Jsonl => crate::documents::Looking::Records,
        crate::records::InputFormat::Text => crate::documents::Looking::Articles,
    })?;
    let labels: Vec<String> =
        classifier.labels().iter().filter(|l| holders.is_stance(l, None)).cloned().collect();
    let mut builder = CorpusBuilder::new(holders.finder().aliases(), labels);
    let mut add = |line: ArticleLine| {
        if let Some(warning) = &line.warning {
            eprintln!("stance: warning: {warning}");
        }
        let sentences: Vec<stance_holders::StanceSentence<'_>> = (line.sentences.iter())
            .map(|s| stance_holders::StanceSentence {
                sentence: s.sentence,
                text: &s.text,
                label: &s.label,
                confidence: s.confidence,
                holder: &s.holder,
                country: s.country.as_deref(),
            })
            .collect();
        builder.add_article(&line.name, line.date.as_deref(), &sentences, line.unattributed);
    };
    let code = match args.input_format {
        crate::records::InputFormat::Text => {
            let mut lines = Vec::new();
            let code = for_each_document(
                &inputs,
                &walk,
                args.invalid_utf8,
                quiet,
                &mut lines,
                |source, text, out| {
                    let (date, warning) = article_date(&source.name, text);
                    let warning = warning.map(|w| format!("{}: {w}", source.display()));
                    let line = match article_line(&classifier, &holders, &source.name, text, date, warning) {
                        Ok(line) => line,
                        Err(problem) => return Ok(Err(problem)),
                    };
                    serde_json::to_writer(&mut *out, &line)?;
                    out.write_all(b"\n")?;
                    Ok(Ok(()))
                },
            )?;
            for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                add(serde_json::from_slice(line).context("an article line")?);
            }
            code
        }
        crate::records::InputFormat::Jsonl => jsonl_articles(
            &inputs,
            &walk,
            &args.text_field,
            &args.date_field,
            &classifier,
            &holders,
            &mut add,
        )?,
    };
    let table = builder.finish();
    let text = render(&table, args.format, &args, &inputs);
    emit_report(&text, args.out.as_deref())?;
    Ok(code)
}

use std::io::Write as _;

/// The stance sentences of one article with their holders.
fn article_line(
    classifier: &Classifier,
    holders: &StanceHolders,
    name: &str,
    text: &str,
    date: Option<String>,
    warning: Option<String>,
) -> std::result::Result<ArticleLine, String> {
    let article =
        holders.classify_article(classifier, text, classifier.target()).map_err(|e| e.to_string())?;
    let (held, unattributed) = holders.stance_sentences(&article.stance, &article.attributions);
    let sentences = (held.iter())
        .map(|s| HeldSentence {
            sentence: s.sentence,
            text: s.text.to_owned(),
            label: s.label.to_owned(),
            confidence: s.confidence,
            holder: s.holder.to_owned(),
            country: s.country.map(str::to_owned),
        })
        .collect();
    Ok(ArticleLine { name: name.to_owned(), date, warning, sentences, unattributed })
}

/// JSON Lines inputs: one article per record, named FILE:LINE; a bad record is reported and
/// the rest go on.
fn jsonl_articles(
    inputs: &[PathBuf],
    walk: &std::sync::Arc<crate::documents::Walk>,
    text_field: &str,
    date_field: &str,
    classifier: &Classifier,
    holders: &StanceHolders,
    add: &mut dyn FnMut(ArticleLine),
) -> Result<ExitCode> {
    let (mut failed, mut total) = (0, 0);
    for source in crate::documents::sources(inputs.to_vec(), walk.clone()) {
        let reader: Box<dyn BufRead> = match &source.path {
            None => Box::new(std::io::stdin().lock()),
            Some(path) => match std::fs::File::open(path) {
                Ok(file) => Box::new(std::io::BufReader::new(file)),
                Err(error) => {
                    eprintln!("stance: {}: {error}", source.display());
                    failed += 1;
                    total += 1;
                    continue;
                }
            },
        };
        for (index, line) in reader.lines().enumerate() {
            let name = format!("{}:{}", source.name, index + 1);
            let line = line.with_context(|| format!("cannot read {name}"))?;
            if line.trim().is_empty() {
                continue;
            }
            total += 1;
            match jsonl_article(&line, &name, text_field, date_field, classifier, holders) {
                Ok(article) => add(article),
                Err(problem) => {
                    eprintln!("stance: {name}: {problem}");
                    failed += 1;
                }
            }
        }
    }
    if failed > 0 {
        eprintln!("stance: {failed} of {total} documents failed");
        return Ok(ExitCode::from(EXIT_SOME_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

fn jsonl_article(
    line: &str,
    name: &str,
    text_field: &str,
    date_field: &str,
    classifier: &Classifier,
    holders: &StanceHolders,
) -> std::result::Result<ArticleLine, String> {
    let record: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let object = record.as_object().ok_or("not a JSON object")?;
    let text = match object.get(text_field) {
        Some(serde_json::Value::String(text)) => text,
        Some(other) => {
            return Err(format!("field \"{text_field}\" is {}, not a string", stance_train::json_kind(other)))
        }
        None => return Err(format!("no field \"{text_field}\" (--text-field)")),
    };
    let (date, warning) = match object.get(date_field) {
        None | Some(serde_json::Value::Null) => (None, None),
        Some(serde_json::Value::String(value)) => match parse_date(value) {
            Some(date) => (Some(date), None),
            None => (None, Some(format!("{name}: {}", undated(value)))),
        },
        Some(other) => {
            return Err(format!(
                "field \"{date_field}\" is {}, not a string date",
                stance_train::json_kind(other)
            ))
        }
    };
    article_line(classifier, holders, name, text, date, warning)
}

fn undated(value: &str) -> String {
    format!("date {value:?} is not a YYYY-MM-DD date; the article is counted without a date")
}

/// An article's date: its first line `date: …` (or `date 2024-12-30 …`), else a date in its
/// file name; with a warning when a `date` line's value does not parse.
fn article_date(name: &str, text: &str) -> (Option<String>, Option<String>) {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let lower = first.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("date") {
        let explicit = rest.starts_with(':');
        let value = rest.trim_start_matches(':').split_whitespace().next().unwrap_or("");
        // "date 2024-…" needs a digit; "Date palms …" is no date line.
        if explicit || value.starts_with(|c: char| c.is_ascii_digit()) {
            return match parse_date(value) {
                Some(date) => (Some(date), None),
                None => (file_name_date(name), Some(undated(value))),
            };
        }
    }
    (file_name_date(name), None)
}

/// A YYYY-MM-DD or YYYYMMDD date in a file name.
fn file_name_date(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    (0..bytes.len()).find_map(|i| {
        let at = |n: usize| name.get(i..i + n);
        let digit_before = i > 0 && bytes[i - 1].is_ascii_digit();
        if digit_before {
            return None;
        }
        let dashed =
            at(10).and_then(parse_date).filter(|_| !bytes.get(i + 10).is_some_and(u8::is_ascii_digit));
        dashed.or_else(|| {
            let compact = at(8).filter(|s| s.bytes().all(|b| b.is_ascii_digit()))?;
            if bytes.get(i + 8).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            parse_date(&format!("{}-{}-{}", &compact[..4], &compact[4..6], &compact[6..]))
        })
    })
}

/// `YYYY-MM-DD` (a time after it, as in `2025-01-06T10:00Z`, is ignored), checked.
fn parse_date(value: &str) -> Option<String> {
    let date = value.get(..10)?;
    let rest = &value[10..];
    if !(rest.is_empty() || rest.starts_with(['T', ' ', 't'])) {
        return None;
    }
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return None };
    if y.len() != 4
        || m.len() != 2
        || d.len() != 2
        || !date.bytes().filter(|&b| b != b'-').all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (year, month, day): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    ((1..=12).contains(&month) && day >= 1 && day <= days[month as usize - 1]).then(|| date.to_owned())
}

#[derive(Serialize)]
struct RowJson<'a> {
    name: &'a str,
    country: Option<&'a str>,
    counts: &'a std::collections::BTreeMap<String, usize>,
    shares: std::collections::BTreeMap<&'a str, f64>,
    articles: usize,
    first_article: &'a str,
    last_article: &'a str,
    example: &'a stance_holders::Example,
}

#[derive(Serialize)]
struct TableJson<'a> {
    labels: &'a [String],
    articles: usize,
    dated_articles: usize,
    unattributed: usize,
    holders: Vec<RowJson<'a>>,
    countries: Vec<RowJson<'a>>,
    timeline: &'a [stance_holders::MonthCounts],
}

fn row_json<'a>(row: &'a CorpusRow, labels: &'a [String]) -> RowJson<'a> {
    RowJson {
        name: &row.name,
        country: row.country.as_deref(),
        counts: &row.counts,
        shares: labels.iter().map(|l| (l.as_str(), row.share(l))).collect(),
        articles: row.articles,
        first_article: &row.first_article,
        last_article: &row.last_article,
        example: &row.example,
    }
}

fn render(table: &CorpusHolders, format: HoldersFormat, args: &HoldersArgs, inputs: &[PathBuf]) -> String {
    match format {
        HoldersFormat::Text => stance_report::holders_text(table),
        HoldersFormat::Markdown => stance_report::holders_markdown(table),
        HoldersFormat::Json => {
            let json = TableJson {
                labels: &table.labels,
                articles: table.articles,
                dated_articles: table.dated_articles,
                unattributed: table.unattributed,
                holders: table.holders.iter().map(|r| row_json(r, &table.labels)).collect(),
                countries: table.countries.iter().map(|r| row_json(r, &table.labels)).collect(),
                timeline: &table.timeline,
            };
            serde_json::to_string_pretty(&json).expect("the table serializes") + "\n"
        }
        HoldersFormat::Html => {
            let inputs: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
            let facts = vec![
                ("model".to_owned(), model_name(args.model.as_deref())),
                ("inputs".to_owned(), inputs.join(" ")),
            ];
            stance_report::holders_html("Who is for and who is against", &facts, table)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_lines_and_file_names() {
        assert_eq!(
            article_date("a.txt", "\n date 2024-12-30 Russia is against"),
            (Some("2024-12-30".into()), None)
        );
        assert_eq!(article_date("a.txt", "Date: 2025-02-29\nText"), (None, Some(undated("2025-02-29"))));
        assert_eq!(article_date("a.txt", "date: soon\nText").1, Some(undated("soon")));
        assert_eq!(article_date("2025-01-06_paris.txt", "Date palms grow.").0.as_deref(), Some("2025-01-06"));
        assert_eq!(article_date("news-20240229.txt", "x").0.as_deref(), Some("2024-02-29"));
        assert_eq!(article_date("000_bf325d4e0de918fa.txt", "x"), (None, None));
        assert_eq!(article_date("id123456789.txt", "x").0, None);
        assert_eq!(parse_date("2025-01-06T10:00:00Z").as_deref(), Some("2025-01-06"));
        for bad in ["2025-13-01", "2025-1-01", "2025-01-32", "20250106", "2025-01-06x"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
