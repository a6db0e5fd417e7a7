//! Collecting the articles a batch command reads: files, directories (walked, sorted) and stdin.
//!
//! Inputs are walked and read lazily: `classify` takes the sources one by one as it goes and
//! reads them in bounded chunks (at most 64 articles or 4 MiB of text at a time, see
//! classify.rs; JSONL records line by line, see records/), so memory grows with neither the
//! number nor the size of the inputs.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use clap::ValueEnum;

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

/// What to do with an article that is not valid UTF-8 (`--invalid-utf8`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum InvalidUtf8 {
    /// Decode it anyway, replacing undecodable bytes with U+FFFD, and warn (naming the file and
    /// the first bad byte).
    #[default]
    Replace,
    /// Report the article as failed (naming the file and the first bad byte) and go on.
    Skip,
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
    sources(inputs.to_vec()).collect()
}

/// [`collect`], lazily: directories are walked as the sources are taken (each directory's
/// entries sorted by name), so a huge tree is never held as a list of paths.
pub fn sources(inputs: Vec<PathBuf>) -> impl Iterator<Item = Source> + Send {
    inputs.into_iter().flat_map(|input| -> Box<dyn Iterator<Item = Source> + Send> {
        if input.as_os_str() == "-" {
            Box::new(std::iter::once(Source { name: "-".into(), path: None, problem: None }))
        } else if input.is_dir() {
            let walk = walkdir::WalkDir::new(&input).follow_links(true).sort_by_file_name().into_iter();
            Box::new(walk.filter_map(move |entry| match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let path = entry.into_path();
                    let name = path.strip_prefix(&input).unwrap_or(&path).display().to_string();
                    Some(Source { name, path: Some(path), problem: None })
                }
                Ok(_) => None,
                Err(error) => {
                    let path = error.path().map_or_else(|| input.clone(), Path::to_path_buf);
                    let problem = walk_problem(&error, &path);
                    Some(Source {
                        name: path.display().to_string(),
                        path: Some(path),
                        problem: Some(problem),
                    })
                }
            }))
        } else {
            let name =
                input.file_name().map_or_else(|| input.display().to_string(), |n| n.to_string_lossy().into());
            Box::new(std::iter::once(Source { name, path: Some(input), problem: None }))
        }
    })
}

/// Why a directory entry could not be visited, without walkdir's repetition of the path.
fn walk_problem(error: &walkdir::Error, path: &Path) -> String {
    if let Some(ancestor) = error.loop_ancestor() {
        return format!("symbolic link loop (points to its ancestor {}); skipped", ancestor.display());
    }
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match error.io_error() {
        Some(io) if is_link => format!("cannot follow symbolic link: {io}"),
        Some(io) => format!("cannot walk directory: {io}"),
        None => format!("cannot walk directory: {error}"),
    }
}

impl Source {
    /// Where the article comes from, for messages.
    pub fn display(&self) -> String {
        self.path.as_ref().map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string())
    }

    /// Opens the input for streaming reads (a file, or stdin), failing with the reason the
    /// source cannot be read.
    pub fn open(&self) -> Result<Box<dyn std::io::Read + Send>> {
        if let Some(problem) = &self.problem {
            return Err(anyhow!("{problem}"));
        }
        match &self.path {
            Some(path) => Ok(Box::new(std::fs::File::open(path).map_err(|e| anyhow!("cannot read: {e}"))?)),
            None => Ok(Box::new(std::io::stdin())),
        }
    }

    /// Reads and decodes the article. Binary files (with NUL bytes) are refused; invalid
    /// UTF-8 is replaced with U+FFFD and reported as a warning.
    pub fn read(&self) -> Result<Text> {
        self.read_with(InvalidUtf8::Replace)
    }

    /// [`Source::read`], with invalid UTF-8 replaced (and warned about) or refused as `invalid_utf8`
    /// says.
    pub fn read_with(&self, invalid_utf8: InvalidUtf8) -> Result<Text> {
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
        decode(bytes, invalid_utf8)
    }
}

fn decode(bytes: Vec<u8>, invalid_utf8: InvalidUtf8) -> Result<Text> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Err(anyhow!(
            "looks like a binary file (NUL byte at byte {nul}, line {}); skipped",
            line_of(&bytes, nul)
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Text { text, warning: None }),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let line = line_of(error.as_bytes(), valid);
            if invalid_utf8 == InvalidUtf8::Skip {
                return Err(anyhow!(
                    "invalid UTF-8 at byte {valid} (line {line}); skipped (--invalid-utf8 skip)"
                ));
            }
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            Ok(Text {
                text,
                warning: Some(format!(
                    "invalid UTF-8 at byte {valid} (line {line}); undecodable bytes replaced with U+FFFD"
                )),
            })
        }
    }
}

/// The 1-based line holding byte `offset`.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_invalid_utf8_are_located() {
        let error = decode(b"one\ntwo \0".to_vec(), InvalidUtf8::Replace).err().unwrap();
        assert_eq!(error.to_string(), "looks like a binary file (NUL byte at byte 8, line 2); skipped");

        let latin1 = b"ok\nd\xe9j\xe0 vu\n".to_vec();
        let text = decode(latin1.clone(), InvalidUtf8::Replace).unwrap();
        assert_eq!(text.text, "ok\nd\u{FFFD}j\u{FFFD} vu\n");
        assert_eq!(
            text.warning.as_deref(),
            Some("invalid UTF-8 at byte 4 (line 2); undecodable bytes replaced with U+FFFD")
        );
        let error = decode(latin1, InvalidUtf8::Skip).err().unwrap();
        assert_eq!(error.to_string(), "invalid UTF-8 at byte 4 (line 2); skipped (--invalid-utf8 skip)");

        let clean = decode("Grüße.".as_bytes().to_vec(), InvalidUtf8::Skip).unwrap();
        assert_eq!((clean.text.as_str(), clean.warning), ("Grüße.", None));
    }
}
