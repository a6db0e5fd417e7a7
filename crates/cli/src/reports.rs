//! `stance evaluate`: scoring a model against labeled rows.

use anyhow::{bail, Context, Result};
use stance_infer::Classifier;
use stance_train::{Evaluation, LabeledData, ScoredRow};

/// Classifies every row of `data` as one sentence (about the row's target, for a
/// target-aware model) and compares with its label.
pub fn evaluate(classifier: &Classifier, data: &LabeledData) -> Result<Evaluation> {
    let labels = classifier.labels();
    let mut rows = Vec::with_capacity(data.rows.len());
    for row in &data.rows {
        let Some(truth) = labels.iter().position(|l| *l == row.label) else {
            bail!(
                "{}:{}: label {:?} is not one of the model's labels ({})",
                data.path.display(),
                row.line,
                row.label,
                labels.join(", ")
            );
        };
        let probabilities = classifier
            .probabilities_for(&row.text, row.target.as_deref())
            .with_context(|| format!("{}:{}", data.path.display(), row.line))?;
        rows.push(ScoredRow {
            text: row.text.clone(),
            source: format!("{}:{}", data.path.display(), row.line),
            truth,
            probabilities,
            target: row.target.clone(),
        });
    }
    Ok(Evaluation::from_rows(labels, &rows))
}
