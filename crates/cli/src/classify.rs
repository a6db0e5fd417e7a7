//! The batch commands over articles: `sentences` and `classify`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use stance_features::split_sentences;
use stance_infer::{ArticlePrediction, Classifier, Explanation, LabelExplanation, SentencePrediction};

use crate::documents::{sources, InvalidUtf8, Source};
use crate::progress::Progress;
use crate::{Level, OutputFormat, EXIT_SOME_FAILED};

/// At most this many documents are read, then processed in parallel, at a time.
const DOCUMENTS_PER_CHUNK: usize = 64;

/// At most this much text (bytes) is read ahead for one parallel chunk; a longer document is
/// processed alone, its output streamed instead of buffered.
const BYTES_PER_CHUNK: usize = 4 << 20;

/// Where `each` writes a document's output: a buffer when the document is processed in
/// parallel with others, or straight to the batch's output when it is processed alone.
struct DocumentOutput<'a> {
    buffer: Vec<u8>,
    direct: Option<&'a mut dyn Write>,
}

impl Write for DocumentOutput<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match &mut self.direct {
            Some(out) => out.write(bytes),
            None => self.buffer.write(bytes),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.direct {
            Some(out) => out.write_all(bytes),
            None => self.buffer.write_all(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.direct.as_mut().map_or(Ok(()), |out| out.flush())
    }
}

/// Runs `each` over every readable document, reporting failures on stderr and going on;
/// returns the exit code for the batch.
///
/// Documents are read in chunks (at most [`DOCUMENTS_PER_CHUNK`] documents and
/// [`BYTES_PER_CHUNK`] of text, so memory stays bounded) and processed in parallel, each into
/// its own buffer; the buffers are then written to `out`, and warnings and failures reported,
/// in input order, so output and messages are those of one document after the other. A chunk
/// of one document (a single input, or one longer than [`BYTES_PER_CHUNK`]) writes straight to
/// `out`, so a huge article streams.
fn for_each_document(
    inputs: &[PathBuf],
    invalid_utf8: InvalidUtf8,
    quiet: bool,
    out: &mut impl Write,
    each: impl Fn(&Source, &str, &mut DocumentOutput<'_>) -> Result<std::result::Result<(), String>> + Sync,
) -> Result<ExitCode> {
    // Sources are walked lazily, so the total is not known up front: the bar only counts.
    let bar = Progress::counter("documents", quiet);
    let (mut failed, mut total) = (0, 0);
    let mut documents = sources(inputs.to_vec())
        .map(|source| {
            let text = source.read_with(invalid_utf8);
            (source, text)
        })
        .peekable();
    while documents.peek().is_some() {
        let mut chunk = Vec::new();
        let mut bytes = 0;
        while let Some((_, text)) = documents.peek() {
            let size = text.as_ref().map_or(0, |text| text.text.len());
            if !chunk.is_empty() && (chunk.len() == DOCUMENTS_PER_CHUNK || bytes + size > BYTES_PER_CHUNK) {
                break;
            }
            bytes += size;
            chunk.extend(documents.next());
        }
        // A document alone is processed below, writing straight to `out`.
        let processed: Vec<_> = if chunk.len() > 1 {
            chunk
                .par_iter()
                .map(|(source, text)| {
                    let mut output = DocumentOutput { buffer: Vec::new(), direct: None };
                    let outcome = match text {
                        Ok(text) => each(source, &text.text, &mut output),
                        Err(_) => Ok(Ok(())), // reported below
                    };
                    Some((output.buffer, outcome))
                })
                .collect()
        } else {
            vec![None]
        };
        for ((source, text), processed) in chunk.into_iter().zip(processed) {
            bar.inc();
            total += 1;
            let outcome = match text {
                Ok(text) => {
                    if let Some(warning) = &text.warning {
                        eprintln!("stance: warning: {}: {warning}", source.display());
                    }
                    match processed {
                        Some((buffer, outcome)) => {
                            out.write_all(&buffer)?;
                            outcome?
                        }
                        None => {
                            let mut output = DocumentOutput { buffer: Vec::new(), direct: Some(&mut *out) };
                            each(&source, &text.text, &mut output)?
                        }
                    }
                }
                Err(error) => Err(error.to_string()),
            };
            if let Err(problem) = outcome {
                eprintln!("stance: {}: {problem}", source.display());
                failed += 1;
            }
        }
    }
    bar.finish();
    if failed > 0 {
        eprintln!("stance: {failed} of {total} documents failed");
        return Ok(ExitCode::from(EXIT_SOME_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// A JSONL sentence row: `article` first, then the prediction's fields in order
/// (`sentence`, `text`, `label`, `probabilities`), then `explanation` with `--explain`.
#[derive(Serialize)]
struct SentenceRow<'a> {
    article: &'a str,
    #[serde(flatten)]
    prediction: &'a SentencePrediction,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a [LabelExplanation]>,
}

/// A JSONL row of `--level text` (the whole document as one unit): `article`, `label`,
/// `probabilities`, then `explanation` with `--explain`.
#[derive(Serialize)]
struct TextRow<'a> {
    article: &'a str,
    label: &'a str,
    probabilities: &'a std::collections::BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_topic: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relevance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a [LabelExplanation]>,
}

/// A JSONL article row: `article`, `label`, `sentences`, `shares`, `top_sentences`.
#[derive(Serialize)]
struct ArticleRow<'a> {
    article: &'a str,
    #[serde(flatten)]
    prediction: &'a ArticlePrediction,
}

/// A TSV row's probability columns, then `on_topic` and `relevance` for a model that knows
/// its topic.
fn tsv_probabilities(p: &SentencePrediction, labels: &[String]) -> Vec<String> {
    let mut columns: Vec<String> = labels.iter().map(|l| format!("{:.4}", p.probabilities[l])).collect();
    if let (Some(on_topic), Some(relevance)) = (p.on_topic, p.relevance) {
        columns.push(on_topic.to_string());
        columns.push(format!("{relevance:.4}"));
    }
    columns
}

/// `[off-topic] ` before the text of a sentence the model finds off its topic, in text format.
fn off_topic_mark(on_topic: Option<bool>) -> &'static str {
    if on_topic == Some(false) {
        "[off-topic] "
    } else {
        ""
    }
}

const NO_SENTENCE: &str = "no sentence found (empty, whitespace or symbols only)";

const NO_TEXT: &str = "empty or whitespace only";

/// `stance sentences`: TSV rows `article, sentence, text` for labeling.
pub fn sentences(inputs: &[PathBuf], invalid_utf8: InvalidUtf8, quiet: bool) -> Result<ExitCode> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "article\tsentence\ttext")?;
    let code = for_each_document(inputs, invalid_utf8, quiet, &mut out, |source, text, out| {
        let ranges = split_sentences(text);
        if ranges.is_empty() {
            return Ok(Err(NO_SENTENCE.into()));
        }
        for (i, range) in ranges.into_iter().enumerate() {
            writeln!(out, "{}\t{}\t{}", tsv_field(&source.name), i + 1, tsv_field(&text[range]))?;
        }
        Ok(Ok(()))
    })?;
    out.flush()?;
    Ok(code)
}

