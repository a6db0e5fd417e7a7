//! `classify --input-format jsonl`: classify a stream of JSON Lines records, for use as one stage
//! of a pipeline (Hadoop Streaming, Spark's `rdd.pipe()`, `jq`).
//!
//! Every output line is the input record with its fields kept as they were (so ids travel
//! through) and the prediction's keys added: the keys of the level's row
//! ([`crate::rows`]), the rows `--input-format text` writes. Memory stays constant whatever
//! the input size. Three parts:
//!
//! - [`pipeline`]: the chunked, parallel read → classify → write of the whole stream;
//! - [`fields`]: the splitter of one line into its keys and raw JSON values;
//! - [`writer`]: classifies one record and writes its output lines (the record's fields, then
//!   the row's keys; input keys the row adds are dropped).

mod fields;
mod pipeline;
mod writer;

use clap::ValueEnum;

use crate::cmd::classify::Level;
use crate::documents::InvalidUtf8;

pub use pipeline::classify_records;

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
    /// List each prediction's this many most probable labels.
    pub top_k: Option<usize>,
    /// No progress counter.
    pub quiet: bool,
    /// A user's holder alias file, added to the built-in table.
    pub aliases: Option<&'a std::path::Path>,
}
