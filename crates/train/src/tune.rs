//! Grid search: every combination of hyperparameter values, scored by the same (grouped or
//! stratified) cross-validation, the best chosen by one metric.
//!
//! Like scikit-learn's `GridSearchCV`, but the score of a candidate is its *pooled* out-of-fold
//! metric (all held-out predictions together), which is steadier than the mean of per-fold
//! scores when folds are small (an article of the seed corpus holds 20–50 sentences). Ties go to
//! the candidate listed first, so the choice is deterministic.

use std::fmt::Write as _;
use std::time::Instant;

use serde::Serialize;
use stance_features::{parse_ngram_range, Hashtags, Stemmer, TermFrequency};

use stance_eval::{f_avg, CvReport, FoldStrategy, MeanStd};

use crate::data::LabeledData;
use crate::run::{CvSpec, Trained, TrainingRun};
use crate::targets::{TargetSpec, TargetStrategy};
use crate::trainer::ClassWeight;
use crate::TrainError;

/// The metric a search maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of rows labeled correctly.
    Accuracy,
    /// Unweighted mean of the per-label F1.
    MacroF1,
    /// Mean F1 of the stance labels, the neutral label excluded (SemEval-2016's official score).
    FAvg,
}

impl Metric {
    /// Parses `accuracy`, `macro-f1` or `f-avg` (underscores accepted too).
    pub fn parse(name: &str) -> Option<Metric> {
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "accuracy" => Some(Metric::Accuracy),
            "macro-f1" => Some(Metric::MacroF1),
            "f-avg" | "favg" => Some(Metric::FAvg),
            _ => None,
        }
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::MacroF1 => "macro-F1",
            Metric::FAvg => "F_avg",
        }
    }
}

/// The hyperparameters a grid can vary, with the spelling used in `--grid NAME=V1,V2`.
pub const AXES: &[(&str, &str)] = &[
    ("alpha", "L2 strength, e.g. alpha=0.01,0.1,1"),
    ("c", "inverse L2 strength as in scikit-learn (alpha = 1/C), e.g. c=1,10,100"),
    ("word_ngrams", "word n-gram range or none, e.g. word_ngrams=1-1,1-2,1-3"),
    ("char_ngrams", "character n-gram range or none, e.g. char_ngrams=none,2-5"),
    ("min_df", "minimum document frequency, e.g. min_df=1,2"),
    ("max_features", "vocabulary cap or none, e.g. max_features=none,50000"),
    ("tf", "term frequency: raw, sublinear or binary"),
    ("stem", "English Snowball stemming: on or off"),
    (
        "normalize",
        "text normalisation: none, all, or options joined by +, e.g. normalize=none,urls+mentions,all",
    ),
    ("hashtags", "hashtag handling: keep, split or strip"),
    ("class_weight", "row weights by label: none or balanced"),
    ("hashing_bits", "feature hashing with 2^BITS buckets, or none for a vocabulary"),
    ("target_strategy", "pooled, per-target, per-target+fallback or conjoined (needs a target column)"),
];

/// One varied hyperparameter and the values to try, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Axis {
    /// Hyperparameter name (one of [`AXES`]).
    pub name: String,
    /// Values, as written by the user.
    pub values: Vec<String>,
}

/// A grid: the cartesian product of its axes (the first axis varies slowest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Grid {
    /// The axes, in the order given.
    pub axes: Vec<Axis>,
}

