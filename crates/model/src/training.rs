//! Training provenance stored in a model file: what the model was trained on and how.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use stance_metrics::CvSummary;

/// How the solver ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverReport {
    /// Solver name, e.g. `linfa-logistic (L-BFGS, dense)`.
    pub solver: String,
    /// Value of the training objective at the returned weights.
    pub objective: f64,
    /// Euclidean norm of the objective's gradient at the returned weights.
    pub gradient_norm: f64,
    /// Whether the gradient norm is within the configured tolerance.
    pub converged: bool,
}

/// What the model was trained on and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    /// Version of stance that trained the model.
    pub stance_version: String,
    /// File name (without directories) of the training data.
    pub data_file: String,
    /// SHA-256 of the training data file's bytes.
    pub data_sha256: String,
    /// Training rows.
    pub rows: usize,
    /// Training rows per label.
    pub rows_per_label: BTreeMap<String, usize>,
    /// The training options, as the trainer records them (written with sorted keys, see
    /// [`TrainingOptions::to_value`]).
    #[serde(serialize_with = "sorted")]
    pub options: TrainingOptions,
    /// How the solver ended.
    pub solver: SolverReport,
    /// Cross-validation summary computed at training time, if any (written with sorted keys,
    /// as earlier builds wrote it as a `serde_json::Value`, so old files read back to the same
    /// bytes).
    #[serde(serialize_with = "sorted")]
    pub cross_validation: Option<CvSummary>,
    /// Accuracy on one held-out fold, measured instead of a cross-validation on data too large
    /// for one to be cheap (format 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_out: Option<HeldOutEstimate>,
}

/// Accuracy of a model fitted on all rows but one held-out fold, measured on that fold: the
/// cheap estimate `stance train` stores for large data (one extra fit, not one per fold).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldOutEstimate {
    /// Which rows were held out, e.g. `fold 1 of 10 stratified by label, seed 42`.
    pub held_out: String,
    /// Rows the estimating model was fitted on.
    pub n_train: usize,
    /// Held-out rows it was scored on.
    pub n_test: usize,
    /// Accuracy on the held-out rows.
    pub accuracy: f64,
    /// Macro-F1 over the labels that occur in the held-out truth or predictions.
    pub macro_f1: f64,
    /// Support-weighted F1.
    pub weighted_f1: f64,
    /// SemEval's F_avg over the stance labels; `None` when no neutral label is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f_avg: Option<f64>,
    /// F1 of every label with held-out rows or predictions.
    pub per_class_f1: BTreeMap<String, f64>,
    /// Whether the estimating model's solver converged.
    pub converged: bool,
}

/// The options of the training run, as `stance train` and `stance tune` record them.
///
/// The file stores them as a JSON object with sorted keys (how earlier builds wrote a
/// `serde_json::Value`), and keys this build does not know land in [`TrainingOptions::extra`],
/// so every model file reads back to the same bytes and its checksum still holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingOptions {
    /// The trainer's hyperparameters (`stance_train::TrainParams`: the feature config,
    /// `alpha`, the solver settings), as JSON since this crate does not know the trainer.
    pub params: Value,
    /// Columns read from the data file.
    pub columns: ColumnNames,
    /// The neutral label asked for; `None` when it was detected (or there is none).
    pub neutral_label: Option<String>,
    /// Cross-validation run at training time, if any.
    pub cross_validation: Option<CvOptions>,
    /// The held-out estimate run instead of a cross-validation: one fold of `folds` held out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_out: Option<CvOptions>,
    /// How the model uses the rows' stance targets; absent for a pooled model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<TargetOptions>,
    /// Temperature scaling asked for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationOptions>,
    /// Topic terms given by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topic_terms: Vec<String>,
    /// Any other key: `tuned` (what `stance tune` chose the options from), or keys of a
    /// newer or older build, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TrainingOptions {
    /// The options as the JSON object the file stores: every object's keys sorted.
    pub fn to_value(&self) -> Value {
        // `serde_json::Value` objects are sorted maps, so this sorts the typed fields and the
        // flattened extra keys together.
        serde_json::to_value(self).expect("training options always serialize")
    }
}

/// Serializes `value` with every object's keys sorted (`serde_json::Value` objects are sorted
/// maps).
fn sorted<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(value).map_err(serde::ser::Error::custom)?.serialize(serializer)
}

/// The data file's columns (or JSONL keys) training read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnNames {
    /// The sentence text.
    pub text: String,
    /// The label.
    pub label: String,
    /// The group id (e.g. the source document), for grouped folds.
    pub group: Option<String>,
    /// The stance target of the row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Whether the row is about the target at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// Cross-validation run at training time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CvOptions {
    /// Number of folds.
    pub folds: usize,
    /// Shuffle seed for stratified folds.
    pub seed: u64,
    /// Folded by the data's group column.
    pub grouped: bool,
}

/// How the model uses the rows' stance targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetOptions {
    /// `per_target` or `conjoined`.
    pub strategy: String,
    /// Per-target only: the pooled model was also trained, for unknown targets.
    pub pooled_fallback: bool,
}

/// Temperature scaling asked for at training time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationOptions {
    /// Shuffle seed of the held-out fold.
    pub seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_keep_unknown_keys_and_write_every_key_sorted() {
        let stored = r#"{"zeta":1,"columns":{"text":"text","label":"label","group":null},"params":{"b":1,"a":2},"neutral_label":null,"cross_validation":{"folds":5,"seed":42,"grouped":true},"aaa":[true]}"#;
        let options: TrainingOptions = serde_json::from_str(stored).unwrap();
        assert_eq!(options.cross_validation, Some(CvOptions { folds: 5, seed: 42, grouped: true }));
        assert_eq!(options.extra.keys().collect::<Vec<_>>(), ["aaa", "zeta"]);
        let written = serde_json::to_string(&options.to_value()).unwrap();
        assert_eq!(
            written,
            r#"{"aaa":[true],"columns":{"group":null,"label":"label","text":"text"},"cross_validation":{"folds":5,"grouped":true,"seed":42},"neutral_label":null,"params":{"a":2,"b":1},"zeta":1}"#
        );
    }
}
