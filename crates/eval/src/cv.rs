//! The cross-validation report: the stored summary (`stance-metrics`' [`CvSummary`]) with the
//! out-of-fold predictions it came from, and what is derived from them (F_avg once the neutral
//! label is known, per-target reports, calibration). The loop that fills it is
//! `stance-train`'s; `stance-report` renders it.

use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Serialize};
use stance_metrics::{CvSummary, MeanStd, Report};

use crate::evaluation::{per_target_reports, Evaluation, ScoredRow};

/// A cross-validation report: the stored [`CvSummary`] (reached through `Deref`) and the
/// out-of-fold predictions it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// What the cross-validation scored; serialized as the report's own keys.
    #[serde(flatten)]
    pub summary: CvSummary,
    /// Every row's out-of-fold prediction, in row order (not serialized: it holds the texts).
    #[serde(skip)]
    pub out_of_fold: Vec<ScoredRow>,
    /// Each fold's full report, in fold order (not serialized; empty when read back).
    #[serde(skip)]
    pub fold_reports: Vec<Report>,
}

impl From<CvSummary> for CvReport {
    /// A report read back from its summary (a model file's): no rows, no fold reports.
    fn from(summary: CvSummary) -> Self {
        CvReport { summary, out_of_fold: Vec::new(), fold_reports: Vec::new() }
    }
}

impl Deref for CvReport {
    type Target = CvSummary;

    fn deref(&self) -> &CvSummary {
        &self.summary
    }
}

impl DerefMut for CvReport {
    fn deref_mut(&mut self) -> &mut CvSummary {
        &mut self.summary
    }
}

impl CvReport {
    /// Names the neutral label (F_avg per fold, as mean ± std and pooled; `None` clears them)
    /// and gives the out-of-fold rows their stance targets (`targets[i]` of row `i`, in row
    /// order; an empty slice leaves them as they are), which adds the pooled per-target
    /// reports.
    ///
    /// # Panics
    ///
    /// When `neutral` is not one of the labels or `targets` is neither empty nor one per row.
    pub fn annotate(&mut self, neutral: Option<&str>, targets: &[Option<String>]) {
        if !targets.is_empty() {
            assert_eq!(targets.len(), self.out_of_fold.len(), "one target per row");
            for (row, target) in self.out_of_fold.iter_mut().zip(targets) {
                row.target.clone_from(target);
            }
        }
        self.summary.neutral_label = neutral.map(str::to_owned);
        self.summary.pooled.set_neutral_label(neutral);
        for (summary, report) in self.summary.per_fold.iter_mut().zip(&self.fold_reports) {
            summary.f_avg = neutral.map(|n| report.mean_f1_over_observed_labels(Some(n)));
        }
        self.summary.mean.f_avg = neutral
            .map(|_| MeanStd::of(&self.summary.per_fold.iter().filter_map(|f| f.f_avg).collect::<Vec<_>>()));
        self.summary.per_target =
            per_target_reports(&self.summary.pooled.confusion.labels, &self.out_of_fold, neutral);
        if self.out_of_fold.iter().any(|r| r.target.is_some()) {
            let truth: Vec<usize> = self.out_of_fold.iter().map(|r| r.truth).collect();
            let targets: Vec<Option<&str>> = self.out_of_fold.iter().map(|r| r.target.as_deref()).collect();
            self.summary.pooled.set_baseline_by_group(&truth, &targets, neutral);
        }
    }