/// One hyperparameter value of a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// Hyperparameter name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl Grid {
    /// Parses axes written `NAME=V1,V2,…` (one string per axis). Every candidate is checked
    /// against `base`, so a bad value is reported before any training starts.
    pub fn parse<S: AsRef<str>>(specs: &[S], base: &TrainingRun) -> Result<Grid, TrainError> {
        let mut grid = Grid::default();
        for spec in specs {
            let spec = spec.as_ref();
            let (name, values) = spec.split_once('=').ok_or_else(|| {
                TrainError::InvalidParam(format!("grid axis {spec:?} is not NAME=VALUE,VALUE,…"))
            })?;
            let name = name.trim().to_ascii_lowercase().replace('-', "_");
            if !AXES.iter().any(|(known, _)| *known == name) {
                return Err(TrainError::InvalidParam(format!(
                    "unknown grid axis {name:?}; known: {}",
                    AXES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                )));
            }
            if grid.axes.iter().any(|axis| axis.name == name) {
                return Err(TrainError::InvalidParam(format!("grid axis {name:?} is given twice")));
            }
            let values: Vec<String> =
                values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect();
            if values.is_empty() {
                return Err(TrainError::InvalidParam(format!("grid axis {name:?} has no values")));
            }
            grid.axes.push(Axis { name, values });
        }
        for settings in grid.candidates() {
            configure(base, &settings)?;
        }
        Ok(grid)
    }

    /// Every combination, the first axis varying slowest. A grid without axes has one
    /// candidate: the base settings.
    pub fn candidates(&self) -> Vec<Vec<Setting>> {
        let mut out: Vec<Vec<Setting>> = vec![Vec::new()];
        for axis in &self.axes {
            out = out
                .into_iter()
                .flat_map(|prefix| {
                    axis.values.iter().map(move |value| {
                        let mut settings = prefix.clone();
                        settings.push(Setting { name: axis.name.clone(), value: value.clone() });
                        settings
                    })
                })
                .collect();
        }
        out
    }
}

/// `base` with a candidate's settings applied, checked as a whole (one axis may turn word
/// n-grams off only while another turns character n-grams on).
fn configure(base: &TrainingRun, settings: &[Setting]) -> Result<TrainingRun, TrainError> {
    let mut run = base.clone();
    for setting in settings {
        apply(&mut run, &setting.name, &setting.value)?;
    }
    let features = &run.params.features;
    if features.word_ngrams.is_none() && features.char_ngrams.is_none() {
        let described: Vec<String> = settings.iter().map(|s| format!("{}={}", s.name, s.value)).collect();
        return Err(TrainError::InvalidParam(format!(
            "grid candidate {} has neither word nor character n-grams",
            described.join(" ")
        )));
    }
    // Every candidate's whole run is checked ([`TrainingRun::check`]), so [`Grid::parse`]
    // refuses a grid before any data is read.
    run.check()?;
    Ok(run)
}

/// Sets one hyperparameter of `run`.
fn apply(run: &mut TrainingRun, name: &str, value: &str) -> Result<(), TrainError> {
    let invalid = |why: &str| TrainError::InvalidParam(format!("grid value {name}={value}: {why}"));
    let number = |v: &str| v.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0);
    let features = &mut run.params.features;
    match name {
        "alpha" => run.params.alpha = number(value).ok_or_else(|| invalid("not a positive number"))?,
        "c" => run.params.alpha = 1.0 / number(value).ok_or_else(|| invalid("not a positive number"))?,
        "word_ngrams" => {
            features.word_ngrams = parse_ngram_range(value).map_err(|e| invalid(&e.to_string()))?
        }
        "char_ngrams" => {
            features.char_ngrams = parse_ngram_range(value).map_err(|e| invalid(&e.to_string()))?
        }
        "min_df" => {
            features.min_df =
                value.parse().ok().filter(|&n| n >= 1).ok_or_else(|| invalid("not a whole number ≥ 1"))?
        }
        "max_features" => {
            features.max_features = if value.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(
                    value
                        .parse()
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| invalid("not a whole number ≥ 1"))?,
                )
            }
        }
        "tf" => {
            features.tf = match value {
                "raw" => TermFrequency::Raw,
                "sublinear" => TermFrequency::Sublinear,
                "binary" => TermFrequency::Binary,
                _ => return Err(invalid("expected raw, sublinear or binary")),
            }
        }
        "stem" => {
            features.stemmer = match value {
                "on" | "true" | "yes" => Stemmer::Snowball { language: stance_features::Language::English },
                "off" | "false" | "no" => Stemmer::None,
                _ => return Err(invalid("expected on or off")),
            }
        }
        "normalize" => {
            let options = &mut features.normalize;
            let flags = [
                ("urls", &mut options.urls),
                ("mentions", &mut options.mentions),
                ("numbers", &mut options.numbers),
                ("elongation", &mut options.elongation),
                ("negation", &mut options.negation),
            ];
            let wanted: Vec<&str> = value.split('+').map(str::trim).collect();
            let known = |w: &&str| matches!(*w, "none" | "all") || flags.iter().any(|(name, _)| name == w);
            if let Some(unknown) = wanted.iter().find(|w| !known(w)) {
                return Err(invalid(&format!(
                    "unknown option {unknown:?}; use none, all or urls, mentions, numbers, elongation, negation joined by +"
                )));
            }
            for (name, flag) in flags {
                *flag = wanted.contains(&"all") || wanted.contains(&name);
            }
        }
        "hashtags" => {
            features.normalize.hashtags = match value {
                "keep" => Hashtags::Keep,
                "split" => Hashtags::Split,
                "strip" => Hashtags::Strip,
                _ => return Err(invalid("expected keep, split or strip")),
            }
        }
        "class_weight" => {
            run.params.class_weight = match value {
                "none" => ClassWeight::None,
                "balanced" => ClassWeight::Balanced,
                _ => return Err(invalid("expected none or balanced")),
            }
        }
        "hashing_bits" => {
            features.hashing = if value.eq_ignore_ascii_case("none") {
                None
            } else {
                let bits = value.parse().map_err(|_| invalid("not a whole number or none"))?;
                let seed = features.hashing.map_or(0, |h| h.seed);
                Some(stance_features::Hashing::new(bits, seed))
            }
        }
        "target_strategy" => {
            run.targets = match value {
                "pooled" => TargetSpec { strategy: TargetStrategy::Pooled, pooled_fallback: false },
                "per-target" | "per_target" => {
                    TargetSpec { strategy: TargetStrategy::PerTarget, pooled_fallback: false }
                }
                "per-target+fallback" | "per_target+fallback" => {
                    TargetSpec { strategy: TargetStrategy::PerTarget, pooled_fallback: true }
                }
                "conjoined" => TargetSpec { strategy: TargetStrategy::Conjoined, pooled_fallback: false },
                _ => return Err(invalid("expected pooled, per-target, per-target+fallback or conjoined")),
            };
            if run.targets.uses_targets() && run.columns.target.is_none() {
                return Err(invalid(
                    "target strategies other than pooled need a target column (--target-col)",
                ));
            }
        }
        _ => return Err(invalid("unknown hyperparameter")),
    }
    Ok(())
}

