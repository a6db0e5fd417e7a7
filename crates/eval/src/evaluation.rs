//! Scored predictions → a full evaluation: metrics (with SemEval's F_avg when the neutral label
//! is known), per-target metrics, calibration, abstention at a confidence threshold and the
//! worst errors. `stance evaluate` and `stance cv` both build their reports from these types;
//! `stance-report` renders them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stance_model::argmax;

use stance_metrics::Report;

/// Number of equal-width confidence bins in a reliability table.
pub const RELIABILITY_BINS: usize = 10;

/// How many of the most confident wrong predictions an evaluation keeps.
pub const WORST_ERRORS: usize = 10;

/// One scored row: its text, true label and the model's probability of every label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredRow {
    /// The text that was classified.
    pub text: String,
    /// Where it came from (for example `file.tsv:12` or an article name), for reports.
    pub source: String,
    /// Index of the true label.
    pub truth: usize,
    /// Probability of each label, in label order.
    pub probabilities: Vec<f64>,
    /// The row's stance target, when the data has a target column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl ScoredRow {
    /// Index of the predicted (most probable) label.
    pub fn predicted(&self) -> usize {
        argmax(&self.probabilities).unwrap_or(0)
    }

    /// Probability of the predicted label.
    pub fn confidence(&self) -> f64 {
        self.probabilities.get(self.predicted()).copied().unwrap_or(0.0)
    }
}

/// One bin of a reliability table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the confidence bin (inclusive, except the first bin includes 0).
    pub lower: f64,
    /// Upper edge (inclusive).
    pub upper: f64,
    /// Rows whose confidence falls in the bin.
    pub count: usize,
    /// Mean confidence of those rows (0 when empty).
    pub mean_confidence: f64,
    /// Fraction of those rows predicted correctly (0 when empty).
    pub accuracy: f64,
}

/// Calibration of the predicted label's probability: equal-width bins over [0, 1] and the
/// expected calibration error, `Σ_b (n_b / n) · |accuracy_b − confidence_b|`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// The bins, lowest confidence first.
    pub bins: Vec<ReliabilityBin>,
    /// Expected calibration error (0 = perfectly calibrated).
    pub ece: f64,
}

impl Reliability {
    /// Bins `confidence[i]` (probability of the predicted label) with `correct[i]`.
    ///
    /// # Panics
    ///
    /// Panics when the two slices differ in length or `n_bins` is 0.
    pub fn from_confidences(confidence: &[f64], correct: &[bool], n_bins: usize) -> Self {
        assert_eq!(confidence.len(), correct.len(), "one correctness flag per confidence");
        assert!(n_bins > 0, "at least one bin");
        let mut count = vec![0usize; n_bins];
        let mut confidence_sum = vec![0.0f64; n_bins];
        let mut correct_sum = vec![0usize; n_bins];
        for (&c, &ok) in confidence.iter().zip(correct) {
            let c = if c.is_finite() { c.clamp(0.0, 1.0) } else { 0.0 };
            // Bins are (lower, upper]; a confidence of exactly 0 goes to the first bin.
            let bin = ((c * n_bins as f64).ceil() as usize).saturating_sub(1).min(n_bins - 1);
            count[bin] += 1;
            confidence_sum[bin] += c;
            correct_sum[bin] += usize::from(ok);
        }
        let n = confidence.len() as f64;
        let mut ece = 0.0;
        let bins = (0..n_bins)
            .map(|b| {
                let (mean_confidence, accuracy) = if count[b] == 0 {
                    (0.0, 0.0)
                } else {
                    (confidence_sum[b] / count[b] as f64, correct_sum[b] as f64 / count[b] as f64)
                };
                if count[b] > 0 {
                    ece += count[b] as f64 / n * (accuracy - mean_confidence).abs();
                }
                ReliabilityBin {
                    lower: b as f64 / n_bins as f64,
                    upper: (b + 1) as f64 / n_bins as f64,
                    count: count[b],
                    mean_confidence,
                    accuracy,
                }
            })
            .collect();
        Self { bins, ece }
    }
}