/// Tabs and line breaks cannot appear inside an unquoted TSV field; they become spaces.
pub fn tsv_field(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// `stance classify`.
pub fn classify(
    classifier: &Classifier,
    inputs: &[PathBuf],
    level: Level,
    format: OutputFormat,
    invalid_utf8: InvalidUtf8,
    quiet: bool,
    explain: Option<usize>,
) -> Result<ExitCode> {
    if explain.is_some() {
        crate::explain::check_classify_explain(level, format)?;
    }
    let labels = classifier.labels().to_vec();
    let mut out = BufWriter::new(std::io::stdout().lock());
    if format == OutputFormat::Tsv {
        let mut shares: Vec<String> = labels.iter().map(|l| format!("p_{l}")).collect();
        if classifier.knows_topic() {
            shares.extend(["on_topic".to_owned(), "relevance".to_owned()]);
        }
        match level {
            Level::Sentence => writeln!(out, "article\tsentence\tlabel\t{}\ttext", shares.join("\t"))?,
            Level::Article => {
                let mut shares: Vec<String> = labels.iter().map(|l| format!("share_{l}")).collect();
                if classifier.knows_topic() {
                    shares.push("on_topic".to_owned());
                }
                writeln!(out, "article\tlabel\tsentences\t{}\ttop_sentence", shares.join("\t"))?
            }
            Level::Text => writeln!(out, "article\tlabel\t{}", shares.join("\t"))?,
        }
    }
    let code = for_each_document(inputs, invalid_utf8, quiet, &mut out, |source, text, out| {
        match level {
            Level::Sentence => {
                let ranges = split_sentences(text);
                if ranges.is_empty() {
                    return Ok(Err(NO_SENTENCE.into()));
                }
                // One sentence at a time (what `classify_sentences` does), so an article with
                // millions of sentences is never held as a list of predictions.
                for (i, range) in ranges.into_iter().enumerate() {
                    let mut prediction = classifier.classify_sentence(&text[range])?;
                    prediction.sentence = i + 1;
                    let explanation = explain
                        .map(|top| -> Result<_> {
                            let mut explanation = classifier.explain(&prediction.text)?;
                            explanation.truncate(top);
                            Ok(explanation)
                        })
                        .transpose()?;
                    write_sentence(out, format, &source.name, &prediction, &labels, explanation.as_ref())?;
                }
            }
            Level::Article => match classifier.classify_article(text) {
                Ok(prediction) => write_article(out, format, &source.name, &prediction, &labels)?,
                Err(error) => return Ok(Err(error.to_string())),
            },
            Level::Text => {
                if text.trim().is_empty() {
                    return Ok(Err(NO_TEXT.into()));
                }
                let prediction = classifier.classify_sentence(text)?;
                let explanation = explain
                    .map(|top| {
                        let mut explanation = classifier.explain(text)?;
                        explanation.truncate(top);
                        Ok::<_, stance_infer::InferError>(explanation)
                    })
                    .transpose()?;
                write_text(out, format, &source.name, &prediction, &labels, explanation.as_ref())?;
            }
        }
        Ok(Ok(()))
    })?;
    out.flush()?;
    Ok(code)
}

fn write_sentence(
    out: &mut impl Write,
    format: OutputFormat,
    article: &str,
    p: &SentencePrediction,
    labels: &[String],
    explanation: Option<&Explanation>,
) -> Result<()> {
    match format {
        OutputFormat::Jsonl => {
            let row =
                SentenceRow { article, prediction: p, explanation: explanation.map(|e| &e.per_label[..]) };
            writeln!(out, "{}", serde_json::to_string(&row)?)?;
        }
        OutputFormat::Tsv => {
            let probabilities = tsv_probabilities(p, labels);
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                tsv_field(article),
                p.sentence,
                p.label,
                probabilities.join("\t"),
                tsv_field(&p.text)
            )?;
        }
        OutputFormat::Text => {
            writeln!(
                out,
                "{article}:{:<3} {:<8} {:.2}  {}{}",
                p.sentence,
                p.label,
                p.confidence(),
                off_topic_mark(p.on_topic),
                p.text
            )?;
            if let Some(explanation) = explanation {
                crate::explain::write_predicted(out, explanation, "    ")?;
            }
        }
    }
    Ok(())
}

