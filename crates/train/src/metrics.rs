//! Classification metrics.
//!
//! [`Report::from_predictions`] computes per-class precision, recall and F1, accuracy, macro and
//! weighted F1 and the confusion matrix, with the same definitions as scikit-learn's
//! `classification_report(..., labels=..., zero_division=0)`.
//! [`Report::from_predictions_with_neutral`] adds SemEval's F_avg, the mean F1 of the stance
//! labels (every label but the neutral one). [`MeanStd`] summarises a metric over
//! cross-validation folds.

use std::collections::BTreeMap;
use std::fmt::Write as _;

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
}

/// `num / den`, or 0 when `den` is 0 (scikit-learn's `zero_division=0`).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Width of the label column in the text report: fits the longest label and "weighted avg".
const AVG_LABEL_WIDTH: usize = "weighted avg".len();

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
        };
        report.set_neutral_label(neutral);
        report
    }

    /// Sets [`Report::f_avg`] for `neutral` as the neutral label (`None` clears it): the mean F1
    /// of all other labels, 0 when there is no other label.
    ///
    /// # Panics
    ///
    /// When `neutral` is not one of the report's labels (programmer error: check user input
    /// against the labels first).
    pub fn set_neutral_label(&mut self, neutral: Option<&str>) {
        self.f_avg = neutral.map(|neutral| {
            assert!(
                self.per_class.contains_key(neutral),
                "neutral label {neutral:?} is not one of the labels {:?}",
                self.confusion.labels
            );
            let stance: Vec<f64> =
                self.per_class.iter().filter(|(label, _)| *label != neutral).map(|(_, m)| m.f1).collect();
            ratio(stance.iter().sum(), stance.len() as f64)
        });
    }

    /// Per-class metrics in `confusion.labels` order.
    fn rows(&self) -> impl Iterator<Item = (&str, ClassMetrics)> + '_ {
        self.confusion.labels.iter().filter_map(|l| self.per_class.get(l).map(|m| (l.as_str(), *m)))
    }

    /// Macro (unweighted over all labels) and support-weighted averages of precision and recall.
    fn averages(&self) -> ((f64, f64), (f64, f64)) {
        let (mut mp, mut mr, mut wp, mut wr, mut count) = (0.0, 0.0, 0.0, 0.0, 0usize);
        for (_, m) in self.rows() {
            mp += m.precision;
            mr += m.recall;
            wp += m.precision * m.support as f64;
            wr += m.recall * m.support as f64;
            count += 1;
        }
        let (c, n) = (count as f64, self.n as f64);
        ((ratio(mp, c), ratio(mr, c)), (ratio(wp, n), ratio(wr, n)))
    }

    /// Plain-text table for terminals, laid out like scikit-learn's `classification_report`
    /// followed by the confusion matrix. Columns widen to fit the longest label; numbers have
    /// 3 decimals; label rows follow `confusion.labels` order.
    pub fn to_text(&self) -> String {
        let labels = &self.confusion.labels;
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let w = longest.max(AVG_LABEL_WIDTH);
        let ((macro_p, macro_r), (weighted_p, weighted_r)) = self.averages();

        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>w$}  {:>9} {:>9} {:>9} {:>9}",
            "", "precision", "recall", "f1-score", "support"
        );
        out.push('\n');
        for (name, m) in self.rows() {
            let _ = writeln!(
                out,
                "{name:>w$}  {:>9.3} {:>9.3} {:>9.3} {:>9}",
                m.precision, m.recall, m.f1, m.support
            );
        }
        out.push('\n');
        let _ = writeln!(out, "{:>w$}  {:>9} {:>9} {:>9.3} {:>9}", "accuracy", "", "", self.accuracy, self.n);
        let _ = writeln!(
            out,
            "{:>w$}  {:>9.3} {:>9.3} {:>9.3} {:>9}",
            "macro avg", macro_p, macro_r, self.macro_f1, self.n
        );
        let _ = writeln!(
            out,
            "{:>w$}  {:>9.3} {:>9.3} {:>9.3} {:>9}",
            "weighted avg", weighted_p, weighted_r, self.weighted_f1, self.n
        );
        if let Some(f_avg) = self.f_avg {
            // SemEval's F_avg: only an F1 column, like accuracy.
            let _ = writeln!(out, "{:>w$}  {:>9} {:>9} {:>9.3} {:>9}", "F_avg", "", "", f_avg, self.n);
        }

        out.push('\n');
        out.push_str("confusion matrix (rows = true, columns = predicted):\n");
        let widest_count =
            self.confusion.matrix.iter().flatten().map(|c| c.to_string().len()).max().unwrap_or(1);
        let row_w = longest + 3;
        let cell_w = longest.max(widest_count) + 2;
        let _ = write!(out, "{:row_w$}", "");
        for label in labels {
            let _ = write!(out, "{label:>cell_w$}");
        }
        out.push('\n');
        for (label, row) in labels.iter().zip(&self.confusion.matrix) {
            let _ = write!(out, "{label:>row_w$}");
            for count in row {
                let _ = write!(out, "{count:>cell_w$}");
            }
            out.push('\n');
        }
        out
    }
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
        assert!(
            r.to_text().contains("       F_avg                          0.583         7\n"),
            "{}",
            r.to_text()
        );
        assert!(!plain.to_text().contains("F_avg"));
        // A lone neutral label leaves no stance label: 0, not NaN.
        let only = Report::from_predictions_with_neutral(&names(&["NONE"]), &[0], &[0], Some("NONE"));
        assert_eq!(only.f_avg, Some(0.0));
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
        assert!(r.to_text().contains("accuracy"));
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
        assert_eq!(keys, ["accuracy", "confusion", "macro_f1", "n", "per_class", "weighted_f1"]);
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
    fn text_report_layout() {
        let labels = names(&["neutral", "oppose", "support"]);
        let r = Report::from_predictions(&labels, &[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2]);
        let text = r.to_text();
        for label in &labels {
            assert!(text.contains(label.as_str()), "{text}");
        }
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "              precision    recall  f1-score   support");
        assert_eq!(lines[1], "");
        assert_eq!(lines[2], "     neutral      1.000     0.667     0.800         3");
        assert!(text.contains("    accuracy                          0.667         6\n"), "{text}");
        assert!(text.contains("   macro avg      0.667     0.722     0.656         6\n"), "{text}");
        assert!(text.contains("weighted avg      0.750     0.667     0.678         6\n"), "{text}");
        assert!(text.contains("confusion matrix (rows = true, columns = predicted):\n"));
        assert!(text.contains("            neutral   oppose  support\n"), "{text}");
        assert!(text.contains("   neutral        2        1        0\n"), "{text}");
        assert!(text.ends_with("   support        0        0        1\n"), "{text}");
    }

    #[test]
    fn text_report_widens_for_long_labels() {
        let labels = names(&["a-rather-long-label-name", "b"]);
        let r = Report::from_predictions(&labels, &[0, 1], &[0, 1]);
        let text = r.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[2].starts_with("a-rather-long-label-name  "), "{text}");
        assert!(lines[3].starts_with(&format!("{:>24}  ", "b")), "{text}");
        // Every line of the metrics block has the same width.
        assert_eq!(lines[0].len(), lines[2].len());
        assert_eq!(lines[2].len(), lines[3].len());
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
    fn mean_std_population() {
        let s = MeanStd::of(&[1.0, 2.0, 3.0, 4.0]);
        assert!(close(s.mean, 2.5));
        assert!(close(s.std, 1.25f64.sqrt()));
        assert_eq!(MeanStd::of(&[]), MeanStd { mean: 0.0, std: 0.0 });
        assert_eq!(MeanStd::of(&[0.7]), MeanStd { mean: 0.7, std: 0.0 });
    }
}