/// The cross-validated result of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The hyperparameters varied by the grid (the rest are the base settings).
    pub settings: Vec<Setting>,
    /// The optimised metric, pooled over all out-of-fold predictions.
    pub score: f64,
    /// Pooled out-of-fold accuracy.
    pub accuracy: f64,
    /// Pooled out-of-fold macro-F1.
    pub macro_f1: f64,
    /// Pooled out-of-fold F_avg ([`stance_eval::f_avg`]), when the data has a neutral label.
    pub f_avg: Option<f64>,
    /// Per-fold macro-F1, mean ± std.
    pub fold_macro_f1: MeanStd,
    /// Folds whose solver did not converge.
    pub unconverged_folds: usize,
    /// Wall-clock seconds of this candidate's cross-validation.
    pub seconds: f64,
}

impl Candidate {
    /// `base` with this candidate's settings: the run to train the final model with.
    pub fn configure(&self, base: &TrainingRun) -> Result<TrainingRun, TrainError> {
        configure(base, &self.settings)
    }
}

/// A finished search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TuneReport {
    /// What was maximised.
    pub metric: Metric,
    /// How folds were formed.
    pub strategy: FoldStrategy,
    /// Number of folds.
    pub folds: usize,
    /// Rows searched on.
    pub n: usize,
    /// The grid.
    pub grid: Grid,
    /// Every candidate in grid order.
    pub candidates: Vec<Candidate>,
    /// Index of the best candidate in `candidates`.
    pub best: usize,
}

