//! The pipeline of `classify --input-format jsonl`: reads the inputs in chunks, classifies each
//! chunk's records in parallel and writes their output in input order.
//!
//! ```text
//! reader thread ──chunks──▶ classifying (rayon pool) ──outputs──▶ writer thread ──▶ stdout
//!   (lazy walk,     (bounded           (records of a chunk      (bounded            (+ messages
//!    line by line)   channel)           in parallel)             channel)            on stderr)
//! ```
//!
//! The reader cuts the input into chunks of at most [`LINES_PER_CHUNK`] lines or
//! [`BYTES_PER_CHUNK`] bytes; at most [`CHUNKS_IN_FLIGHT`] chunks wait on either side of the
//! classification, so reading, classifying and writing overlap. Each record is classified on
//! its own (by a [`RecordWriter`]), so output (in input order) does not depend on the chunking
//! or the number of threads.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::Arc;

use anyhow::{anyhow, Result};
use rayon::prelude::*;
use stance_infer::Classifier;

use super::writer::RecordWriter;
use super::RecordOptions;
use crate::documents::{sources, Walk};
use crate::progress::Progress;
use crate::{UsageError, EXIT_SOME_FAILED};

/// At most this many lines are read into one chunk. Small enough that the chunks in flight
/// hold little (200,000 synthetic rows: peak RSS 82 MB, against 95 MB with 8,192 lines and
/// 4 MB), large enough that handing chunks between threads costs nothing measurable.
const LINES_PER_CHUNK: usize = 2048;

/// A chunk is closed once it holds this many bytes (a longer record makes a chunk of its own).
const BYTES_PER_CHUNK: usize = 1 << 20;

/// Chunks waiting to be classified, and classified chunks waiting to be written.
const CHUNKS_IN_FLIGHT: usize = 2;

/// Bytes reserved per record for the keys its output row adds (a text-level row with three
/// labels takes about 120).
const ROW_BYTES: usize = 160;

/// Buffer sizes of the input readers and of stdout.
const READ_BUFFER: usize = 1 << 20;
const WRITE_BUFFER: usize = 1 << 20;

/// `stance classify --input-format jsonl`: classifies every record of `inputs` (files,
/// directories walked in sorted order, `-` for stdin) and writes JSONL to stdout.
pub fn classify_records(
    classifier: &Classifier,
    inputs: &[PathBuf],
    walk: &Arc<Walk>,
    options: &RecordOptions,
) -> Result<ExitCode> {
    let records = RecordWriter::new(classifier, options)?;
    let (chunk_sender, chunks) = sync_channel(CHUNKS_IN_FLIGHT);
    let inputs = inputs.to_vec();
    let reader_walk = Arc::clone(walk);
    // Not scoped: on a broken pipe the command returns at once, even if this thread is still
    // blocked reading a slow stdin.
    std::thread::Builder::new()
        .name("stance-reader".into())
        .spawn(move || read_chunks(inputs, reader_walk, &chunk_sender))?;
    let (output_sender, outputs) = sync_channel(CHUNKS_IN_FLIGHT);
    let writer =
        std::thread::Builder::new().name("stance-writer".into()).spawn(move || write_outputs(outputs))?;

    let bar = Progress::counter("records", options.quiet);
    let mut totals = Totals::default();
    for chunk in chunks {
        let outputs = classify_chunk(&records, &chunk);
        for output in &outputs {
            totals.records += output.records;
            totals.failed += output.failed;
            totals.unreadable += output.unreadable;
        }
        totals.opened += chunk.opened;
        bar.set(totals.records as u64);
        if output_sender.send(outputs).is_err() {
            break; // the writer stopped; its error is returned below
        }
    }
    drop(output_sender);
    writer.join().map_err(|_| anyhow!("the output thread failed"))??;
    bar.finish();
    walk.warn_skipped();

    if totals.opened == 0 && totals.unreadable > 0 {
        let inputs = if totals.unreadable == 1 { "input" } else { "inputs" };
        return Err(UsageError(format!(
            "nothing could be read from the {} {inputs} named above",
            totals.unreadable
        ))
        .into());
    }
    if totals.failed == 0 && totals.unreadable == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    let mut summary = format!("stance: {} of {} records failed", totals.failed, totals.records);
    if totals.unreadable > 0 {
        let inputs = if totals.unreadable == 1 { "input" } else { "inputs" };
        summary.push_str(&format!("; {} {inputs} could not be read", totals.unreadable));
    }
    eprintln!("{summary}");
    Ok(ExitCode::from(EXIT_SOME_FAILED))
}

#[derive(Default)]
struct Totals {
    /// Inputs that could be opened.
    opened: usize,
    records: usize,
    failed: usize,
    unreadable: usize,
}

/// Lines of input, possibly from several files, as read.
#[derive(Default)]
struct Chunk {
    /// Names of the inputs, for messages; items refer to them by index.
    inputs: Vec<Arc<str>>,
    /// The non-blank lines, one after the other.
    bytes: Vec<u8>,
    items: Vec<Item>,
    /// Inputs opened while this chunk was read.
    opened: usize,
}

enum Item {
    /// A non-blank line: `bytes[start..end]` is line number `line` of input `input`.
    Record { input: usize, line: u64, start: usize, end: usize },
    /// An input that could not be read from `line` on (from the start when `None`).
    Unreadable { input: usize, line: Option<u64>, message: String },
}

