//! `classify --input-format jsonl`: classify a stream of JSON Lines records, for use as one stage
//! of a pipeline (Hadoop Streaming, Spark's `rdd.pipe()`, `jq`).
//!
//! Every output line is the input record with its fields kept as they were (so ids travel
//! through) and the prediction's keys added. Memory stays constant whatever the input size:
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
//! its own, so output (in input order) does not depend on the chunking or the number of threads.
//!
//! A record is never parsed into a `serde_json::Value` tree: the line is split into its keys
//! and raw values (borrowed), the text is borrowed unless it holds escapes, and when no input
//! key collides with an added one, the output line is the input line's bytes with the new keys
//! written before its closing brace.

use std::borrow::Cow;
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::Arc;

use anyhow::{anyhow, bail, Result};
use clap::ValueEnum;
use rayon::prelude::*;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use stance_features::split_sentences;
use stance_infer::{Classifier, Score, UNDECIDED};

use crate::documents::{sources, InvalidUtf8};
use crate::progress::Progress;
use crate::{Level, EXIT_SOME_FAILED};

/// At most this many lines are read into one chunk.
const LINES_PER_CHUNK: usize = 8192;

/// A chunk is closed once it holds this many bytes (a longer record makes a chunk of its own).
const BYTES_PER_CHUNK: usize = 4 << 20;

/// Chunks waiting to be classified, and classified chunks waiting to be written.
const CHUNKS_IN_FLIGHT: usize = 2;

/// Buffer sizes of the input readers and of stdout.
const READ_BUFFER: usize = 1 << 20;
const WRITE_BUFFER: usize = 1 << 20;

/// What `classify` reads (`--input-format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Plain-text articles, one per file (or stdin).
    #[default]
    Text,
    /// JSON Lines: one JSON object per line, its text under `--text-field`; writes JSONL.
    Jsonl,
}

/// How to classify records.
pub struct RecordOptions<'a> {
    /// The key holding each record's text.
    pub text_field: &'a str,
    /// The key holding each record's stance target, if records carry one.
    pub target_field: Option<&'a str>,
    /// Whole text, sentences or article.
    pub level: Level,
    /// What to do with a line that is not valid UTF-8.
    pub invalid_utf8: InvalidUtf8,
    /// Explain each prediction by this many features per label.
    pub explain: Option<usize>,
    /// No progress counter.
    pub quiet: bool,
}

/// The keys each level adds to a record, in output order.
fn added_keys(level: Level, explain: bool, topic: bool) -> Vec<&'static str> {
    let mut keys = match level {
        Level::Text => vec!["label", "probabilities"],
        Level::Sentence => vec!["sentence", "label", "probabilities"],
        Level::Article => vec!["label", "sentences", "shares", "top_sentences"],
    };
    if topic {
        keys.push("on_topic");
        if level != Level::Article {
            keys.push("relevance");
        }
    }
    if explain {
        keys.push("explanation");
    }
    keys
}