    /// Calibration and worst errors of the pooled out-of-fold predictions (empty for a report
    /// read back from JSON, which does not keep them), with F_avg and per-target metrics when
    /// [`CvReport::annotate`] named the neutral label and targets.
    pub fn evaluation(&self) -> Evaluation {
        Evaluation::from_rows_with_neutral(
            &self.pooled.confusion.labels,
            &self.out_of_fold,
            self.neutral_label.as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use stance_metrics::{CvMeans, FoldStrategy, FoldSummary};

    use super::*;

    /// A two-fold report over 12 rows of labels a (neutral), b, c, as the CV loop builds it.
    fn report() -> CvReport {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let truth: Vec<usize> = (0..12).map(|i| i / 4).collect();
        // Fold 1 (even rows) is all right; fold 2 (odd rows) calls every c a b.
        let predicted: Vec<usize> =
            truth.iter().enumerate().map(|(i, &t)| if i % 2 == 1 && t == 2 { 1 } else { t }).collect();
        let out_of_fold: Vec<ScoredRow> = (0..12)
            .map(|i| {
                let mut probabilities = vec![0.1; 3];
                probabilities[predicted[i]] = 0.8;
                ScoredRow {
                    text: format!("row {i}"),
                    source: format!("row {}", i + 1),
                    truth: truth[i],
                    probabilities,
                    target: None,
                }
            })
            .collect();
        let fold_reports: Vec<Report> = (0..2)
            .map(|fold| {
                let rows: Vec<usize> = (0..12).filter(|i| i % 2 == fold).collect();
                let t: Vec<usize> = rows.iter().map(|&i| truth[i]).collect();
                let p: Vec<usize> = rows.iter().map(|&i| predicted[i]).collect();
                Report::from_predictions(&labels, &t, &p)
            })
            .collect();
        let per_fold: Vec<FoldSummary> = fold_reports
            .iter()
            .enumerate()
            .map(|(fold, r)| FoldSummary {
                fold: fold + 1,
                test_groups: vec![],
                n_train: 6,
                n_test: 6,
                accuracy: r.accuracy,
                macro_f1: r.mean_f1_over_observed_labels(None),
                weighted_f1: r.weighted_f1,
                f_avg: None,
                converged: true,
            })
            .collect();
        let mean = CvMeans::of(&per_fold, BTreeMap::new());
        let summary = CvSummary {
            strategy: FoldStrategy::Stratified { seed: 3 },
            folds: 2,
            n: 12,
            per_fold,
            mean,
            pooled: Report::from_predictions(&labels, &truth, &predicted),
            neutral_label: None,
            per_target: BTreeMap::new(),
        };
        CvReport { summary, out_of_fold, fold_reports }
    }

    #[test]
    fn annotate_adds_f_avg_per_fold_pooled_and_per_target() {
        let mut report = report();
        let targets: Vec<Option<String>> =
            (0..12).map(|i| Some(if i < 6 { "first" } else { "second" }.to_owned())).collect();
        report.annotate(Some("a"), &targets);
        let pooled = &report.pooled.per_class;
        assert_eq!(report.pooled.f_avg, Some((pooled["b"].f1 + pooled["c"].f1) / 2.0));
        assert_eq!(report.per_fold[0].f_avg, Some(1.0));
        let full = &report.fold_reports[1];
        let expected = (full.per_class["b"].f1 + full.per_class["c"].f1) / 2.0;
        assert!((report.per_fold[1].f_avg.unwrap() - expected).abs() < 1e-12);
        assert_eq!(report.mean.f_avg, Some(MeanStd::of(&[1.0, expected])));
        assert_eq!(report.per_target.keys().collect::<Vec<_>>(), ["first", "second"]);
        let evaluation = report.evaluation();
        assert_eq!(evaluation.per_target, report.per_target);
        assert_eq!(evaluation.report.f_avg, report.pooled.f_avg);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["neutral_label"], "a");
        assert!(json.get("out_of_fold").is_none() && json.get("fold_reports").is_none());
        let back: CvReport = serde_json::from_value(json).unwrap();
        assert!(back.out_of_fold.is_empty() && back.fold_reports.is_empty());
        report.annotate(None, &[]);
        assert!(report.pooled.f_avg.is_none() && report.mean.f_avg.is_none());
        assert!(report.per_fold.iter().all(|f| f.f_avg.is_none()));
    }
}
