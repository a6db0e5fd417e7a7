//! The rows `stance classify` writes, one type per `--level`, and the one writer that spells
//! them in every `--format` and in the streamed JSONL records.
//!
//! - [`TextRow`] (`--level text`): `label`, `probabilities`, then `on_topic` and `relevance`
//!   for a model that knows its topic, then `explanation` with `--explain`;
//! - [`SentenceRow`] (`--level sentence`): `sentence`, `text`, then a [`TextRow`]'s keys;
//! - [`ArticleRow`] (`--level article`): `label`, `sentences`, `shares`, `top_sentences` (as
//!   sentence rows), then `on_topic` for a model that knows its topic.
//!
//! A row's JSON object is its serde serialization: its keys are its field names, in order, an
//! absent optional field has none. In `--format jsonl` each line is `{"article":…}` followed by
//! the row's keys; the streaming stage (`--input-format jsonl`, see [`crate::records`]) writes
//! the input record's fields instead of `article`, then the same keys ([`append_row`]), and
//! takes the keys it adds, to drop colliding input keys, from a row of the same type. TSV and
//! text are spelled by [`RowWriter`].
//!
//! Adding an output field: one field in the row struct (its JSON key and place), then its TSV
//! column (with the header) and its text rendering in [`RowWriter`].

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use stance_infer::{ArticlePrediction, Explanation, Score, SentencePrediction, UNDECIDED};

use crate::{Level, OutputFormat};

/// Why a document or record without a sentence yields no row.
pub const NO_SENTENCE: &str = "no sentence found (empty, whitespace or symbols only)";

/// Tabs and line breaks cannot appear inside an unquoted TSV field; they become spaces.
pub fn tsv_field(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// A model's labels, in model order, with their alphabetical order (the key order of
/// `probabilities` objects, as of a `BTreeMap`).
#[derive(Debug, Clone)]
pub struct Labels {
    names: Vec<String>,
    alphabetical: Vec<usize>,
}

impl Labels {
    pub fn new(names: &[String]) -> Self {
        let mut alphabetical: Vec<usize> = (0..names.len()).collect();
        alphabetical.sort_by(|&a, &b| names[a].cmp(&names[b]));
        Self { names: names.to_vec(), alphabetical }
    }

    /// The labels in model order (the order of TSV columns).
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Every label's probability; a JSON object in alphabetical label order.
#[derive(Debug, Clone, Copy)]
pub enum Probabilities<'a> {
    /// As a prediction holds them.
    Map(&'a BTreeMap<String, f64>),
    /// As a [`Score`] holds them: in the order of the labels.
    Scored(&'a Labels, &'a [f64]),
}

impl Probabilities<'_> {
    /// The probability of `label`, if it is one of the labels.
    pub fn get(&self, label: &str) -> Option<f64> {
        match self {
            Probabilities::Map(map) => map.get(label).copied(),
            Probabilities::Scored(labels, values) => {
                labels.names.iter().position(|name| name == label).map(|i| values[i])
            }
        }
    }
}

impl Serialize for Probabilities<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Probabilities::Map(map) => map.serialize(serializer),
            Probabilities::Scored(labels, values) => {
                let mut map = serializer.serialize_map(Some(values.len()))?;
                for &i in &labels.alphabetical {
                    map.serialize_entry(&labels.names[i], &values[i])?;
                }
                map.end()
            }
        }
    }
}

/// The row of a text classified as one unit (`--level text`), and the prediction part of a
/// [`SentenceRow`].
#[derive(Debug, Clone, Serialize)]
pub struct TextRow<'a> {
    /// The most probable label, or `undecided` below `--min-confidence`.
    pub label: &'a str,
    /// Every label's probability.
    pub probabilities: Probabilities<'a>,
    /// Whether the text is about the model's target (a model with a relevance section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_topic: Option<bool>,
    /// Probability that the text is about the target (a model with a relevance section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevance: Option<f64>,
    /// With `--explain`: every label's explanation (its `per_label`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "per_label")]
    pub explanation: Option<&'a Explanation>,
}

fn per_label<S: Serializer>(
    explanation: &Option<&Explanation>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    explanation.map(|e| &e.per_label).serialize(serializer)
}

impl<'a> TextRow<'a> {
    /// The row of a prediction.
    pub fn predicted(p: &'a SentencePrediction, explanation: Option<&'a Explanation>) -> Self {
        TextRow {
            label: &p.label,
            probabilities: Probabilities::Map(&p.probabilities),
            on_topic: p.on_topic,
            relevance: p.relevance,
            explanation,
        }
    }

