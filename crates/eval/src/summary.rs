//! The object `stance evaluate --format json` prints (and the Python package's
//! `Classifier.evaluate` returns): one [`Evaluation`] with where its data and model came from.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Abstention, Evaluation, Mistake, Reliability, Report, TemperatureEffect};

/// An evaluation as one JSON object: the report's fields, then what else the evaluation
/// found, then where the data and the model came from. Serialize it through
/// `serde_json::Value` for the sorted keys `evaluate --format json` has always printed.
#[derive(Debug, Serialize)]
pub struct EvaluationSummary<'a> {
    #[serde(flatten)]
    report: &'a Report,
    calibration: &'a Reliability,
    worst_errors: &'a [Mistake],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    per_target: &'a BTreeMap<String, Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<&'a TemperatureEffect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    abstention: Option<&'a Abstention>,
    /// The labeled data (a file name, or a description of in-memory rows).
    data: String,
    /// The model file, or the name of the compiled-in default model.
    model: String,
}

impl<'a> EvaluationSummary<'a> {
    /// The summary of `evaluation` of the data named `data` by the model named `model`.
    pub fn new(evaluation: &'a Evaluation, data: String, model: String) -> Self {
        EvaluationSummary {
            report: &evaluation.report,
            calibration: &evaluation.reliability,
            worst_errors: &evaluation.worst_errors,
            per_target: &evaluation.per_target,
            temperature: evaluation.temperature.as_ref(),
            abstention: evaluation.abstention.as_ref(),
            data,
            model,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScoredRow;

    #[test]
    fn the_report_is_flattened_and_the_sources_follow() {
        let labels = vec!["oppose".to_string(), "support".to_string()];
        let rows = [ScoredRow {
            text: "Moscow says no.".into(),
            source: "a.tsv:2".into(),
            truth: 0,
            probabilities: vec![0.3, 0.7],
            target: None,
        }];
        let evaluation = Evaluation::from_rows(&labels, &rows);
        let json = serde_json::to_value(EvaluationSummary::new(&evaluation, "a.tsv".into(), "m.json".into()))
            .unwrap();
        assert_eq!(json["accuracy"], 0.0);
        assert_eq!(json["data"], "a.tsv");
        assert_eq!(json["model"], "m.json");
        assert_eq!(json["worst_errors"][0]["source"], "a.tsv:2");
        assert!(json.get("calibration").is_some());
        assert!(json.get("per_target").is_none() && json.get("abstention").is_none());
    }
}