impl Chunk {
    fn is_full(&self) -> bool {
        // Inputs count too: a tree of a million empty files must not make one huge chunk.
        self.items.len().max(self.inputs.len()) >= LINES_PER_CHUNK || self.bytes.len() >= BYTES_PER_CHUNK
    }

    fn add_input(&mut self, name: &Arc<str>) -> usize {
        self.inputs.push(Arc::clone(name));
        self.inputs.len() - 1
    }
}

/// The reader thread: walks the inputs lazily and sends their non-blank lines in chunks.
fn read_chunks(inputs: Vec<PathBuf>, walk: Arc<Walk>, chunks: &SyncSender<Chunk>) {
    let mut chunk = Chunk::default();
    for source in sources(inputs, walk) {
        let name: Arc<str> = source.display().into();
        let mut input = chunk.add_input(&name);
        let mut reader = match source.open() {
            Ok(reader) => {
                chunk.opened += 1;
                Some(BufReader::with_capacity(READ_BUFFER, reader))
            }
            Err(error) => {
                chunk.items.push(Item::Unreadable { input, line: None, message: error.to_string() });
                None
            }
        };
        let mut line = 0;
        while let Some(reader) = &mut reader {
            let start = chunk.bytes.len();
            match reader.read_until(b'\n', &mut chunk.bytes) {
                Ok(0) => break,
                Ok(_) => {
                    line += 1;
                    if chunk.bytes[start..].iter().all(u8::is_ascii_whitespace) {
                        chunk.bytes.truncate(start);
                        continue;
                    }
                    chunk.items.push(Item::Record { input, line, start, end: chunk.bytes.len() });
                    if chunk.is_full() {
                        if chunks.send(std::mem::take(&mut chunk)).is_err() {
                            return; // the command stopped (e.g. broken pipe)
                        }
                        input = chunk.add_input(&name);
                    }
                }
                Err(error) => {
                    chunk.bytes.truncate(start);
                    let message = format!("cannot read: {error}; the rest of this input is skipped");
                    chunk.items.push(Item::Unreadable { input, line: Some(line + 1), message });
                    break;
                }
            }
        }
        if chunk.is_full() && chunks.send(std::mem::take(&mut chunk)).is_err() {
            return;
        }
    }
    if !chunk.items.is_empty() {
        let _ = chunks.send(chunk);
    }
}

/// The classified records of part of a chunk, with its messages for stderr, in input order.
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    messages: Vec<String>,
    records: usize,
    failed: usize,
    unreadable: usize,
}

/// The writer thread: writes each output and its messages in order.
fn write_outputs(outputs: Receiver<Vec<Output>>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(WRITE_BUFFER, std::io::stdout().lock());
    loop {
        let chunk = match outputs.try_recv() {
            Ok(chunk) => chunk,
            Err(TryRecvError::Disconnected) => break,
            Err(TryRecvError::Empty) => {
                // Nothing else classified yet: what is done goes out now, so a consumer of a
                // slowly fed pipeline sees it without waiting for the buffer to fill.
                out.flush()?;
                match outputs.recv() {
                    Ok(chunk) => chunk,
                    Err(_) => break,
                }
            }
        };
        for output in chunk {
            if !output.messages.is_empty() {
                // What precedes a message on stdout is out before it.
                out.flush()?;
                let mut stderr = std::io::stderr().lock();
                for message in &output.messages {
                    writeln!(stderr, "{message}")?;
                }
            }
            out.write_all(&output.bytes)?;
        }
    }
    out.flush()
}

/// Classifies a chunk's records in parallel, in slices whose outputs come back in order.
fn classify_chunk(records: &RecordWriter<'_>, chunk: &Chunk) -> Vec<Output> {
    let slice = chunk.items.len().div_ceil(4 * rayon::current_num_threads()).clamp(1, 512);
    chunk
        .items
        .par_chunks(slice)
        .map(|items| {
            let mut output = Output::default();
            // Each output line is its record and the row's keys: room for both, no growth step.
            let input: usize = items
                .iter()
                .map(|item| match item {
                    Item::Record { start, end, .. } => end - start + ROW_BYTES,
                    Item::Unreadable { .. } => 0,
                })
                .sum();
            output.bytes.reserve(input);
            for item in items {
                match item {
                    Item::Record { input, line, start, end } => {
                        output.records += 1;
                        let before = output.bytes.len();
                        let mut warning = None;
                        let bytes = &chunk.bytes[*start..*end];
                        let result = records.record(bytes, *line == 1, &mut output.bytes, &mut warning);
                        let at = || format!("{}:{line}", chunk.inputs[*input]);
                        if let Some(warning) = warning {
                            output.messages.push(format!("stance: warning: {}: {warning}", at()));
                        }
                        if let Err(problem) = result {
                            output.bytes.truncate(before);
                            output.failed += 1;
                            output.messages.push(format!("stance: {}: {problem}", at()));
                        }
                    }
                    Item::Unreadable { input, line, message } => {
                        output.unreadable += 1;
                        let at = line.map_or_else(String::new, |line| format!(":{line}"));
                        output.messages.push(format!("stance: {}{at}: {message}", chunk.inputs[*input]));
                    }
                }
            }
            output
        })
        .collect()
}