/// `stance classify --input-format jsonl`: classifies every record of `inputs` (files,
/// directories walked in sorted order, `-` for stdin) and writes JSONL to stdout.
pub fn classify_records(
    classifier: &Classifier,
    inputs: &[PathBuf],
    options: &RecordOptions,
) -> Result<ExitCode> {
    let records = Records::new(classifier, options)?;
    let (chunk_sender, chunks) = sync_channel(CHUNKS_IN_FLIGHT);
    let inputs = inputs.to_vec();
    // Not scoped: on a broken pipe the command returns at once, even if this thread is still
    // blocked reading a slow stdin.
    std::thread::Builder::new()
        .name("stance-reader".into())
        .spawn(move || read_chunks(inputs, &chunk_sender))?;
    let (output_sender, outputs) = sync_channel(CHUNKS_IN_FLIGHT);
    let writer =
        std::thread::Builder::new().name("stance-writer".into()).spawn(move || write_outputs(outputs))?;

    let bar = Progress::counter("records", options.quiet);
    let mut totals = Totals::default();
    for chunk in chunks {
        let outputs = records.classify_chunk(&chunk);
        for output in &outputs {
            totals.records += output.records;
            totals.failed += output.failed;
            totals.unreadable += output.unreadable;
        }
        bar.set(totals.records as u64);
        if output_sender.send(outputs).is_err() {
            break; // the writer stopped; its error is returned below
        }
    }
    drop(output_sender);
    writer.join().map_err(|_| anyhow!("the output thread failed"))??;
    bar.finish();

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
fn read_chunks(inputs: Vec<PathBuf>, chunks: &SyncSender<Chunk>) {
    let mut chunk = Chunk::default();
    for source in sources(inputs) {
        let name: Arc<str> = source.display().into();
        let mut input = chunk.add_input(&name);
        let mut reader = match source.open() {
            Ok(reader) => Some(BufReader::with_capacity(READ_BUFFER, reader)),
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

/// Classifies records and writes their output lines.
struct Records<'a> {
    classifier: &'a Classifier,
    text_field: &'a str,
    target_field: Option<&'a str>,
    level: Level,
    invalid_utf8: InvalidUtf8,
    explain: Option<usize>,
    added: Vec<&'static str>,
    /// `(label index, "\"label\":")` in alphabetical order of the labels, the key order of
    /// `probabilities` in the other outputs (a `BTreeMap`).
    probability_keys: Vec<(usize, String)>,
    /// Each label as a JSON string.
    label_json: Vec<String>,
}

impl<'a> Records<'a> {
    fn new(classifier: &'a Classifier, options: &RecordOptions<'a>) -> Result<Self> {
        let added = added_keys(options.level, options.explain.is_some(), classifier.knows_topic());
        if added.contains(&options.text_field) {
            bail!(
                "--text-field {} is a key that --level {} adds to each record; \
                 rename that field in the input first",
                options.text_field,
                level_name(options.level)
            );
        }
        let labels = classifier.labels();
        let mut probability_keys: Vec<(usize, String)> =
            labels.iter().enumerate().map(|(i, label)| (i, format!("{}:", json_string(label)))).collect();
        probability_keys.sort_by(|a, b| labels[a.0].cmp(&labels[b.0]));
        Ok(Self {
            classifier,
            text_field: options.text_field,
            target_field: options.target_field,
            level: options.level,
            invalid_utf8: options.invalid_utf8,
            explain: options.explain,
            added,
            probability_keys,
            label_json: labels.iter().map(|label| json_string(label)).collect(),
        })
    }

    /// Classifies a chunk's records in parallel, in slices whose outputs come back in order.
    fn classify_chunk(&self, chunk: &Chunk) -> Vec<Output> {
        let slice = chunk.items.len().div_ceil(4 * rayon::current_num_threads()).clamp(1, 512);
        chunk
            .items
            .par_chunks(slice)
            .map(|items| {
                let mut output = Output::default();
                for item in items {
                    match item {
                        Item::Record { input, line, start, end } => {
                            output.records += 1;
                            let before = output.bytes.len();
                            let mut warning = None;
                            let bytes = &chunk.bytes[*start..*end];
                            let result = self.record(bytes, *line == 1, &mut output.bytes, &mut warning);
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

    /// Classifies one record (a non-blank line), appending its output lines to `out`; an
    /// `Err` says why the record cannot be classified.
    fn record(
        &self,
        bytes: &[u8],
        first_line: bool,
        out: &mut Vec<u8>,
        warning: &mut Option<String>,
    ) -> std::result::Result<(), String> {
        let mut bytes = bytes.trim_ascii();
        if first_line {
            bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        }
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => Cow::Borrowed(line),
            Err(error) => {
                let at = error.valid_up_to();
                if self.invalid_utf8 == InvalidUtf8::Skip {
                    return Err(format!("invalid UTF-8 at byte {at}; skipped (--invalid-utf8 skip)"));
                }
                *warning =
                    Some(format!("invalid UTF-8 at byte {at}; undecodable bytes replaced with U+FFFD"));
                Cow::Owned(String::from_utf8_lossy(bytes).into_owned())
            }
        };
        let fields = parse_object(&line)?;
        let Some(text_at) = fields.0.iter().rposition(|(key, _)| key == self.text_field) else {
            return Err(self.missing_text_field(&fields));
        };
        let text = string_value(fields.0[text_at].1)
            .map_err(|kind| format!("field {} is {kind}, not a string", json_string(self.text_field)))?;
        let record_target = match self.target_field {
            None => None,
            Some(key) => match fields.0.iter().rposition(|(k, _)| k == key) {
                None => None,
                Some(at) => match string_value(fields.0[at].1) {
                    Ok(target) => Some(target),
                    Err("null") => None,
                    Err(kind) => return Err(format!("field {} is {kind}, not a string", json_string(key))),
                },
            },
        };
        // A record's own target, else the batch's --target (bound to the classifier).
        let target = record_target.as_deref().or(self.classifier.target());
        let collides = fields.0.iter().any(|(key, _)| self.added.contains(&key.as_ref()));
        match self.level {
            Level::Text => {
                let score = self.classifier.score_for(&text, target).map_err(|e| e.to_string())?;
                if collides {
                    self.write_fields(out, &fields, None);
                } else {
                    // The line ends with the object's closing brace: keep everything before it.
                    out.extend_from_slice(&line.as_bytes()[..line.len() - 1]);
                }
                out.push(b',');
                self.write_prediction(out, &score);
                self.write_explanation(out, &text, target)?;
                out.extend_from_slice(b"}\n");
            }
            Level::Sentence => {
                let ranges = split_sentences(&text);
                if ranges.is_empty() {
                    return Err(NO_SENTENCE.into());
                }
                for (i, range) in ranges.into_iter().enumerate() {
                    let sentence = &text[range];
                    let score = self.classifier.score_for(sentence, target).map_err(|e| e.to_string())?;
                    let any = self.write_fields(out, &fields, Some((text_at, sentence)));
                    if any {
                        out.push(b',');
                    }
                    write!(out, "\"sentence\":{},", i + 1).expect("writing to memory");
                    self.write_prediction(out, &score);
                    self.write_explanation(out, sentence, target)?;
                    out.extend_from_slice(b"}\n");
                }
            }
            Level::Article => {
                let prediction =
                    self.classifier.classify_article_for(&text, target).map_err(|e| e.to_string())?;
                if self.write_fields(out, &fields, None) {
                    out.push(b',');
                }
                let object = serde_json::to_vec(&prediction).expect("a prediction serializes");
                // `{"label":…,"sentences":…}` without its braces, after the record's fields.
                out.extend_from_slice(&object[1..object.len() - 1]);
                out.extend_from_slice(b"}\n");
            }
        }
        Ok(())
    }

    /// Writes `{` and the record's fields but those the output adds, the text field's value
    /// replaced by `text` when given; says whether any field was written.
    fn write_fields(&self, out: &mut Vec<u8>, fields: &Fields, text: Option<(usize, &str)>) -> bool {
        out.push(b'{');
        let mut any = false;
        for (i, (key, value)) in fields.0.iter().enumerate() {
            if self.added.contains(&key.as_ref()) {
                continue;
            }
            let value = match text {
                Some((at, _)) if key == self.text_field && i != at => continue, // a duplicate key
                Some((at, text)) if i == at => json_string(text),
                _ => value.get().to_owned(),
            };
            if any {
                out.push(b',');
            }
            any = true;
            out.extend_from_slice(json_string(key).as_bytes());
            out.push(b':');
            out.extend_from_slice(value.as_bytes());
        }
        any
    }

    /// `"label":"…","probabilities":{…}` (then `"on_topic"` and `"relevance"` for a model that
    /// knows its topic), the same keys and number format as the other outputs.
    fn write_prediction(&self, out: &mut Vec<u8>, score: &Score) {
        let probabilities = &score.probabilities;
        out.extend_from_slice(b"\"label\":");
        match score.label {
            Some(best) => out.extend_from_slice(self.label_json[best].as_bytes()),
            None => out.extend_from_slice(json_string(UNDECIDED).as_bytes()),
        }
        out.extend_from_slice(b",\"probabilities\":{");
        for (n, (i, key)) in self.probability_keys.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key.as_bytes());
            serde_json::to_writer(&mut *out, &probabilities[*i]).expect("writing to memory");
        }
        out.push(b'}');
        if let Some(topicality) = score.topicality {
            write!(out, ",\"on_topic\":{},\"relevance\":", topicality.on_topic).expect("writing to memory");
            serde_json::to_writer(&mut *out, &topicality.relevance).expect("writing to memory");
        }
    }

    fn write_explanation(&self, out: &mut Vec<u8>, text: &str, target: Option<&str>) -> Result<(), String> {
        if let Some(top) = self.explain {
            let mut explanation = self.classifier.explain_for(text, target).map_err(|e| e.to_string())?;
            explanation.truncate(top);
            out.extend_from_slice(b",\"explanation\":");
            serde_json::to_writer(&mut *out, &explanation.per_label).expect("writing to memory");
        }
        Ok(())
    }

    fn missing_text_field(&self, fields: &Fields) -> String {
        const SHOWN: usize = 8;
        let mut keys: Vec<String> = fields.0.iter().take(SHOWN).map(|(key, _)| json_string(key)).collect();
        if fields.0.len() > SHOWN {
            keys.push(format!("… {} more", fields.0.len() - SHOWN));
        }
        let keys = if keys.is_empty() { "none".to_string() } else { keys.join(", ") };
        format!("no field {} (--text-field); the record has {keys}", json_string(self.text_field))
    }
}

const NO_SENTENCE: &str = "no sentence found (empty, whitespace or symbols only)";

fn level_name(level: Level) -> String {
    level.to_possible_value().map_or_else(String::new, |value| value.get_name().to_owned())
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// A JSON object's keys and raw values, in their order, borrowed from the line when possible.
struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Fields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(Key(key)) = map.next_key()? {
                    fields.push((key, map.next_value()?));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// An object key, borrowed unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E>(self, key: &str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }

            fn visit_string<E>(self, key: String) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Splits a line holding one JSON object into its fields, or says why it cannot.
fn parse_object(line: &str) -> std::result::Result<Fields<'_>, String> {
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let fields = Fields::deserialize(&mut deserializer).and_then(|fields| {
        deserializer.end()?;
        Ok(fields)
    });
    fields.map_err(|error| match error.classify() {
        serde_json::error::Category::Data => format!("not a JSON object but {}", kind_of(line)),
        _ => {
            // serde_json says "… at line 1 column N"; the line is already named.
            let message = error.to_string();
            let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(message, _)| message);
            format!("not valid JSON: {message} (column {})", error.column())
        }
    })
}

/// What kind of JSON value `json` (valid JSON) is, for messages.
fn kind_of(json: &str) -> &'static str {
    match json.trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The text of a JSON string value, borrowed when it holds no escapes; otherwise the kind of
/// value it is.
fn string_value(raw: &RawValue) -> std::result::Result<Cow<'_, str>, &'static str> {
    let json = raw.get().trim();
    if !json.starts_with('"') {
        return Err(kind_of(json));
    }
    if !json.contains('\\') {
        return Ok(Cow::Borrowed(&json[1..json.len() - 1]));
    }
    serde_json::from_str(json).map(Cow::Owned).map_err(|_| "an invalid string")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(line: &str) -> Vec<String> {
        parse_object(line).unwrap().0.iter().map(|(key, _)| key.to_string()).collect()
    }

    #[test]
    fn objects_split_into_fields_in_order() {
        assert_eq!(
            keys(r#"{"id":7,"text":"a","meta":{"x":[1,2]},"\u00e9":null}"#),
            ["id", "text", "meta", "é"]
        );
        let line = r#" {"id" : 7 , "meta": {"x": [1, 2]} } "#;
        let fields = parse_object(line).unwrap();
        assert_eq!(fields.0[1].1.get(), r#"{"x": [1, 2]}"#);
        assert!(matches!(fields.0[0].0, Cow::Borrowed(_)));
    }

    #[test]
    fn bad_lines_say_what_they_are() {
        assert_eq!(parse_object("[1, 2]").err().unwrap(), "not a JSON object but an array");
        assert_eq!(parse_object("\"text\"").err().unwrap(), "not a JSON object but a string");
        assert_eq!(parse_object("42").err().unwrap(), "not a JSON object but a number");
        let truncated = parse_object(r#"{"text": "abc"#).err().unwrap();
        assert!(truncated.starts_with("not valid JSON: EOF while parsing a string (column"), "{truncated}");
        let trailing = parse_object(r#"{"text": "a"} {}"#).err().unwrap();
        assert!(trailing.starts_with("not valid JSON: trailing characters (column 15)"), "{trailing}");
    }

    #[test]
    fn string_values_are_borrowed_unless_escaped() {
        let fields = parse_object(r#"{"a":"plain","b":"tab\tand \u00e9","c":3,"d":null}"#).unwrap();
        assert!(matches!(string_value(fields.0[0].1), Ok(Cow::Borrowed("plain"))));
        assert_eq!(string_value(fields.0[1].1).unwrap(), "tab\tand é");
        assert_eq!(string_value(fields.0[2].1).err(), Some("a number"));
        assert_eq!(string_value(fields.0[3].1).err(), Some("null"));
    }

    fn records(level: Level, explain: Option<usize>) -> (Classifier, RecordOptions<'static>) {
        let classifier = Classifier::default_model().unwrap();
        let options = RecordOptions {
            text_field: "text",
            target_field: None,
            level,
            invalid_utf8: InvalidUtf8::Replace,
            explain,
            quiet: true,
        };
        (classifier, options)
    }

    fn classify_line(level: Level, line: &str) -> std::result::Result<Vec<serde_json::Value>, String> {
        let (classifier, options) = records(level, None);
        let records = Records::new(&classifier, &options).unwrap();
        let mut out = Vec::new();
        records.record(line.as_bytes(), false, &mut out, &mut None)?;
        let out = String::from_utf8(out).unwrap();
        assert!(out.ends_with('\n'));
        Ok(out.lines().map(|line| serde_json::from_str(line).unwrap()).collect())
    }

    #[test]
    fn text_level_keeps_the_line_and_adds_the_prediction() {
        let (classifier, options) = records(Level::Text, None);
        let records = Records::new(&classifier, &options).unwrap();
        let line =
            r#"{"id": "a\u00e9", "text": "Russia rejects Western peacekeepers.", "n": [1, {"x": null}]}"#;
        let mut out = Vec::new();
        records.record(line.as_bytes(), false, &mut out, &mut None).unwrap();
        let out = String::from_utf8(out).unwrap();
        // The input's bytes are kept as they were, escapes and spacing included.
        assert!(out.starts_with(&line[..line.len() - 1]), "{out}");
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        let expected = classifier.classify_sentence("Russia rejects Western peacekeepers.").unwrap();
        assert_eq!(value["label"], expected.label.as_str());
        assert_eq!(value["probabilities"], serde_json::to_value(&expected.probabilities).unwrap());
        assert_eq!(value["id"], "aé");
    }

    #[test]
    fn added_keys_replace_input_keys_of_the_same_name() {
        let rows = classify_line(Level::Text, r#"{"label":"gold","text":"Talks go on.","id":1}"#).unwrap();
        let row = rows[0].as_object().unwrap();
        let keys: Vec<&str> = row.keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "label", "probabilities", "text"]); // serde_json's map sorts keys
        assert_ne!(row["label"], "gold");
    }

    #[test]
    fn sentence_level_replaces_the_text_per_sentence() {
        let line = r#"{"doc":"d1","text":"Russia rejects the plan. Britain is ready to send troops."}"#;
        let rows = classify_line(Level::Sentence, line).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["text"], "Russia rejects the plan.");
        assert_eq!(rows[1]["sentence"], 2);
        assert_eq!(rows[1]["doc"], "d1");
        assert_eq!(classify_line(Level::Sentence, r#"{"text":" - "}"#).err().unwrap(), NO_SENTENCE);
    }

    #[test]
    fn article_level_adds_the_article_prediction() {
        let line = r#"{"doc":"d1","text":"Russia rejects the plan. Britain is ready to send troops."}"#;
        let rows = classify_line(Level::Article, line).unwrap();
        assert_eq!(rows[0]["sentences"], 2);
        assert_eq!(rows[0]["doc"], "d1");
        assert!(rows[0]["shares"].is_object());
    }

    #[test]
    fn records_without_a_string_text_are_refused() {
        let missing = classify_line(Level::Text, r#"{"id":1,"body":"x"}"#).err().unwrap();
        assert_eq!(missing, r#"no field "text" (--text-field); the record has "id", "body""#);
        let number = classify_line(Level::Text, r#"{"text":5}"#).err().unwrap();
        assert_eq!(number, r#"field "text" is a number, not a string"#);
    }

    #[test]
    fn the_text_field_cannot_be_an_added_key() {
        let classifier = Classifier::default_model().unwrap();
        let options = RecordOptions {
            text_field: "label",
            target_field: None,
            level: Level::Text,
            invalid_utf8: InvalidUtf8::Replace,
            explain: None,
            quiet: true,
        };
        let error = Records::new(&classifier, &options).err().unwrap().to_string();
        assert!(error.starts_with("--text-field label is a key that --level text adds"), "{error}");
    }
}
