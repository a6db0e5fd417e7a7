//! Accuracy reports for people: one self-contained HTML page (inline CSS and inline SVG charts,
//! no scripts, nothing fetched), the same content as Markdown tables, or plain text for
//! terminals. Every rendering of `stance-eval`'s results lives here.
//!
//! A [`ReportPage`] gathers what to show: a title, a few facts (model, data, command), an
//! [`Evaluation`] (metrics, confusion matrix, calibration, worst errors) and, for
//! cross-validation, the [`CvReport`] with its per-fold table. [`render_html`] and
//! [`render_markdown`] turn it into text; [`ReportKind::from_path`] picks the format from a
//! file name. Output is deterministic: the same page always renders to the same bytes.
//! [`report_text`], [`evaluation_text`], [`per_target_text`] and [`cv_text`] are the plain-text
//! tables `stance evaluate` and `stance cv` print.
//!
//! ```
//! use stance_report::{render_html, ReportPage};
//! use stance_eval::{Evaluation, ScoredRow};
//!
//! let labels = vec!["oppose".to_string(), "support".to_string()];
//! let rows = [ScoredRow { text: "Moscow says no.".into(), source: "a:1".into(), truth: 0,
//!                         probabilities: vec![0.8, 0.2], target: None }];
//! let evaluation = Evaluation::from_rows(&labels, &rows);
//! let page = ReportPage { title: "Example".into(), facts: vec![], evaluation: &evaluation, cv: None };
//! let html = render_html(&page);
//! assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
//! ```

use std::path::Path;

use stance_eval::{ClassMetrics, CvReport, Evaluation, FoldStrategy, FoldSummary, Report, TemperatureEffect};

mod charts;
mod holders;
mod html;
mod markdown;
mod svg;
mod text;

pub use holders::{holders_html, holders_markdown, holders_text};
pub use text::{article_evaluation_text, cv_text, evaluation_text, per_target_text, report_text};

/// Everything one report page shows.
#[derive(Debug, Clone)]
pub struct ReportPage<'a> {
    /// Page title (`<title>` and the top heading).
    pub title: String,
    /// Name/value facts listed under the title, in order, e.g. `("model", path)`, `("data", path)`.
    pub facts: Vec<(String, String)>,
    /// The evaluation to show: for cross-validation, the pooled out-of-fold one.
    pub evaluation: &'a Evaluation,
    /// The cross-validation report, which adds the per-fold table and mean ± std.
    pub cv: Option<&'a CvReport>,
}

/// The page as a self-contained HTML document.
pub fn render_html(page: &ReportPage<'_>) -> String {
    html::render(page)
}

/// The page as Markdown: the same sections as [`render_html`], with tables instead of charts.
pub fn render_markdown(page: &ReportPage<'_>) -> String {
    markdown::render(page)
}

/// The file formats a report can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// A self-contained HTML page ([`render_html`]).
    Html,
    /// Markdown ([`render_markdown`]).
    Markdown,
}

impl ReportKind {
    /// The accepted file name extensions, for error messages.
    pub const EXTENSIONS: &'static str = ".html, .htm, .md or .markdown";

    /// The format a file name asks for: `.html`/`.htm` → HTML, `.md`/`.markdown` → Markdown
    /// (case-insensitive); `None` for any other or no extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "html" | "htm" => Some(Self::Html),
            "md" | "markdown" => Some(Self::Markdown),
            _ => None,
        }
    }

    /// Renders `page` in this format.
    pub fn render(self, page: &ReportPage<'_>) -> String {
        match self {
            Self::Html => render_html(page),
            Self::Markdown => render_markdown(page),
        }
    }
}

/// Per-class metrics in confusion-matrix (label index) order.
fn class_rows(report: &Report) -> Vec<(&str, ClassMetrics)> {
    report
        .confusion
        .labels
        .iter()
        .filter_map(|label| report.per_class.get(label).map(|m| (label.as_str(), *m)))
        .collect()
}

/// `num / den`, 0 when `den` is 0.
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Macro (unweighted) and support-weighted precision and recall:
/// `(macro_precision, macro_recall, weighted_precision, weighted_recall)`.
fn averages(report: &Report) -> (f64, f64, f64, f64) {
    let rows = class_rows(report);
    let k = rows.len() as f64;
    let n = report.n as f64;
    let sum = |f: fn(&ClassMetrics) -> f64| rows.iter().map(|(_, m)| f(m)).sum::<f64>();
    let weighted =
        |f: fn(&ClassMetrics) -> f64| rows.iter().map(|(_, m)| f(m) * m.support as f64).sum::<f64>();
    (
        ratio(sum(|m| m.precision), k),
        ratio(sum(|m| m.recall), k),
        ratio(weighted(|m| m.precision), n),
        ratio(weighted(|m| m.recall), n),
    )
}

