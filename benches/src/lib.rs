//! Shared inputs of the criterion micro-benchmarks in `benches/benches/`.
//!
//! The benchmarks run on the committed seed corpus (`data/labeled/peacekeepers.tsv` and the
//! news articles of `data/corpus/`), so their numbers are comparable between commits without
//! any downloaded data. Run them with `cargo bench -p stance-benches`; `make bench-build` only
//! compiles them (as CI does).

use std::path::PathBuf;

use stance_features::{FeatureConfig, Featurizer, NgramRange};
use stance_model::{ModelFile, Weights};

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

/// Word 1–2-grams plus `char_wb` 2–5-grams (`stance train --char-ngrams 2-5`).
pub fn word_char_config() -> FeatureConfig {
    FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 5)))
}

/// The news articles of `data/corpus/` (sorted by name), each repeated `copies` times: real
/// text for the article-level benchmarks.
///
/// # Panics
///
/// If the corpus cannot be read.
pub fn corpus_articles(copies: usize) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/corpus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    let articles: Vec<String> = paths
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect();
    (0..copies).flat_map(|_| articles.iter().cloned()).collect()
}

/// The shipped model's labels and training record with a featurizer of `config` fitted on
/// the seed sentences, fixed pseudo-random weights and no relevance section: a model of the
/// width a real `stance train` with those options gives, for timing (scoring costs the same
/// whatever the weights' values; building it needs no solver).
///
/// # Panics
///
/// If the featurizer does not fit the sample.
pub fn model_with_features(shipped: &ModelFile, config: &FeatureConfig) -> ModelFile {
    let features = Featurizer::fit(config, &sample_sentences()).expect("the sample fits");
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let coefficients =
        shipped.labels.iter().map(|_| (0..features.n_features()).map(|_| next()).collect()).collect();
    let intercepts = shipped.labels.iter().map(|_| next()).collect();
    ModelFile {
        features,
        weights: Weights { coefficients, intercepts },
        relevance: None,
        checksum: None,
        ..shipped.clone()
    }
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
