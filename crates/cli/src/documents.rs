//! Collecting the articles a batch command reads: files, directories (walked, sorted) and stdin.
//!
//! Inputs are listed first and read one at a time, so a batch never holds more than one
//! article in memory.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};

/// One article to process.
pub struct Source {
    /// Name used in output rows: the file name for a file argument, the path relative to the
    /// directory for files found in a directory argument, `-` for stdin.
    pub name: String,
    /// The file, or `None` for standard input.
    pub path: Option<PathBuf>,
    /// Why the article cannot be read even before trying (for example a directory that
    /// could not be walked).
    pub problem: Option<String>,
}

/// The text of an article, with a note when it had to be repaired.
pub struct Text {
    pub text: String,
    pub warning: Option<String>,
}

/// Expands the command-line inputs into sources, in a stable order: arguments in the order
/// given, files of a directory sorted by path. Unwalkable entries become sources with a
/// problem so the rest of the batch still runs.
pub fn collect(inputs: &[PathBuf]) -> Vec<Source> {
    let mut sources = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            sources.push(Source { name: "-".into(), path: None, problem: None });
        } else if input.is_dir() {
            for entry in walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name() {
                match entry {
                    Ok(entry) if entry.file_type().is_file() => {
                        let path = entry.into_path();
                        let name = path.strip_prefix(input).unwrap_or(&path).display().to_string();
                        sources.push(Source { name, path: Some(path), problem: None });
                    }
                    Ok(_) => {}
                    Err(error) => {
                        let path = error.path().map_or_else(|| input.clone(), Path::to_path_buf);
                        sources.push(Source {
                            name: path.display().to_string(),
                            path: Some(path),
                            problem: Some(format!("cannot walk directory: {error}")),
                        });
                    }
                }
            }
        } else {
            let name =
                input.file_name().map_or_else(|| input.display().to_string(), |n| n.to_string_lossy().into());
            sources.push(Source { name, path: Some(input.clone()), problem: None });
        }
    }
    sources
}

impl Source {
    /// Where the article comes from, for messages.
    pub fn display(&self) -> String {
        self.path.as_ref().map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string())
    }

    /// Reads and decodes the article. Binary files (with NUL bytes) are refused; invalid
    /// UTF-8 is replaced with U+FFFD and reported as a warning.
    pub fn read(&self) -> Result<Text> {
        if let Some(problem) = &self.problem {
            return Err(anyhow!("{problem}"));
        }
        let bytes = match &self.path {
            Some(path) => std::fs::read(path).map_err(|e| anyhow!("cannot read: {e}"))?,
            None => {
                let mut bytes = Vec::new();
                std::io::stdin().lock().read_to_end(&mut bytes).map_err(|e| anyhow!("cannot read: {e}"))?;
                bytes
            }
        };
        decode(bytes)
    }
}

fn decode(bytes: Vec<u8>) -> Result<Text> {
    if bytes.contains(&0) {
        return Err(anyhow!("looks like a binary file (contains NUL bytes); skipped"));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Text { text, warning: None }),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            Ok(Text {
                text,
                warning: Some(format!(
                    "invalid UTF-8 at byte {valid}; undecodable bytes replaced with U+FFFD"
                )),
            })
        }
    }
}