/// A wrong prediction, for the "worst errors" list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mistake {
    /// Where the row came from.
    pub source: String,
    /// The text.
    pub text: String,
    /// True label.
    pub truth: String,
    /// Predicted label.
    pub predicted: String,
    /// Probability the model gave its (wrong) prediction.
    pub confidence: f64,
}

/// What temperature scaling did to the calibration of an evaluation's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemperatureEffect {
    /// The model's temperature (logits are divided by it before the softmax).
    pub temperature: f64,
    /// What held-out data the temperature was fitted on.
    pub fitted_on: String,
    /// ECE of the probabilities without the temperature (T = 1).
    pub ece_uncalibrated: f64,
    /// ECE of the calibrated probabilities (the same as [`Reliability::ece`]).
    pub ece_calibrated: f64,
}

/// Accuracy when predictions below a confidence threshold are left undecided.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CoveragePoint {
    /// Predictions whose top probability is below this are undecided.
    pub min_confidence: f64,
    /// Decided rows.
    pub decided: usize,
    /// Decided rows / all rows (0 when there are no rows).
    pub coverage: f64,
    /// Accuracy on the decided rows (0 when none is decided).
    pub accuracy: f64,
    /// Macro-F1 over all labels on the decided rows (0 when none is decided).
    pub macro_f1: f64,
}

/// Abstention: the model answers only when its top probability reaches a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Abstention {
    /// The threshold asked for, with its coverage and the metrics of the decided rows.
    #[serde(flatten)]
    pub at: CoveragePoint,
    /// All rows.
    pub n: usize,
    /// Coverage and accuracy over [`ABSTENTION_THRESHOLDS`] and the threshold asked for,
    /// ascending.
    pub curve: Vec<CoveragePoint>,
}

/// Thresholds of the coverage-vs-accuracy table (the requested one is added).
pub const ABSTENTION_THRESHOLDS: [f64; 7] = [0.34, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

impl Abstention {
    /// Coverage and metrics of `rows` when predictions with a top probability below
    /// `min_confidence` are undecided, plus the curve over [`ABSTENTION_THRESHOLDS`].
    pub fn from_rows(labels: &[String], rows: &[ScoredRow], min_confidence: f64) -> Self {
        let mut thresholds: Vec<f64> = ABSTENTION_THRESHOLDS.to_vec();
        thresholds.push(min_confidence);
        thresholds.sort_by(f64::total_cmp);
        thresholds.dedup();
        Self {
            at: coverage_point(labels, rows, min_confidence),
            n: rows.len(),
            curve: thresholds.into_iter().map(|t| coverage_point(labels, rows, t)).collect(),
        }
    }
}

fn coverage_point(labels: &[String], rows: &[ScoredRow], min_confidence: f64) -> CoveragePoint {
    let decided: Vec<&ScoredRow> = rows.iter().filter(|r| r.confidence() >= min_confidence).collect();
    let truth: Vec<usize> = decided.iter().map(|r| r.truth).collect();
    let predicted: Vec<usize> = decided.iter().map(|r| r.predicted()).collect();
    let report = Report::from_predictions(labels, &truth, &predicted);
    let coverage = if rows.is_empty() { 0.0 } else { decided.len() as f64 / rows.len() as f64 };
    CoveragePoint {
        min_confidence,
        decided: decided.len(),
        coverage,
        accuracy: report.accuracy,
        macro_f1: if decided.is_empty() { 0.0 } else { report.macro_f1 },
    }
}

/// The metrics of each stance target's rows (rows without a target are left out), keyed by
/// target; empty when no row has a target. `neutral` gives each report its F_avg.
///
/// # Panics
///
/// As [`Report::from_predictions_with_neutral`].
pub fn per_target_reports(
    labels: &[String],
    rows: &[ScoredRow],
    neutral: Option<&str>,
) -> BTreeMap<String, Report> {
    let mut by_target: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for row in rows {
        if let Some(target) = &row.target {
            let (truth, predicted) = by_target.entry(target).or_default();
            truth.push(row.truth);
            predicted.push(row.predicted());
        }
    }
    by_target
        .into_iter()
        .map(|(target, (truth, predicted))| {
            (target.to_owned(), Report::from_predictions_with_neutral(labels, &truth, &predicted, neutral))
        })
        .collect()
}

/// Everything an accuracy report shows about one set of scored rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Metrics and confusion matrix.
    pub report: Report,
    /// Calibration of the predicted label's probability.
    pub reliability: Reliability,
    /// The most confident wrong predictions, most confident first (at most [`WORST_ERRORS`]).
    pub worst_errors: Vec<Mistake>,
    /// The same metrics on each stance target's rows (see [`per_target_reports`]); empty when
    /// the rows carry no targets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_target: BTreeMap<String, Report>,
    /// ECE with and without the model's temperature, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<TemperatureEffect>,
    /// Coverage and accuracy at a confidence threshold, when one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abstention: Option<Abstention>,
}