/// Cross-validates every candidate of `grid` (applied on top of `base`) on `data` and picks the
/// best by `metric`. `progress(done, total)` is called after each fold of each candidate.
pub fn tune(
    base: &TrainingRun,
    grid: &Grid,
    data: &LabeledData,
    spec: &CvSpec,
    metric: Metric,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<TuneReport, TrainError> {
    let labels = data.labels();
    let neutral = crate::run::neutral_label(&labels, base.neutral_label.as_deref())?;
    if metric == Metric::FAvg && neutral.is_none() {
        return Err(TrainError::InvalidParam(format!(
            "F_avg needs a neutral label; name it with --neutral-label (labels: {})",
            labels.join(", ")
        )));
    }
    let settings = grid.candidates();
    let total = settings.len() * spec.folds;
    let mut candidates = Vec::with_capacity(settings.len());
    let mut first: Option<CvReport> = None;
    for (index, settings) in settings.into_iter().enumerate() {
        let run = configure(base, &settings)?;
        let trainer = run.check()?;
        let started = Instant::now();
        let offset = index * spec.folds;
        let report = run.cross_validate(&trainer, data, spec, &|done, _| progress(offset + done, total))?;
        // `stance_eval::f_avg`, as in every report: 0 when no label but the neutral one exists.
        let f_avg = neutral.as_deref().map(|neutral| f_avg(&report.pooled, neutral));
        let score = match metric {
            Metric::Accuracy => report.pooled.accuracy,
            Metric::MacroF1 => report.pooled.macro_f1,
            Metric::FAvg => f_avg.unwrap_or(0.0),
        };
        candidates.push(Candidate {
            settings,
            score,
            accuracy: report.pooled.accuracy,
            macro_f1: report.pooled.macro_f1,
            f_avg,
            fold_macro_f1: report.mean.macro_f1,
            unconverged_folds: report.per_fold.iter().filter(|f| !f.converged).count(),
            seconds: started.elapsed().as_secs_f64(),
        });
        first.get_or_insert(report);
    }
    let first = first.expect("a grid has at least one candidate");
    // Strictly greater: the first of equal candidates wins, whatever the floating-point noise
    // between runs would do to a sort.
    let best =
        (0..candidates.len())
            .fold(0, |best, i| if candidates[i].score > candidates[best].score { i } else { best });
    Ok(TuneReport {
        metric,
        strategy: first.strategy,
        folds: first.folds,
        n: first.n,
        grid: grid.clone(),
        candidates,
        best,
    })
}

/// How a tuned model was picked, recorded under `training.options.tuned` in its file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TunedRecord<'a> {
    /// What was maximised.
    pub metric: Metric,
    /// The winner's score.
    pub score: f64,
    /// How many candidates were cross-validated.
    pub candidates: usize,
    /// The grid searched.
    pub grid: &'a Grid,
    /// The winner's settings.
    pub settings: &'a [Setting],
}

impl TuneReport {
    /// The winning candidate.
    pub fn best(&self) -> &Candidate {
        &self.candidates[self.best]
    }

