//! `stance suggest`: the unlabeled sentences the model is least sure of, as a TSV to label.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use stance_features::split_sentences;
use stance_infer::{spread_most_uncertain, Classifier, Uncertainty};
use stance_train::{read_unlabeled, Columns};

use super::{check_outputs, emit_report, load_classifier};
use crate::args::WalkArgs;
use crate::documents::{collect, Looking, Walk};
use crate::rows::tsv_field;
use crate::UsageError;

/// Pick the unlabeled sentences the model is least sure of, spread across articles, as a
/// TSV ready to label (fill the empty `label` column, then add the rows to your training data).
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  stance sentences new_articles/ > pool.tsv\n  stance suggest --pool pool.tsv --n 20 > to_label.tsv"
)]
pub struct SuggestArgs {
    /// Model file (default: the compiled-in model).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Unlabeled sentences: sentence tables (.tsv/.csv/.jsonl, e.g. from `stance sentences`;
    /// rows that already have a label are skipped) or article files and directories.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pool: Vec<PathBuf>,
    /// How many sentences to suggest.
    #[arg(long, default_value_t = 20)]
    n: usize,
    /// Uncertainty measure.
    #[arg(long, value_enum, default_value = "margin")]
    strategy: StrategyArg,
    /// Text column of a sentence-table pool.
    #[arg(long, default_value = "text", value_name = "COL")]
    text_col: String,
    /// Label column of a sentence-table pool (rows with a label are skipped).
    #[arg(long, default_value = "label", value_name = "COL")]
    label_col: String,
    /// Article column of a sentence-table pool.
    #[arg(long, default_value = "article", value_name = "COL")]
    group_col: String,
    /// Sentence-id column of a sentence-table pool, copied to the output's `sentence` column
    /// (a pool without it gives each row's line in the pool instead).
    #[arg(long, default_value = "sentence", value_name = "COL")]
    sentence_col: String,
    #[command(flatten)]
    walk: WalkArgs,
    /// Also write the TSV to this file (atomically).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
}

/// Uncertainty measure for `suggest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// 1 − (best − second best probability).
    Margin,
    /// Entropy of the probabilities.
    Entropy,
}

/// `stance suggest`: `--n` and `--out` are checked before the model is loaded or the pool read.
pub fn run(args: SuggestArgs) -> Result<ExitCode> {
    let SuggestArgs {
        model,
        pool,
        n,
        strategy,
        text_col,
        label_col,
        group_col,
        sentence_col,
        walk,
        out,
        force,
    } = args;
    if n == 0 {
        bail!("--n must be at least 1");
    }
    let walk = walk.walk(Looking::Articles)?;
    check_outputs([out.as_deref()], force)?;
    let classifier = load_classifier(model.as_deref())?;
    let strategy = match strategy {
        StrategyArg::Margin => Uncertainty::Margin,
        StrategyArg::Entropy => Uncertainty::Entropy,
    };
    let columns =
        PoolColumns { text: text_col, label: label_col, article: group_col, sentence: sentence_col };
    let tsv = suggest(&classifier, &pool, &walk, &columns, n, strategy)?;
    emit_report(&tsv, out.as_deref())
}

/// One sentence that could be labeled.
struct Candidate {
    article: String,
    /// The pool table's own sentence id; else the sentence's number in its article, or the line
    /// of the pool table it came from.
    sentence: String,
    text: String,
}

/// Column names used when the pool is a sentence table.
struct PoolColumns {
    text: String,
    label: String,
    article: String,
    sentence: String,
}

/// Reads the pool: sentence tables (by extension) row by row, skipping rows that already
/// have a label; everything else as articles split into sentences. Unreadable articles are
/// reported and skipped.
fn candidates(pool: &[PathBuf], walk: &Arc<Walk>, columns: &PoolColumns) -> Result<Vec<Candidate>> {
    let mut candidates = Vec::new();
    // Articles tried, and those that could not be read at all.
    let (mut sources, mut unreadable) = (0, 0);
    for path in pool {
        if path.is_file() && is_sentence_table(path) {
            let table_columns = Columns {
                text: columns.text.clone(),
                label: columns.label.clone(),
                group: Some(columns.article.clone()),
                target: None,
                topic: None,
                id: Some(columns.sentence.clone()),
                extra: Vec::new(),
            };
            let table = read_unlabeled(path, None, &table_columns)?;
            for row in table.rows.into_iter().filter(|row| row.label.is_empty()) {
                candidates.push(Candidate {
                    article: row.group.unwrap_or_else(|| path.display().to_string()),
                    sentence: row.id.unwrap_or_else(|| row.line.to_string()),
                    text: row.text,
                });
            }
            continue;
        }
        for mut source in collect(std::slice::from_ref(path), walk) {
            sources += 1;
            match source.read() {
                Ok(article) => {
                    for (i, range) in split_sentences(&article.text).into_iter().enumerate() {
                        candidates.push(Candidate {
                            article: source.name.clone(),
                            sentence: (i + 1).to_string(),
                            text: article.text[range].to_owned(),
                        });
                    }
                }
                Err(error) => {
                    unreadable += usize::from(error.unreadable);
                    eprintln!("stance: {}: {error}; skipped", source.display());
                }
            }
        }
    }
    walk.warn_skipped();
    if sources > 0 && unreadable == sources {
        let inputs = if sources == 1 { "input" } else { "inputs" };
        return Err(
            UsageError(format!("nothing could be read from the {sources} {inputs} named above")).into()
        );
    }
    Ok(candidates)
}

/// Sentence tables are recognised by extension; `.txt` files are articles.
fn is_sentence_table(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(extension.as_str(), "tsv" | "tab" | "csv" | "jsonl" | "ndjson")
}

/// Builds the TSV of the `n` most uncertain sentences, spread across articles.
fn suggest(
    classifier: &Classifier,
    pool: &[PathBuf],
    walk: &Arc<Walk>,
    columns: &PoolColumns,
    n: usize,
    strategy: Uncertainty,
) -> Result<String> {
    let candidates = candidates(pool, walk, columns)?;
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
            tsv_field(&c.sentence),
            tsv_field(&c.text),
            labels[best],
            scored[i][best],
            uncertainty[i]
        )?;
    }
    Ok(out)
}