impl Evaluation {
    /// Evaluates `rows` whose label indices point into `labels`.
    pub fn from_rows(labels: &[String], rows: &[ScoredRow]) -> Self {
        Self::from_rows_with_neutral(labels, rows, None)
    }

    /// [`Evaluation::from_rows`], with F_avg (overall and per target) when `neutral` names the
    /// neutral label.
    ///
    /// # Panics
    ///
    /// When `neutral` is not one of `labels`, or a row's label index is out of range.
    pub fn from_rows_with_neutral(labels: &[String], rows: &[ScoredRow], neutral: Option<&str>) -> Self {
        let truth: Vec<usize> = rows.iter().map(|r| r.truth).collect();
        let predicted: Vec<usize> = rows.iter().map(ScoredRow::predicted).collect();
        let mut report = Report::from_predictions_with_neutral(labels, &truth, &predicted, neutral);
        if rows.iter().any(|r| r.target.is_some()) {
            let targets: Vec<Option<&str>> = rows.iter().map(|r| r.target.as_deref()).collect();
            report.set_baseline_by_group(&truth, &targets, neutral);
        }
        let confidence: Vec<f64> = rows.iter().map(ScoredRow::confidence).collect();
        let correct: Vec<bool> = truth.iter().zip(&predicted).map(|(t, p)| t == p).collect();
        let reliability = Reliability::from_confidences(&confidence, &correct, RELIABILITY_BINS);
        let mut wrong: Vec<&ScoredRow> = rows.iter().filter(|r| r.predicted() != r.truth).collect();
        wrong.sort_by(|a, b| b.confidence().total_cmp(&a.confidence()));
        let worst_errors = wrong
            .into_iter()
            .take(WORST_ERRORS)
            .map(|r| Mistake {
                source: r.source.clone(),
                text: r.text.clone(),
                truth: labels[r.truth].clone(),
                predicted: labels[r.predicted()].clone(),
                confidence: r.confidence(),
            })
            .collect();
        let per_target = per_target_reports(labels, rows, neutral);
        Self { report, reliability, worst_errors, per_target, temperature: None, abstention: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_bins_and_ece_by_hand() {
        // Two rows at 0.95 (one right), two at 0.55 (both right), one at 0.0.
        let r = Reliability::from_confidences(
            &[0.95, 0.95, 0.55, 0.55, 0.0],
            &[true, false, true, true, false],
            10,
        );
        assert_eq!(r.bins.len(), 10);
        assert_eq!(r.bins[9].count, 2);
        assert_eq!(r.bins[5].count, 2);
        assert_eq!(r.bins[0].count, 1);
        assert!((r.bins[9].accuracy - 0.5).abs() < 1e-12);
        assert!((r.bins[5].mean_confidence - 0.55).abs() < 1e-12);
        // ECE = 2/5·|0.5−0.95| + 2/5·|1−0.55| + 1/5·|0−0| = 0.18 + 0.18 = 0.36.
        assert!((r.ece - 0.36).abs() < 1e-12, "{}", r.ece);
        // Bin b spans (b/10, (b+1)/10].
        for (b, bin) in r.bins.iter().enumerate() {
            assert!((bin.lower - b as f64 / 10.0).abs() < 1e-12, "{b}: {bin:?}");
            assert!((bin.upper - (b + 1) as f64 / 10.0).abs() < 1e-12, "{b}: {bin:?}");
        }
        assert_eq!((r.bins[0].lower, r.bins[9].upper), (0.0, 1.0));
        // No rows: empty bins and an ECE of 0, not NaN.
        let empty = Reliability::from_confidences(&[], &[], 4);
        assert_eq!(empty.ece, 0.0);
        assert!(empty.bins.iter().all(|b| b.count == 0 && b.accuracy == 0.0 && b.mean_confidence == 0.0));
        assert_eq!(empty.bins.iter().map(|b| b.upper).collect::<Vec<_>>(), [0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn exact_bin_edges_go_to_the_lower_bin() {
        let r = Reliability::from_confidences(&[0.1, 1.0], &[true, true], 10);
        assert_eq!(r.bins[0].count, 1);
        assert_eq!(r.bins[9].count, 1);
    }

    #[test]
    fn worst_errors_are_the_most_confident_wrong_rows() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let row = |text: &str, truth, p: f64| ScoredRow {
            text: text.into(),
            source: format!("f:{text}"),
            truth,
            probabilities: vec![p, 1.0 - p],
            target: None,
        };
        let rows = [row("right", 0, 0.9), row("wrong-sure", 1, 0.95), row("wrong-unsure", 1, 0.6)];
        let e = Evaluation::from_rows(&labels, &rows);
        assert_eq!(e.report.n, 3);
        assert_eq!(e.worst_errors.len(), 2);
        assert_eq!(e.worst_errors[0].text, "wrong-sure");
        assert_eq!(e.worst_errors[0].predicted, "a");
        assert_eq!(e.worst_errors[0].truth, "b");
        assert!((e.worst_errors[0].confidence - 0.95).abs() < 1e-12);
        assert!(e.per_target.is_empty());
        assert!(serde_json::to_value(&e).unwrap().get("per_target").is_none());
    }

    fn semeval_row(target: Option<&str>, truth: usize, p: [f64; 3]) -> ScoredRow {
        ScoredRow {
            text: String::new(),
            source: String::new(),
            truth,
            probabilities: p.to_vec(),
            target: target.map(str::to_owned),
        }
    }

    #[test]
    fn per_target_reports_by_hand() {
        // Labels AGAINST FAVOR NONE (neutral NONE).
        // Atheism: truth A A F N, predicted A F F N
        //   AGAINST TP1 FN1 -> F1 2/3; FAVOR TP1 FP1 -> F1 2/3; NONE 1 -> F_avg 2/3,
        //   accuracy 3/4, macro (2/3 + 2/3 + 1)/3 = 7/9.
        // Climate: truth F N, predicted A N -> AGAINST F1 0 (FP), FAVOR F1 0 (FN), NONE 1;
        //   F_avg 0, accuracy 1/2, macro 1/3.
        // A row without a target counts overall only.
        let labels: Vec<String> = ["AGAINST", "FAVOR", "NONE"].iter().map(|s| s.to_string()).collect();
        let (a, f, n) = ([0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]);
        let rows = [
            semeval_row(Some("Atheism"), 0, a),
            semeval_row(Some("Atheism"), 0, f),
            semeval_row(Some("Atheism"), 1, f),
            semeval_row(Some("Atheism"), 2, n),
            semeval_row(Some("Climate"), 1, a),
            semeval_row(Some("Climate"), 2, n),
            semeval_row(None, 0, a),
        ];
        let e = Evaluation::from_rows_with_neutral(&labels, &rows, Some("NONE"));
        let close = |x: f64, y: f64| (x - y).abs() < 1e-12;
        assert_eq!(e.per_target.keys().collect::<Vec<_>>(), ["Atheism", "Climate"]);
        let atheism = &e.per_target["Atheism"];
        assert_eq!(atheism.n, 4);
        assert!(close(atheism.accuracy, 0.75) && close(atheism.macro_f1, 7.0 / 9.0));
        assert!(close(atheism.f_avg.unwrap(), 2.0 / 3.0));
        let climate = &e.per_target["Climate"];
        assert!(close(climate.accuracy, 0.5) && close(climate.macro_f1, 1.0 / 3.0));
        assert_eq!(climate.f_avg, Some(0.0));
        // Overall, pooled over all 7 rows: AGAINST TP2 FP1 FN1 -> 2/3, FAVOR TP1 FP1 FN1 -> 1/2.
        assert!(close(e.report.f_avg.unwrap(), (2.0 / 3.0 + 0.5) / 2.0));
        assert_eq!(e.report.n, 7);
        let json = serde_json::to_value(&e).unwrap();
        assert!(close(json["per_target"]["Atheism"]["f_avg"].as_f64().unwrap(), 2.0 / 3.0));
    }

    #[test]
    fn abstention_coverage_by_hand() {
        // Confidences 0.9 (right), 0.8 (wrong), 0.6 (right), 0.45 (wrong), 0.35 (right).
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let rows = [
            semeval_row(None, 0, [0.9, 0.05, 0.05]),
            semeval_row(None, 1, [0.8, 0.1, 0.1]),
            semeval_row(None, 2, [0.2, 0.2, 0.6]),
            semeval_row(None, 0, [0.3, 0.45, 0.25]),
            semeval_row(None, 1, [0.33, 0.35, 0.32]),
        ];
        let a = Abstention::from_rows(&labels, &rows, 0.55);
        // >= 0.55: rows 1-3 decided, 2 right.
        assert_eq!((a.n, a.at.decided), (5, 3));
        assert!((a.at.coverage - 0.6).abs() < 1e-12);
        assert!((a.at.accuracy - 2.0 / 3.0).abs() < 1e-12);
        let thresholds: Vec<f64> = a.curve.iter().map(|p| p.min_confidence).collect();
        assert_eq!(thresholds, [0.34, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9]);
        // Decided rows a→a, b→a, c→c: F1 a = 2/3, b = 0, c = 1; macro-F1 (2/3 + 0 + 1) / 3.
        assert!((a.at.macro_f1 - 5.0 / 9.0).abs() < 1e-12, "{}", a.at.macro_f1);
        // At 0.34 every row is decided: a→a, b→a, c→c, a→b, b→b. F1 a = 1/2 (TP 1, FP 1, FN 1),
        // b = 1/2, c = 1: macro-F1 2/3, where the support-weighted F1 (and the accuracy) is 3/5.
        let all = &a.curve[0];
        assert_eq!((all.min_confidence, all.decided, all.coverage), (0.34, 5, 1.0));
        assert!((all.accuracy - 0.6).abs() < 1e-12, "{}", all.accuracy);
        assert!((all.macro_f1 - 2.0 / 3.0).abs() < 1e-12, "{}", all.macro_f1);
        let decided: Vec<usize> = a.curve.iter().map(|p| p.decided).collect();
        assert_eq!(decided, [5, 4, 3, 3, 3, 2, 2, 1]);
        assert_eq!(a.curve[7].accuracy, 1.0);
        // Only the first row (a→a) reaches 0.9: F1 a = 1, b and c 0 (no rows), macro-F1 1/3.
        assert!((a.curve[7].macro_f1 - 1.0 / 3.0).abs() < 1e-12, "{}", a.curve[7].macro_f1);
        // Nothing decided: zeros, not NaN; the requested threshold is not listed twice.
        let none = Abstention::from_rows(&labels, &rows, 1.0);
        assert_eq!(
            (none.at.decided, none.at.coverage, none.at.accuracy, none.at.macro_f1),
            (0, 0.0, 0.0, 0.0)
        );
        assert_eq!(Abstention::from_rows(&labels, &rows, 0.5).curve.len(), 7);
        // No rows at all: coverage 0, not NaN.
        let empty = Abstention::from_rows(&labels, &[], 0.5);
        assert_eq!((empty.n, empty.at.decided, empty.at.coverage, empty.at.macro_f1), (0, 0, 0.0, 0.0));
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["decided"], 3);
        assert_eq!(json["curve"].as_array().unwrap().len(), 8);
    }
}
