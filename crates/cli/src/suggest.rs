//! `stance suggest`: the unlabeled sentences the model is least sure of, as a TSV to label.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use stance_features::split_sentences;
use stance_infer::{spread_most_uncertain, Classifier, Uncertainty};
use stance_train::{read_unlabeled, Columns};

use crate::documents::collect;
use crate::rows::tsv_field;

/// One sentence that could be labeled.
struct Candidate {
    article: String,
    /// Sentence index in its article, or the line of the pool table it came from.
    position: usize,
    text: String,
}

/// Column names used when the pool is a sentence table.
pub struct PoolColumns {
    pub text: String,
    pub label: String,
    pub article: String,
}

/// Reads the pool: sentence tables (by extension) row by row, skipping rows that already
/// have a label; everything else as articles split into sentences. Unreadable articles are
/// reported and skipped.
fn candidates(pool: &[PathBuf], columns: &PoolColumns) -> Result<Vec<Candidate>> {
    let mut candidates = Vec::new();
    for path in pool {
        if path.is_file() && is_sentence_table(path) {
            let table_columns = Columns {
                text: columns.text.clone(),
                label: columns.label.clone(),
                group: Some(columns.article.clone()),
                target: None,
                topic: None,
            };
            let table = read_unlabeled(path, None, &table_columns)?;
            for row in table.rows.into_iter().filter(|row| row.label.is_empty()) {
                candidates.push(Candidate {
                    article: row.group.unwrap_or_else(|| path.display().to_string()),
                    position: row.line,
                    text: row.text,
                });
            }
            continue;
        }
        for source in collect(std::slice::from_ref(path)) {
            match source.read() {
                Ok(article) => {
                    for (i, range) in split_sentences(&article.text).into_iter().enumerate() {
                        candidates.push(Candidate {
                            article: source.name.clone(),
                            position: i + 1,
                            text: article.text[range].to_owned(),
                        });
                    }
                }
                Err(error) => eprintln!("stance: {}: {error}; skipped", source.display()),
            }
        }
    }
    Ok(candidates)
}

/// Sentence tables are recognised by extension; `.txt` files are articles.
fn is_sentence_table(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(extension.as_str(), "tsv" | "tab" | "csv" | "jsonl" | "ndjson")
}

/// Builds the TSV of the `n` most uncertain sentences, spread across articles.
pub fn suggest(
    classifier: &Classifier,
    pool: &[PathBuf],
    columns: &PoolColumns,
    n: usize,
    strategy: Uncertainty,
) -> Result<String> {
    let candidates = candidates(pool, columns)?;
    if candidates.is_empty() {
        bail!("the pool has no unlabeled sentence");
    }
    let labels = classifier.labels();
    let scored: Vec<Vec<f64>> =
        candidates.iter().map(|c| classifier.probabilities(&c.text)).collect::<Result<_, _>>()?;
    let uncertainty: Vec<f64> = scored.iter().map(|p| strategy.score(p)).collect();
    let groups: Vec<&str> = candidates.iter().map(|c| c.article.as_str()).collect();
    let mut out = String::from("article\tsentence\ttext\tlabel\tpredicted\tconfidence\tuncertainty\n");
    for i in spread_most_uncertain(&groups, &uncertainty, n) {
        let best = stance_model::argmax(&scored[i]).unwrap_or(0);
        let c = &candidates[i];
        writeln!(
            out,
            "{}\t{}\t{}\t\t{}\t{:.4}\t{:.4}",
            tsv_field(&c.article),
            c.position,
            tsv_field(&c.text),
            labels[best],
            scored[i][best],
            uncertainty[i]
        )?;
    }
    Ok(out)
}