    /// How the winner was picked, as its model records it.
    pub fn record(&self) -> TunedRecord<'_> {
        let best = self.best();
        TunedRecord {
            metric: self.metric,
            score: best.score,
            candidates: self.candidates.len(),
            grid: &self.grid,
            settings: &best.settings,
        }
    }

    /// Trains the winner (`base` with its settings) on all of `data`, its cross-validation
    /// recorded as `base` asks, and records in the model how it was picked ([`Self::record`]).
    pub fn train_best(&self, base: &TrainingRun, data: &LabeledData) -> Result<Trained, TrainError> {
        let mut trained = self.best().configure(base)?.run(data)?;
        let tuned = serde_json::to_value(self.record()).expect("the tuning record serializes");
        trained.model.training.options.extra.insert("tuned".into(), tuned);
        Ok(trained)
    }

    /// Candidate indices, best first (ties in grid order).
    pub fn ranking(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.candidates.len()).collect();
        order.sort_by(|&a, &b| self.candidates[b].score.total_cmp(&self.candidates[a].score).then(a.cmp(&b)));
        order
    }

    /// The full results as a Markdown table, best first.
    pub fn to_markdown(&self) -> String {
        let strategy = match &self.strategy {
            FoldStrategy::Grouped { column } => format!("{}-fold grouped by `{column}`", self.folds),
            FoldStrategy::Stratified { seed } => format!("{}-fold stratified (seed {seed})", self.folds),
        };
        let mut out = format!(
            "# Grid search\n\n{} candidates, {strategy} cross-validation over {} rows, maximising pooled \
             out-of-fold {}.\n\n",
            self.candidates.len(),
            self.n,
            self.metric.name()
        );
        let names: Vec<&str> = self.grid.axes.iter().map(|a| a.name.as_str()).collect();
        out.push_str("| rank |");
        for name in &names {
            let _ = write!(out, " {name} |");
        }
        out.push_str(" accuracy | macro-F1 | F_avg | fold macro-F1 | seconds |\n|---:|");
        out.push_str(&"---|".repeat(names.len()));
        out.push_str("---:|---:|---:|---:|---:|\n");
        for (rank, &i) in self.ranking().iter().enumerate() {
            let c = &self.candidates[i];
            let mark = if i == self.best { " **best**" } else { "" };
            let _ = write!(out, "| {}{mark} |", rank + 1);
            for setting in &c.settings {
                let _ = write!(out, " {} |", setting.value);
            }
            let _ = writeln!(
                out,
                " {:.3} | {:.3} | {} | {:.3} ± {:.3} | {:.1} |{}",
                c.accuracy,
                c.macro_f1,
                c.f_avg.map_or("–".to_string(), |f| format!("{f:.3}")),
                c.fold_macro_f1.mean,
                c.fold_macro_f1.std,
                c.seconds,
                if c.unconverged_folds > 0 {
                    format!(" {} fold(s) did not converge", c.unconverged_folds)
                } else {
                    String::new()
                }
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{parse_labeled, Columns, InputFormat};
    use crate::trainer::TrainParams;
    use crate::FoldError;
    use stance_eval::Report;

    fn run() -> TrainingRun {
        TrainingRun {
            params: TrainParams::default(),
            columns: Columns::default(),
            neutral_label: None,
            cross_validation: None,
            held_out: None,
            targets: Default::default(),
            calibration: None,
            topic_terms: Vec::new(),
        }
    }

    #[test]
    fn check_refuses_what_the_options_alone_rule_out() {
        assert!(run().check().is_ok());
        let calibrated = TrainingRun {
            calibration: Some(crate::CalibrationSpec { seed: 1 }),
            targets: TargetSpec { strategy: TargetStrategy::Conjoined, pooled_fallback: false },
            ..run()
        };
        let error = calibrated.check().unwrap_err().to_string();
        assert!(error.contains("--calibrate is only supported with --target-strategy pooled"), "{error}");
        let one_fold =
            TrainingRun { cross_validation: Some(CvSpec { folds: 1, seed: 0, grouped: false }), ..run() };
        assert!(matches!(one_fold.check(), Err(TrainError::Folds(FoldError::TooFewFolds(1)))));
        // A grid is checked candidate by candidate when it is parsed.
        assert!(matches!(
            Grid::parse(&["alpha=0.1,1"], &one_fold),
            Err(TrainError::Folds(FoldError::TooFewFolds(1)))
        ));
    }

    fn data() -> LabeledData {
        let mut tsv = String::from("text\tlabel\n");
        let rows = [
            ("Moscow rejects foreign troops in Ukraine", "oppose"),
            ("Lavrov says peacekeepers are unacceptable", "oppose"),
            ("The Kremlin rejects any Western deployment", "oppose"),
            ("Russia says troops are unacceptable", "oppose"),
            ("Britain is ready to send peacekeepers", "support"),
            ("France backs deploying European troops", "support"),
            ("Starmer is ready to send troops", "support"),
            ("Macron backs a European force", "support"),
            ("Air raid sirens sounded across Ukraine", "neutral"),
            ("The talks took place in Riyadh", "neutral"),
            ("Follow our coverage on Telegram", "neutral"),
            ("The meeting lasted four hours", "neutral"),
        ];
        for (text, label) in rows {
            tsv.push_str(&format!("{text}\t{label}\n"));
        }
        parse_labeled(std::path::Path::new("t.tsv"), tsv.as_bytes(), InputFormat::Tsv, &Columns::default())
            .unwrap()
    }

    #[test]
    fn grid_is_the_cartesian_product_first_axis_slowest() {
        let grid =
            Grid::parse(&["alpha=0.1,1", "word_ngrams=1-1,1-2,none", "char-ngrams=2-3"], &run()).unwrap();
        let candidates = grid.candidates();
        assert_eq!(candidates.len(), 6);
        let values = |c: &Vec<Setting>| c.iter().map(|s| s.value.as_str()).collect::<Vec<_>>().join(" ");
        assert_eq!(values(&candidates[0]), "0.1 1-1 2-3");
        assert_eq!(values(&candidates[2]), "0.1 none 2-3");
        assert_eq!(values(&candidates[3]), "1 1-1 2-3");
        assert_eq!(Grid::default().candidates(), vec![Vec::<Setting>::new()]);
    }

    #[test]
    fn bad_axes_and_values_are_rejected_before_training() {
        for bad in
            ["alpha", "alpha=", "alpha=-1", "gamma=1", "word_ngrams=2-1", "min_df=0", "tf=log", "stem=maybe"]
        {
            assert!(Grid::parse(&[bad], &run()).is_err(), "{bad}");
        }
        assert!(Grid::parse(&["alpha=1", "alpha=2"], &run()).is_err());
        // word n-grams off is fine only while character n-grams are on.
        assert!(Grid::parse(&["word_ngrams=none"], &run()).is_err());
        let mut with_chars = run();
        with_chars.params.features.char_ngrams = Some(stance_features::NgramRange::new(2, 4));
        assert!(Grid::parse(&["word_ngrams=none"], &with_chars).is_ok());
    }

    #[test]
    fn normalisation_axes_set_exactly_the_named_options() {
        let mut r = run();
        apply(&mut r, "normalize", "urls+negation").unwrap();
        let n = &r.params.features.normalize;
        assert!(n.urls && n.negation && !n.mentions && !n.numbers && !n.elongation);
        apply(&mut r, "normalize", "all").unwrap();
        assert!(r.params.features.normalize.mentions && r.params.features.normalize.elongation);
        apply(&mut r, "normalize", "none").unwrap();
        assert!(r.params.features.normalize.is_default());
        apply(&mut r, "class_weight", "balanced").unwrap();
        assert_eq!(r.params.class_weight, ClassWeight::Balanced);
        apply(&mut r, "hashing_bits", "12").unwrap();
        assert_eq!(r.params.features.hashing.map(|h| h.bits), Some(12));
        assert!(configure(&r, &[Setting { name: "hashing_bits".into(), value: "40".into() }]).is_err());
        apply(&mut r, "hashing_bits", "none").unwrap();
        assert_eq!(r.params.features.hashing, None);
        apply(&mut r, "hashtags", "split").unwrap();
        assert_eq!(r.params.features.normalize.hashtags, Hashtags::Split);
        assert!(apply(&mut r, "normalize", "urls+emoji").is_err());
    }

    #[test]
    fn c_is_the_inverse_of_alpha() {
        let mut r = run();
        apply(&mut r, "c", "4").unwrap();
        assert_eq!(r.params.alpha, 0.25);
    }

    #[test]
    fn search_scores_every_candidate_and_picks_the_best_deterministically() {
        let data = data();
        let spec = CvSpec { folds: 3, seed: 7, grouped: false };
        let grid = Grid::parse(&["alpha=0.01,100", "word_ngrams=1-1,1-2"], &run()).unwrap();
        let calls = std::sync::Mutex::new(Vec::new());
        let report = tune(&run(), &grid, &data, &spec, Metric::MacroF1, &|done, total| {
            calls.lock().unwrap().push((done, total))
        })
        .unwrap();
        assert_eq!(report.candidates.len(), 4);
        assert_eq!(calls.lock().unwrap().len(), 12);
        assert!(calls.lock().unwrap().iter().all(|&(done, total)| done <= total && total == 12));
        let best = report.best();
        assert!(report.candidates.iter().all(|c| c.score <= best.score));
        // Heavy regularisation flattens the model to (near) the majority class on 12 rows.
        assert!(best.settings[0].value == "0.01", "{:?}", report.candidates);
        let again = tune(&run(), &grid, &data, &spec, Metric::MacroF1, &|_, _| {}).unwrap();
        assert_eq!(again.best, report.best);
        assert_eq!(
            again.candidates.iter().map(|c| c.score).collect::<Vec<_>>(),
            report.candidates.iter().map(|c| c.score).collect::<Vec<_>>()
        );
        let markdown = report.to_markdown();
        assert!(markdown.contains("| rank | alpha | word_ngrams |"), "{markdown}");
        assert_eq!(markdown.matches("**best**").count(), 1);
    }

    #[test]
    fn f_avg_leaves_out_the_neutral_label() {
        let labels: Vec<String> = ["neutral", "oppose", "support"].iter().map(|s| s.to_string()).collect();
        let report = Report::from_predictions(&labels, &[0, 1, 2, 2], &[0, 1, 2, 1]);
        let expected = (report.per_class["oppose"].f1 + report.per_class["support"].f1) / 2.0;
        assert_eq!(f_avg(&report, "neutral"), expected);
        let err = tune(
            &run(),
            &Grid::default(),
            &data(),
            &CvSpec { folds: 2, seed: 1, grouped: false },
            Metric::FAvg,
            &|_, _| {},
        );
        assert!(err.is_ok(), "the data has a label named neutral");
    }
}
