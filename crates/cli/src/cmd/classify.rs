//! `stance classify`: articles sentence by sentence, as whole articles or as single texts,
//! or streamed JSONL records; and the batch walk over documents `sentences` shares.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use stance_features::split_sentences;
use stance_infer::{Classifier, StanceHolders};

use super::{bind_target, load_classifier, parse_probability};
use crate::args::WalkArgs;
use crate::documents::{sources, InvalidUtf8, Looking, Source, Text, Walk};
use crate::progress::Progress;
use crate::records;
use crate::rows::{ArticleRow, JsonArray, Row, RowWriter, SentenceRow, TextRow, NO_SENTENCE};
use crate::{UsageError, EXIT_SOME_FAILED};

/// Classify articles sentence by sentence or as whole articles, or stream JSONL records.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    stance classify data/corpus\n  \
    stance classify --level article --format text article.txt\n  \
    cat article.txt | stance classify -\n  \
    stance classify --explain --top 5 --format text article.txt\n  \
    stance classify --input-format jsonl --text-field body --level text < in.jsonl > out.jsonl\n\n\
    With --input-format jsonl each output line is the input record, its fields as they were, plus\n\
    label and probabilities (--level text: the whole text as one unit; --level sentence: one line\n\
    per sentence, the text field holding the sentence, plus its number under sentence; --level\n\
    article: label, sentences, shares, top_sentences). An input key of the same name as an added\n\
    key is replaced. Records are read, classified and written in bounded chunks, so any input size\n\
    streams in constant memory; blank lines are skipped; a bad record is named FILE:LINE on stderr\n\
    and the rest go on (exit code 3).")]
