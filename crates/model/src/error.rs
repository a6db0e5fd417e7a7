//! Errors raised while reading or writing a model file.

use std::path::PathBuf;

use thiserror::Error;

use crate::ConsistencyError;

/// Everything that can go wrong with a model file.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The file could not be read or written.
    #[error("cannot {action} model file {path}: {source}", path = path.display())]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The model file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid JSON (truncated, corrupted bytes).
    #[error("{path}:{line}:{column}: model file is not valid JSON (truncated or corrupted?): {message}", path = path.display())]
    Corrupt {
        /// The model file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// Valid JSON that is not a stance model.
    #[error("{path}: not a stance model file (expected \"format\": \"{expected}\")", path = path.display())]
    NotAModel {
        /// The model file.
        path: PathBuf,
        /// The format marker expected.
        expected: &'static str,
    },
    /// Written by a newer version of stance.
    #[error("{path}: model format version {found} is newer than this stance supports ({supported}); upgrade stance", path = path.display())]
    TooNew {
        /// The model file.
        path: PathBuf,
        /// Version found in the file.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// Written by a version of stance too old to read.
    #[error("{path}: model format version {found} is older than the oldest supported ({oldest}); retrain the model", path = path.display())]
    TooOld {
        /// The model file.
        path: PathBuf,
        /// Version found in the file.
        found: u32,
        /// Oldest version this build reads.
        oldest: u32,
    },
    /// The JSON has the right marker but a wrong shape (missing or mistyped fields).
    #[error("{path}:{line}:{column}: malformed model file: {message}", path = path.display())]
    Malformed {
        /// The model file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The content does not match the stored checksum: the file was edited or corrupted.
    #[error("{path}: checksum mismatch: the file was modified or corrupted (stored {stored}, content gives {computed})", path = path.display())]
    ChecksumMismatch {
        /// The model file.
        path: PathBuf,
        /// Checksum stored in the file.
        stored: String,
        /// Checksum of the content as read.
        computed: String,
    },
    /// The parts of the model disagree with each other (sizes, NaN weights, unknown labels).
    #[error("{path}: inconsistent model: {problem}", path = path.display())]
    Inconsistent {
        /// The model file (or `<memory>`).
        path: PathBuf,
        /// What disagrees (part of this message, so not a `source`).
        problem: ConsistencyError,
    },
}
