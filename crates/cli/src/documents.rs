//! Collecting the articles a batch command reads: files, directories (walked, sorted, only
//! text-like files unless `--glob`/`--type` say otherwise) and stdin.
//!
//! Inputs are walked and read lazily: `classify` takes the sources one by one as it goes and
//! reads them in bounded chunks (at most 256 articles or 4 MiB of text at a time, see
//! classify.rs; JSONL records line by line, see records/), so memory grows with neither the
//! number nor the size of the inputs.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Result};
use clap::ValueEnum;
use globset::{Glob, GlobSet, GlobSetBuilder};

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
    /// The whole file, when the walk's look for binary content already read all of it (a
    /// file shorter than [`SNIFF_BYTES`]): the first read takes it instead of reading again.
    bytes: Option<Vec<u8>>,
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

/// Why an article yields no text: it could not be read at all (missing, unreadable, an
/// unwalkable directory entry), or it was read and is not text.
#[derive(Debug)]
pub struct ReadError {
    pub message: String,
    /// True when nothing could be read (as opposed to bytes that were read and refused).
    pub unreadable: bool,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a walk is looking for: articles, or JSONL records (`classify --input-format jsonl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looking {
    Articles,
    Records,
}

/// Extensions a directory walk skips by default: model and data files, pages, images,
/// archives, documents in binary formats. JSON Lines files are skipped only when looking for
/// articles. Named on the command line, such a file is read all the same.
const NOT_ARTICLES: &[&str] = &[
    "json",
    "html",
    "htm",
    "xhtml",
    "xml",
    "svg",
    "css",
    "js",
    "tsv",
    "tab",
    "csv",
    "parquet",
    "arrow",
    "npy",
    "npz",
    "pt",
    "bin",
    "safetensors",
    "onnx",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
    "bmp",
    "tif",
    "tiff",
    "ico",
    "pdf",
    "doc",
    "docx",
    "odt",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "gz",
    "tgz",
    "zip",
    "bz2",
    "xz",
    "zst",
    "7z",
    "tar",
    "rar",
    "mp3",
    "mp4",
    "wav",
    "ogg",
    "exe",
    "dll",
    "so",
    "dylib",
    "o",
    "a",
];
const RECORDS: &[&str] = &["jsonl", "ndjson"];

/// Bytes read from the start of a walked file to tell a binary file (a NUL byte) from text.
const SNIFF_BYTES: usize = 8 << 10;

/// A named set of file-name globs for `--type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileType {
    /// *.txt, *.text
    Txt,
    /// *.md, *.markdown
    Md,
    /// *.html, *.htm
    Html,
    /// *.xml
    Xml,
    /// *.jsonl, *.ndjson
    Jsonl,
    /// *.json
    Json,
    /// *.tsv, *.tab
    Tsv,
    /// *.csv
    Csv,
}

impl FileType {
    fn globs(self) -> &'static [&'static str] {
        match self {
            FileType::Txt => &["*.txt", "*.text"],
            FileType::Md => &["*.md", "*.markdown"],
            FileType::Html => &["*.html", "*.htm"],
            FileType::Xml => &["*.xml"],
            FileType::Jsonl => &["*.jsonl", "*.ndjson"],
            FileType::Json => &["*.json"],
            FileType::Tsv => &["*.tsv", "*.tab"],
            FileType::Csv => &["*.csv"],
        }
    }
}

/// Which files of a walked directory are read, and which were skipped by default (for the
/// summary warning). Files named on the command line are always read.
///
/// Without `--glob`/`--type`, a walk reads every file except those with a [`NOT_ARTICLES`]
/// extension. A `--type` or a `--glob GLOB` replaces that choice: only matching files are
/// read. A `--glob '!GLOB'` excludes matching files either way, and wins over the others.
/// Globs are matched against the path below the walked directory (`*` also crosses `/`, so
/// `*.md` matches at any depth). Binary files (a NUL byte in their first 8 KiB) are always
/// skipped.
pub struct Walk {
    include: Option<GlobSet>,
    exclude: GlobSet,
    looking: Looking,
    skipped: Mutex<Skipped>,
}

/// What a walk skipped on its own (not what `--glob`/`--type` left out).
#[derive(Default)]
struct Skipped {
    binary: Vec<String>,
    by_extension: BTreeMap<String, usize>,
}

/// Skipped files named in the summary warning.
const NAMED_SKIPS: usize = 3;

impl Walk {
    /// The walk of `--glob` (repeatable, `!GLOB` excludes) and `--type` (repeatable).
    pub fn with_selection(looking: Looking, globs: &[String], types: &[FileType]) -> Result<Self> {
        let (mut include, mut exclude) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        let mut includes = 0;
        let glob = |text: &str| Glob::new(text).map_err(|e| anyhow!("--glob {text:?}: {e}"));
        for text in globs {
            match text.strip_prefix('!') {
                Some(excluded) => {
                    exclude.add(glob(excluded)?);
                }
                None => {
                    include.add(glob(text)?);
                    includes += 1;
                }
            }
        }
        for pattern in types.iter().flat_map(|t| t.globs()) {
            include.add(glob(pattern)?);
            includes += 1;
        }
        let build = |builder: GlobSetBuilder| builder.build().map_err(|e| anyhow!("--glob: {e}"));
        Ok(Walk {
            include: if includes > 0 { Some(build(include)?) } else { None },
            exclude: build(exclude)?,
            looking,
            skipped: Mutex::default(),
        })
    }

