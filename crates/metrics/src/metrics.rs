//! Classification metrics: what a set of predictions scores, as numbers.
//!
//! [`Report::from_predictions`] computes per-class precision, recall and F1, accuracy, macro and
//! weighted F1 and the confusion matrix, with the same definitions as scikit-learn's
//! `classification_report(..., labels=..., zero_division=0)`.
//! [`Report::from_predictions_with_neutral`] adds SemEval's F_avg, the mean F1 of the stance
//! labels (every label but the neutral one), computed by [`f_avg`], the one definition every
//! caller uses. [`MeanStd`] summarises a metric over cross-validation folds. Rendering these as
//! text, HTML or Markdown is `stance-report`'s job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// TP / (TP + FP); 0 when the class was never predicted.
    pub precision: f64,
    /// TP / (TP + FN); 0 when the class has no true rows (support 0).
    pub recall: f64,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: f64,
    /// Number of rows whose true label is this class.
    pub support: usize,
}

/// Confusion matrix: rows = true label, columns = predicted label, both in `labels` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Label names; index `i` names row `i` and column `i` of `matrix`.
    pub labels: Vec<String>,
    /// `matrix[t][p]` counts rows with true label `t` that were predicted as `p`.
    pub matrix: Vec<Vec<usize>>,
}

/// Accuracy report over one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Number of scored rows.
    pub n: usize,
    /// Fraction of rows predicted correctly; 0 when `n` is 0.
    pub accuracy: f64,
    /// Unweighted mean of F1 over every label in `confusion.labels`, including labels with no
    /// true rows in this set (their F1 is 0). This matches scikit-learn when `labels=` is given.
    pub macro_f1: f64,
    /// Support-weighted mean of F1; 0 when `n` is 0.
    pub weighted_f1: f64,
    /// SemEval-2016 Task 6's official score: the mean F1 of every label except the neutral
    /// one (for SemEval, (F1 FAVOR + F1 AGAINST) / 2), pooled over all rows. `None` when no
    /// neutral label is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f_avg: Option<f64>,
    /// Metrics of each label, keyed (and therefore sorted) by label name.
    pub per_class: BTreeMap<String, ClassMetrics>,
    /// Confusion matrix in label-index order.
    pub confusion: Confusion,
    /// What the majority-class rule scores on the same rows, to read every metric against;
    /// `None` when there are no rows (and in reports written before baselines existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
}

/// The metrics of a rule that ignores the text: every row gets the most frequent true label of
/// its rows (of all rows, or of its stance target's rows). A model is only useful by what it
/// adds to this: always-neutral can score 0.68 accuracy on the seed corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// What the rule predicts, e.g. `always neutral` or `the majority label of each target`.
    pub rule: String,
    /// Accuracy of the rule.
    pub accuracy: f64,
    /// Macro-F1 of the rule (over every label, as [`Report::macro_f1`]).
    pub macro_f1: f64,
    /// Support-weighted F1 of the rule.
    pub weighted_f1: f64,
    /// F_avg of the rule, when the neutral label is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f_avg: Option<f64>,
    /// F1 of each label under the rule (what F_avg is recomputed from).
    pub per_class_f1: BTreeMap<String, f64>,
}

impl Baseline {
    /// The rule that predicts `predicted[i]` for row `i`, described by `rule`, scored
    /// against `truth`.
    fn of_predictions(
        rule: String,
        labels: &[String],
        truth: &[usize],
        predicted: &[usize],
        neutral: Option<&str>,
    ) -> Baseline {
        let report = Report::without_baseline(labels, truth, predicted, neutral);
        Baseline {
            rule,
            accuracy: report.accuracy,
            macro_f1: report.macro_f1,
            weighted_f1: report.weighted_f1,
            f_avg: report.f_avg,
            per_class_f1: report.per_class.iter().map(|(label, m)| (label.clone(), m.f1)).collect(),
        }
    }

    /// Every row gets the most frequent label of `truth` (ties: the first in label order);
    /// `None` when there are no rows.
    pub fn majority(labels: &[String], truth: &[usize], neutral: Option<&str>) -> Option<Baseline> {
        let label = most_frequent(labels.len(), truth.iter().copied())?;
        let predicted = vec![label; truth.len()];
        Some(Self::of_predictions(format!("always {}", labels[label]), labels, truth, &predicted, neutral))
    }

