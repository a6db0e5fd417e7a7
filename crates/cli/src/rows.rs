//! The rows `stance classify` writes, one type per `--level`, and the one writer that spells
//! them in every `--format` and in the streamed JSONL records.
//!
//! - [`TextRow`] (`--level text`): `label`, `probabilities`, then `on_topic` and `relevance`
//!   for a model that knows its topic, then `top_k` with `--top-k`, then `explanation` with
//!   `--explain`;
//! - [`SentenceRow`] (`--level sentence`): `sentence`, `text`, `holder` and `holder_country`
//!   (null unless an on-topic stance sentence has an identifiable holder), `holder_explanation`
//!   with `--explain`, then a [`TextRow`]'s keys;
//! - [`ArticleRow`] (`--level article`): `label`, `sentences`, `shares`, `top_sentences` (as
//!   sentence rows), `holders` (`HolderStance`s), then `on_topic` for a model that knows its
//!   topic.
//!
//! A row's JSON object is its serde serialization: its keys are its field names, in order, an
//! absent optional field has none. `--format json` is the rows of `--format jsonl` as one JSON
//! array ([`JsonArray`]). In `--format jsonl` each line is `{"article":…}` followed by
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
use stance_holders::{Attribution, HolderStance};
use stance_infer::{ArticleHolders, ArticlePrediction, Explanation, Score, SentencePrediction, UNDECIDED};

use crate::cmd::classify::{Level, OutputFormat};

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

impl Probabilities<'_> {
    /// The `k` most probable labels with their probabilities, most probable first (ties in
    /// alphabetical label order).
    pub fn top(&self, k: usize) -> Vec<(&str, f64)> {
        let mut pairs: Vec<(&str, f64)> = match self {
            Probabilities::Map(map) => map.iter().map(|(label, &p)| (label.as_str(), p)).collect(),
            Probabilities::Scored(labels, values) => {
                labels.alphabetical.iter().map(|&i| (labels.names[i].as_str(), values[i])).collect()
            }
        };
        pairs.sort_by(|a, b| b.1.total_cmp(&a.1));
        pairs.truncate(k);
        pairs
    }
}

/// The `k` most probable labels of a row (`--top-k`): a JSON array of `{"label", "probability"}`
/// objects, most probable first.
#[derive(Debug, Clone, Copy)]
pub struct TopK<'a> {
    pub k: usize,
    pub probabilities: Probabilities<'a>,
}

impl Serialize for TopK<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Ranked<'a> {
            label: &'a str,
            probability: f64,
        }
        let top = self.probabilities.top(self.k);
        serializer.collect_seq(top.into_iter().map(|(label, probability)| Ranked { label, probability }))
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
    /// With `--top-k K`: the K most probable labels and their probabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<TopK<'a>>,
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
            top_k: None,
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
            top_k: None,
            explanation,
        }
    }

    /// The row with its `k` most probable labels listed (`--top-k`), if `k` is given.
    pub fn with_top_k(mut self, k: Option<usize>) -> Self {
        self.top_k = k.map(|k| TopK { k, probabilities: self.probabilities });
        self
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
    /// Who holds the position of an on-topic stance sentence (null when not one, or when no
    /// holder is identifiable).
    pub holder: Option<&'a str>,
    /// The holder's country (null without a holder, or for an international body).
    pub holder_country: Option<&'a str>,
    /// With `--explain`: the rule and the words that decided the holder (null without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_explanation: Option<Option<String>>,
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
            holder: None,
            holder_country: None,
            holder_explanation: None,
            prediction: TextRow::predicted(p, explanation),
        }
    }

    /// The row with its holder (of a stance sentence); with `explanation` (`--explain`),
    /// what decided it.
    pub fn with_holder(
        mut self,
        holder: Option<&'a Attribution>,
        explanation: Option<&dyn Fn(&Attribution) -> String>,
    ) -> Self {
        self.holder = holder.map(|a| a.holder.as_str());
        self.holder_country = holder.and_then(|a| a.country.as_deref());
        self.holder_explanation = explanation.map(|explain| holder.map(explain));
        self
    }

    /// The row of sentence number `sentence` of a streamed record, from its score: no `text`
    /// (the record's text field holds the sentence).
    pub fn streamed(
        sentence: usize,
        labels: &'a Labels,
        score: &'a Score,
        explanation: Option<&'a Explanation>,
    ) -> Self {
        SentenceRow {
            sentence,
            text: None,
            holder: None,
            holder_country: None,
            holder_explanation: None,
            prediction: TextRow::scored(labels, score, explanation),
        }
    }

    /// The row with its `k` most probable labels listed (`--top-k`), if `k` is given.
    pub fn with_top_k(mut self, k: Option<usize>) -> Self {
        self.prediction = self.prediction.with_top_k(k);
        self
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
    /// The holders of its stance sentences, most sentences first.
    pub holders: &'a [HolderStance],
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
            holders: &[],
            on_topic: p.on_topic,
        }
    }

    /// The row of an article prediction with its holders.
    pub fn held(article: &'a ArticleHolders) -> Self {
        Self::predicted(&article.prediction).with_holders(&article.holders, |s| article.holder_of(s))
    }

    /// The row with its holders, and each top sentence's holder (`holder_of` a 1-based
    /// sentence number).
    pub fn with_holders(
        mut self,
        holders: &'a [HolderStance],
        holder_of: impl Fn(usize) -> Option<&'a Attribution>,
    ) -> Self {
        self.holders = holders;
        self.top_sentences = self
            .top_sentences
            .into_iter()
            .map(|s| {
                let h = holder_of(s.sentence);
                s.with_holder(h, None)
            })
            .collect();
        self
    }
}

