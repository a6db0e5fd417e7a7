//! Reading labeled sentences from TSV, CSV (any one-byte delimiter), JSONL, SemEval-2016 Task 6
//! and fastText (`__label__X text`) files.
//!
//! Every error names the file and, where there is one, the 1-based physical line of the offending
//! record. Nothing here panics, whatever the input bytes. Files are UTF-8 by default; a
//! [`TextEncoding`] can also read Windows-1252 (some SemEval releases are), either always or as
//! a fallback for files that are not valid UTF-8.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rayon::prelude::*;
use stance_model::{sha256_hex, Sha256Stream};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// The UTF-8 byte order mark, skipped at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The header line of a SemEval-2016 Task 6 stance file, exactly (columns separated by tabs).
pub const SEMEVAL_HEADER: &str = "ID\tTarget\tTweet\tStance";

/// The header of the organisers' `*-all-annotations.txt` files: [`SEMEVAL_HEADER`] and two
/// more annotation columns, which are read as plain columns.
pub const SEMEVAL_ALL_ANNOTATIONS_HEADER: &str = "ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment";

/// Input file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Tab-separated values with a header line; no quoting.
    Tsv,
    /// Comma-separated values with a header line and standard `"` quoting.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// SemEval-2016 Task 6: tab-separated `ID, Target, Tweet, Stance` with that header and no
    /// quoting; Tweet is the text, Stance the label and Target the stance target.
    Semeval,
    /// fastText's supervised format: one row per line, `__label__LABEL text` (the label token
    /// first, the rest of the line the text); no header and no other columns.
    Fasttext,
}

/// The label prefix of fastText lines.
pub const FASTTEXT_LABEL: &str = "__label__";

impl InputFormat {
    /// From the file extension: .tsv/.tab/.txt → Tsv, .csv → Csv, .jsonl/.ndjson/.json → Jsonl
    /// (case-insensitive). Otherwise `Err(DataError::UnknownFormat { path })`.
    pub fn from_path(path: &Path) -> Result<Self, DataError> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("tsv" | "tab" | "txt") => Ok(InputFormat::Tsv),
            Some("csv") => Ok(InputFormat::Csv),
            Some("jsonl" | "ndjson" | "json") => Ok(InputFormat::Jsonl),
            _ => Err(DataError::UnknownFormat { path: path.to_path_buf() }),
        }
    }

    /// [`InputFormat::from_path`], except that a `.tsv`/`.tab`/`.txt` file whose first line is
    /// exactly [`SEMEVAL_HEADER`] or [`SEMEVAL_ALL_ANNOTATIONS_HEADER`] (after a UTF-8 byte order
    /// mark, before a `\r`) is [`InputFormat::Semeval`], and one whose first line starts with
    /// [`FASTTEXT_LABEL`] is [`InputFormat::Fasttext`].
    pub fn detect(path: &Path, bytes: &[u8]) -> Result<Self, DataError> {
        let format = Self::from_path(path)?;
        if format == InputFormat::Tsv && has_semeval_header(bytes) {
            return Ok(InputFormat::Semeval);
        }
        if format == InputFormat::Tsv
            && bytes.strip_prefix(BOM).unwrap_or(bytes).starts_with(FASTTEXT_LABEL.as_bytes())
        {
            return Ok(InputFormat::Fasttext);
        }
        Ok(format)
    }

    /// Parses a user's `--input-format` value: "tsv", "csv", "jsonl", "semeval", "fasttext"
    /// (case-insensitive); `None` otherwise.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "tsv" => Some(InputFormat::Tsv),
            "csv" => Some(InputFormat::Csv),
            "jsonl" => Some(InputFormat::Jsonl),
            "semeval" => Some(InputFormat::Semeval),
            "fasttext" => Some(InputFormat::Fasttext),
            _ => None,
        }
    }

    /// The lowercase name accepted by [`InputFormat::parse`]: "tsv", "csv", "jsonl",
    /// "semeval" or "fasttext".
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Tsv => "tsv",
            InputFormat::Csv => "csv",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Semeval => "semeval",
            InputFormat::Fasttext => "fasttext",
        }
    }

    /// How fields are separated, for messages.
    fn separated(self) -> &'static str {
        match self {
            InputFormat::Tsv | InputFormat::Semeval => "tab-separated",
            InputFormat::Csv => "comma-separated",
            InputFormat::Jsonl => "JSON",
            InputFormat::Fasttext => "fastText",
        }
    }
}

/// Whether the first line of `bytes` is exactly [`SEMEVAL_HEADER`] or
/// [`SEMEVAL_ALL_ANNOTATIONS_HEADER`].
fn has_semeval_header(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    first == SEMEVAL_HEADER.as_bytes() || first == SEMEVAL_ALL_ANNOTATIONS_HEADER.as_bytes()
}

/// How the bytes of a labeled file are decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8; anything else is an error naming the first bad line.
    #[default]
    Utf8,
    /// Windows-1252 (a UTF-8 byte order mark still selects UTF-8).
    Windows1252,
    /// UTF-8 when the file is valid UTF-8, otherwise Windows-1252 (every byte decodes), with a
    /// warning naming the first line that is not UTF-8 (see [`LabeledData::warnings`]).
    Auto,
}

impl TextEncoding {
    /// The name accepted by [`str::parse`]: "utf-8", "windows-1252" or "auto".
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Windows1252 => "windows-1252",
            TextEncoding::Auto => "auto",
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TextEncoding {
    type Err = String;

    /// "utf-8"/"utf8", "windows-1252"/"cp1252", "auto" (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "windows-1252" | "cp1252" => Ok(TextEncoding::Windows1252),
            "auto" => Ok(TextEncoding::Auto),
            _ => Err(format!("unknown encoding `{s}`; expected one of: utf-8, windows-1252, auto")),
        }
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for InputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InputFormat::parse(s).ok_or_else(|| {
            format!("unknown input format `{s}`; expected one of: tsv, csv, jsonl, semeval, fasttext")
        })
    }
}

/// Which columns (TSV/CSV header names) or JSON keys hold what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Column or key holding the sentence text.
    pub text: String,
    /// Column or key holding the label.
    pub label: String,
    /// Optional column or key holding a group id (e.g. the source document), for grouped folds.
    pub group: Option<String>,
    /// Optional column or key naming the stance target of the row (a debate topic, a policy).
    pub target: Option<String>,
    /// Optional column or key saying whether the row is about the target at all (`target`,
    /// `related` or `other`; see [`crate::TopicClass`]), for the model's relevance section.
    pub topic: Option<String>,
    /// Optional column or key holding each row's own id (e.g. the `sentence` number of a
    /// sentence table). Unlike the others it may be absent from the file: rows then have no id.
    pub id: Option<String>,
    /// Further columns or keys read as they are, in this order, into [`LabeledRow::extra`]
    /// (e.g. the gold holder columns `stance evaluate` scores holders with). Like the id they
    /// may be absent from the file.
    pub extra: Vec<String>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            text: "text".to_string(),
            label: "label".to_string(),
            group: None,
            target: None,
            topic: None,
            id: None,
            extra: Vec::new(),
        }
    }
}

/// One labeled row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledRow {
    /// The sentence, with surrounding whitespace trimmed.
    pub text: String,
    /// The label, trimmed.
    pub label: String,
    /// The group id, trimmed; `None` when no group column was asked for or the value is empty
    /// (or JSON `null`).
    pub group: Option<String>,
    /// The stance target, trimmed; `None` when no target column was asked for or the value is
    /// empty (or JSON `null`).
    pub target: Option<String>,
    /// The topic value, trimmed; `None` when no topic column was asked for or the value is empty.
    pub topic: Option<String>,
    /// The row's own id (see [`Columns::id`]), trimmed; `None` when there is none or it is empty.
    pub id: Option<String>,
    /// The values of [`Columns::extra`], in its order, trimmed (JSON `null` is empty); `None`
    /// when the file (or the JSONL record) has no such column. fastText lines have none.
    pub extra: Vec<Option<String>>,
    /// 1-based physical line number in the file where the record starts.
    pub line: usize,
}

/// A whole labeled file.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledData {
    /// The file the rows were read from (as given by the caller).
    pub path: PathBuf,
    /// The rows, in file order.
    pub rows: Vec<LabeledRow>,
    /// Lowercase hex SHA-256 of the file's raw bytes.
    pub sha256: String,
    /// With [`TextEncoding::Auto`]: the 1-based line of the first byte that is not UTF-8, when
    /// the file was therefore decoded as Windows-1252.
    pub decoded_as_windows_1252_from: Option<usize>,
}