    /// Every row gets the most frequent true label among the rows of its group (a stance
    /// target; rows without one form one group), as SemEval-2016's majority baseline does per
    /// target. `None` when there are no rows.
    ///
    /// # Panics
    ///
    /// When `groups` is not one per row.
    pub fn majority_per_group(
        labels: &[String],
        truth: &[usize],
        groups: &[Option<&str>],
        neutral: Option<&str>,
    ) -> Option<Baseline> {
        assert_eq!(truth.len(), groups.len(), "one group per row");
        let mut members: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
        for (row, group) in groups.iter().enumerate() {
            members.entry(*group).or_default().push(row);
        }
        if members.len() <= 1 {
            return Self::majority(labels, truth, neutral);
        }
        let mut predicted = vec![0; truth.len()];
        for rows in members.values() {
            let label = most_frequent(labels.len(), rows.iter().map(|&r| truth[r]))?;
            for &row in rows {
                predicted[row] = label;
            }
        }
        let rule = "the majority label of each target".to_owned();
        Some(Self::of_predictions(rule, labels, truth, &predicted, neutral))
    }

    /// Recomputes [`Baseline::f_avg`] for `neutral` (as [`f_avg`] does for a report).
    fn set_neutral_label(&mut self, neutral: Option<&str>) {
        self.f_avg = neutral.map(|neutral| {
            let stance: Vec<f64> =
                self.per_class_f1.iter().filter(|(label, _)| *label != neutral).map(|(_, f1)| *f1).collect();
            ratio(stance.iter().sum(), stance.len() as f64)
        });
    }
}

/// The most frequent of `values` (indices below `k`), the smallest index on ties; `None` when
/// there is none.
fn most_frequent(k: usize, values: impl Iterator<Item = usize>) -> Option<usize> {
    let mut counts = vec![0usize; k];
    let mut any = false;
    for v in values {
        counts[v] += 1;
        any = true;
    }
    // `max_by_key` keeps the last maximum; iterating in reverse makes that the first index.
    any.then(|| (0..k).rev().max_by_key(|&i| counts[i]).unwrap_or(0))
}

/// `num / den`, or 0 when `den` is 0 (scikit-learn's `zero_division=0`).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

impl Report {
    /// Scores `predicted` against `truth`.
    ///
    /// `labels` names label indices; `truth[i]` and `predicted[i]` are indices into `labels`.
    /// Every label in `labels` gets a `per_class` entry and a row and column in the confusion
    /// matrix, even when it never occurs in `truth` or `predicted`; such a label has precision,
    /// recall and F1 of 0 and still counts towards `macro_f1`.
    ///
    /// # Panics
    ///
    /// Panics on programmer error: when `truth` and `predicted` differ in length, when an index
    /// is not below `labels.len()`, or when `labels` contains the same name twice (the name
    /// keys `per_class`).
    pub fn from_predictions(labels: &[String], truth: &[usize], predicted: &[usize]) -> Report {
        Self::from_predictions_with_neutral(labels, truth, predicted, None)
    }

    /// [`Report::from_predictions`] plus [`Report::f_avg`] when `neutral` names the neutral
    /// label.
    ///
    /// # Panics
    ///
    /// As [`Report::from_predictions`], and when `neutral` is not one of `labels`.
    pub fn from_predictions_with_neutral(
        labels: &[String],
        truth: &[usize],
        predicted: &[usize],
        neutral: Option<&str>,
    ) -> Report {
        let mut report = Self::without_baseline(labels, truth, predicted, neutral);
        report.baseline = Baseline::majority(labels, truth, neutral);
        report
    }

    /// Replaces the baseline with the majority label of each row's group (see
    /// [`Baseline::majority_per_group`]).
    ///
    /// # Panics
    ///
    /// When `truth` or `groups` is not one per row of the report, or `neutral` is not a label.
    pub fn set_baseline_by_group(&mut self, truth: &[usize], groups: &[Option<&str>], neutral: Option<&str>) {
        assert_eq!(truth.len(), self.n, "one truth per row");
        self.baseline = Baseline::majority_per_group(&self.confusion.labels, truth, groups, neutral);
    }