pub struct ClassifyArgs {
    /// Model file (default: the peacekeeper model compiled into stance).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Article or JSONL files, directories (walked) or - for stdin [default: -].
    inputs: Vec<PathBuf>,
    /// One row per sentence, per article, or per input text classified as one unit (no
    /// sentence splitting; for data with one sentence per row).
    #[arg(long, value_enum, default_value = "sentence")]
    level: Level,
    /// What the inputs hold: plain-text articles, or JSON Lines records (one object per line,
    /// the text under --text-field; the output is then JSONL).
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    input_format: records::InputFormat,
    /// With --input-format jsonl: the key holding each record's text [default: text].
    #[arg(long, value_name = "KEY", alias = "text-col")]
    text_field: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: OutputFormat,
    /// Explain each sentence's label by its top features (sentence level; jsonl, json or text):
    /// jsonl rows get an `explanation` key, text lists the predicted label's features.
    #[arg(long)]
    explain: bool,
    /// Also list each row's K most probable labels with their probabilities (sentence and text
    /// level; JSON `top_k`, TSV columns top1, p_top1, ..., text `[label p, ...]`).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u16).range(1..))]
    top_k: Option<u16>,
    /// With --explain: features listed per label.
    #[arg(long, value_name = "N", default_value_t = 8, requires = "explain")]
    top: usize,
    /// Stance target of every input, for a per-target or conjoined model.
    #[arg(long, value_name = "TARGET")]
    target: Option<String>,
    /// With --input-format jsonl: the key holding each record's stance target (a per-target or
    /// conjoined model scores every record about its own target; --target covers records
    /// without the key).
    #[arg(long, value_name = "KEY")]
    target_field: Option<String>,
    /// Leave sentences whose top probability is below P undecided: their label is
    /// `undecided` and articles do not count them.
    #[arg(long, value_name = "P", value_parser = parse_probability, allow_negative_numbers = true)]
    min_confidence: Option<f64>,
    /// Articles that are not valid UTF-8: decode with U+FFFD and warn, or skip as failed.
    #[arg(long, value_enum, default_value = "replace", value_name = "WHAT")]
    invalid_utf8: InvalidUtf8,
    #[command(flatten)]
    walk: WalkArgs,
    /// Extra holder aliases (lines `kind<TAB>name<TAB>country<TAB>variant|variant…`, as in
    /// crates/holders/data/aliases.tsv), added to the built-in table.
    #[arg(long, value_name = "FILE")]
    aliases: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
/// Granularity of `classify` output.
pub enum Level {
    /// One row per sentence.
    Sentence,
    /// One row per article.
    Article,
    /// One row per input text (a document, or a JSONL record), classified as one unit without
    /// sentence splitting: for data that already holds one sentence per row.
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
/// Output format of `classify`.
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// One JSON array of the jsonl rows (one row per line inside it, written as classified).
    Json,
    /// Tab-separated with a header line.
    Tsv,
    /// Aligned text for reading.
    Text,
}

/// `stance classify`: the flags are checked and the model loaded (and its target bound)
/// before any input is read.
pub fn run(args: ClassifyArgs, quiet: bool) -> Result<ExitCode> {
    let ClassifyArgs {
        model,
        inputs,
        level,
        input_format,
        text_field,
        format,
        explain,
        top,
        target,
        target_field,
        min_confidence,
        invalid_utf8,
        walk,
        top_k,
        aliases,
    } = args;
    let top_k = top_k.map(usize::from);
    if target_field.is_some() && input_format != records::InputFormat::Jsonl {
        bail!("--target-field is for JSONL records; add --input-format jsonl");
    }
    if top_k.is_some() && level == Level::Article {
        bail!(
            "--top-k lists the most probable labels of a sentence or text; article rows have every \
             label's share instead: use --level sentence or --level text"
        );
    }
    let classifier = load_classifier(model.as_deref())?.with_min_confidence(min_confidence)?;
    if let Some(k) = top_k.filter(|&k| k > classifier.labels().len()) {
        bail!("--top-k {k} is more than the model's {} labels", classifier.labels().len());
    }
    let classifier = match &target_field {
        // Records name their own target; a record without one falls back to --target.
        Some(_) => classifier.with_target(target.as_deref())?,
        None => bind_target(classifier, target.as_deref())?,
    };
    let looking = match input_format {
        records::InputFormat::Jsonl => Looking::Records,
        records::InputFormat::Text => Looking::Articles,
    };
    let walk = walk.walk(looking)?;
    if inputs.is_empty() && std::io::stdin().is_terminal() {
        let what = match input_format {
            records::InputFormat::Jsonl => "JSONL records",
            records::InputFormat::Text => "an article",
        };
        eprintln!(
            "stance: reading {what} from stdin (end with Ctrl-D); name files or directories to classify them"
        );
    }
    let holders = super::load_holders(aliases.as_deref(), &classifier)?;
    let inputs = if inputs.is_empty() { vec![PathBuf::from("-")] } else { inputs };
    if input_format == records::InputFormat::Jsonl {
        if format != OutputFormat::Jsonl {
            bail!(
                "--input-format jsonl writes JSONL records; --format json, tsv and text are for text input"
            );
        }
        if explain {
            super::explain::check_classify_explain(level, format)?;
        }
        let options = records::RecordOptions {
            text_field: text_field.as_deref().unwrap_or("text"),
            target_field: target_field.as_deref(),
            level,
            invalid_utf8,
            explain: explain.then_some(top),
            top_k,
            quiet,
            aliases: aliases.as_deref(),
        };
        return records::classify_records(&classifier, &inputs, &walk, &options);
    }
    if text_field.is_some() {
        bail!("--text-field is for JSONL records; add --input-format jsonl");
    }
    let output = Output { level, format, top_k, explain: explain.then_some(top) };
    classify(&classifier, &holders, &inputs, &walk, &output, invalid_utf8, quiet)
}

/// At most this many documents are read, then processed in parallel, at a time (many, so the
/// cores seldom wait for each other at the end of a chunk of small files).
const DOCUMENTS_PER_CHUNK: usize = 256;

/// At most this much text (bytes) is read ahead for one parallel chunk; a longer document is
/// processed alone, its output streamed instead of buffered.
const BYTES_PER_CHUNK: usize = 4 << 20;

/// Where `each` writes a document's output: a buffer when the document is processed in
/// parallel with others, or straight to the batch's output when it is processed alone.
pub(super) struct DocumentOutput<'a> {
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
/// its own buffer, while the next chunk is read (so no core waits on the reading); the buffers
/// are then written to `out`, and warnings and failures reported, in input order, so output
/// and messages are those of one document after the other. A chunk of one document (a single
/// input, or one longer than [`BYTES_PER_CHUNK`]) writes straight to `out`, so a huge article
/// streams.
pub(super) fn for_each_document(
    inputs: &[PathBuf],
    walk: &Arc<Walk>,
    invalid_utf8: InvalidUtf8,
    quiet: bool,
    out: &mut impl Write,
    each: impl Fn(&Source, &str, &mut DocumentOutput<'_>) -> Result<std::result::Result<(), String>> + Sync,
) -> Result<ExitCode> {
    // Sources are walked lazily, so the total is not known up front: the bar only counts.
    let bar = Progress::counter("documents", quiet);
    let (mut failed, mut unreadable, mut total) = (0, 0, 0);
    let mut documents = sources(inputs.to_vec(), Arc::clone(walk))
        .map(|mut source| {
            let text = source.read_with(invalid_utf8);
            (source, text)
        })
        .peekable();
    let mut chunk = next_chunk(&mut documents);
    while !chunk.is_empty() {
        // A document alone is processed below, writing straight to `out`.
        let (processed, read_ahead): (Vec<_>, _) = if chunk.len() > 1 {
            let process = || {
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
            };
            let (processed, next) = rayon::join(process, || next_chunk(&mut documents));
            (processed, Some(next))
        } else {
            (vec![None], None)
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
                Err(error) => {
                    unreadable += usize::from(error.unreadable);
                    Err(error.message)
                }
            };
            if let Err(problem) = outcome {
                eprintln!("stance: {}: {problem}", source.display());
                failed += 1;
            }
        }
        chunk = read_ahead.unwrap_or_else(|| next_chunk(&mut documents));
    }
    bar.finish();
    walk.warn_skipped();
    if total > 0 && unreadable == total {
        let inputs = if total == 1 { "input" } else { "inputs" };
        return Err(UsageError(format!("nothing could be read from the {total} {inputs} named above")).into());
    }
    if failed > 0 {
        eprintln!("stance: {failed} of {total} documents failed");
        return Ok(ExitCode::from(EXIT_SOME_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// The next documents read, as many as one chunk holds (at least one, unless none is left).
fn next_chunk<T>(
    documents: &mut std::iter::Peekable<impl Iterator<Item = (Source, Result<Text, T>)>>,
) -> Vec<(Source, Result<Text, T>)> {
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
    chunk
}

const NO_TEXT: &str = "empty or whitespace only";

/// What the rows of text inputs hold and how they are written.
struct Output {
    level: Level,
    format: OutputFormat,
    top_k: Option<usize>,
    explain: Option<usize>,
}

/// `stance classify` of text inputs.
fn classify(
    classifier: &Classifier,
    holders: &StanceHolders,
    inputs: &[PathBuf],
    walk: &Arc<Walk>,
    output: &Output,
    invalid_utf8: InvalidUtf8,
    quiet: bool,
) -> Result<ExitCode> {
    let Output { level, format, top_k, explain } = *output;
    if explain.is_some() {
        super::explain::check_classify_explain(level, format)?;
    }
    let writer = RowWriter::new(format, classifier.labels()).with_top_k(top_k);
    let stdout = BufWriter::new(std::io::stdout().lock());
    let mut out = JsonArray::new(stdout, format == OutputFormat::Json);
    writer.write_header(&mut out, level, classifier.knows_topic())?;
    let code = for_each_document(inputs, walk, invalid_utf8, quiet, &mut out, |source, text, out| {
        match level {
            Level::Sentence => {
                let ranges = split_sentences(text);
                if ranges.is_empty() {
                    return Ok(Err(NO_SENTENCE.into()));
                }
                let attributions = holders.attribute(text, &ranges);
                let sentences: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
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
                    let holder = holders.shown(&prediction, attributions[i].as_ref());
                    let why = |a: &stance_holders::Attribution| a.describe(&sentences);
                    let why = explain.map(|_| &why as &dyn Fn(&stance_holders::Attribution) -> String);
                    let row = SentenceRow::predicted(&prediction, explanation.as_ref())
                        .with_top_k(top_k)
                        .with_holder(holder, why);
                    writer.write(out, &source.name, &Row::Sentence(row))?;
                }
            }
            Level::Article => match holders.classify_article(classifier, text, classifier.target()) {
                Ok(article) => writer.write(out, &source.name, &Row::Article(ArticleRow::held(&article)))?,
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
                let row = TextRow::predicted(&prediction, explanation.as_ref()).with_top_k(top_k);
                writer.write(out, &source.name, &Row::Text(row))?;
            }
        }
        Ok(Ok(()))
    })?;
    out.finish()?;
    Ok(code)
}
