//! The batch commands over articles: `sentences` and `classify`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use rayon::prelude::*;
use stance_features::split_sentences;
use stance_infer::Classifier;

use crate::documents::{sources, InvalidUtf8, Source};
use crate::progress::Progress;
use crate::rows::{tsv_field, ArticleRow, Row, RowWriter, SentenceRow, TextRow, NO_SENTENCE};
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
    let writer = RowWriter::new(format, classifier.labels());
    let mut out = BufWriter::new(std::io::stdout().lock());
    writer.write_header(&mut out, level, classifier.knows_topic())?;
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
                    let row = SentenceRow::predicted(&prediction, explanation.as_ref());
                    writer.write(out, &source.name, &Row::Sentence(row))?;
                }
            }
            Level::Article => match classifier.classify_article(text) {
                Ok(prediction) => {
                    writer.write(out, &source.name, &Row::Article(ArticleRow::predicted(&prediction)))?
                }
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
                let row = TextRow::predicted(&prediction, explanation.as_ref());
                writer.write(out, &source.name, &Row::Text(row))?;
            }
        }
        Ok(Ok(()))
    })?;
    out.flush()?;
    Ok(code)
}
