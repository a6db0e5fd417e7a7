//! The batch commands over articles: `sentences` and `classify`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use stance_features::split_sentences;
use stance_infer::{ArticlePrediction, Classifier, Explanation, LabelExplanation, SentencePrediction};

use crate::documents::{collect, Source};
use crate::progress::Progress;
use crate::{Level, OutputFormat, EXIT_SOME_FAILED};

/// Documents read, then processed in parallel, at a time: bounds memory on large batches.
const DOCUMENTS_PER_CHUNK: usize = 64;

/// Runs `each` over every readable document, reporting failures on stderr and going on;
/// returns the exit code for the batch.
///
/// `each` writes a document's output to the buffer it is given. Documents are read in chunks
/// of [`DOCUMENTS_PER_CHUNK`] and processed in parallel; their buffers are then written to
/// `out`, and their warnings and failures reported, in input order, so output and messages are
/// the same as one document after the other.
fn for_each_document(
    inputs: &[PathBuf],
    quiet: bool,
    out: &mut impl Write,
    each: impl Fn(&Source, &str, &mut Vec<u8>) -> Result<std::result::Result<(), String>> + Sync,
) -> Result<ExitCode> {
    let sources = collect(inputs);
    let bar = Progress::new(sources.len() as u64, "documents", quiet);
    let mut failed = 0;
    for chunk in sources.chunks(DOCUMENTS_PER_CHUNK) {
        let texts: Vec<_> = chunk.iter().map(Source::read).collect();
        let processed: Vec<_> = chunk
            .par_iter()
            .zip(&texts)
            .map(|(source, text)| {
                let mut buffer = Vec::new();
                let outcome = match text {
                    Ok(text) => each(source, &text.text, &mut buffer),
                    Err(_) => Ok(Ok(())), // reported below
                };
                (buffer, outcome)
            })
            .collect();
        for ((source, text), (buffer, outcome)) in chunk.iter().zip(texts).zip(processed) {
            bar.inc();
            let outcome = match text {
                Ok(text) => {
                    if let Some(warning) = &text.warning {
                        eprintln!("stance: warning: {}: {warning}", source.display());
                    }
                    out.write_all(&buffer)?;
                    outcome?
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
        eprintln!("stance: {failed} of {} documents failed", sources.len());
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

/// A JSONL article row: `article`, `label`, `sentences`, `shares`, `top_sentences`.
#[derive(Serialize)]
struct ArticleRow<'a> {
    article: &'a str,
    #[serde(flatten)]
    prediction: &'a ArticlePrediction,
}

const NO_SENTENCE: &str = "no sentence found (empty, whitespace or symbols only)";

/// `stance sentences`: TSV rows `article, sentence, text` for labeling.
pub fn sentences(inputs: &[PathBuf], quiet: bool) -> Result<ExitCode> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "article\tsentence\ttext")?;
    let code = for_each_document(inputs, quiet, &mut out, |source, text, out| {
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
    quiet: bool,
    explain: Option<usize>,
) -> Result<ExitCode> {
    if explain.is_some() {
        crate::explain::check_classify_explain(level, format)?;
    }
    let labels = classifier.labels().to_vec();
    let mut out = BufWriter::new(std::io::stdout().lock());
    if format == OutputFormat::Tsv {
        let shares: Vec<String> = labels.iter().map(|l| format!("p_{l}")).collect();
        match level {
            Level::Sentence => writeln!(out, "article\tsentence\tlabel\t{}\ttext", shares.join("\t"))?,
            Level::Article => {
                let shares: Vec<String> = labels.iter().map(|l| format!("share_{l}")).collect();
                writeln!(out, "article\tlabel\tsentences\t{}\ttop_sentence", shares.join("\t"))?
            }
        }
    }
    let code = for_each_document(inputs, quiet, &mut out, |source, text, out| {
        match level {
            Level::Sentence => {
                let predictions = classifier.classify_sentences(text);
                if predictions.is_empty() {
                    return Ok(Err(NO_SENTENCE.into()));
                }
                for prediction in &predictions {
                    let explanation = explain.map(|top| {
                        let mut explanation = classifier.explain(&prediction.text);
                        explanation.truncate(top);
                        explanation
                    });
                    write_sentence(out, format, &source.name, prediction, &labels, explanation.as_ref())?;
                }
            }
            Level::Article => match classifier.classify_article(text) {
                Ok(prediction) => write_article(out, format, &source.name, &prediction, &labels)?,
                Err(error) => return Ok(Err(error.to_string())),
            },
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
            let probabilities: Vec<String> =
                labels.iter().map(|l| format!("{:.4}", p.probabilities[l])).collect();
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
            writeln!(out, "{article}:{:<3} {:<8} {:.2}  {}", p.sentence, p.label, p.confidence(), p.text)?;
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
            let shares: Vec<String> = labels.iter().map(|l| format!("{:.4}", p.shares[l])).collect();
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
                "{article}: {}  ({} sentences: {})",
                p.label.to_uppercase(),
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