    /// Whether the walk reads `path` (found as `relative` below the walked directory):
    /// `None` if not, else the file's bytes when looking for binary content read all of them;
    /// records what it skips by default.
    fn reads(&self, path: &Path, relative: &Path) -> Option<Option<Vec<u8>>> {
        if self.exclude.is_match(relative) {
            return None;
        }
        match &self.include {
            Some(include) if !include.is_match(relative) => return None,
            Some(_) => {}
            None => {
                let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
                let skipped = NOT_ARTICLES.contains(&extension.as_str())
                    || (self.looking == Looking::Articles && RECORDS.contains(&extension.as_str()));
                if skipped {
                    let mut summary = self.skipped.lock().unwrap_or_else(|e| e.into_inner());
                    *summary.by_extension.entry(format!(".{extension}")).or_default() += 1;
                    return None;
                }
            }
        }
        let head = sniff(path);
        if head.as_ref().is_some_and(|head| head.bytes.contains(&0)) {
            let mut summary = self.skipped.lock().unwrap_or_else(|e| e.into_inner());
            summary.binary.push(relative.display().to_string());
            return None;
        }
        Some(head.filter(|head| head.whole).map(|head| head.bytes))
    }

    /// The summary of what the walk skipped on its own, if anything: one line for stderr.
    pub fn skipped_summary(&self) -> Option<String> {
        let summary = self.skipped.lock().unwrap_or_else(|e| e.into_inner());
        let by_extension: usize = summary.by_extension.values().sum();
        let total = summary.binary.len() + by_extension;
        if total == 0 {
            return None;
        }
        let mut parts = Vec::new();
        if !summary.binary.is_empty() {
            let mut named = summary.binary.iter().take(NAMED_SKIPS).cloned().collect::<Vec<_>>().join(", ");
            if summary.binary.len() > NAMED_SKIPS {
                named.push_str(", ...");
            }
            parts.push(format!("{} binary ({named})", summary.binary.len()));
        }
        if by_extension > 0 {
            let counts: Vec<String> =
                summary.by_extension.iter().map(|(ext, n)| format!("{n} {ext}")).collect();
            parts.push(format!("{by_extension} not text by extension ({})", counts.join(", ")));
        }
        let files = if total == 1 { "file" } else { "files" };
        Some(format!(
            "skipped {total} {files} in directories: {}; name a file, or choose with --glob/--type, to read it",
            parts.join("; ")
        ))
    }