    /// The row of a score of a classifier with these labels.
    pub fn scored(labels: &'a Labels, score: &'a Score, explanation: Option<&'a Explanation>) -> Self {
        TextRow {
            label: score.label.map_or(UNDECIDED, |i| labels.names[i].as_str()),
            probabilities: Probabilities::Scored(labels, &score.probabilities),
            on_topic: score.topicality.map(|t| t.on_topic),
            relevance: score.topicality.map(|t| t.relevance),
            explanation,
        }
    }

    /// Probability of the label (0 when undecided).
    pub fn confidence(&self) -> f64 {
        self.probabilities.get(self.label).unwrap_or(0.0)
    }
}

/// The row of one sentence (`--level sentence`, and an article's top sentences).
#[derive(Debug, Clone, Serialize)]
pub struct SentenceRow<'a> {
    /// 1-based position of the sentence in its text.
    pub sentence: usize,
    /// The sentence; `None` in a streamed record, whose text field holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
    /// Its prediction.
    #[serde(flatten)]
    pub prediction: TextRow<'a>,
}

impl<'a> SentenceRow<'a> {
    /// The row of a prediction, its text included.
    pub fn predicted(p: &'a SentencePrediction, explanation: Option<&'a Explanation>) -> Self {
        SentenceRow {
            sentence: p.sentence,
            text: Some(&p.text),
            prediction: TextRow::predicted(p, explanation),
        }
    }

    /// The row of sentence number `sentence` of a streamed record, from its score: no `text`
    /// (the record's text field holds the sentence).
    pub fn streamed(
        sentence: usize,
        labels: &'a Labels,
        score: &'a Score,
        explanation: Option<&'a Explanation>,
    ) -> Self {
        SentenceRow { sentence, text: None, prediction: TextRow::scored(labels, score, explanation) }
    }
}

/// The row of an article (`--level article`).
#[derive(Debug, Clone, Serialize)]
pub struct ArticleRow<'a> {
    /// The article's label.
    pub label: &'a str,
    /// Number of sentences.
    pub sentences: usize,
    /// Share of the sentences predicted as each label.
    pub shares: &'a BTreeMap<String, f64>,
    /// The most confident stance sentences, best first.
    pub top_sentences: Vec<SentenceRow<'a>>,
    /// Whether any sentence is about the target (a model with a relevance section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_topic: Option<bool>,
}

impl<'a> ArticleRow<'a> {
    /// The row of an article prediction.
    pub fn predicted(p: &'a ArticlePrediction) -> Self {
        ArticleRow {
            label: &p.label,
            sentences: p.sentences,
            shares: &p.shares,
            top_sentences: p.top_sentences.iter().map(|s| SentenceRow::predicted(s, None)).collect(),
            on_topic: p.on_topic,
        }
    }
}