    fn without_baseline(
        labels: &[String],
        truth: &[usize],
        predicted: &[usize],
        neutral: Option<&str>,
    ) -> Report {
        assert_eq!(
            truth.len(),
            predicted.len(),
            "truth has {} rows but predicted has {}",
            truth.len(),
            predicted.len()
        );
        let k = labels.len();
        let mut matrix = vec![vec![0usize; k]; k];
        for (row, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            assert!(t < k, "truth[{row}] = {t} is not a label index (there are {k} labels)");
            assert!(p < k, "predicted[{row}] = {p} is not a label index (there are {k} labels)");
            matrix[t][p] += 1;
        }

        let n = truth.len();
        let correct: usize = (0..k).map(|i| matrix[i][i]).sum();
        let mut per_class = BTreeMap::new();
        let mut f1_sum = 0.0;
        let mut weighted_f1_sum = 0.0;
        for (i, name) in labels.iter().enumerate() {
            let tp = matrix[i][i];
            let support: usize = matrix[i].iter().sum();
            let predicted_count: usize = matrix.iter().map(|row| row[i]).sum();
            let precision = ratio(tp as f64, predicted_count as f64);
            let recall = ratio(tp as f64, support as f64);
            // 2PR / (P + R) rewritten on counts as 2TP / (2TP + FP + FN) (as scikit-learn does);
            // the two agree exactly in value, and both are 0 when TP is 0.
            let fp = predicted_count - tp;
            let fn_ = support - tp;
            let f1 = ratio(2.0 * tp as f64, (2 * tp + fp + fn_) as f64);
            f1_sum += f1;
            weighted_f1_sum += f1 * support as f64;
            let previous = per_class.insert(name.clone(), ClassMetrics { precision, recall, f1, support });
            assert!(previous.is_none(), "label {name:?} appears more than once in labels");
        }

        let mut report = Report {
            n,
            accuracy: ratio(correct as f64, n as f64),
            macro_f1: ratio(f1_sum, k as f64),
            weighted_f1: ratio(weighted_f1_sum, n as f64),
            f_avg: None,
            per_class,
            confusion: Confusion { labels: labels.to_vec(), matrix },
            baseline: None,
        };
        report.set_neutral_label(neutral);
        report
    }

    /// Sets [`Report::f_avg`] for `neutral` as the neutral label (`None` clears it) with
    /// [`f_avg`]: the mean F1 of all other labels, 0 when there is no other label.
    ///
    /// # Panics
    ///
    /// When `neutral` is not one of the report's labels (programmer error: check user input
    /// against the labels first, for example with [`crate::resolve_neutral_label`]).
    pub fn set_neutral_label(&mut self, neutral: Option<&str>) {
        self.f_avg = neutral.map(|neutral| {
            assert!(
                self.per_class.contains_key(neutral),
                "neutral label {neutral:?} is not one of the labels {:?}",
                self.confusion.labels
            );
            f_avg(self, neutral)
        });
        if let Some(baseline) = &mut self.baseline {
            baseline.set_neutral_label(neutral);
        }
    }

    /// Mean F1 over the labels other than `except` that occur in the truth or the predictions
    /// (0 when none does), as scikit-learn averages when no label list is given: a label absent
    /// from this set of rows does not count as 0. With `except: None` this is the macro-F1 of a
    /// cross-validation fold; with the neutral label, the fold's F_avg.
    pub fn mean_f1_over_observed_labels(&self, except: Option<&str>) -> f64 {
        let confusion = &self.confusion;
        let observed: Vec<f64> = confusion
            .labels
            .iter()
            .enumerate()
            .filter(|&(i, label)| {
                if except == Some(label.as_str()) {
                    return false;
                }
                let support: usize = confusion.matrix[i].iter().sum();
                let predicted: usize = confusion.matrix.iter().map(|row| row[i]).sum();
                support + predicted > 0
            })
            .map(|(_, label)| self.per_class[label].f1)
            .collect();
        if observed.is_empty() {
            0.0
        } else {
            observed.iter().sum::<f64>() / observed.len() as f64
        }
    }
}

