//! `stance evaluate`: scoring a model against labeled rows.

use anyhow::{bail, Result};
use stance_infer::Classifier;
use stance_model::argmax;
use stance_train::{LabeledData, Report};

/// Classifies every row of `data` as one sentence and compares with its label.
pub fn evaluate(classifier: &Classifier, data: &LabeledData) -> Result<Report> {
    let labels = classifier.labels();
    let mut truth = Vec::with_capacity(data.rows.len());
    let mut predicted = Vec::with_capacity(data.rows.len());
    for row in &data.rows {
        let Some(index) = labels.iter().position(|l| *l == row.label) else {
            bail!(
                "{}:{}: label {:?} is not one of the model's labels ({})",
                data.path.display(),
                row.line,
                row.label,
                labels.join(", ")
            );
        };
        truth.push(index);
        predicted.push(argmax(&classifier.probabilities(&row.text)).unwrap_or(0));
    }
    Ok(Report::from_predictions(labels, &truth, &predicted))
}
