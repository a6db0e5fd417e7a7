//! Label-file readers (TSV, CSV, JSONL) on arbitrary bytes.
//!
//! The first input byte picks the format (bits 0–1), whether a group column is asked for
//! (bit 2), the column names (bit 3: `text`/`label`/`article` or `sentence`/`stance`/`doc`),
//! and whether `read_unlabeled` is run on the same bytes through a file (bit 4; bit 5: format
//! from the file extension instead of named). The rest is the file.
//!
//! Invariants: nothing panics or hangs; errors name the file first; a successful read has rows
//! with trimmed non-empty text and label, groups only when asked for, ascending lines within
//! the file, the SHA-256 of the raw bytes; and `read_unlabeled` accepts whatever
//! `parse_labeled` accepts, with the same rows.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stance_model::sha256_hex;
use stance_train::{parse_labeled, read_unlabeled, Columns, InputFormat, LabeledData};

/// A per-process scratch file for `read_unlabeled` (on tmpfs when there is one).
fn scratch(ext: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        }
    });
    dir.join(format!("stance-fuzz-labels-{}.{ext}", std::process::id()))
}

fn check_data(data: &LabeledData, bytes: &[u8], columns: &Columns, format: InputFormat, labeled: bool) {
    assert!(!data.rows.is_empty(), "Ok with no rows");
    assert_eq!(data.sha256, sha256_hex(bytes));
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut previous = 0;
    for row in &data.rows {
        assert!(!row.text.is_empty() && row.text == row.text.trim(), "text {:?}", row.text);
        assert_eq!(row.label, row.label.trim());
        if labeled {
            assert!(!row.label.is_empty(), "empty label at line {}", row.line);
        }
        if let Some(g) = &row.group {
            assert!(columns.group.is_some(), "group {g:?} without a group column");
            assert!(!g.is_empty() && *g == g.trim(), "group {g:?}");
        }
        assert!(row.line >= 1 && row.line <= lines, "line {} of {lines}", row.line);
        // CSV may end records with a lone `\r`, which does not start a new line.
        if format == InputFormat::Csv {
            assert!(row.line >= previous, "line {} after {previous}", row.line);
        } else {
            assert!(row.line > previous, "line {} after {previous}", row.line);
        }
        previous = row.line;
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, bytes)) = input.split_first() else { return };
    let (format, ext) = match selector & 0b11 {
        0 => (InputFormat::Tsv, "tsv"),
        1 => (InputFormat::Csv, "csv"),
        _ => (InputFormat::Jsonl, "jsonl"),
    };
    let alternate = selector & 0b1000 != 0;
    let (text, label, group) =
        if alternate { ("sentence", "stance", "doc") } else { ("text", "label", "article") };
    let columns = Columns {
        text: text.to_string(),
        label: label.to_string(),
        group: (selector & 0b100 != 0).then(|| group.to_string()),
        ..Columns::default()
    };

    let path = Path::new("fuzz/input.dat");
    let labeled = parse_labeled(path, bytes, format, &columns);
    match &labeled {
        Ok(data) => {
            assert_eq!(data.path, path);
            check_data(data, bytes, &columns, format, true);
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("fuzz/input.dat:"), "message does not name the file: {message}");
        }
    }

    if selector & 0b1_0000 != 0 {
        let file = scratch(ext);
        std::fs::write(&file, bytes).expect("write scratch file");
        let named = if selector & 0b10_0000 != 0 { None } else { Some(format) };
        let unlabeled = read_unlabeled(&file, named, &columns);
        let _ = std::fs::remove_file(&file);
        match &unlabeled {
            Ok(data) => check_data(data, bytes, &columns, format, false),
            Err(e) => {
                let message = e.to_string();
                let prefix = format!("{}:", file.display());
                assert!(message.starts_with(&prefix), "message does not name the file: {message}");
            }
        }
        if let Ok(data) = &labeled {
            let pool = unlabeled.expect("read_unlabeled rejects what parse_labeled accepts");
            assert_eq!(pool.rows, data.rows, "labeled and unlabeled readings differ");
        }
    }
});