impl LabeledData {
    /// Distinct labels, sorted (byte order).
    pub fn labels(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self.rows.iter().map(|r| r.label.as_str()).collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// Things worth a warning that do not stop training: rows that repeat an earlier row
    /// (same text and label; one message with their count and the first few lines) and labels
    /// with a single row (cross-validation cannot both train on and test such a label). Each
    /// message starts with `{path}:{line}: `.
    pub fn warnings(&self) -> Vec<String> {
        const LISTED_DUPLICATES: usize = 3;
        let path = self.path.display();
        let mut warnings = Vec::new();
        if let Some(line) = self.decoded_as_windows_1252_from {
            warnings.push(format!(
                "{path}:{line}: not valid UTF-8; read the whole file as Windows-1252 \
                 (name the encoding with --encoding to silence this)"
            ));
        }
        let duplicates = self.duplicates();
        if let Some(&(first, _)) = duplicates.first() {
            let listed: Vec<String> = (duplicates.iter().take(LISTED_DUPLICATES))
                .map(|(line, of)| format!("{line} (of {of})"))
                .collect();
            let more = match duplicates.len().saturating_sub(LISTED_DUPLICATES) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            let (rows, repeat) = if duplicates.len() == 1 { ("row", "repeats") } else { ("rows", "repeat") };
            warnings.push(format!(
                "{path}:{first}: {} {rows} {repeat} the text and label of an earlier row: line {}{more}",
                duplicates.len(),
                listed.join(", ")
            ));
        }
        for (label, count) in self.rows_per_label() {
            if count == 1 {
                let line = self.rows.iter().find(|r| r.label == label).map_or(0, |r| r.line);
                warnings.push(format!("{path}:{line}: label {label:?} has only one row"));
            }
        }
        warnings
    }

    /// Every row that repeats the text and label of an earlier row, in row order, as (its
    /// line, the line of the first row it repeats). Rows are told apart by a 64-bit xxh3 hash
    /// of text and label, computed in parallel (the standard library's SipHash over every text
    /// cost a tenth of a second on one core at 200,000 rows); rows whose hashes are equal are
    /// compared by their text and label, so a collision never makes a duplicate.
    fn duplicates(&self) -> Vec<(usize, usize)> {
        self.duplicates_by(|row| xxh3_64_with_seed(row.text.as_bytes(), xxh3_64(row.label.as_bytes())))
    }

    /// [`LabeledData::duplicates`] with rows hashed by `hash`.
    fn duplicates_by(&self, hash: impl Fn(&LabeledRow) -> u64 + Sync) -> Vec<(usize, usize)> {
        use std::collections::hash_map::{Entry, HashMap};
        let hashes: Vec<u64> = self.rows.par_iter().map(&hash).collect();
        let same = |a: &LabeledRow, b: &LabeledRow| a.text == b.text && a.label == b.label;
        // Hash → the first row with it; rows whose hash an earlier, different row took.
        let mut first_of_hash: HashMap<u64, usize> = HashMap::with_capacity(self.rows.len());
        let mut collided: HashMap<(&str, &str), usize> = HashMap::new();
        let mut duplicates = Vec::new();
        for (i, (row, &hash)) in self.rows.iter().zip(&hashes).enumerate() {
            match first_of_hash.entry(hash) {
                Entry::Vacant(entry) => {
                    entry.insert(i);
                }
                Entry::Occupied(entry) if same(&self.rows[*entry.get()], row) => {
                    duplicates.push((row.line, self.rows[*entry.get()].line));
                }
                Entry::Occupied(_) => match collided.entry((&row.text, &row.label)) {
                    Entry::Vacant(entry) => {
                        entry.insert(row.line);
                    }
                    Entry::Occupied(entry) => duplicates.push((row.line, *entry.get())),
                },
            }
        }
        duplicates
    }

    /// Number of rows per label, sorted by label.
    pub fn rows_per_label(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for row in &self.rows {
            *counts.entry(row.label.clone()).or_insert(0) += 1;
        }
        counts
    }
}

/// Why a labeled file could not be read. Every message starts with `"{path}:{line}: "`, or
/// `"{path}: "` when no line applies.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("{}: cannot read file: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The format could not be told from the file extension.
    #[error(
        "{}: cannot tell the input format from the file extension (expected .tsv, .tab, .txt, .csv, \
         .jsonl, .ndjson or .json); name the input format: tsv, csv, jsonl or semeval",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file has no header and no records.
    #[error("{}: the file is empty (no header and no records)", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file has a header but no data rows.
    #[error("{}: the file has a header but no data rows", path.display())]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// A requested column is not in the header.
    #[error(
        "{}: no column `{column}` in the header; available columns: {}",
        path.display(),
        list_columns(available)
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The header's column names.
        available: Vec<String>,
    },
    /// A JSON object lacks a requested key.
    #[error("{}:{line}: the JSON object has no key `{key}`", path.display())]
    MissingKey {
        /// The file.
        path: PathBuf,
        /// 1-based line of the object.
        line: usize,
        /// The key asked for.
        key: String,
    },
    /// A TSV or CSV row has a different number of fields than the header.
    #[error(
        "{}:{line}: expected {expected} {} fields (header has {expected}), found {found}",
        path.display(),
        format.separated()
    )]
    FieldCount {
        /// The file.
        path: PathBuf,
        /// 1-based line where the row starts.
        line: usize,
        /// The header's number of fields.
        expected: usize,
        /// The row's number of fields.
        found: usize,
        /// The format being read (for the message: tab- or comma-separated).
        format: InputFormat,
    },
    /// The text is empty after trimming whitespace.
    #[error("{}:{line}: the text is empty", path.display())]
    EmptyText {
        /// The file.
        path: PathBuf,
        /// 1-based line of the record.
        line: usize,
    },
    /// The label is empty after trimming whitespace.
    #[error("{}:{line}: the label is empty", path.display())]
    EmptyLabel {
        /// The file.
        path: PathBuf,
        /// 1-based line of the record.
        line: usize,
    },
    /// The file is not valid UTF-8.
    #[error(
        "{}:{line}: invalid UTF-8 (the file must be UTF-8 encoded, or read as Windows-1252 with \
         the windows-1252 or auto encoding)",
        path.display()
    )]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line holding the first invalid byte.
        line: usize,
    },
    /// A JSONL line is not valid JSON, not an object, or holds a value of the wrong type.
    #[error("{}:{line}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the object.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A CSV syntax error, e.g. an unclosed quote.
    #[error("{}:{line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line where the record starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A delimited file's header is a single column holding another separator: the file is
    /// most likely separated by that character instead.
    #[error(
        "{}:1: the header is one column, {header:?}, holding {separator:?}: the file looks separated by {separator:?}, not read as {}",
        path.display(),
        format.separated()
    )]
    OneColumnHeader {
        /// The file.
        path: PathBuf,
        /// The header line.
        header: String,
        /// The separator found in it.
        separator: char,
        /// The format it was read as.
        format: InputFormat,
    },
    /// A fastText line without exactly one label.
    #[error("{}:{line}: {message}", path.display())]
    Fasttext {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A column was asked of a format that has none but the label and the text.
    #[error("{}: a {} file holds only a label and a text per line; it has no column `{column}`", path.display(), format.separated())]
    NoColumns {
        /// The file.
        path: PathBuf,
        /// The format.
        format: InputFormat,
        /// The column asked for.
        column: String,
    },
    /// The file holds a NUL byte.
    #[error("{}:{line}: NUL byte in the file (is it binary or UTF-16?)", path.display())]
    NulByte {
        /// The file.
        path: PathBuf,
        /// 1-based line holding the first NUL byte.
        line: usize,
    },
    /// A format that [`LabeledStream`] cannot read record by record.
    #[error("{}: {format} files cannot be streamed (a record may span lines); use a TSV or JSONL file", path.display())]
    NotStreamable {
        /// The file.
        path: PathBuf,
        /// Its format.
        format: InputFormat,
    },
}

fn list_columns(columns: &[String]) -> String {
    if columns.is_empty() {
        return "(none)".to_string();
    }
    columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
}

/// How a labeled file is read beyond its format and columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// How the bytes are decoded.
    pub encoding: TextEncoding,
    /// The field delimiter of a [`InputFormat::Csv`] file (default `,`).
    pub delimiter: Option<u8>,
}

/// Reads `path` as UTF-8. `format` `None` → [`InputFormat::detect`] (by extension, and a
/// SemEval header in a `.tsv`/`.txt` file).
pub fn read_labeled(
    path: &Path,
    format: Option<InputFormat>,
    columns: &Columns,
) -> Result<LabeledData, DataError> {
    read_labeled_with_encoding(path, format, columns, TextEncoding::Utf8)
}

/// [`read_labeled`] with the file decoded as `encoding` says.
pub fn read_labeled_with_encoding(
    path: &Path,
    format: Option<InputFormat>,
    columns: &Columns,
    encoding: TextEncoding,
) -> Result<LabeledData, DataError> {
    read_labeled_with(path, format, columns, ReadOptions { encoding, delimiter: None })
}

/// [`read_labeled`] with the file decoded and split as `options` say.
pub fn read_labeled_with(
    path: &Path,
    format: Option<InputFormat>,
    columns: &Columns,
    options: ReadOptions,
) -> Result<LabeledData, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    let format = match format {
        Some(f) => f,
        None => InputFormat::detect(path, &bytes)?,
    };
    parse_table(path, &bytes, format, columns, LabelColumn::Required, options)
}

/// Reads a pool of sentences that may not be labeled yet (for example the output of
/// `stance sentences`): like [`read_labeled`], but the label column is optional, and a missing
/// or empty label becomes an empty string.
pub fn read_unlabeled(
    path: &Path,
    format: Option<InputFormat>,
    columns: &Columns,
) -> Result<LabeledData, DataError> {
    let format = match format {
        Some(f) => f,
        None => InputFormat::from_path(path)?,
    };
    let bytes = std::fs::read(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    parse_table(path, &bytes, format, columns, LabelColumn::Optional, ReadOptions::default())
}

/// Same as [`read_labeled`], from bytes already in memory (`path` is used only for messages and
/// [`LabeledData::path`]).
pub fn parse_labeled(
    path: &Path,
    bytes: &[u8],
    format: InputFormat,
    columns: &Columns,
) -> Result<LabeledData, DataError> {
    parse_table(path, bytes, format, columns, LabelColumn::Required, ReadOptions::default())
}

/// [`parse_labeled`] with the bytes decoded as `encoding` says.
pub fn parse_labeled_with_encoding(
    path: &Path,
    bytes: &[u8],
    format: InputFormat,
    columns: &Columns,
    encoding: TextEncoding,
) -> Result<LabeledData, DataError> {
    parse_table(
        path,
        bytes,
        format,
        columns,
        LabelColumn::Required,
        ReadOptions { encoding, delimiter: None },
    )
}

/// Whether rows must carry a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabelColumn {
    Required,
    Optional,
}

