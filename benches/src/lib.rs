//! Shared inputs of the criterion micro-benchmarks in `benches/benches/`.
//!
//! The benchmarks run on the committed seed corpus (`data/labeled/peacekeepers.tsv`), so their
//! numbers are comparable between commits without any downloaded data. Run them with
//! `cargo bench -p stance-benches`; `make bench-build` only compiles them (as CI does).

use std::path::PathBuf;

use stance_features::{FeatureConfig, NgramRange};

/// Path of the committed labeled sample, resolved from this crate's manifest directory so the
/// benchmarks work from any current directory.
pub fn sample_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/labeled/peacekeepers.tsv")
}

/// The `text` column of a header-first, unquoted TSV file (the format of the labeled sample).
///
/// Returns `None` when the header has no `text` column. A row without that column is skipped:
/// benchmark input needs no error reporting, and the sample has none.
pub fn text_column(tsv: &str) -> Option<Vec<String>> {
    let mut lines = tsv.lines();
    let column = lines.next()?.split('\t').position(|name| name == "text")?;
    Some(lines.filter_map(|line| line.split('\t').nth(column)).map(str::to_owned).collect())
}

/// The sentences of the committed labeled sample.
///
/// # Panics
///
/// If the sample cannot be read or has no `text` column: a benchmark cannot run without it.
pub fn sample_sentences() -> Vec<String> {
    let path = sample_path();
    let tsv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text_column(&tsv).unwrap_or_else(|| panic!("{}: no text column", path.display()))
}

/// Word 1–2-grams over Snowball stems, no character n-grams (the library default).
pub fn word_config() -> FeatureConfig {
    FeatureConfig::default()
}

/// Word 1–2-grams plus `char_wb` 2–5-grams: the options of the shipped default model.
pub fn word_char_config() -> FeatureConfig {
    FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 5)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_column_follows_the_header() {
        let rows = text_column("id\ttext\tlabel\n1\tfirst one\tx\n2\tsecond\ty\n3\n").unwrap();
        assert_eq!(rows, ["first one", "second"]);
        assert_eq!(text_column("id\tlabel\n1\tx\n"), None);
    }

    #[test]
    fn sample_gives_one_sentence_per_row() {
        let rows = std::fs::read_to_string(sample_path()).unwrap().lines().count() - 1;
        let sentences = sample_sentences();
        assert!(rows > 100, "{rows} rows");
        assert_eq!(sentences.len(), rows);
        assert!(sentences.iter().all(|s| !s.trim().is_empty()));
    }
}