/// One sentence on how the folds were formed.
fn strategy_text(cv: &CvReport) -> String {
    match &cv.strategy {
        FoldStrategy::Grouped { column } => format!(
            "{}-fold cross-validation over {} rows, grouped by the {column:?} column \
             (a group never straddles folds)",
            cv.folds, cv.n
        ),
        FoldStrategy::Stratified { seed } => format!(
            "{}-fold stratified cross-validation over {} rows, shuffled with seed {seed}",
            cv.folds, cv.n
        ),
    }
}

/// A fold's test groups, or a dash for stratified folds.
fn fold_groups(fold: &FoldSummary) -> String {
    if fold.test_groups.is_empty() {
        "—".to_owned()
    } else {
        fold.test_groups.join(", ")
    }
}

/// One sentence on the model's temperature and what it does to the calibration error.
fn temperature_note(t: &TemperatureEffect) -> String {
    format!(
        "Probabilities are divided by the temperature {:.3} before the softmax (fitted on {}): \
         ECE {:.3} without it, {:.3} with it.",
        t.temperature, t.fitted_on, t.ece_uncalibrated, t.ece_calibrated
    )
}

/// What F_avg is, for the notes under the headline metrics.
const F_AVG_NOTE: &str = "F_avg is the mean F1 of the stance labels (all but the neutral one), \
                          SemEval-2016 Task 6's official score.";

/// A metric that may be unknown: 3 decimals, or a dash.
fn maybe(value: Option<f64>) -> String {
    value.map_or("—".to_owned(), |v| format!("{v:.3}"))
}

/// The majority-class baseline of `report` in one sentence, for the notes under the headline
/// metrics: `None` when the report has none.
fn baseline_note(report: &Report) -> Option<String> {
    let b = report.baseline.as_ref()?;
    Some(format!(
        "Majority-class baseline ({}, ignoring the text): accuracy {:.3}, macro-F1 {:.3}{}, weighted-F1 {:.3}.",
        b.rule,
        b.accuracy,
        b.macro_f1,
        b.f_avg.map_or(String::new(), |f| format!(", F_avg {f:.3}")),
        b.weighted_f1
    ))
}

/// A metric and, in parentheses, the majority-class baseline's value of it (for tables with
/// a row per target: `0.746 (0.680)`).
fn versus(value: Option<f64>, baseline: Option<f64>) -> String {
    match baseline {
        Some(b) if value.is_some() => format!("{} ({b:.3})", maybe(value)),
        _ => maybe(value),
    }
}

/// The note under a per-target table that says what its parentheses hold.
const PER_TARGET_BASELINE_NOTE: &str =
    "In parentheses: the majority-class baseline (the most frequent label of the target's rows).";

/// Longest worst-error text shown, in characters.
const MAX_ERROR_TEXT: usize = 400;

#[cfg(test)]
mod tests {
    use super::*;
    use stance_eval::{ScoredRow, RELIABILITY_BINS};

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// Six rows over three labels, one wrong prediction with markup in its text.
    fn evaluation() -> Evaluation {
        let labels = labels(&["neutral", "oppose", "support"]);
        let row = |text: &str, truth: usize, p: [f64; 3]| ScoredRow {
            text: text.into(),
            source: format!("data.tsv:{}", truth + 2),
            truth,
            probabilities: p.to_vec(),
            target: None,
        };
        let rows = [
            row("Talks resume.", 0, [0.9, 0.05, 0.05]),
            row("Weather is fine.", 0, [0.7, 0.2, 0.1]),
            row("Moscow says no.", 1, [0.1, 0.85, 0.05]),
            row("Kremlin <b>rejects</b> & \"warns\"", 1, [0.72, 0.18, 0.1]),
            row("Paris backs troops.", 2, [0.2, 0.2, 0.6]),
            row("London | ready.", 2, [0.45, 0.15, 0.4]),
        ];
        Evaluation::from_rows(&labels, &rows)
    }