fn parse_table(
    path: &Path,
    bytes: &[u8],
    format: InputFormat,
    columns: &Columns,
    label_column: LabelColumn,
    options: ReadOptions,
) -> Result<LabeledData, DataError> {
    // The rows and the line from which the file was read as Windows-1252, if it fell back to it.
    let parse = || -> Result<(Vec<LabeledRow>, Option<usize>), DataError> {
        let lines = LineIndex::new(bytes);
        let (text, decoded_as_windows_1252_from) = decode(path, bytes, &lines, options.encoding)?;
        let semeval_columns;
        let ctx = match format {
            InputFormat::Semeval => {
                // The layout fixes the columns; a group column (e.g. `Target`) may still be asked for.
                semeval_columns = Columns {
                    text: "Tweet".into(),
                    label: "Stance".into(),
                    group: columns.group.clone(),
                    target: Some("Target".into()),
                    topic: None,
                    id: None,
                    extra: columns.extra.clone(),
                };
                Ctx { path, columns: &semeval_columns, label_column }
            }
            _ => Ctx { path, columns, label_column },
        };
        let rows = match format {
            InputFormat::Tsv | InputFormat::Semeval => parse_tsv(&ctx, &text)?,
            InputFormat::Csv => {
                parse_csv(&ctx, &text, &LineIndex::new(text.as_bytes()), options.delimiter.unwrap_or(b','))?
            }
            InputFormat::Jsonl => parse_jsonl(&ctx, &text)?,
            InputFormat::Fasttext => parse_fasttext(&ctx, &text)?,
        };
        Ok((rows, decoded_as_windows_1252_from))
    };
    // The digest runs beside the parse, which does not need it.
    let (sha256, parsed) = rayon::join(|| sha256_hex(bytes), parse);
    let (rows, decoded_as_windows_1252_from) = parsed?;
    Ok(LabeledData { path: path.to_path_buf(), rows, sha256, decoded_as_windows_1252_from })
}

/// The file's text without a byte order mark, and (for [`TextEncoding::Auto`]) the line of the
/// first non-UTF-8 byte when the file fell back to Windows-1252. Decoding Windows-1252 maps
/// every byte to one character and keeps `\n` bytes, so line numbers do not change.
fn decode<'a>(
    path: &Path,
    bytes: &'a [u8],
    lines: &LineIndex,
    encoding: TextEncoding,
) -> Result<(std::borrow::Cow<'a, str>, Option<usize>), DataError> {
    let utf8_error = std::str::from_utf8(bytes).err().map(|e| e.valid_up_to());
    let (windows_1252, fallback_line) = match (encoding, utf8_error) {
        (TextEncoding::Utf8, _) | (TextEncoding::Auto, None) => (false, None),
        (TextEncoding::Windows1252, _) => (true, None),
        (TextEncoding::Auto, Some(offset)) => (true, Some(lines.line_of(offset))),
    };
    if !windows_1252 {
        check_bytes(path, bytes, lines)?;
        // `check_bytes` verified the whole input is UTF-8; the BOM is whole characters, so this
        // cannot fail, but stay panic-free regardless.
        let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
        let offset = bytes.len() - body.len();
        let text = std::str::from_utf8(body).map_err(|e| DataError::InvalidUtf8 {
            path: path.to_path_buf(),
            line: lines.line_of(offset + e.valid_up_to()),
        })?;
        return Ok((std::borrow::Cow::Borrowed(text), None));
    }
    if let Some(n) = bytes.iter().position(|&b| b == 0) {
        return Err(DataError::NulByte { path: path.to_path_buf(), line: lines.line_of(n) });
    }
    // `decode` honours a UTF-8 byte order mark (and strips any BOM it finds).
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    Ok((text, fallback_line))
}

/// Maps byte offsets to 1-based line numbers.
struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    fn new(bytes: &[u8]) -> Self {
        LineIndex {
            newlines: bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i).collect(),
        }
    }

    /// The 1-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&n| n < offset) + 1
    }
}

/// Rejects NUL bytes and invalid UTF-8, whichever comes first.
fn check_bytes(path: &Path, bytes: &[u8], lines: &LineIndex) -> Result<(), DataError> {
    let nul = bytes.iter().position(|&b| b == 0);
    let bad_utf8 = std::str::from_utf8(bytes).err().map(|e| e.valid_up_to());
    match (nul, bad_utf8) {
        (Some(n), Some(u)) if u < n => {
            Err(DataError::InvalidUtf8 { path: path.to_path_buf(), line: lines.line_of(u) })
        }
        (Some(n), _) => Err(DataError::NulByte { path: path.to_path_buf(), line: lines.line_of(n) }),
        (None, Some(u)) => Err(DataError::InvalidUtf8 { path: path.to_path_buf(), line: lines.line_of(u) }),
        (None, None) => Ok(()),
    }
}

/// Positions of the columns a reader needs in a header.
#[derive(Debug, Clone)]
struct ColumnIndices {
    text: usize,
    label: Option<usize>,
    group: Option<usize>,
    target: Option<usize>,
    topic: Option<usize>,
    id: Option<usize>,
    /// Of [`Columns::extra`], in its order (`None`: not in the header).
    extra: Vec<Option<usize>>,
}

struct Ctx<'a> {
    path: &'a Path,
    columns: &'a Columns,
    label_column: LabelColumn,
}

impl Ctx<'_> {
    fn path(&self) -> PathBuf {
        self.path.to_path_buf()
    }

    /// Indices of the text, label and (optional) group and target columns in `header`.
    fn column_indices(&self, header: &[String]) -> Result<ColumnIndices, DataError> {
        let find = |name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| DataError::MissingColumn {
                path: self.path(),
                column: name.to_string(),
                available: header.to_vec(),
            })
        };
        let text = find(&self.columns.text)?;
        let label = match self.label_column {
            LabelColumn::Required => Some(find(&self.columns.label)?),
            LabelColumn::Optional => header.iter().position(|h| *h == self.columns.label),
        };
        let group = self.columns.group.as_deref().map(find).transpose()?;
        let target = self.columns.target.as_deref().map(find).transpose()?;
        let topic = self.columns.topic.as_deref().map(find).transpose()?;
        let position = |name: &String| header.iter().position(|h| h == name);
        let id = self.columns.id.as_ref().and_then(position);
        let extra = self.columns.extra.iter().map(position).collect();
        Ok(ColumnIndices { text, label, group, target, topic, id, extra })
    }

    /// Builds a row from raw values, trimming and checking for emptiness.
    fn row(
        &self,
        line: usize,
        text: &str,
        label: &str,
        group: Option<&str>,
        target: Option<&str>,
        topic: Option<&str>,
    ) -> Result<LabeledRow, DataError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DataError::EmptyText { path: self.path(), line });
        }
        let label = label.trim();
        if label.is_empty() && self.label_column == LabelColumn::Required {
            return Err(DataError::EmptyLabel { path: self.path(), line });
        }
        let key = |value: Option<&str>| value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        Ok(LabeledRow {
            text: text.to_string(),
            label: label.to_string(),
            group: key(group),
            target: key(target),
            topic: key(topic),
            id: None,
            extra: vec![None; self.columns.extra.len()],
            line,
        })
    }
}

/// The values of [`Columns::extra`] of a row whose fields `get` gives, at `indices`.
fn extra_values<'a>(indices: &[Option<usize>], get: impl Fn(usize) -> &'a str) -> Vec<Option<String>> {
    indices.iter().map(|i| i.map(|i| get(i).trim().to_string())).collect()
}

/// A row id as read: trimmed, `None` when empty.
fn row_id(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

impl Ctx<'_> {
    /// Refuses a header that is one column holding another likely separator, when that
    /// column is not the text column asked for: the file is then separated by that character.
    fn check_one_column_header(&self, header: &[String], format: InputFormat) -> Result<(), DataError> {
        let [only] = header else { return Ok(()) };
        if *only == self.columns.text {
            return Ok(());
        }
        let candidates: &[char] = match format {
            InputFormat::Csv => &[';', '\t', '|'],
            _ => &[',', ';', '|'],
        };
        match candidates.iter().find(|&&c| only.contains(c)) {
            Some(&separator) => {
                Err(DataError::OneColumnHeader { path: self.path(), header: only.clone(), separator, format })
            }
            None => Ok(()),
        }
    }
}

/// fastText's supervised format: `__label__LABEL text` per line. A line with no label is
/// unlabeled (an error unless labels are optional); two labels are an error (multi-label
/// lines are not single-label training data).
fn parse_fasttext(ctx: &Ctx<'_>, text: &str) -> Result<Vec<LabeledRow>, DataError> {
    let columns = [&ctx.columns.group, &ctx.columns.target, &ctx.columns.topic];
    if let Some(column) = columns.into_iter().flatten().next() {
        return Err(DataError::NoColumns {
            path: ctx.path(),
            format: InputFormat::Fasttext,
            column: column.clone(),
        });
    }
    let mut rows = rows_for(text);
    for (line, l) in physical_lines(text).filter(|(_, l)| !l.trim().is_empty()) {
        let l = l.trim_start();
        let (label, rest) = match l.strip_prefix(FASTTEXT_LABEL) {
            Some(labeled) => labeled.split_once(char::is_whitespace).unwrap_or((labeled, "")),
            None => ("", l),
        };
        let fasttext_error = |message: String| DataError::Fasttext { path: ctx.path(), line, message };
        if label.is_empty() && ctx.label_column == LabelColumn::Required {
            return Err(fasttext_error(format!("no label: the line must start with {FASTTEXT_LABEL}LABEL")));
        }
        if let Some(second) = rest.split_whitespace().find(|token| token.starts_with(FASTTEXT_LABEL)) {
            return Err(fasttext_error(format!(
                "a second label `{second}`: only lines with one label can be read (multi-label data is not supported)"
            )));
        }
        rows.push(ctx.row(line, rest, label, None, None, None)?);
    }
    if rows.is_empty() {
        return Err(DataError::Empty { path: ctx.path() });
    }
    Ok(rows)
}