/// "Sergei Lavrov (Russia): oppose 3, support 1".
fn holder_summary(h: &HolderStance) -> String {
    let counts: Vec<String> = h.counts.iter().map(|(label, n)| format!("{label} {n}")).collect();
    let holder = holder_label(Some(&h.holder), h.country.as_deref()).unwrap_or_default();
    format!("{holder}: {}", counts.join(", "))
}

/// "Sergei Lavrov (Russia)", or nothing without a holder.
fn holder_label(holder: Option<&str>, country: Option<&str>) -> Option<String> {
    let holder = holder?;
    Some(match country {
        Some(country) if country != holder => format!("{holder} ({country})"),
        _ => holder.to_owned(),
    })
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

/// Turns the lines of `--format jsonl` into `--format json`, one JSON array, as they are
/// written: `[`, the lines separated by `,`, `]` (see [`JsonArray::finish`]). A JSON line holds
/// no raw line break, so each line is one element. Without `array` it passes bytes through.
pub struct JsonArray<W: Write> {
    inner: W,
    array: bool,
    rows: usize,
    at_line_start: bool,
}

impl<W: Write> JsonArray<W> {
    pub fn new(inner: W, array: bool) -> Self {
        Self { inner, array, rows: 0, at_line_start: true }
    }

    /// Closes the array (`[]` when there was no row), flushes, and returns the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.array {
            self.inner.write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for JsonArray<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if !self.array {
            return self.inner.write(bytes);
        }
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            if self.at_line_start {
                self.inner.write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?;
                self.at_line_start = false;
            }
            match line.strip_suffix(b"\n") {
                Some(row) => {
                    self.inner.write_all(row)?;
                    self.rows += 1;
                    self.at_line_start = true;
                }
                None => self.inner.write_all(line)?,
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes rows in one `--format`.
pub struct RowWriter {
    format: OutputFormat,
    labels: Labels,
    /// `--top-k`, for the TSV header.
    top_k: Option<usize>,
}

impl RowWriter {
    pub fn new(format: OutputFormat, labels: &[String]) -> Self {
        Self { format, labels: Labels::new(labels), top_k: None }
    }

    /// The writer of rows listing their `k` most probable labels (`--top-k`), if `k` is given.
    pub fn with_top_k(mut self, k: Option<usize>) -> Self {
        self.top_k = k;
        self
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
                for rank in 1..=self.top_k.unwrap_or(0).min(labels.len()) {
                    columns.extend([format!("top{rank}"), format!("p_top{rank}")]);
                }
                match level {
                    Level::Sentence => writeln!(
                        out,
                        "article\tsentence\tlabel\t{}\tholder\tholder_country\ttext",
                        columns.join("\t")
                    )?,
                    _ => writeln!(out, "article\tlabel\t{}", columns.join("\t"))?,
                }
            }
            Level::Article => {
                let mut columns: Vec<String> = labels.iter().map(|l| format!("share_{l}")).collect();
                if topic {
                    columns.push("on_topic".to_owned());
                }
                writeln!(out, "article\tlabel\tsentences\t{}\tholders\ttop_sentence", columns.join("\t"))?
            }
        }
        Ok(())
    }

    /// Writes the row of document `article`.
    pub fn write(&self, out: &mut impl Write, article: &str, row: &Row<'_>) -> Result<()> {
        match self.format {
            OutputFormat::Jsonl | OutputFormat::Json => {
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
        if let Some(top) = &p.top_k {
            for (label, probability) in top.probabilities.top(top.k) {
                columns.extend([label.to_owned(), format!("{probability:.4}")]);
            }
        }
        columns
    }

    /// A row's `--top-k` labels for text output: `  [oppose 0.97, neutral 0.02]`, or nothing.
    fn top_k_text(p: &TextRow<'_>) -> String {
        let Some(top) = &p.top_k else { return String::new() };
        let ranked: Vec<String> =
            top.probabilities.top(top.k).iter().map(|(label, p)| format!("{label} {p:.2}")).collect();
        format!("  [{}]", ranked.join(", "))
    }

    fn write_tsv(&self, out: &mut impl Write, article: &str, row: &Row<'_>) -> Result<()> {
        match row {
            Row::Sentence(s) => writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                tsv_field(article),
                s.sentence,
                s.prediction.label,
                self.probability_columns(&s.prediction).join("\t"),
                tsv_field(s.holder.unwrap_or_default()),
                tsv_field(s.holder_country.unwrap_or_default()),
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
                let holders: Vec<String> = a.holders.iter().map(holder_summary).collect();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    tsv_field(article),
                    a.label,
                    a.sentences,
                    shares.join("\t"),
                    tsv_field(&holders.join("; ")),
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
                let holder =
                    holder_label(s.holder, s.holder_country).map_or(String::new(), |h| format!("  — {h}"));
                writeln!(
                    out,
                    "{article}:{:<3} {:<8} {:.2}{}  {mark}{}{holder}",
                    s.sentence,
                    p.label,
                    p.confidence(),
                    Self::top_k_text(p),
                    s.text.unwrap_or_default()
                )?;
                if let Some(Some(why)) = &s.holder_explanation {
                    writeln!(out, "    holder by {why}")?;
                }
                if let Some(explanation) = p.explanation {
                    crate::cmd::explain::write_predicted(out, explanation, "    ")?;
                }
            }
            Row::Text(p) => {
                let mark = if p.on_topic == Some(false) { "  off-topic" } else { "" };
                writeln!(
                    out,
                    "{article}: {:<8} {:.2}{}{mark}",
                    p.label,
                    p.confidence(),
                    Self::top_k_text(p)
                )?;
                if let Some(explanation) = p.explanation {
                    crate::cmd::explain::write_predicted(out, explanation, "    ")?;
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
                    let holder = holder_label(s.holder, s.holder_country)
                        .map_or(String::new(), |h| format!("  — {h}"));
                    writeln!(
                        out,
                        "    {:<8} {:.2}  #{:<3} {}{holder}",
                        s.prediction.label,
                        s.prediction.confidence(),
                        s.sentence,
                        s.text.unwrap_or_default()
                    )?;
                }
                if !a.holders.is_empty() {
                    let holders: Vec<String> = a.holders.iter().map(holder_summary).collect();
                    writeln!(out, "    holders: {}", holders.join("; "))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use stance_model::Topicality;

    use super::*;

    /// Model order, not alphabetical: TSV columns follow it, JSON objects do not.
    fn labels() -> Vec<String> {
        ["support", "oppose", "neutral"].map(String::from).to_vec()
    }

    fn map(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|&(label, p)| (label.to_owned(), p)).collect()
    }

    /// Sentence 2, "Troops go.", oppose at 0.5; off the topic (relevance 0.125) when `topic`.
    fn sentence(topic: bool) -> SentencePrediction {
        SentencePrediction {
            sentence: 2,
            text: "Troops go.".into(),
            label: "oppose".into(),
            probabilities: map(&[("support", 0.25), ("oppose", 0.5), ("neutral", 0.25)]),
            on_topic: topic.then_some(false),
            relevance: topic.then_some(0.125),
        }
    }

    fn article(topic: bool) -> ArticlePrediction {
        ArticlePrediction {
            label: "oppose".into(),
            sentences: 4,
            shares: map(&[("support", 0.25), ("oppose", 0.25), ("neutral", 0.5)]),
            top_sentences: vec![sentence(topic)],
            on_topic: topic.then_some(false),
        }
    }

    fn written(format: OutputFormat, row: &Row<'_>) -> String {
        let mut out = Vec::new();
        RowWriter::new(format, &labels()).write(&mut out, "a.txt", row).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn header(format: OutputFormat, level: Level, topic: bool) -> String {
        let mut out = Vec::new();
        RowWriter::new(format, &labels()).write_header(&mut out, level, topic).unwrap();
        String::from_utf8(out).unwrap()
    }

    const PROBABILITIES: &str = r#""probabilities":{"neutral":0.25,"oppose":0.5,"support":0.25}"#;

    #[test]
    fn sentence_rows_in_every_format() {
        for topic in [false, true] {
            let p = sentence(topic);
            let row = Row::Sentence(SentenceRow::predicted(&p, None));
            let relevance = if topic { r#","on_topic":false,"relevance":0.125"# } else { "" };
            assert_eq!(
                written(OutputFormat::Jsonl, &row),
                format!(
                    r#"{{"article":"a.txt","sentence":2,"text":"Troops go.","holder":null,"holder_country":null,"label":"oppose",{PROBABILITIES}{relevance}}}"#
                ) + "\n"
            );
            let (columns, values) =
                if topic { ("\ton_topic\trelevance", "\tfalse\t0.1250") } else { ("", "") };
            assert_eq!(
                header(OutputFormat::Tsv, Level::Sentence, topic),
                format!("article\tsentence\tlabel\tp_support\tp_oppose\tp_neutral{columns}\tholder\tholder_country\ttext\n")
            );
            assert_eq!(
                written(OutputFormat::Tsv, &row),
                format!("a.txt\t2\toppose\t0.2500\t0.5000\t0.2500{values}\t\t\tTroops go.\n")
            );
            let mark = if topic { "[off-topic] " } else { "" };
            assert_eq!(
                written(OutputFormat::Text, &row),
                format!("a.txt:2   oppose   0.50  {mark}Troops go.\n")
            );
            assert_eq!(header(OutputFormat::Text, Level::Sentence, topic), "");
            assert_eq!(header(OutputFormat::Jsonl, Level::Sentence, topic), "");
        }
    }

    #[test]
    fn text_rows_in_every_format() {
        for topic in [false, true] {
            let p = sentence(topic);
            let row = Row::Text(TextRow::predicted(&p, None));
            let relevance = if topic { r#","on_topic":false,"relevance":0.125"# } else { "" };
            assert_eq!(
                written(OutputFormat::Jsonl, &row),
                format!(r#"{{"article":"a.txt","label":"oppose",{PROBABILITIES}{relevance}}}"#) + "\n"
            );
            let (columns, values) =
                if topic { ("\ton_topic\trelevance", "\tfalse\t0.1250") } else { ("", "") };
            assert_eq!(
                header(OutputFormat::Tsv, Level::Text, topic),
                format!("article\tlabel\tp_support\tp_oppose\tp_neutral{columns}\n")
            );
            assert_eq!(
                written(OutputFormat::Tsv, &row),
                format!("a.txt\toppose\t0.2500\t0.5000\t0.2500{values}\n")
            );
            let mark = if topic { "  off-topic" } else { "" };
            assert_eq!(written(OutputFormat::Text, &row), format!("a.txt: oppose   0.50{mark}\n"));
        }
    }

    #[test]
    fn article_rows_in_every_format() {
        for topic in [false, true] {
            let p = article(topic);
            let row = Row::Article(ArticleRow::predicted(&p));
            let (relevance, on_topic) = if topic {
                (r#","on_topic":false,"relevance":0.125"#, r#","on_topic":false"#)
            } else {
                ("", "")
            };
            assert_eq!(
                written(OutputFormat::Jsonl, &row),
                format!(
                    r#"{{"article":"a.txt","label":"oppose","sentences":4,"shares":{{"neutral":0.5,"oppose":0.25,"support":0.25}},"top_sentences":[{{"sentence":2,"text":"Troops go.","holder":null,"holder_country":null,"label":"oppose",{PROBABILITIES}{relevance}}}],"holders":[]{on_topic}}}"#
                ) + "\n"
            );
            let (column, value) = if topic { ("\ton_topic", "\tfalse") } else { ("", "") };
            assert_eq!(
                header(OutputFormat::Tsv, Level::Article, topic),
                format!("article\tlabel\tsentences\tshare_support\tshare_oppose\tshare_neutral{column}\tholders\ttop_sentence\n")
            );
            assert_eq!(
                written(OutputFormat::Tsv, &row),
                format!("a.txt\toppose\t4\t0.2500\t0.2500\t0.5000{value}\t\tTroops go.\n")
            );
            let mark = if topic { " (off-topic)" } else { "" };
            assert_eq!(
                written(OutputFormat::Text, &row),
                format!(
                    "a.txt: OPPOSE{mark}  (4 sentences: support 25%, oppose 25%, neutral 50%)\n    \
                     oppose   0.50  #2   Troops go.\n"
                )
            );
        }
    }

    #[test]
    fn scored_rows_match_predicted_rows() {
        let labels = Labels::new(&labels());
        for topic in [false, true] {
            let p = sentence(topic);
            let score = Score {
                probabilities: vec![0.25, 0.5, 0.25],
                label: Some(1),
                topicality: topic.then_some(Topicality { relevance: 0.125, on_topic: false }),
            };
            let json = |row: &Row<'_>| serde_json::to_string(row).unwrap();
            assert_eq!(
                json(&Row::Text(TextRow::scored(&labels, &score, None))),
                json(&Row::Text(TextRow::predicted(&p, None)))
            );
            let streamed = SentenceRow::streamed(2, &labels, &score, None);
            let mut predicted = SentenceRow::predicted(&p, None);
            predicted.text = None;
            assert_eq!(json(&Row::Sentence(streamed)), json(&Row::Sentence(predicted)));
        }
        let undecided = Score { probabilities: vec![0.25, 0.5, 0.25], label: None, topicality: None };
        let row = Row::Text(TextRow::scored(&labels, &undecided, None));
        assert_eq!(written(OutputFormat::Text, &row), "a.txt: undecided 0.00\n");
        assert_eq!(written(OutputFormat::Tsv, &row), "a.txt\tundecided\t0.2500\t0.5000\t0.2500\n");
    }

    #[test]
    fn explanations_come_last_in_json() {
        let p = sentence(true);
        let explanation = Explanation {
            text: p.text.clone(),
            label: p.label.clone(),
            probabilities: p.probabilities.clone(),
            per_label: Vec::new(),
            relevance: None,
        };
        let row = Row::Sentence(SentenceRow::predicted(&p, Some(&explanation)));
        let line = written(OutputFormat::Jsonl, &row);
        assert!(
            line.ends_with(&(r#","on_topic":false,"relevance":0.125,"explanation":[]}"#.to_owned() + "\n")),
            "{line}"
        );
    }

    #[test]
    fn top_k_lists_the_most_probable_labels_in_every_format() {
        let p = sentence(false);
        let row = Row::Sentence(SentenceRow::predicted(&p, None).with_top_k(Some(2)));
        let line = written(OutputFormat::Jsonl, &row);
        assert!(
            line.ends_with(
                &(r#","top_k":[{"label":"oppose","probability":0.5},{"label":"neutral","probability":0.25}]}"#
                    .to_owned() + "\n")
            ),
            "ties in alphabetical order: {line}"
        );
        let mut out = Vec::new();
        let writer = RowWriter::new(OutputFormat::Tsv, &labels()).with_top_k(Some(2));
        writer.write_header(&mut out, Level::Sentence, false).unwrap();
        writer.write(&mut out, "a.txt", &row).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "article\tsentence\tlabel\tp_support\tp_oppose\tp_neutral\ttop1\tp_top1\ttop2\tp_top2\tholder\tholder_country\ttext\n\
             a.txt\t2\toppose\t0.2500\t0.5000\t0.2500\toppose\t0.5000\tneutral\t0.2500\t\t\tTroops go.\n"
        );
        assert_eq!(
            written(OutputFormat::Text, &row),
            "a.txt:2   oppose   0.50  [oppose 0.50, neutral 0.25]  Troops go.\n"
        );
        let text = Row::Text(TextRow::predicted(&p, None).with_top_k(Some(1)));
        assert_eq!(written(OutputFormat::Text, &text), "a.txt: oppose   0.50  [oppose 0.50]\n");
    }

    #[test]
    fn json_array_wraps_jsonl_lines_however_they_are_written() {
        let array = |writes: &[&[u8]]| {
            let mut out = JsonArray::new(Vec::new(), true);
            for bytes in writes {
                out.write_all(bytes).unwrap();
            }
            String::from_utf8(out.finish().unwrap()).unwrap()
        };
        assert_eq!(array(&[]), "[]\n");
        assert_eq!(array(&[b"{\"a\":1}\n{\"a\":2}\n"]), "[\n{\"a\":1},\n{\"a\":2}\n]\n");
        assert_eq!(array(&[b"{\"a\"", b":1}\n{", b"\"a\":2}\n"]), "[\n{\"a\":1},\n{\"a\":2}\n]\n");
        let mut plain = JsonArray::new(Vec::new(), false);
        plain.write_all(b"{}\n").unwrap();
        assert_eq!(plain.finish().unwrap(), b"{}\n");
    }

    #[test]
    fn rows_extend_an_open_object() {
        let p = sentence(false);
        let row = Row::Text(TextRow::predicted(&p, None));
        let mut out = br#"{"id":7"#.to_vec();
        append_row(&mut out, true, &row);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(r#"{{"id":7,"label":"oppose",{PROBABILITIES}}}"#) + "\n"
        );
        let mut out = b"{".to_vec();
        append_row(&mut out, false, &row);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(r#"{{"label":"oppose",{PROBABILITIES}}}"#) + "\n"
        );
    }
}