    fn page(evaluation: &Evaluation) -> ReportPage<'_> {
        ReportPage {
            title: "Evaluation of <model>".into(),
            facts: vec![("model".into(), "m.json".into()), ("data".into(), "d.tsv".into())],
            evaluation,
            cv: None,
        }
    }

    #[test]
    fn kind_from_extension() {
        assert_eq!(ReportKind::from_path(Path::new("r.html")), Some(ReportKind::Html));
        assert_eq!(ReportKind::from_path(Path::new("dir/r.HTM")), Some(ReportKind::Html));
        assert_eq!(ReportKind::from_path(Path::new("r.md")), Some(ReportKind::Markdown));
        assert_eq!(ReportKind::from_path(Path::new("r.markdown")), Some(ReportKind::Markdown));
        assert_eq!(ReportKind::from_path(Path::new("r.pdf")), None);
        assert_eq!(ReportKind::from_path(Path::new("report")), None);
        assert_eq!(ReportKind::from_path(Path::new(".html")), None);
    }

    #[test]
    fn html_is_self_contained_and_complete() {
        let e = evaluation();
        let html = render_html(&page(&e));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>Evaluation of &lt;model&gt;</title>"), "{html}");
        for label in ["neutral", "oppose", "support"] {
            assert!(html.contains(label), "missing {label}");
        }
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"));
        assert!(!lower.contains("http://") && !lower.contains("https://"));
        assert!(!lower.contains("url(") && !lower.contains("@import") && !lower.contains("<link"));
        assert!(!lower.contains("<img") && !lower.contains("<iframe"));
        // Balanced SVG elements: heatmap, bars and reliability diagram.
        assert_eq!(html.matches("<svg").count(), 3);
        assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
        assert_eq!(html.matches("<title>").count(), html.matches("</title>").count());
        assert!(html.contains("aria-label="));
        // Deterministic.
        assert_eq!(html, render_html(&page(&e)));
    }

    #[test]
    fn html_heatmap_shows_every_count() {
        let e = evaluation();
        let html = render_html(&page(&e));
        let heatmap = &html[html.find("class=\"heatmap\"").unwrap()..];
        let heatmap = &heatmap[..heatmap.find("</svg>").unwrap()];
        let matrix = &e.report.confusion.matrix;
        assert_eq!(matrix, &vec![vec![2, 0, 0], vec![1, 1, 0], vec![1, 0, 1]]);
        for (t, row) in matrix.iter().enumerate() {
            for (p, count) in row.iter().enumerate() {
                let cell = format!("class=\"count\" data-true=\"{t}\" data-predicted=\"{p}\">{count}</text>");
                assert!(heatmap.contains(&cell), "missing {cell} in\n{heatmap}");
            }
        }
    }

    #[test]
    fn html_escapes_worst_error_text() {
        let e = evaluation();
        let html = render_html(&page(&e));
        assert!(html.contains("Kremlin &lt;b&gt;rejects&lt;/b&gt; &amp; &quot;warns&quot;"), "{html}");
        assert!(!html.contains("<b>rejects"));
        assert!(html.contains("data.tsv:3"));
    }

    #[test]
    fn reliability_has_one_mark_per_non_empty_bin() {
        let e = evaluation();
        let non_empty = e.reliability.bins.iter().filter(|b| b.count > 0).count();
        assert_eq!(e.reliability.bins.len(), RELIABILITY_BINS);
        assert!(non_empty >= 3, "{:?}", e.reliability.bins);
        let html = render_html(&page(&e));
        assert_eq!(html.matches("class=\"rel-bar\"").count(), non_empty);
        assert_eq!(html.matches("class=\"rel-point\"").count(), non_empty);
    }

    #[test]
    fn markdown_has_the_tables() {
        let e = evaluation();
        let md = render_markdown(&page(&e));
        assert!(md.starts_with("# Evaluation of &lt;model&gt;\n"), "{md}");
        assert!(md.contains("| rows | accuracy | macro-F1 | weighted-F1 | ECE |"), "{md}");
        assert!(md.contains("| label | precision | recall | F1 | support |"), "{md}");
        assert!(md.contains("| true \\ predicted | neutral | oppose | support | rows |"), "{md}");
        assert!(md.contains("| oppose | 1 (50%) | 1 (50%) | 0 (0%) | 2 |"), "{md}");
        assert!(md.contains("| confidence | rows | mean confidence | accuracy |"), "{md}");
        assert!(md.contains("London \\| ready."), "{md}");
        assert!(md.contains("Kremlin &lt;b&gt;rejects&lt;/b&gt;"), "{md}");
        assert!(!md.contains("<svg"));
        // Every table line is closed.
        for line in md.lines().filter(|l| l.starts_with('|')) {
            assert!(line.ends_with('|'), "{line}");
        }
    }

    #[test]
    fn empty_evaluation_renders() {
        let e = Evaluation::from_rows(&labels(&["a", "b"]), &[]);
        let html = render_html(&page(&e));
        assert!(!html.contains("NaN"));
        assert_eq!(html.matches("class=\"rel-bar\"").count(), 0);
        assert!(html.contains("No wrong predictions"));
        let md = render_markdown(&page(&e));
        assert!(!md.contains("NaN"));
    }

    #[test]
    fn many_labels_render() {
        let names: Vec<String> = (0..30).map(|i| format!("label-{i:02}-with-a-longish-name")).collect();
        let rows: Vec<ScoredRow> = (0..300)
            .map(|i| {
                let mut p = vec![0.01; 30];
                p[(i * 7) % 30] = 0.71;
                ScoredRow {
                    text: format!("row {i}"),
                    source: String::new(),
                    truth: i % 30,
                    probabilities: p,
                    target: None,
                }
            })
            .collect();
        let e = Evaluation::from_rows(&names, &rows);
        let html = render_html(&page(&e));
        assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
        assert_eq!(html.matches("class=\"count\"").count(), 900);
    }

    /// The six rows of [`evaluation`] with targets, F_avg (neutral "neutral"), a temperature
    /// and abstention at 0.75.
    fn full_evaluation() -> Evaluation {
        let labels = labels(&["neutral", "oppose", "support"]);
        let row = |target: &str, truth: usize, p: [f64; 3]| ScoredRow {
            text: format!("{target} {truth}"),
            source: "d.tsv:2".into(),
            truth,
            probabilities: p.to_vec(),
            target: Some(target.into()),
        };
        let rows = [
            row("Troops <UK>", 0, [0.9, 0.05, 0.05]),
            row("Troops <UK>", 1, [0.1, 0.85, 0.05]),
            row("Troops <UK>", 2, [0.2, 0.2, 0.6]),
            row("Ceasefire", 0, [0.7, 0.2, 0.1]),
            row("Ceasefire", 1, [0.72, 0.18, 0.1]),
            row("Ceasefire", 2, [0.45, 0.15, 0.4]),
        ];
        let mut e = Evaluation::from_rows_with_neutral(&labels, &rows, Some("neutral"));
        e.temperature = Some(stance_eval::TemperatureEffect {
            temperature: 1.25,
            fitted_on: "30 held-out rows".into(),
            ece_uncalibrated: 0.3,
            ece_calibrated: e.reliability.ece,
        });
        e.abstention = Some(stance_eval::Abstention::from_rows(&labels, &rows, 0.75));
        e
    }

    #[test]
    fn f_avg_per_target_temperature_and_abstention_in_both_formats() {
        let e = full_evaluation();
        // oppose: TP 1, FN 1 -> F1 2/3; support: TP 1, FN 1 -> 2/3; F_avg 2/3.
        assert!((e.report.f_avg.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        let md = render_markdown(&page(&e));
        assert!(md.contains("| rows | accuracy | macro-F1 | F_avg | weighted-F1 | ECE |"), "{md}");
        assert!(md.contains(" | 0.667 | "), "{md}");
        assert!(md.contains("| target | rows | accuracy | macro-F1 | F_avg |"), "{md}");
        assert!(md.contains("| Ceasefire | 3 | 0.333 (0."), "{md}");
        assert!(md.contains("| Troops &lt;UK&gt; | 3 | 1.000 (0."), "{md}");
        assert!(
            md.contains("Majority-class baseline (the majority label of each target, ignoring the text)"),
            "{md}"
        );
        let html = render_html(&page(&e));
        assert!(html.contains("<span>accuracy</span><i>majority 0."), "{html}");
        assert!(html.contains("Majority-class baseline (the majority label of each target"), "{html}");
        assert!(
            md.contains(
                "temperature 1.250 before the softmax (fitted on 30 held-out rows): ECE 0.300 without it"
            ),
            "{md}"
        );
        assert!(md.contains("## Abstention"), "{md}");
        // Confidences >= 0.75: 0.9 and 0.85, both right.
        assert!(md.contains("| 0.75 | 2 | 0.333 | 1.000 |"), "{md}");
        for line in md.lines().filter(|l| l.starts_with('|')) {
            assert!(line.ends_with('|'), "{line}");
        }
        let html = render_html(&page(&e));
        assert!(html.contains("<b>0.667</b><span>F_avg (stance labels)</span>"), "{html}");
        assert!(
            html.contains("<h2>Per target</h2>") && html.contains("<td>Troops &lt;UK&gt;</td>"),
            "{html}"
        );
        assert!(html.contains("class=\"note temperature\""), "{html}");
        assert!(
            html.contains("<h2>Abstention</h2>") && html.contains("<b>0.333</b><span>coverage"),
            "{html}"
        );
        assert!(!html.contains("NaN"));
        // Without them, none of these sections.
        let plain = evaluation();
        let md = render_markdown(&page(&plain));
        let html = render_html(&page(&plain));
        for absent in ["F_avg", "Per target", "Abstention", "temperature"] {
            assert!(!md.contains(absent) && !html.contains(absent), "{absent}");
        }
    }

    mod cv {
        use super::*;
        use stance_eval::{CvMeans, CvSummary, MeanStd};

        fn report(e: &Evaluation) -> CvReport {
            let fold = |fold: usize, groups: &[&str]| FoldSummary {
                fold,
                test_groups: groups.iter().map(|g| g.to_string()).collect(),
                n_train: 3,
                n_test: 3,
                accuracy: 0.5,
                macro_f1: 0.25 * fold as f64,
                weighted_f1: 0.4,
                f_avg: None,
                converged: fold == 1,
            };
            CvReport::from(CvSummary {
                strategy: FoldStrategy::Grouped { column: "article".into() },
                folds: 2,
                n: 6,
                per_fold: vec![fold(1, &["a1"]), fold(2, &["a2", "a<3>"])],
                mean: CvMeans {
                    accuracy: MeanStd { mean: 0.5, std: 0.0 },
                    macro_f1: MeanStd { mean: 0.375, std: 0.125 },
                    weighted_f1: MeanStd { mean: 0.4, std: 0.0 },
                    f_avg: None,
                    per_class_f1: [("neutral".to_string(), MeanStd { mean: 0.8, std: 0.1 })].into(),
                },
                pooled: e.report.clone(),
                neutral_label: None,
                per_target: Default::default(),
            })
        }

        #[test]
        fn html_and_markdown_show_folds() {
            let e = evaluation();
            let cv = report(&e);
            let page = ReportPage { cv: Some(&cv), ..page(&e) };
            let html = render_html(&page);
            assert!(html.contains("Cross-validation"));
            assert!(html.contains("a2, a&lt;3&gt;"), "{html}");
            assert!(html.contains("0.375 ± 0.125"), "{html}");
            assert!(html.contains("did not converge"), "{html}");
            // Per-label F1 over folds: a column of the per-class table ("—" when unknown).
            assert!(html.contains("F1 by fold"), "{html}");
            assert!(html.contains("<td class=\"n\">0.800 ± 0.100</td>"), "{html}");
            let md = render_markdown(&page);
            assert!(
                md.contains("| fold | test groups | n_test | accuracy | macro-F1 | weighted-F1 |"),
                "{md}"
            );
            assert!(md.contains("| 2 † | a2, a&lt;3&gt; | 3 | 0.500 | 0.500 | 0.400 |"), "{md}");
            assert!(
                md.contains("| label | precision | recall | F1 | support | F1 by fold (mean ± std) |"),
                "{md}"
            );
            assert!(md.contains("| neutral | 0.500 | 1.000 | 0.667 | 2 | 0.800 ± 0.100 |"), "{md}");
            assert!(md.contains("| oppose | 1.000 | 0.500 | 0.667 | 2 | — |"), "{md}");
            assert!(md.contains("| *macro avg* | "), "{md}");
            assert!(md.contains(" | 0.375 ± 0.125 |\n"), "{md}");
            assert!(
                md.contains("| **mean ± std** | | | 0.500 ± 0.000 | 0.375 ± 0.125 | 0.400 ± 0.000 |"),
                "{md}"
            );
            assert!(!md.contains("F_avg") && !html.contains("F_avg"));
        }

        #[test]
        fn fold_tables_show_f_avg_when_known() {
            let e = evaluation();
            let mut cv = report(&e);
            cv.per_fold[0].f_avg = Some(0.5);
            cv.per_fold[1].f_avg = Some(0.25);
            cv.mean.f_avg = Some(MeanStd { mean: 0.375, std: 0.125 });
            let page = ReportPage { cv: Some(&cv), ..page(&e) };
            let md = render_markdown(&page);
            assert!(
                md.contains("| fold | test groups | n_test | accuracy | macro-F1 | weighted-F1 | F_avg |"),
                "{md}"
            );
            assert!(md.contains("| 1 | a1 | 3 | 0.500 | 0.250 | 0.400 | 0.500 |"), "{md}");
            assert!(md.contains("| 0.400 ± 0.000 | 0.375 ± 0.125 |\n"), "{md}");
            let html = render_html(&page);
            assert!(html.contains("<th class=\"n\">F_avg</th>"), "{html}");
            assert!(html.contains("<td class=\"n\">0.250</td></tr>"), "{html}");
        }
    }
}