/// An empty row vector with room for one row per line of `text`: a large file's rows are then
/// one allocation of the size needed, not a doubling vector that briefly holds its rows twice.
fn rows_for(text: &str) -> Vec<LabeledRow> {
    Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1)
}

/// Non-blank physical lines with their 1-based numbers and the trailing `\r` stripped.
fn physical_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.is_empty())
}

fn parse_tsv(ctx: &Ctx<'_>, text: &str) -> Result<Vec<LabeledRow>, DataError> {
    let mut lines = physical_lines(text);
    let Some((_, header_line)) = lines.next() else {
        return Err(DataError::Empty { path: ctx.path() });
    };
    let header = tsv_header(header_line);
    ctx.check_one_column_header(&header, InputFormat::Tsv)?;
    let indices = ctx.column_indices(&header)?;
    let mut rows = rows_for(text);
    for (line, l) in lines {
        rows.push(tsv_row(ctx, &indices, header.len(), line, l)?);
    }
    if rows.is_empty() {
        return Err(DataError::NoRows { path: ctx.path() });
    }
    Ok(rows)
}

fn tsv_header(line: &str) -> Vec<String> {
    line.split('\t').map(|h| h.trim().to_string()).collect()
}

/// The row of TSV line `line` (text `l`) of a file whose header has `width` columns.
fn tsv_row(
    ctx: &Ctx<'_>,
    indices: &ColumnIndices,
    width: usize,
    line: usize,
    l: &str,
) -> Result<LabeledRow, DataError> {
    let ColumnIndices { text: ti, label: li, group: gi, target: xi, topic: oi, id: ii, ref extra } = *indices;
    let fields: Vec<&str> = l.split('\t').collect();
    if fields.len() != width {
        return Err(DataError::FieldCount {
            path: ctx.path(),
            line,
            expected: width,
            found: fields.len(),
            format: InputFormat::Tsv,
        });
    }
    let get = |i: usize| fields.get(i).copied().unwrap_or("");
    let mut row = ctx.row(line, get(ti), li.map_or("", get), gi.map(get), xi.map(get), oi.map(get))?;
    row.id = row_id(ii.map(get));
    row.extra = extra_values(extra, get);
    Ok(row)
}

/// 1-based line where the CSV record at byte `pos` starts: the csv crate may report a position
/// just before the previous record's terminator or before skipped blank lines.
fn csv_record_line(text: &str, lines: &LineIndex, pos: Option<&csv::Position>) -> usize {
    let Some(pos) = pos else { return 1 };
    let start = usize::try_from(pos.byte()).unwrap_or(usize::MAX).min(text.len());
    let skip = text.as_bytes()[start..].iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
    lines.line_of(start + skip)
}

/// Finds a quoted field that is never closed. The csv crate silently takes such a field to run to
/// the end of the input; this mirrors its default state machine (quote `"`, doubled quotes, no
/// escape character, `\r`/`\n` terminators) and returns `(record start, opening quote)` lines.
fn find_unclosed_quote(text: &str, lines: &LineIndex, delimiter: u8) -> Option<(usize, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        StartRecord,
        StartField,
        InField,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::StartRecord;
    let mut record_start = 0;
    let mut quote_start = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let term = b == b'\r' || b == b'\n';
        if state == State::StartRecord {
            if term {
                continue;
            }
            record_start = i;
            state = State::StartField;
        }
        state = match state {
            State::StartRecord | State::StartField if b == b'"' => {
                quote_start = i;
                State::Quoted
            }
            State::Quoted => {
                if b == b'"' {
                    State::QuoteInQuoted
                } else {
                    State::Quoted
                }
            }
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            _ if b == delimiter => State::StartField,
            _ if term => State::StartRecord,
            _ => State::InField,
        };
    }
    (state == State::Quoted).then(|| (lines.line_of(record_start), lines.line_of(quote_start)))
}

fn parse_csv(
    ctx: &Ctx<'_>,
    text: &str,
    lines: &LineIndex,
    delimiter: u8,
) -> Result<Vec<LabeledRow>, DataError> {
    if let Some((line, quote_line)) = find_unclosed_quote(text, lines, delimiter) {
        let message = if quote_line == line {
            "unclosed quote: the quoted field opened on this line is never closed".to_string()
        } else {
            format!("unclosed quote: the quoted field opened on line {quote_line} is never closed")
        };
        return Err(DataError::Csv { path: ctx.path(), line, message });
    }
    let mut reader = (csv::ReaderBuilder::new().has_headers(true).flexible(true).delimiter(delimiter))
        .from_reader(text.as_bytes());
    let map_err = |e: csv::Error, fallback: usize| -> DataError {
        let line = e.position().map(|p| csv_record_line(text, lines, Some(p))).unwrap_or(fallback);
        match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => DataError::FieldCount {
                path: ctx.path(),
                line,
                expected: usize::try_from(*expected_len).unwrap_or(usize::MAX),
                found: usize::try_from(*len).unwrap_or(usize::MAX),
                format: InputFormat::Csv,
            },
            csv::ErrorKind::Utf8 { .. } => DataError::InvalidUtf8 { path: ctx.path(), line },
            _ => DataError::Csv { path: ctx.path(), line, message: e.to_string() },
        }
    };
    let header: Vec<String> =
        reader.headers().map_err(|e| map_err(e, 1))?.iter().map(|h| h.trim().to_string()).collect();
    if header.is_empty() {
        return Err(DataError::Empty { path: ctx.path() });
    }
    ctx.check_one_column_header(&header, InputFormat::Csv)?;
    let ColumnIndices { text: ti, label: li, group: gi, target: xi, topic: oi, id: ii, extra } =
        ctx.column_indices(&header)?;
    let mut rows = rows_for(text);
    let mut record = csv::StringRecord::new();
    let mut last_line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(map_err(e, last_line)),
        }
        let line = csv_record_line(text, lines, record.position());
        last_line = line;
        if record.len() != header.len() {
            return Err(DataError::FieldCount {
                path: ctx.path(),
                line,
                expected: header.len(),
                found: record.len(),
                format: InputFormat::Csv,
            });
        }
        let get = |i: usize| record.get(i).unwrap_or("");
        let mut row = ctx.row(line, get(ti), li.map_or("", get), gi.map(get), xi.map(get), oi.map(get))?;
        row.id = row_id(ii.map(get));
        row.extra = extra_values(&extra, get);
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(DataError::NoRows { path: ctx.path() });
    }
    Ok(rows)
}

/// serde_json's message without its trailing " at line L column C" (the line is always 1 here).
fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match full.strip_suffix(&suffix) {
        Some(msg) => format!("invalid JSON at column {}: {msg}", e.column()),
        None => format!("invalid JSON: {full}"),
    }
}

/// What a JSON value is, for messages: "null", "a number", "an object", ….
pub fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn parse_jsonl(ctx: &Ctx<'_>, text: &str) -> Result<Vec<LabeledRow>, DataError> {
    let mut rows = rows_for(text);
    for (line, l) in physical_lines(text).filter(|(_, l)| !l.trim().is_empty()) {
        rows.push(jsonl_row(ctx, line, l)?);
    }
    if rows.is_empty() {
        return Err(DataError::Empty { path: ctx.path() });
    }
    Ok(rows)
}