/// A row of any level.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Row<'a> {
    Sentence(SentenceRow<'a>),
    Text(TextRow<'a>),
    Article(ArticleRow<'a>),
}

/// Ends the JSON object begun in `out` (`{` and, when `fields` says so, some fields, without
/// the closing brace) with the row's keys, its closing brace and a line break.
pub fn append_row(out: &mut Vec<u8>, fields: bool, row: &Row<'_>) {
    let at = out.len();
    serde_json::to_writer(&mut *out, row).expect("a row serializes");
    // The row's own opening brace becomes the separator after the fields, or goes.
    if fields {
        out[at] = b',';
    } else {
        out.remove(at);
    }
    out.push(b'\n');
}

/// Writes rows in one `--format`.
pub struct RowWriter {
    format: OutputFormat,
    labels: Labels,
}

impl RowWriter {
    pub fn new(format: OutputFormat, labels: &[String]) -> Self {
        Self { format, labels: Labels::new(labels) }
    }

    /// The TSV header line of `level` (nothing in the other formats); `topic`: the model has a
    /// relevance section, so rows carry `on_topic` (and `relevance`).
    pub fn write_header(&self, out: &mut impl Write, level: Level, topic: bool) -> Result<()> {
        if self.format != OutputFormat::Tsv {
            return Ok(());
        }
        let labels = self.labels.names();
        match level {
            Level::Sentence | Level::Text => {
                let mut columns: Vec<String> = labels.iter().map(|l| format!("p_{l}")).collect();
                if topic {
                    columns.extend(["on_topic".to_owned(), "relevance".to_owned()]);
                }
                match level {
                    Level::Sentence => {
                        writeln!(out, "article\tsentence\tlabel\t{}\ttext", columns.join("\t"))?
                    }
                    _ => writeln!(out, "article\tlabel\t{}", columns.join("\t"))?,
                }
            }
            Level::Article => {
                let mut columns: Vec<String> = labels.iter().map(|l| format!("share_{l}")).collect();
                if topic {
                    columns.push("on_topic".to_owned());
                }
                writeln!(out, "article\tlabel\tsentences\t{}\ttop_sentence", columns.join("\t"))?
            }
        }
        Ok(())
    }

    /// Writes the row of document `article`.
    pub fn write(&self, out: &mut impl Write, article: &str, row: &Row<'_>) -> Result<()> {
        match self.format {
            OutputFormat::Jsonl => {
                let mut line = b"{\"article\":".to_vec();
                serde_json::to_writer(&mut line, article)?;
                append_row(&mut line, true, row);
                out.write_all(&line)?;
            }
            OutputFormat::Tsv => self.write_tsv(out, article, row)?,
            OutputFormat::Text => self.write_text(out, article, row)?,
        }
        Ok(())
    }

    /// A row's probability columns, then `on_topic` and `relevance` for a model that knows its
    /// topic.
    fn probability_columns(&self, p: &TextRow<'_>) -> Vec<String> {
        let mut columns: Vec<String> = (self.labels.names.iter())
            .map(|l| format!("{:.4}", p.probabilities.get(l).expect("every label has a probability")))
            .collect();
        if let (Some(on_topic), Some(relevance)) = (p.on_topic, p.relevance) {
            columns.push(on_topic.to_string());
            columns.push(format!("{relevance:.4}"));
        }
        columns
    }

    fn write_tsv(&self, out: &mut impl Write, article: &str, row: &Row<'_>) -> Result<()> {
        match row {
            Row::Sentence(s) => writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                tsv_field(article),
                s.sentence,
                s.prediction.label,
                self.probability_columns(&s.prediction).join("\t"),
                tsv_field(s.text.unwrap_or_default())
            )?,
            Row::Text(t) => writeln!(
                out,
                "{}\t{}\t{}",
                tsv_field(article),
                t.label,
                self.probability_columns(t).join("\t")
            )?,
            Row::Article(a) => {
                let mut shares: Vec<String> =
                    self.labels.names.iter().map(|l| format!("{:.4}", a.shares[l])).collect();
                shares.extend(a.on_topic.map(|on| on.to_string()));
                let top =
                    a.top_sentences.first().map_or(String::new(), |s| tsv_field(s.text.unwrap_or_default()));
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    tsv_field(article),
                    a.label,
                    a.sentences,
                    shares.join("\t"),
                    top
                )?;
            }
        }
        Ok(())
    }

    fn write_text(&self, out: &mut impl Write, article: &str, row: &Row<'_>) -> Result<()> {
        match row {
            Row::Sentence(s) => {
                let p = &s.prediction;
                let mark = if p.on_topic == Some(false) { "[off-topic] " } else { "" };
                writeln!(
                    out,
                    "{article}:{:<3} {:<8} {:.2}  {mark}{}",
                    s.sentence,
                    p.label,
                    p.confidence(),
                    s.text.unwrap_or_default()
                )?;
                if let Some(explanation) = p.explanation {
                    crate::explain::write_predicted(out, explanation, "    ")?;
                }
            }
            Row::Text(p) => {
                let mark = if p.on_topic == Some(false) { "  off-topic" } else { "" };
                writeln!(out, "{article}: {:<8} {:.2}{mark}", p.label, p.confidence())?;
                if let Some(explanation) = p.explanation {
                    crate::explain::write_predicted(out, explanation, "    ")?;
                }
            }
            Row::Article(a) => {
                let shares: Vec<String> =
                    self.labels.names.iter().map(|l| format!("{l} {:.0}%", 100.0 * a.shares[l])).collect();
                writeln!(
                    out,
                    "{article}: {}{}  ({} sentences: {})",
                    a.label.to_uppercase(),
                    if a.on_topic == Some(false) { " (off-topic)" } else { "" },
                    a.sentences,
                    shares.join(", ")
                )?;
                for s in &a.top_sentences {
                    writeln!(
                        out,
                        "    {:<8} {:.2}  #{:<3} {}",
                        s.prediction.label,
                        s.prediction.confidence(),
                        s.sentence,
                        s.text.unwrap_or_default()
                    )?;
                }
            }
        }
        Ok(())
    }
}