/// One row for a document classified as one unit (`--level text`).
fn write_text(
    out: &mut impl Write,
    format: OutputFormat,
    article: &str,
    p: &SentencePrediction,
    labels: &[String],
    explanation: Option<&Explanation>,
) -> Result<()> {
    match format {
        OutputFormat::Jsonl => {
            let row = TextRow {
                article,
                label: &p.label,
                probabilities: &p.probabilities,
                on_topic: p.on_topic,
                relevance: p.relevance,
                explanation: explanation.map(|e| &e.per_label[..]),
            };
            writeln!(out, "{}", serde_json::to_string(&row)?)?;
        }
        OutputFormat::Tsv => {
            let probabilities = tsv_probabilities(p, labels);
            writeln!(out, "{}\t{}\t{}", tsv_field(article), p.label, probabilities.join("\t"))?;
        }
        OutputFormat::Text => {
            let mark = if p.on_topic == Some(false) { "  off-topic" } else { "" };
            writeln!(out, "{article}: {:<8} {:.2}{mark}", p.label, p.confidence())?;
            if let Some(explanation) = explanation {
                crate::explain::write_predicted(out, explanation, "    ")?;
            }
        }
    }
    Ok(())
}

fn write_article(
    out: &mut impl Write,
    format: OutputFormat,
    article: &str,
    p: &ArticlePrediction,
    labels: &[String],
) -> Result<()> {
    match format {
        OutputFormat::Jsonl => {
            let row = ArticleRow { article, prediction: p };
            writeln!(out, "{}", serde_json::to_string(&row)?)?;
        }
        OutputFormat::Tsv => {
            let mut shares: Vec<String> = labels.iter().map(|l| format!("{:.4}", p.shares[l])).collect();
            shares.extend(p.on_topic.map(|on| on.to_string()));
            let top = p.top_sentences.first().map_or(String::new(), |s| tsv_field(&s.text));
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                tsv_field(article),
                p.label,
                p.sentences,
                shares.join("\t"),
                top
            )?;
        }
        OutputFormat::Text => {
            let shares: Vec<String> =
                labels.iter().map(|l| format!("{l} {:.0}%", 100.0 * p.shares[l])).collect();
            writeln!(
                out,
                "{article}: {}{}  ({} sentences: {})",
                p.label.to_uppercase(),
                if p.on_topic == Some(false) { " (off-topic)" } else { "" },
                p.sentences,
                shares.join(", ")
            )?;
            for s in &p.top_sentences {
                writeln!(out, "    {:<8} {:.2}  #{:<3} {}", s.label, s.confidence(), s.sentence, s.text)?;
            }
        }
    }
    Ok(())
}
