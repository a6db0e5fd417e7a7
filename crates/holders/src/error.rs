//! Errors of the alias table: a line that does not parse, named by its source and line.

use thiserror::Error;

/// Everything that can go wrong in this crate.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HolderError {
    /// A line of an alias table that is not `kind<TAB>name<TAB>country<TAB>variants`.
    #[error("{source_name}:{line}: {message}")]
    AliasLine {
        /// The file (or other source) the table was read from.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
}