/// The row of JSONL line `line` (text `l`, not blank).
fn jsonl_row(ctx: &Ctx<'_>, line: usize, l: &str) -> Result<LabeledRow, DataError> {
    use serde_json::Value;

    let json_err = |line: usize, message: String| DataError::Json { path: ctx.path(), line, message };
    let value: Value = serde_json::from_str(l).map_err(|e| json_err(line, json_message(&e)))?;
    let Value::Object(obj) = value else {
        let mut message = format!("expected a JSON object, found {}", json_kind(&value));
        if value.is_array() {
            message.push_str(" (JSONL needs one object per line, not a JSON array)");
        }
        return Err(json_err(line, message));
    };
    let get = |key: &str| {
        obj.get(key).ok_or_else(|| DataError::MissingKey { path: ctx.path(), line, key: key.to_string() })
    };
    let text = match get(&ctx.columns.text)? {
        Value::String(s) => s.clone(),
        other => {
            return Err(json_err(
                line,
                format!("key `{}` must be a string, found {}", ctx.columns.text, json_kind(other)),
            ))
        }
    };
    let label = match obj.get(&ctx.columns.label) {
        None | Some(Value::Null) if ctx.label_column == LabelColumn::Optional => String::new(),
        _ => match get(&ctx.columns.label)? {
            Value::String(s) => s.clone(),
            v @ (Value::Number(_) | Value::Bool(_)) => v.to_string(),
            other => {
                return Err(json_err(
                    line,
                    format!(
                        "key `{}` must be a string, number or boolean, found {}",
                        ctx.columns.label,
                        json_kind(other)
                    ),
                ))
            }
        },
    };
    let optional_key = |key: &Option<String>| -> Result<Option<String>, DataError> {
        let Some(key) = key else { return Ok(None) };
        match get(key)? {
            Value::String(s) => Ok(Some(s.clone())),
            v @ Value::Number(_) => Ok(Some(v.to_string())),
            Value::Null => Ok(None),
            other => Err(json_err(
                line,
                format!("key `{key}` must be a string or number, found {}", json_kind(other)),
            )),
        }
    };
    let group = optional_key(&ctx.columns.group)?;
    let target = optional_key(&ctx.columns.target)?;
    let topic = optional_key(&ctx.columns.topic)?;
    let mut row = ctx.row(line, &text, &label, group.as_deref(), target.as_deref(), topic.as_deref())?;
    // The id may be absent, like a missing column.
    row.id = match ctx.columns.id.as_ref().and_then(|key| obj.get(key)) {
        Some(Value::String(s)) => row_id(Some(s)),
        Some(v @ Value::Number(_)) => Some(v.to_string()),
        _ => None,
    };
    row.extra = (ctx.columns.extra.iter())
        .map(|key| match obj.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(String::new())),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(v @ Value::Number(_)) => Ok(Some(v.to_string())),
            Some(other) => Err(json_err(
                line,
                format!("key `{key}` must be a string or number, found {}", json_kind(other)),
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok(row)
}

/// A labeled TSV or JSONL file read record by record, for training on files larger than
/// memory: only the current line is held. Rows are checked as [`read_labeled`] checks them
/// (the same errors, naming the file and line); the SHA-256 of the bytes is computed on the way.
pub struct LabeledStream {
    path: PathBuf,
    format: InputFormat,
    columns: Columns,
    reader: std::io::BufReader<std::fs::File>,
    /// TSV: the header's column positions and width.
    header: Option<(ColumnIndices, usize)>,
    line: usize,
    bytes_read: u64,
    rows: usize,
    digest: Sha256Stream,
    buffer: Vec<u8>,
}

impl LabeledStream {
    /// Opens `path` (format from `format`, else from its extension) and reads a TSV header.
    /// CSV and SemEval files are refused ([`DataError::NotStreamable`]).
    pub fn open(path: &Path, format: Option<InputFormat>, columns: &Columns) -> Result<Self, DataError> {
        let format = match format {
            Some(format) => format,
            None => InputFormat::from_path(path)?,
        };
        if !matches!(format, InputFormat::Tsv | InputFormat::Jsonl) {
            return Err(DataError::NotStreamable { path: path.to_path_buf(), format });
        }
        let file =
            std::fs::File::open(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
        let mut stream = Self {
            path: path.to_path_buf(),
            format,
            columns: columns.clone(),
            reader: std::io::BufReader::with_capacity(1 << 20, file),
            header: None,
            line: 0,
            bytes_read: 0,
            rows: 0,
            digest: Sha256Stream::default(),
            buffer: Vec::new(),
        };
        if format == InputFormat::Tsv {
            let Some(header) = stream.next_line()?.map(|line| tsv_header(&line)) else {
                return Err(DataError::Empty { path: stream.path });
            };
            stream.ctx().check_one_column_header(&header, InputFormat::Tsv)?;
            let indices = stream.ctx().column_indices(&header)?;
            stream.header = Some((indices, header.len()));
        }
        Ok(stream)
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx { path: &self.path, columns: &self.columns, label_column: LabelColumn::Required }
    }

    /// The next non-blank line, checked and without its line end, as an owned string (the
    /// buffer is reused for the next line).
    fn next_line(&mut self) -> Result<Option<String>, DataError> {
        use std::io::BufRead;
        loop {
            self.buffer.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buffer)
                .map_err(|source| DataError::Io { path: self.path.clone(), source })?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            self.bytes_read += n as u64;
            self.digest.update(&self.buffer);
            let mut bytes = self.buffer.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
            }
            let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            let nul = bytes.iter().position(|&b| b == 0);
            let text = std::str::from_utf8(bytes);
            match (nul, &text) {
                (Some(n), Err(e)) if e.valid_up_to() < n => {}
                (Some(_), _) => return Err(DataError::NulByte { path: self.path.clone(), line: self.line }),
                _ => {}
            }
            let text =
                text.map_err(|_| DataError::InvalidUtf8 { path: self.path.clone(), line: self.line })?;
            let blank = match self.format {
                InputFormat::Jsonl => text.trim().is_empty(),
                _ => text.is_empty(),
            };
            if !blank {
                return Ok(Some(text.to_owned()));
            }
        }
    }

    /// The next row, `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<LabeledRow>, DataError> {
        let Some(text) = self.next_line()? else { return Ok(None) };
        let row = match &self.header {
            Some((indices, width)) => tsv_row(&self.ctx(), indices, *width, self.line, &text)?,
            None => jsonl_row(&self.ctx(), self.line, &text)?,
        };
        self.rows += 1;
        Ok(Some(row))
    }

    /// Lines read so far.
    pub fn lines(&self) -> usize {
        self.line
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// At the end of the file: the SHA-256 of its bytes, or an error when it held no row.
    pub fn finish(self) -> Result<String, DataError> {
        match (self.rows, self.format) {
            (0, InputFormat::Tsv) => Err(DataError::NoRows { path: self.path }),
            (0, _) => Err(DataError::Empty { path: self.path }),
            _ => Ok(self.digest.hex()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("data/x.tsv")
    }

    fn tsv(bytes: &[u8]) -> Result<LabeledData, DataError> {
        parse_labeled(p(), bytes, InputFormat::Tsv, &Columns::default())
    }

    fn csv_parse(bytes: &[u8]) -> Result<LabeledData, DataError> {
        parse_labeled(Path::new("d.csv"), bytes, InputFormat::Csv, &Columns::default())
    }

    fn jsonl(bytes: &[u8], columns: &Columns) -> Result<LabeledData, DataError> {
        parse_labeled(Path::new("d.jsonl"), bytes, InputFormat::Jsonl, columns)
    }

    fn row(text: &str, label: &str, group: Option<&str>, line: usize) -> LabeledRow {
        LabeledRow {
            text: text.into(),
            label: label.into(),
            group: group.map(Into::into),
            target: None,
            topic: None,
            id: None,
            extra: Vec::new(),
            line,
        }
    }

    #[test]
    fn warnings_name_duplicates_and_single_row_labels() {
        let mut bytes = b"text\tlabel\na\tX\nb\tX\na\tX\nc\tY\n".to_vec();
        let d = tsv(&bytes).unwrap();
        assert_eq!(
            d.warnings(),
            [
                "data/x.tsv:4: 1 row repeats the text and label of an earlier row: line 4 (of 2)",
                "data/x.tsv:5: label \"Y\" has only one row"
            ]
        );
        // The same text under another label is not a duplicate; many duplicates make one line.
        bytes.extend(b"a\tY\n");
        for _ in 0..7 {
            bytes.extend(b"b\tX\n");
        }
        let w = tsv(&bytes).unwrap().warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(
            w[0],
            "data/x.tsv:4: 8 rows repeat the text and label of an earlier row: line 4 (of 2), 7 (of 3), 8 (of 3) and 5 more"
        );
    }

    #[test]
    fn duplicates_are_found_by_text_and_label_whatever_the_hashes_collide() {
        let rows = [("a", "x"), ("b", "x"), ("a", "y"), ("a", "x"), ("b", "x"), ("c", "x"), ("a", "y")];
        let data = LabeledData {
            path: p().to_path_buf(),
            rows: rows.iter().enumerate().map(|(i, (text, label))| row(text, label, None, i + 2)).collect(),
            sha256: String::new(),
            decoded_as_windows_1252_from: None,
        };
        // (line, line of the first row it repeats); row i is on line i + 2.
        let expected = vec![(5, 2), (6, 3), (8, 4)];
        assert_eq!(data.duplicates(), expected);
        // Every row under one hash, or two: the texts decide, not the hashes.
        assert_eq!(data.duplicates_by(|_| 7), expected);
        assert_eq!(data.duplicates_by(|row| row.text.len() as u64 % 2), expected);
    }

    #[test]
    fn fasttext_lines_are_label_and_text() {
        let path = Path::new("train.txt");
        let bytes = b"__label__oppose Russia rejects the plan.\n\n__label__support  Troops will go.\r\n";
        assert_eq!(InputFormat::detect(path, bytes).unwrap(), InputFormat::Fasttext);
        assert_eq!(InputFormat::parse("fastText"), Some(InputFormat::Fasttext));
        let d = parse_labeled(path, bytes, InputFormat::Fasttext, &Columns::default()).unwrap();
        let rows: Vec<_> = d.rows.iter().map(|r| (r.label.as_str(), r.text.as_str(), r.line)).collect();
        assert_eq!(rows, [("oppose", "Russia rejects the plan.", 1), ("support", "Troops will go.", 3)]);
        let e = parse_labeled(path, b"__label__a x\nno label\n", InputFormat::Fasttext, &Columns::default())
            .unwrap_err();
        assert_eq!(e.to_string(), "train.txt:2: no label: the line must start with __label__LABEL");
        let e = parse_labeled(path, b"__label__a x __label__b\n", InputFormat::Fasttext, &Columns::default())
            .unwrap_err();
        assert!(e.to_string().starts_with("train.txt:1: a second label `__label__b`"), "{e}");
        let grouped = Columns { group: Some("article".into()), ..Columns::default() };
        let e = parse_labeled(path, b"__label__a x\n", InputFormat::Fasttext, &grouped).unwrap_err();
        assert!(e.to_string().contains("no column `article`"), "{e}");
    }

    #[test]
    fn one_column_header_with_another_separator_is_named() {
        let bytes = b"text;label\nRussia objects;oppose\n";
        let e = csv_parse(bytes).unwrap_err();
        assert!(matches!(e, DataError::OneColumnHeader { separator: ';', .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "d.csv:1: the header is one column, \"text;label\", holding ';': the file looks separated by ';', not read as comma-separated"
        );
        let e = tsv(b"text,label\nx,y\n").unwrap_err();
        assert!(matches!(e, DataError::OneColumnHeader { separator: ',', .. }), "{e}");
        let options = ReadOptions { delimiter: Some(b';'), ..ReadOptions::default() };
        let d =
            parse_table(p(), bytes, InputFormat::Csv, &Columns::default(), LabelColumn::Required, options)
                .unwrap();
        assert_eq!((d.rows[0].text.as_str(), d.rows[0].label.as_str()), ("Russia objects", "oppose"));
        // A one-column file of texts is fine when that column is the one asked for.
        let texts = Columns { text: "a;b".into(), ..Columns::default() };
        assert!(parse_table(
            p(),
            b"a;b\nx\n",
            InputFormat::Csv,
            &texts,
            LabelColumn::Optional,
            ReadOptions::default()
        )
        .is_ok());
    }

    #[test]
    fn row_ids_are_read_when_present() {
        let columns = Columns { id: Some("sentence".into()), ..Columns::default() };
        let with = b"sentence\ttext\tlabel\n7\tx\tA\n \ty\tB\n";
        let d = parse_labeled(p(), with, InputFormat::Tsv, &columns).unwrap();
        assert_eq!((d.rows[0].id.as_deref(), d.rows[1].id.as_deref()), (Some("7"), None));
        let without = parse_labeled(p(), b"text\tlabel\nx\tA\n", InputFormat::Tsv, &columns).unwrap();
        assert_eq!(without.rows[0].id, None);
        let jsonl = b"{\"text\":\"x\",\"label\":\"A\",\"sentence\":3}\n";
        let d = parse_labeled(Path::new("p.jsonl"), jsonl, InputFormat::Jsonl, &columns).unwrap();
        assert_eq!(d.rows[0].id.as_deref(), Some("3"));
    }

    #[test]
    fn extra_columns_are_read_as_they_are_when_present() {
        let columns = Columns { extra: vec!["holder".into(), "country".into()], ..Columns::default() };
        let extra = |d: &LabeledData| d.rows.iter().map(|r| r.extra.clone()).collect::<Vec<_>>();
        let some = |v: &str| Some(v.to_string());
        let bytes = b"text\tlabel\tholder\nx\tA\t Lavrov \ny\tB\t\n";
        let d = parse_labeled(p(), bytes, InputFormat::Tsv, &columns).unwrap();
        assert_eq!(extra(&d), [vec![some("Lavrov"), None], vec![some(""), None]]);
        let csv = b"holder,text,label\n\"Macron, Emmanuel\",x,A\n";
        let d = parse_labeled(Path::new("d.csv"), csv, InputFormat::Csv, &columns).unwrap();
        assert_eq!(extra(&d), [vec![some("Macron, Emmanuel"), None]]);
        let jsonl = b"{\"text\":\"x\",\"label\":\"A\",\"holder\":null,\"country\":7}\n{\"text\":\"y\",\"label\":\"B\"}\n";
        let d = parse_labeled(Path::new("p.jsonl"), jsonl, InputFormat::Jsonl, &columns).unwrap();
        assert_eq!(extra(&d), [vec![some(""), some("7")], vec![None, None]]);
        let bad = b"{\"text\":\"x\",\"label\":\"A\",\"holder\":[1]}\n";
        let error = parse_labeled(Path::new("p.jsonl"), bad, InputFormat::Jsonl, &columns).unwrap_err();
        assert_eq!(error.to_string(), "p.jsonl:1: key `holder` must be a string or number, found an array");
        let fasttext =
            parse_labeled(Path::new("f.txt"), b"__label__A x\n", InputFormat::Fasttext, &columns).unwrap();
        assert_eq!(extra(&fasttext), [vec![None, None]]);
        // Without extra columns asked for, rows have none.
        assert!(tsv(bytes).unwrap().rows.iter().all(|r| r.extra.is_empty()));
    }

    #[test]
    fn unlabeled_pool_reads_with_or_without_a_label_column() {
        let bytes = b"article\tsentence\ttext\na.txt\t1\tFirst one.\na.txt\t2\tSecond.\n";
        let columns = Columns { group: Some("article".into()), ..Columns::default() };
        let d = parse_table(
            p(),
            bytes,
            InputFormat::Tsv,
            &columns,
            LabelColumn::Optional,
            ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[1].text, "Second.");
        assert_eq!(d.rows[1].label, "");
        assert_eq!(d.rows[1].group.as_deref(), Some("a.txt"));
        assert!(parse_labeled(p(), bytes, InputFormat::Tsv, &columns).is_err());
        let jsonl = b"{\"text\": \"x\", \"article\": \"a\"}\n{\"text\": \"y\", \"label\": \"B\", \"article\": \"a\"}\n";
        let d = parse_table(
            Path::new("p.jsonl"),
            jsonl,
            InputFormat::Jsonl,
            &columns,
            LabelColumn::Optional,
            ReadOptions::default(),
        )
        .unwrap();
        assert_eq!((d.rows[0].label.as_str(), d.rows[1].label.as_str()), ("", "B"));
    }

    #[test]
    fn tsv_keeps_quotes_inside_text() {
        let d =
            tsv(b"id\ttext\tlabel\n1\t He said \"no\" and left. \tFAVOR\n2\t\"Quoted\t AGAINST \n").unwrap();
        assert_eq!(
            d.rows,
            vec![row("He said \"no\" and left.", "FAVOR", None, 2), row("\"Quoted", "AGAINST", None, 3)]
        );
        assert_eq!(d.path, p());
    }

    #[test]
    fn tsv_with_group_column() {
        let cols = Columns {
            text: "sentence".into(),
            label: "stance".into(),
            group: Some("doc".into()),
            target: None,
            topic: None,
            id: None,
            extra: Vec::new(),
        };
        let bytes = b" doc \tsentence\tstance\nd1\tA b.\tPRO\n\n d2 \tC d.\tCON\n\tE f.\tPRO\n";
        let d = parse_labeled(p(), bytes, InputFormat::Tsv, &cols).unwrap();
        assert_eq!(
            d.rows,
            vec![
                row("A b.", "PRO", Some("d1"), 2),
                row("C d.", "CON", Some("d2"), 4),
                row("E f.", "PRO", None, 5),
            ]
        );
    }

    #[test]
    fn target_column_in_tsv_and_jsonl() {
        let cols = Columns { target: Some("target".into()), ..Columns::default() };
        let tsv = b"target\ttext\tlabel\n Atheism \tGod is \"great\"\tAGAINST\n\tNo topic\tNONE\n";
        let d = parse_labeled(p(), tsv, InputFormat::Tsv, &cols).unwrap();
        assert_eq!(d.rows[0].target.as_deref(), Some("Atheism"));
        assert_eq!(d.rows[0].text, "God is \"great\"");
        assert_eq!(d.rows[1].target, None);
        let jsonl = b"{\"text\":\"a\",\"label\":\"X\",\"target\":\"T1\"}\n{\"text\":\"b\",\"label\":\"Y\",\"target\":null}\n";
        let d = parse_labeled(p(), jsonl, InputFormat::Jsonl, &cols).unwrap();
        assert_eq!(d.rows[0].target.as_deref(), Some("T1"));
        assert_eq!(d.rows[1].target, None);
        let err = parse_labeled(p(), b"text\tlabel\na\tX\n", InputFormat::Tsv, &cols).unwrap_err();
        assert!(err.to_string().contains("target"), "{err}");
    }

    /// The hand-written SemEval sample (Windows-1252, CRLF, three targets).
    const SEMEVAL_SAMPLE: &[u8] = include_bytes!("../../../tests/fixtures/semeval-sample.txt");

    #[test]
    fn semeval_layout_is_detected_and_mapped() {
        let path = Path::new("semeval-sample.txt");
        assert_eq!(InputFormat::detect(path, SEMEVAL_SAMPLE).unwrap(), InputFormat::Semeval);
        assert_eq!(
            InputFormat::detect(Path::new("s.tsv"), b"\xEF\xBB\xBFID\tTarget\tTweet\tStance\n").unwrap(),
            InputFormat::Semeval
        );
        // Only that exact header: another order, an extra column or a .csv file is not SemEval.
        assert_eq!(
            InputFormat::detect(Path::new("s.tsv"), b"ID\tTweet\tTarget\tStance\n").unwrap(),
            InputFormat::Tsv
        );
        assert_eq!(
            InputFormat::detect(Path::new("s.tsv"), b"ID\tTarget\tTweet\tStance\tX\n").unwrap(),
            InputFormat::Tsv
        );
        assert_eq!(
            InputFormat::detect(Path::new("s.csv"), b"ID\tTarget\tTweet\tStance\n").unwrap(),
            InputFormat::Csv
        );
        // The organisers' all-annotations files, CRLF, as they are.
        let all = b"ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment\r\n\
                    1\tAtheism\tFaith matters #SemST\tAGAINST\tTARGET\tPOSITIVE\r\n";
        let txt = Path::new("trainingdata-all-annotations.txt");
        assert_eq!(InputFormat::detect(txt, all).unwrap(), InputFormat::Semeval);
        let d = parse_labeled(txt, all, InputFormat::Semeval, &Columns::default()).unwrap();
        assert_eq!(d.rows[0].text, "Faith matters #SemST");
        assert_eq!((d.rows[0].label.as_str(), d.rows[0].target.as_deref()), ("AGAINST", Some("Atheism")));
        assert_eq!(InputFormat::parse("SemEval"), Some(InputFormat::Semeval));

        let d = parse_labeled_with_encoding(
            path,
            SEMEVAL_SAMPLE,
            InputFormat::Semeval,
            &Columns::default(),
            TextEncoding::Auto,
        )
        .unwrap();
        assert_eq!(d.rows.len(), 30);
        assert_eq!(d.labels(), ["AGAINST", "FAVOR", "NONE"]);
        let targets: BTreeSet<&str> = d.rows.iter().filter_map(|r| r.target.as_deref()).collect();
        assert_eq!(
            targets.into_iter().collect::<Vec<_>>(),
            ["Atheism", "Climate Change is a Real Concern", "Hillary Clinton"]
        );
        assert!(d.rows.iter().all(|r| r.text.ends_with("#SemST") && r.group.is_none()));
        let first = &d.rows[0];
        assert_eq!(
            (first.line, first.label.as_str(), first.target.as_deref()),
            (2, "AGAINST", Some("Atheism"))
        );
        // 0x92 is a right single quotation mark, 0x93/0x94 curly double quotes; `"` stays as it is.
        assert_eq!(first.text, "Faith gives my life meaning and I won\u{2019}t apologise for it. #SemST");
        assert_eq!(d.rows[5].text, "He said \"religion is a private matter\" and left the room. #SemST");
        assert_eq!(
            d.rows[7].text,
            "Science explains the world; \u{201c}faith\u{201d} just fills the gaps. #SemST"
        );
        assert_eq!(d.rows[9].text, "Secular schools for every child \u{2014} keep belief at home. #SemST");
        assert_eq!(d.rows[29].line, 31);
        // Auto fell back to Windows-1252 at the first bad byte, and says so.
        assert_eq!(d.decoded_as_windows_1252_from, Some(2));
        assert_eq!(
            d.warnings()[0],
            "semeval-sample.txt:2: not valid UTF-8; read the whole file as Windows-1252 \
             (name the encoding with --encoding to silence this)"
        );
        // Named explicitly, no warning; the same rows.
        let named = parse_labeled_with_encoding(
            path,
            SEMEVAL_SAMPLE,
            InputFormat::Semeval,
            &Columns::default(),
            TextEncoding::Windows1252,
        )
        .unwrap();
        assert_eq!(named.rows, d.rows);
        assert_eq!(named.decoded_as_windows_1252_from, None);
        // Strict UTF-8 names the file and line instead.
        let e = parse_labeled(path, SEMEVAL_SAMPLE, InputFormat::Semeval, &Columns::default()).unwrap_err();
        assert!(matches!(e, DataError::InvalidUtf8 { line: 2, .. }), "{e:?}");
        assert!(e.to_string().starts_with("semeval-sample.txt:2: invalid UTF-8"), "{e}");
        // A group column can still be asked for.
        let cols = Columns { group: Some("Target".into()), ..Columns::default() };
        let g = parse_labeled_with_encoding(
            path,
            SEMEVAL_SAMPLE,
            InputFormat::Semeval,
            &cols,
            TextEncoding::Auto,
        )
        .unwrap();
        assert_eq!(g.rows[12].group.as_deref(), Some("Climate Change is a Real Concern"));
    }

    #[test]
    fn encodings_agree_on_utf8_and_never_fail_on_bytes() {
        let utf8 = "text\tlabel\ncaf\u{e9} \u{2019}\tA\n".as_bytes();
        for encoding in [TextEncoding::Utf8, TextEncoding::Auto] {
            let d = parse_labeled_with_encoding(p(), utf8, InputFormat::Tsv, &Columns::default(), encoding)
                .unwrap();
            assert_eq!(d.rows[0].text, "caf\u{e9} \u{2019}");
            assert_eq!(d.decoded_as_windows_1252_from, None);
            assert!(!d.warnings().iter().any(|w| w.contains("Windows-1252")), "{:?}", d.warnings());
        }
        // Every byte but NUL decodes in Windows-1252 (0x81 etc. become C1 controls).
        let all: Vec<u8> = b"text\tlabel\n"
            .iter()
            .copied()
            .chain((1u8..=255).filter(|b| !b"\t\n\r".contains(b)))
            .chain(*b"\tA\n")
            .collect();
        let d =
            parse_labeled_with_encoding(p(), &all, InputFormat::Tsv, &Columns::default(), TextEncoding::Auto)
                .unwrap();
        assert_eq!(d.rows[0].text.chars().count(), 252);
        assert!(d.rows[0].text.contains('\u{20ac}'), "0x80 is the euro sign");
        let e = parse_labeled_with_encoding(
            p(),
            b"text\tlabel\n\x92\0\tA\n",
            InputFormat::Tsv,
            &Columns::default(),
            TextEncoding::Auto,
        )
        .unwrap_err();
        assert!(matches!(e, DataError::NulByte { line: 2, .. }), "{e:?}");
        assert_eq!("CP1252".parse::<TextEncoding>(), Ok(TextEncoding::Windows1252));
        assert_eq!("utf8".parse::<TextEncoding>(), Ok(TextEncoding::Utf8));
        assert!("latin9".parse::<TextEncoding>().unwrap_err().contains("windows-1252"));
    }

    #[test]
    fn semeval_needs_its_columns() {
        let e =
            parse_labeled(p(), b"ID\tTweet\tStance\n1\tx\tNONE\n", InputFormat::Semeval, &Columns::default())
                .unwrap_err();
        assert!(matches!(e, DataError::MissingColumn { ref column, .. } if column == "Target"), "{e:?}");
    }

    #[test]
    fn crlf_and_bom() {
        let d = tsv(b"\xEF\xBB\xBFtext\tlabel\r\nfirst\tA\r\n\r\nsecond\tB").unwrap();
        assert_eq!(d.rows, vec![row("first", "A", None, 2), row("second", "B", None, 4)]);

        let d = csv_parse(b"\xEF\xBB\xBFtext,label\r\nfirst,A\r\n\r\nsecond,B").unwrap();
        assert_eq!(d.rows, vec![row("first", "A", None, 2), row("second", "B", None, 4)]);

        let d = jsonl(
            b"\xEF\xBB\xBF{\"text\":\"a\",\"label\":\"X\"}\r\n\r\n{\"text\":\"b\",\"label\":\"Y\"}",
            &Columns::default(),
        )
        .unwrap();
        assert_eq!(d.rows, vec![row("a", "X", None, 1), row("b", "Y", None, 3)]);
    }

    #[test]
    fn wrong_field_count_reports_line() {
        let e = tsv(b"a\tb\ttext\tlabel\n1\t2\tok\tX\n\n1\t2\tbad\n").unwrap_err();
        match &e {
            DataError::FieldCount { line, expected, found, .. } => {
                assert_eq!((*line, *expected, *found), (4, 4, 3));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(e.to_string(), "data/x.tsv:4: expected 4 tab-separated fields (header has 4), found 3");

        let e = csv_parse(b"text,label\n\"multi\nline\",A\nx,y,z\n").unwrap_err();
        assert!(matches!(e, DataError::FieldCount { line: 4, expected: 2, found: 3, .. }), "{e:?}");
        assert!(e.to_string().starts_with("d.csv:4: expected 2 comma-separated fields"), "{e}");
    }

    #[test]
    fn missing_column_lists_available() {
        let e = tsv(b"sentence\tlabel\nx\tA\n").unwrap_err();
        match &e {
            DataError::MissingColumn { column, available, .. } => {
                assert_eq!(column, "text");
                assert_eq!(available, &vec!["sentence".to_string(), "label".to_string()]);
            }
            other => panic!("unexpected {other:?}"),
        }
        let msg = e.to_string();
        assert!(msg.starts_with("data/x.tsv: "), "{msg}");
        assert!(msg.contains("`sentence`") && msg.contains("`label`"), "{msg}");

        let cols = Columns { group: Some("doc".into()), ..Columns::default() };
        let e = parse_labeled(Path::new("d.csv"), b"text,label\nx,A\n", InputFormat::Csv, &cols).unwrap_err();
        assert!(matches!(e, DataError::MissingColumn { ref column, .. } if column == "doc"), "{e:?}");
    }

    #[test]
    fn empty_file() {
        for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n\n"] {
            assert!(matches!(tsv(bytes), Err(DataError::Empty { .. })));
            assert!(matches!(csv_parse(bytes), Err(DataError::Empty { .. })));
            assert!(matches!(jsonl(bytes, &Columns::default()), Err(DataError::Empty { .. })));
        }
        assert_eq!(
            tsv(b"").unwrap_err().to_string(),
            "data/x.tsv: the file is empty (no header and no records)"
        );
    }

    #[test]
    fn header_only() {
        assert!(matches!(tsv(b"text\tlabel\n"), Err(DataError::NoRows { .. })));
        assert!(matches!(tsv(b"text\tlabel"), Err(DataError::NoRows { .. })));
        assert!(matches!(csv_parse(b"text,label\r\n\r\n"), Err(DataError::NoRows { .. })));
    }

    #[test]
    fn empty_label_and_text() {
        let e = tsv(b"text\tlabel\nok\tA\nno label\t  \n").unwrap_err();
        assert!(matches!(e, DataError::EmptyLabel { line: 3, .. }), "{e:?}");
        assert_eq!(e.to_string(), "data/x.tsv:3: the label is empty");
        let e = tsv(b"text\tlabel\n \tA\n").unwrap_err();
        assert!(matches!(e, DataError::EmptyText { line: 2, .. }), "{e:?}");
        let e = jsonl(b"{\"text\":\"x\",\"label\":\"\"}\n", &Columns::default()).unwrap_err();
        assert!(matches!(e, DataError::EmptyLabel { line: 1, .. }), "{e:?}");
    }

    #[test]
    fn invalid_utf8_line() {
        let e = tsv(b"text\tlabel\nok\tA\nbad \xff byte\tB\n").unwrap_err();
        assert!(matches!(e, DataError::InvalidUtf8 { line: 3, .. }), "{e:?}");
        assert!(e.to_string().starts_with("data/x.tsv:3: invalid UTF-8"));
        // Truncated multi-byte sequence at the very end.
        let e = csv_parse(b"text,label\nok,A\n\xc3").unwrap_err();
        assert!(matches!(e, DataError::InvalidUtf8 { line: 3, .. }), "{e:?}");
    }

    #[test]
    fn nul_byte() {
        let e = tsv(b"text\tlabel\nok\tA\n\nx\0y\tB\n").unwrap_err();
        assert!(matches!(e, DataError::NulByte { line: 4, .. }), "{e:?}");
        // UTF-16 LE text: the NUL comes first.
        let e = jsonl(b"{\0\"\0", &Columns::default()).unwrap_err();
        assert!(matches!(e, DataError::NulByte { line: 1, .. }), "{e:?}");
        // Invalid UTF-8 earlier than the NUL wins.
        let e = tsv(b"text\tlabel\n\xff\n\0\n").unwrap_err();
        assert!(matches!(e, DataError::InvalidUtf8 { line: 2, .. }), "{e:?}");
    }

    #[test]
    fn csv_quoted_commas_and_newlines() {
        let bytes =
            b"id,text,label\n1,\"Hello, world\",A\n2,\"two\nlines, and \"\"quotes\"\"\",B\n3,plain,\"C\"\n";
        let d = csv_parse(bytes).unwrap();
        assert_eq!(
            d.rows,
            vec![
                row("Hello, world", "A", None, 2),
                row("two\nlines, and \"quotes\"", "B", None, 3),
                row("plain", "C", None, 5),
            ]
        );
    }

    #[test]
    fn csv_unclosed_quote_is_error() {
        let e = csv_parse(b"text,label\nok,A\n\"never closed,B\nmore,C\n").unwrap_err();
        assert!(matches!(e, DataError::Csv { line: 3, .. }), "{e:?}");
        assert!(e.to_string().starts_with("d.csv:3: unclosed quote"), "{e}");
        let e = csv_parse(b"\"").unwrap_err();
        assert!(matches!(e, DataError::Csv { line: 1, .. }), "{e:?}");
    }

    #[test]
    fn jsonl_happy_path_numeric_label() {
        let cols = Columns { group: Some("doc".into()), ..Columns::default() };
        let bytes = b"{\"text\": \" Hi there. \", \"label\": 1, \"doc\": 7}\n\n  \n{\"text\": \"Bye.\", \"label\": \"neg\", \"doc\": \"d2\", \"x\": [1]}\n{\"text\": \"T.\", \"label\": true, \"doc\": null}";
        let d = jsonl(bytes, &cols).unwrap();
        assert_eq!(
            d.rows,
            vec![
                row("Hi there.", "1", Some("7"), 1),
                row("Bye.", "neg", Some("d2"), 4),
                row("T.", "true", None, 5),
            ]
        );
    }

    #[test]
    fn jsonl_broken_line() {
        let e = jsonl(b"{\"text\":\"a\",\"label\":\"X\"}\n{\"text\": \"b\", \"label\n", &Columns::default())
            .unwrap_err();
        assert!(matches!(e, DataError::Json { line: 2, .. }), "{e:?}");
        assert!(e.to_string().starts_with("d.jsonl:2: invalid JSON"), "{e}");

        let e = jsonl(b"[{\"text\":\"a\",\"label\":\"X\"}]\n", &Columns::default()).unwrap_err();
        assert!(
            matches!(e, DataError::Json { line: 1, ref message, .. } if message.contains("array")),
            "{e:?}"
        );

        let e = jsonl(b"{\"text\": 5, \"label\": \"X\"}\n", &Columns::default()).unwrap_err();
        assert!(
            matches!(e, DataError::Json { line: 1, ref message, .. } if message.contains("`text`")),
            "{e:?}"
        );

        let e = jsonl(b"{\"text\": \"a\", \"label\": null}\n", &Columns::default()).unwrap_err();
        assert!(matches!(e, DataError::Json { line: 1, .. }), "{e:?}");
    }

    #[test]
    fn jsonl_missing_key() {
        let e = jsonl(b"{\"text\":\"a\",\"label\":\"X\"}\n\n{\"text\":\"b\"}\n", &Columns::default())
            .unwrap_err();
        assert!(matches!(e, DataError::MissingKey { line: 3, ref key, .. } if key == "label"), "{e:?}");
        assert_eq!(e.to_string(), "d.jsonl:3: the JSON object has no key `label`");

        let cols = Columns { group: Some("doc".into()), ..Columns::default() };
        let e = jsonl(b"{\"text\":\"a\",\"label\":\"X\"}\n", &cols).unwrap_err();
        assert!(matches!(e, DataError::MissingKey { line: 1, ref key, .. } if key == "doc"), "{e:?}");
    }

    #[test]
    fn format_from_path_and_name() {
        let f = |s: &str| InputFormat::from_path(Path::new(s)).ok();
        assert_eq!(f("a.tsv"), Some(InputFormat::Tsv));
        assert_eq!(f("dir/a.TAB"), Some(InputFormat::Tsv));
        assert_eq!(f("a.txt"), Some(InputFormat::Tsv));
        assert_eq!(f("a.Csv"), Some(InputFormat::Csv));
        assert_eq!(f("a.jsonl"), Some(InputFormat::Jsonl));
        assert_eq!(f("a.NDJSON"), Some(InputFormat::Jsonl));
        assert_eq!(f("a.json"), Some(InputFormat::Jsonl));
        assert_eq!(f("a.xlsx"), None);
        assert_eq!(f("noext"), None);
        let e = InputFormat::from_path(Path::new("a.xlsx")).unwrap_err();
        assert!(matches!(e, DataError::UnknownFormat { .. }));
        assert!(e.to_string().starts_with("a.xlsx: ") && e.to_string().contains("name the input format"));

        assert_eq!(InputFormat::parse("TSV"), Some(InputFormat::Tsv));
        assert_eq!(InputFormat::parse("csv"), Some(InputFormat::Csv));
        assert_eq!(InputFormat::parse("JsonL"), Some(InputFormat::Jsonl));
        assert_eq!(InputFormat::parse("json"), None);
        assert_eq!("csv".parse::<InputFormat>(), Ok(InputFormat::Csv));
        let err = "xml".parse::<InputFormat>().unwrap_err();
        assert!(err.contains("tsv") && err.contains("csv") && err.contains("jsonl"), "{err}");
        assert_eq!(InputFormat::Jsonl.to_string(), "jsonl");
    }

    #[test]
    fn labels_and_rows_per_label() {
        let d = tsv(b"text\tlabel\na\tb\nc\tA\nd\tb\ne\tC\n").unwrap();
        assert_eq!(d.labels(), vec!["A", "C", "b"]);
        let counts: Vec<(String, usize)> = d.rows_per_label().into_iter().collect();
        assert_eq!(counts, vec![("A".into(), 1), ("C".into(), 1), ("b".into(), 2)]);
    }

    #[test]
    fn sha256_of_raw_bytes() {
        // printf 'text\tlabel\nhi\tA\n' | sha256sum
        let d = tsv(b"text\tlabel\nhi\tA\n").unwrap();
        assert_eq!(d.sha256, "6ecd07cb715201232ecd5d76db86acf3b81af8f9460ff254312633fa7e51ba01");
        // The BOM is part of the raw bytes, so it changes the hash.
        let d2 = tsv(b"\xEF\xBB\xBFtext\tlabel\nhi\tA\n").unwrap();
        assert_ne!(d2.sha256, d.sha256);
        assert_eq!(d2.rows, d.rows);
    }

    #[test]
    fn read_labeled_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, "text,label\n\"a, b\",X\n").unwrap();
        let d = read_labeled(&path, None, &Columns::default()).unwrap();
        assert_eq!(d.rows, vec![row("a, b", "X", None, 2)]);
        assert_eq!(d.path, path);

        // Read as TSV, its header is one column holding commas.
        let d = read_labeled(&path, Some(InputFormat::Tsv), &Columns::default());
        assert!(matches!(d, Err(DataError::OneColumnHeader { separator: ',', .. })), "{d:?}");

        let missing = dir.path().join("nope.tsv");
        let e = read_labeled(&missing, None, &Columns::default()).unwrap_err();
        assert!(matches!(e, DataError::Io { .. }));
        assert!(e.to_string().starts_with(&format!("{}: cannot read", missing.display())));
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        let inputs: [&[u8]; 12] = [
            b"\"",
            b"\"\"\"",
            b",,,\n,,,",
            b"\r\r\r",
            b"\t\t\n\t\t",
            b"{",
            b"}}}}",
            b"text,label\n\"a\"b\"c,X\n",
            b"\xEF\xBB",
            b"\xEF\xBB\xBF\xEF\xBB\xBF",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            b"text\tlabel\n\xf0\x9f\x98\x80\t\xf0\x9f\x98",
        ];
        let cols = Columns { group: Some("g".into()), ..Columns::default() };
        for bytes in inputs {
            for format in [InputFormat::Tsv, InputFormat::Csv, InputFormat::Jsonl] {
                let _ = parse_labeled(p(), bytes, format, &Columns::default());
                let _ = parse_labeled(p(), bytes, format, &cols);
            }
        }
        // Pseudo-random short inputs over the bytes the parsers care about.
        let alphabet: &[u8] = b"\"\",,\t\n\r{}[]:a 1\0\xff\xc3\xa9";
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let len = (seed >> 59) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    let r = seed.rotate_left(7 * i as u32) >> 40;
                    alphabet[(r as usize) % alphabet.len()]
                })
                .collect();
            for format in [InputFormat::Tsv, InputFormat::Csv, InputFormat::Jsonl] {
                let _ = parse_labeled(p(), &bytes, format, &cols);
            }
        }
        // Every prefix of a valid multi-format sample, too.
        let sample =
            "\u{feff}text,label\tg\r\n\"a,\"\"b\"\"\nc\",X\t1\r\n{\"text\":\"é\",\"label\":2}\n".as_bytes();
        for end in 0..=sample.len() {
            for format in [InputFormat::Tsv, InputFormat::Csv, InputFormat::Jsonl] {
                let _ = parse_labeled(p(), &sample[..end], format, &cols);
            }
        }
    }
}