/// SemEval-2016 Task 6's F_avg of `report` with `neutral` as the neutral ("no stance") label:
/// the mean F1 of every other label of the report, pooled over its rows.
///
/// This is the one definition of F_avg: [`Report::set_neutral_label`], the evaluation and
/// cross-validation reports and the grid search all use it. When no label but `neutral` exists
/// (no stance label), F_avg is **0**, not undefined, like every other metric here
/// (scikit-learn's `zero_division=0`). Whether the neutral label is known at all is the
/// caller's `Option` (no neutral label, no F_avg). A `neutral` that is not one of the labels
/// leaves every label in the mean.
pub fn f_avg(report: &Report, neutral: &str) -> f64 {
    let stance: Vec<f64> =
        report.per_class.iter().filter(|(label, _)| *label != neutral).map(|(_, m)| m.f1).collect();
    ratio(stance.iter().sum(), stance.len() as f64)
}

/// Mean and (population, ddof=0 like numpy's default) standard deviation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Arithmetic mean.
    pub mean: f64,
    /// Population standard deviation (divides by `n`, not `n - 1`).
    pub std: f64,
}

impl MeanStd {
    /// Mean and population standard deviation of `values`; both 0 when `values` is empty.
    pub fn of(values: &[f64]) -> MeanStd {
        if values.is_empty() {
            return MeanStd { mean: 0.0, std: 0.0 };
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        // Two-pass variance: numerically steadier than E[x²] - E[x]².
        let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        MeanStd { mean, std: variance.sqrt() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-12;

    #[test]
    fn majority_baseline_by_hand() {
        // Truth n n n s o (labels neutral, oppose, support): always neutral is right 3 of 5;
        // F1 neutral = 2·3 / (2·3 + 2) = 3/4, the stance labels 0, so macro-F1 1/4, F_avg 0.
        let labels = names(&["neutral", "oppose", "support"]);
        let truth = [0, 0, 0, 2, 1];
        let report =
            Report::from_predictions_with_neutral(&labels, &truth, &[2, 2, 0, 2, 1], Some("neutral"));
        let baseline = report.baseline.clone().unwrap();
        assert_eq!(baseline.rule, "always neutral");
        assert!((baseline.accuracy - 0.6).abs() < EPS);
        assert!((baseline.macro_f1 - 0.25).abs() < EPS);
        assert!((baseline.weighted_f1 - 0.45).abs() < EPS);
        assert_eq!(baseline.f_avg, Some(0.0));
        // Per target: t1 = rows 0-2 (neutral), t2 = rows 3-4 (a tie oppose/support: oppose,
        // the first label). Predicted n n n o o: 4 of 5 right; F1 oppose 2/3, support 0.
        let mut by_target = report.clone();
        by_target.set_baseline_by_group(
            &truth,
            &[Some("t1"), Some("t1"), Some("t1"), Some("t2"), Some("t2")],
            Some("neutral"),
        );
        let grouped = by_target.baseline.unwrap();
        assert_eq!(grouped.rule, "the majority label of each target");
        assert!((grouped.accuracy - 0.8).abs() < EPS);
        assert!((grouped.f_avg.unwrap() - 1.0 / 3.0).abs() < EPS);
        // One group is the plain majority; no rows, no baseline.
        let mut one = report.clone();
        one.set_baseline_by_group(&truth, &[None; 5], Some("neutral"));
        assert_eq!(one.baseline, report.baseline);
        assert!(Report::from_predictions(&labels, &[], &[]).baseline.is_none());
        // Naming another neutral label recomputes the baseline's F_avg: without support,
        // (3/4 + 0) / 2.
        let mut renamed = report;
        renamed.set_neutral_label(Some("support"));
        assert!((renamed.baseline.unwrap().f_avg.unwrap() - 0.375).abs() < EPS);
    }

    fn names(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|s| s.to_string()).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < EPS
    }

    fn assert_class(m: &ClassMetrics, precision: f64, recall: f64, f1: f64, support: usize) {
        assert!(close(m.precision, precision), "precision {} != {precision}", m.precision);
        assert!(close(m.recall, recall), "recall {} != {recall}", m.recall);
        assert!(close(m.f1, f1), "f1 {} != {f1}", m.f1);
        assert_eq!(m.support, support);
    }

    #[test]
    fn hand_computed_three_classes() {
        // truth     a a a b b c
        // predicted a a b b c c
        //
        // confusion (rows true, cols predicted):
        //        a  b  c
        //   a  [ 2, 1, 0 ]
        //   b  [ 0, 1, 1 ]
        //   c  [ 0, 0, 1 ]
        //
        // a: TP 2, FP 0, FN 1 -> P = 1,   R = 2/3, F1 = 2·1·(2/3)/(5/3) = 4/5
        // b: TP 1, FP 1, FN 1 -> P = 1/2, R = 1/2, F1 = 1/2
        // c: TP 1, FP 1, FN 0 -> P = 1/2, R = 1,   F1 = 2·(1/2)·1/(3/2) = 2/3
        // accuracy = 4/6
        // macro F1    = (4/5 + 1/2 + 2/3) / 3         = (59/30) / 3 = 59/90
        // weighted F1 = (3·4/5 + 2·1/2 + 1·2/3) / 6   = (61/15) / 6 = 61/90
        let labels = names(&["a", "b", "c"]);
        let r = Report::from_predictions(&labels, &[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2]);
        assert_eq!(r.n, 6);
        assert!(close(r.accuracy, 4.0 / 6.0));
        assert_class(&r.per_class["a"], 1.0, 2.0 / 3.0, 0.8, 3);
        assert_class(&r.per_class["b"], 0.5, 0.5, 0.5, 2);
        assert_class(&r.per_class["c"], 0.5, 1.0, 2.0 / 3.0, 1);
        assert!(close(r.macro_f1, 59.0 / 90.0), "{}", r.macro_f1);
        assert!(close(r.weighted_f1, 61.0 / 90.0), "{}", r.weighted_f1);
        assert_eq!(r.confusion.labels, labels);
        assert_eq!(r.confusion.matrix, vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
    }

    #[test]
    fn class_never_predicted_has_zero_precision() {
        // truth a b b, predicted a a a.
        // a: TP 1, FP 2, FN 0 -> P = 1/3, R = 1, F1 = 2·(1/3)/(4/3) = 1/2
        // b: never predicted -> P = 0 (zero_division), R = 0/2 = 0, F1 = 0
        // macro = 1/4, weighted = (1·1/2 + 2·0)/3 = 1/6, accuracy = 1/3
        let r = Report::from_predictions(&names(&["a", "b"]), &[0, 1, 1], &[0, 0, 0]);
        assert_class(&r.per_class["a"], 1.0 / 3.0, 1.0, 0.5, 1);
        assert_class(&r.per_class["b"], 0.0, 0.0, 0.0, 2);
        assert!(close(r.accuracy, 1.0 / 3.0));
        assert!(close(r.macro_f1, 0.25));
        assert!(close(r.weighted_f1, 1.0 / 6.0));
        assert!(r.per_class.values().all(|m| m.f1.is_finite()));
    }

    #[test]
    fn zero_support_label_counts_in_macro() {
        // c never occurs at all: P = R = F1 = 0, support 0.
        // macro = (1 + 1 + 0)/3 = 2/3; weighted ignores it (weight 0) = 1.
        let r = Report::from_predictions(&names(&["a", "b", "c"]), &[0, 1, 0, 1], &[0, 1, 0, 1]);
        assert_class(&r.per_class["c"], 0.0, 0.0, 0.0, 0);
        assert!(close(r.macro_f1, 2.0 / 3.0));
        assert!(close(r.weighted_f1, 1.0));
        assert!(close(r.accuracy, 1.0));

        // c has no true rows but is predicted once (a false positive):
        // truth a a b b, predicted a c b b
        // a: TP 1, FP 0, FN 1 -> P 1, R 1/2, F1 2/3
        // b: TP 2, FP 0, FN 0 -> all 1
        // c: TP 0, FP 1       -> P 0, R 0 (support 0), F1 0
        // macro = (2/3 + 1 + 0)/3 = 5/9; weighted = (2·2/3 + 2·1)/4 = 5/6; accuracy 3/4
        let r = Report::from_predictions(&names(&["a", "b", "c"]), &[0, 0, 1, 1], &[0, 2, 1, 1]);
        assert_class(&r.per_class["a"], 1.0, 0.5, 2.0 / 3.0, 2);
        assert_class(&r.per_class["b"], 1.0, 1.0, 1.0, 2);
        assert_class(&r.per_class["c"], 0.0, 0.0, 0.0, 0);
        assert!(close(r.macro_f1, 5.0 / 9.0));
        assert!(close(r.weighted_f1, 5.0 / 6.0));
        assert!(close(r.accuracy, 0.75));
        assert_eq!(r.confusion.matrix, vec![vec![1, 0, 1], vec![0, 2, 0], vec![0, 0, 0]]);
    }

    #[test]
    fn f_avg_is_the_mean_f1_of_the_stance_labels() {
        // SemEval labels; truth / predicted:
        //   AGAINST AGAINST AGAINST FAVOR FAVOR NONE NONE
        //   AGAINST AGAINST FAVOR   FAVOR NONE  NONE AGAINST
        // AGAINST: TP 2, FP 1, FN 1 -> F1 = 4/6 = 2/3
        // FAVOR:   TP 1, FP 1, FN 1 -> F1 = 2/4 = 1/2
        // NONE:    TP 1, FP 1, FN 1 -> F1 = 1/2
        // F_avg = (2/3 + 1/2) / 2 = 7/12; macro-F1 = (2/3 + 1/2 + 1/2) / 3 = 5/9
        let labels = names(&["AGAINST", "FAVOR", "NONE"]);
        let truth = [0, 0, 0, 1, 1, 2, 2];
        let predicted = [0, 0, 1, 1, 2, 2, 0];
        let r = Report::from_predictions_with_neutral(&labels, &truth, &predicted, Some("NONE"));
        assert!(close(r.f_avg.unwrap(), 7.0 / 12.0), "{:?}", r.f_avg);
        assert!(close(r.macro_f1, 5.0 / 9.0));
        // Another neutral label gives another mean: (1/2 + 1/2) / 2 with AGAINST left out.
        let mut other = r.clone();
        other.set_neutral_label(Some("AGAINST"));
        assert!(close(other.f_avg.unwrap(), 0.5));
        // Without a neutral label there is no F_avg, and the JSON has no key for it.
        let plain = Report::from_predictions(&labels, &truth, &predicted);
        assert_eq!(plain.f_avg, None);
        assert!(serde_json::to_value(&plain).unwrap().get("f_avg").is_none());
        let json = serde_json::to_value(&r).unwrap();
        assert!(close(json["f_avg"].as_f64().unwrap(), 7.0 / 12.0));
        let back: Report = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        // A lone neutral label leaves no stance label: 0, not NaN, through `f_avg` as well.
        let only = Report::from_predictions_with_neutral(&names(&["NONE"]), &[0], &[0], Some("NONE"));
        assert_eq!(only.f_avg, Some(0.0));
        assert_eq!(f_avg(&only, "NONE"), 0.0);
        assert!(close(f_avg(&r, "NONE"), 7.0 / 12.0));
    }

    #[test]
    #[should_panic(expected = "not one of the labels")]
    fn unknown_neutral_label_panics() {
        Report::from_predictions_with_neutral(&names(&["a", "b"]), &[0], &[1], Some("c"));
    }

    #[test]
    fn perfect_predictions_score_one() {
        let truth = [0, 1, 2, 2, 1, 0, 0];
        let r = Report::from_predictions(&names(&["x", "y", "z"]), &truth, &truth);
        assert_eq!(r.accuracy, 1.0);
        assert_eq!(r.macro_f1, 1.0);
        assert_eq!(r.weighted_f1, 1.0);
        for m in r.per_class.values() {
            assert_eq!((m.precision, m.recall, m.f1), (1.0, 1.0, 1.0));
        }
        assert_eq!(r.per_class["x"].support, 3);
    }

    #[test]
    fn empty_input_is_all_zero_not_nan() {
        let r = Report::from_predictions(&names(&["a", "b"]), &[], &[]);
        assert_eq!((r.n, r.accuracy, r.macro_f1, r.weighted_f1), (0, 0.0, 0.0, 0.0));
        let r = Report::from_predictions(&[], &[], &[]);
        assert_eq!((r.n, r.accuracy, r.macro_f1, r.weighted_f1), (0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn per_class_is_keyed_by_sorted_name() {
        let r = Report::from_predictions(&names(&["zeta", "alpha", "mid"]), &[0, 1, 2], &[0, 1, 2]);
        let keys: Vec<&str> = r.per_class.keys().map(String::as_str).collect();
        assert_eq!(keys, ["alpha", "mid", "zeta"]);
        // The confusion matrix keeps the caller's label order.
        assert_eq!(r.confusion.labels, ["zeta", "alpha", "mid"]);
    }

    #[test]
    fn json_has_exactly_the_documented_keys() {
        let r = Report::from_predictions(&names(&["b", "a"]), &[0, 1, 1], &[0, 1, 0]);
        let v = serde_json::to_value(&r).unwrap();
        let obj = v.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["accuracy", "baseline", "confusion", "macro_f1", "n", "per_class", "weighted_f1"]);
        let mut baseline_keys: Vec<&str> =
            obj["baseline"].as_object().unwrap().keys().map(String::as_str).collect();
        baseline_keys.sort_unstable();
        assert_eq!(baseline_keys, ["accuracy", "macro_f1", "per_class_f1", "rule", "weighted_f1"]);
        let mut confusion_keys: Vec<&str> =
            obj["confusion"].as_object().unwrap().keys().map(String::as_str).collect();
        confusion_keys.sort_unstable();
        assert_eq!(confusion_keys, ["labels", "matrix"]);
        let mut class_keys: Vec<&str> =
            obj["per_class"]["a"].as_object().unwrap().keys().map(String::as_str).collect();
        class_keys.sort_unstable();
        assert_eq!(class_keys, ["f1", "precision", "recall", "support"]);
        // per_class serialises in sorted key order.
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.find("\"a\":").unwrap() < text.find("\"b\":").unwrap());
        // And it round-trips.
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    #[should_panic(expected = "predicted has")]
    fn mismatched_lengths_panic() {
        Report::from_predictions(&names(&["a"]), &[0, 0], &[0]);
    }

    #[test]
    #[should_panic(expected = "not a label index")]
    fn out_of_range_index_panics() {
        Report::from_predictions(&names(&["a", "b"]), &[0, 2], &[0, 1]);
    }

    #[test]
    #[should_panic(expected = "more than once")]
    fn duplicate_label_names_panic() {
        Report::from_predictions(&names(&["a", "a"]), &[0, 1], &[0, 1]);
    }

    #[test]
    fn observed_labels_mean_leaves_out_absent_labels() {
        // c never occurs: the observed-label macro-F1 is over a and b only; F_avg without a.
        let r = Report::from_predictions(&names(&["a", "b", "c"]), &[0, 1, 1], &[0, 1, 0]);
        let (fa, fb) = (r.per_class["a"].f1, r.per_class["b"].f1);
        assert!(close(r.mean_f1_over_observed_labels(None), (fa + fb) / 2.0));
        assert!(close(r.mean_f1_over_observed_labels(Some("a")), fb));
        let empty = Report::from_predictions(&names(&["a", "b"]), &[], &[]);
        assert_eq!(empty.mean_f1_over_observed_labels(Some("a")), 0.0);
    }

    #[test]
    fn mean_std_population() {
        let s = MeanStd::of(&[1.0, 2.0, 3.0, 4.0]);
        assert!(close(s.mean, 2.5));
        assert!(close(s.std, 1.25f64.sqrt()));
        assert_eq!(MeanStd::of(&[]), MeanStd { mean: 0.0, std: 0.0 });
        assert_eq!(MeanStd::of(&[0.7]), MeanStd { mean: 0.7, std: 0.0 });
    }

    #[test]
    fn mean_std_keeps_every_bit_far_from_zero() {
        // Values with 20 fractional bits, then the same shifted by 2^30: every step of the
        // two-pass variance is exact for both, so the standard deviations are equal to the last
        // bit. Σ (v + mean)(v − mean) — E[x²] − E[x]² in disguise — loses the low bits of the
        // shifted values' products (relative error ~1e-7 here).
        let small: Vec<f64> =
            [349_525.0, 699_051.0, 123_457.0, 987_653.0].iter().map(|j| j / 1_048_576.0).collect();
        let offset = 1_073_741_824.0;
        let shifted: Vec<f64> = small.iter().map(|v| v + offset).collect();
        let (a, b) = (MeanStd::of(&small), MeanStd::of(&shifted));
        assert_eq!(b.std, a.std);
        assert_eq!(b.mean, a.mean + offset);
        assert!((a.std - 0.314_668_883_865_143_8).abs() < 1e-15, "{}", a.std);
    }
}