    /// Prints [`Walk::skipped_summary`] as a warning.
    pub fn warn_skipped(&self) {
        if let Some(summary) = self.skipped_summary() {
            eprintln!("stance: warning: {summary}");
        }
    }
}

/// The first bytes of a file, read to tell a binary file (a NUL byte there) from text.
struct Head {
    /// At most [`SNIFF_BYTES`] bytes.
    bytes: Vec<u8>,
    /// They are the whole file (it ended before [`SNIFF_BYTES`]).
    whole: bool,
}

/// The first [`SNIFF_BYTES`] of the file; `None` if it cannot be opened or read (it is not
/// binary then: reading it reports why).
fn sniff(path: &Path) -> Option<Head> {
    let mut file = std::fs::File::open(path).ok()?;
    // Read on the stack, then copied to a vector of the bytes' size: kept as a file's text,
    // the head takes no more memory than the text needs.
    let mut head = [0u8; SNIFF_BYTES];
    let mut len = 0;
    while len < SNIFF_BYTES {
        match file.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(read) => len += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(Head { whole: len < SNIFF_BYTES, bytes: head[..len].to_vec() })
}

/// Expands the command-line inputs into sources, in a stable order: arguments in the order
/// given, files of a directory sorted by path. Unwalkable entries become sources with a
/// problem so the rest of the batch still runs. (The list holds no file's bytes: each is read
/// when it is taken.)
pub fn collect(inputs: &[PathBuf], walk: &Arc<Walk>) -> Vec<Source> {
    sources(inputs.to_vec(), Arc::clone(walk)).map(|source| Source { bytes: None, ..source }).collect()
}

/// [`collect`], lazily: directories are walked as the sources are taken (each directory's
/// entries sorted by name), so a huge tree is never held as a list of paths.
pub fn sources(inputs: Vec<PathBuf>, walk: Arc<Walk>) -> impl Iterator<Item = Source> + Send {
    inputs.into_iter().flat_map(move |input| -> Box<dyn Iterator<Item = Source> + Send> {
        if input.as_os_str() == "-" {
            Box::new(std::iter::once(Source { name: "-".into(), path: None, problem: None, bytes: None }))
        } else if input.is_dir() {
            let entries = walkdir::WalkDir::new(&input).follow_links(true).sort_by_file_name().into_iter();
            let walk = Arc::clone(&walk);
            Box::new(entries.filter_map(move |entry| match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let path = entry.into_path();
                    let relative = path.strip_prefix(&input).unwrap_or(&path);
                    let bytes = walk.reads(&path, relative)?;
                    let name = relative.display().to_string();
                    Some(Source { name, path: Some(path), problem: None, bytes })
                }
                Ok(_) => None,
                Err(error) => {
                    let path = error.path().map_or_else(|| input.clone(), Path::to_path_buf);
                    let problem = walk_problem(&error, &path);
                    Some(Source {
                        name: path.display().to_string(),
                        path: Some(path),
                        problem: Some(problem),
                        bytes: None,
                    })
                }
            }))
        } else {
            let name =
                input.file_name().map_or_else(|| input.display().to_string(), |n| n.to_string_lossy().into());
            Box::new(std::iter::once(Source { name, path: Some(input), problem: None, bytes: None }))
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
    pub fn read(&mut self) -> Result<Text, ReadError> {
        self.read_with(InvalidUtf8::Replace)
    }

    /// [`Source::read`], with invalid UTF-8 replaced (and warned about) or refused as `invalid_utf8`
    /// says. The first read of a short walked file takes the bytes the walk read.
    pub fn read_with(&mut self, invalid_utf8: InvalidUtf8) -> Result<Text, ReadError> {
        let unreadable = |message: String| ReadError { message, unreadable: true };
        if let Some(problem) = &self.problem {
            return Err(unreadable(problem.clone()));
        }
        let bytes = match (self.bytes.take(), &self.path) {
            (Some(bytes), _) => bytes,
            (None, Some(path)) => std::fs::read(path).map_err(|e| unreadable(format!("cannot read: {e}")))?,
            (None, None) => {
                let mut bytes = Vec::new();
                (std::io::stdin().lock().read_to_end(&mut bytes))
                    .map_err(|e| unreadable(format!("cannot read: {e}")))?;
                bytes
            }
        };
        decode(bytes, invalid_utf8).map_err(|e| ReadError { message: e.to_string(), unreadable: false })
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
    fn walks_read_text_like_files_and_summarise_what_they_skip() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let text = file("a.txt", b"Troops go.");
        let model = file("m.json", b"{}");
        let records = file("r.jsonl", b"{}");
        let binary = file("b.txt", b"PK\0\0");
        let reads =
            |walk: &Walk, path: &Path| walk.reads(path, path.strip_prefix(dir.path()).unwrap()).is_some();

        let articles = Walk::with_selection(Looking::Articles, &[], &[]).unwrap();
        let read: Vec<bool> =
            [&text, &model, &records, &binary].iter().map(|p| reads(&articles, p)).collect();
        assert_eq!(read, [true, false, false, false]);
        assert_eq!(
            articles.skipped_summary().unwrap(),
            "skipped 3 files in directories: 1 binary (b.txt); 2 not text by extension (1 .json, 1 .jsonl); \
             name a file, or choose with --glob/--type, to read it"
        );
        let records_walk = Walk::with_selection(Looking::Records, &[], &[]).unwrap();
        assert!(reads(&records_walk, &records));
        assert!(records_walk.skipped_summary().is_none());

        let chosen =
            Walk::with_selection(Looking::Articles, &["*.json".into(), "!m*".into()], &[FileType::Txt])
                .unwrap();
        let read: Vec<bool> = [&text, &model, &records].iter().map(|p| reads(&chosen, p)).collect();
        assert_eq!(read, [true, false, false], "a negative glob wins");
        assert!(chosen.skipped_summary().is_none(), "what the user left out is not warned about");
        assert!(Walk::with_selection(Looking::Articles, &["a[".into()], &[]).is_err());
    }

    #[test]
    fn a_short_walked_file_is_read_once_and_a_long_one_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "Troops go.").unwrap();
        let long = "word ".repeat(SNIFF_BYTES / 5 + 1);
        std::fs::write(dir.path().join("b.txt"), &long).unwrap();
        let walk = Arc::new(Walk::with_selection(Looking::Articles, &[], &[]).unwrap());
        let mut walked: Vec<Source> = sources(vec![dir.path().to_path_buf()], Arc::clone(&walk)).collect();
        assert_eq!(walked[0].bytes.as_deref(), Some(&b"Troops go."[..]));
        assert!(walked[1].bytes.is_none(), "the sniff read only the start of the long file");
        // The first read takes the walk's bytes (the file on disk is no longer asked), a second
        // reads the file.
        std::fs::write(dir.path().join("a.txt"), "Changed.").unwrap();
        assert_eq!(walked[0].read().unwrap().text, "Troops go.");
        assert_eq!(walked[0].read().unwrap().text, "Changed.");
        assert_eq!(walked[1].read().unwrap().text, long);
        assert!(collect(&[dir.path().to_path_buf()], &walk).iter().all(|s| s.bytes.is_none()));
    }

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
