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
use stance_features::{parse_ngram_range, AnalyzedCorpus, FeatureConfig, Stemmer};

use stance_eval::{FoldStrategy, MeanStd, Report, ScoredRow};

use crate::cv::{plan_folds, run_folds, Dataset, FoldData, FoldOutcome};
use crate::data::LabeledData;
use crate::folds::{shuffle, SplitMix64};
use crate::priors::{choose_priors, PriorsChoice};
use crate::run::{label_indices, row_groups, row_targets, CvSpec, Trained, TrainingRun};
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

    /// This metric of `report` (F_avg 0 when the report has none).
    pub fn of(self, report: &stance_eval::Report) -> f64 {
        match self {
            Metric::Accuracy => report.accuracy,
            Metric::MacroF1 => report.macro_f1,
            Metric::FAvg => report.f_avg.unwrap_or(0.0),
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
    ("nb_scaling", "NB log-count-ratio feature scaling: on or off"),
    ("blend", "separately fitted word and character models, averaged: on or off (needs both)"),
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
    if features.word_ngrams().is_none() && features.char_ngrams().is_none() {
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

/// `on`/`true`/`yes` or `off`/`false`/`no`.
fn on_off(value: &str) -> Option<bool> {
    match value {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
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
            features.set_word_ngrams(parse_ngram_range(value).map_err(|e| invalid(&e.to_string()))?)
        }
        "char_ngrams" => {
            features.set_char_ngrams(parse_ngram_range(value).map_err(|e| invalid(&e.to_string()))?)
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
            features.tf = value.parse().map_err(|e: stance_features::UnknownValue| invalid(&e.to_string()))?
        }
        "stem" => {
            features.stemmer = match on_off(value) {
                Some(true) => Stemmer::Snowball { language: stance_features::Language::English },
                Some(false) => Stemmer::None,
                None => return Err(invalid("expected on or off")),
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
            features.normalize.hashtags =
                value.parse().map_err(|e: stance_features::UnknownValue| invalid(&e.to_string()))?
        }
        "class_weight" => {
            run.params.class_weight = match value {
                "none" => ClassWeight::None,
                "balanced" => ClassWeight::Balanced,
                _ => return Err(invalid("expected none or balanced")),
            }
        }
        "nb_scaling" => run.params.nb_scaling = on_off(value).ok_or_else(|| invalid("expected on or off"))?,
        "blend" => run.params.blend = on_off(value).ok_or_else(|| invalid("expected on or off"))?,
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
            // `per-target+fallback`: the per-target strategy with its pooled fallback.
            let (name, pooled_fallback) = match value.strip_suffix("+fallback") {
                Some(name) => (name, true),
                None => (value, false),
            };
            let strategy: TargetStrategy = name.parse().map_err(|e: stance_features::UnknownValue| {
                invalid(&format!("{e} (or per-target+fallback)"))
            })?;
            if pooled_fallback && strategy != TargetStrategy::PerTarget {
                return Err(invalid("+fallback only applies to per-target"));
            }
            run.targets = TargetSpec { strategy, pooled_fallback };
            if run.targets.uses_targets() && run.columns.target.is_none() {
                return Err(TrainError::NoTargetColumn);
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
    /// Folds this candidate was scored on: all of them, or fewer when successive halving
    /// dropped it early.
    pub folds: usize,
    /// The optimised metric, pooled over the out-of-fold predictions of those folds.
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

/// How much a search may try.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Budget {
    /// Wall-clock seconds the search may spend (the final fit not counted); `None`: no clock,
    /// every sampled candidate is scored.
    pub seconds: Option<f64>,
    /// At most this many candidates are sampled from the space; `None`: as many as the clock
    /// allows (all of them without a clock). A fixed count makes the search itself
    /// reproducible: no choice then depends on the machine's speed.
    pub candidates: Option<usize>,
    /// Seed of the order in which candidates are sampled.
    pub seed: u64,
}

impl Budget {
    /// Every candidate, every fold: an exhaustive grid search.
    pub const EXHAUSTIVE: Budget = Budget { seconds: None, candidates: None, seed: 0 };
}

/// Spaces with at most this many candidates are searched exhaustively (every candidate on
/// every fold, in grid order) when no candidate count is asked for.
pub const EXHAUSTIVE_MAX: usize = 12;

/// Successive halving keeps the best third of a rung for the next.
const HALVING: usize = 3;

/// How the search went, recorded in the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchSummary {
    /// Candidates in the space (the grid's product).
    pub space: usize,
    /// Candidates scored on at least one rung.
    pub tried: usize,
    /// Folds of each rung of successive halving, ascending (one rung with every fold for an
    /// exhaustive search).
    pub rungs: Vec<usize>,
    /// Candidates scored on each rung.
    pub per_rung: Vec<usize>,
    /// The budget.
    pub budget: Budget,
    /// Seconds the search took.
    pub seconds: f64,
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
    /// The grid (the space searched).
    pub grid: Grid,
    /// How the search went.
    pub search: SearchSummary,
    /// Every candidate tried, in the order tried.
    pub candidates: Vec<Candidate>,
    /// Index of the best candidate in `candidates`.
    pub best: usize,
    /// Class priors fitted to the best candidate's out-of-fold predictions, and whether the
    /// nested estimate kept them.
    pub priors: PriorsChoice,
}

/// The fold counts of the rungs of successive halving over `k` folds: about a fifth (one of
/// five folds: many candidates cheaply), half and all of them (fewer rungs when `k` is small).
fn rungs(k: usize) -> Vec<usize> {
    let mut counts = vec![k.div_ceil(5).max(1), k.div_ceil(2), k];
    counts.dedup();
    counts
}

/// Heap bytes the analysed corpora of one search may hold together; past it the least recently
/// used go (a candidate needing one again analyses its texts again).
const CORPORA_MEMORY: usize = 512 << 20;

/// The training texts analysed once per way of analysing them among the candidates
/// ([`FeatureConfig::analyses_like`]), so candidates that differ in regularisation, class
/// weights, pruning or weighting fit every fold from stored term ids
/// ([`AnalyzedCorpus::fit_transform`]: the same models). Each corpus prunes at the smallest
/// `min_df` of the candidates it serves.
struct Corpora<'t> {
    texts: &'t [&'t str],
    /// One config per way of analysing, with the smallest `min_df` of its candidates.
    analyses: Vec<FeatureConfig>,
    /// Corpora by index into `analyses` (`None`: not built, dropped, or the texts cannot be
    /// served), with the tick of their last use.
    kept: Vec<(Option<AnalyzedCorpus>, u64)>,
    unservable: Vec<bool>,
    tick: u64,
    /// Heap bytes the kept corpora may hold together ([`CORPORA_MEMORY`]).
    limit: usize,
}

impl<'t> Corpora<'t> {
    fn new<'c>(texts: &'t [&'t str], configs: impl IntoIterator<Item = &'c FeatureConfig>) -> Self {
        let mut analyses: Vec<FeatureConfig> = Vec::new();
        for config in configs.into_iter().filter(|c| c.hashing.is_none()) {
            match analyses.iter_mut().find(|known| known.analyses_like(config)) {
                Some(known) => known.min_df = known.min_df.min(config.min_df),
                None => analyses.push(config.clone()),
            }
        }
        let n = analyses.len();
        Self {
            texts,
            analyses,
            kept: (0..n).map(|_| (None, 0)).collect(),
            unservable: vec![false; n],
            tick: 0,
            limit: CORPORA_MEMORY,
        }
    }

    /// The corpus serving `run`'s folds, analysed now if it is not kept; `None` for runs whose
    /// folds fit per-target features or that no corpus can serve.
    fn serving(&mut self, run: &TrainingRun) -> Result<Option<&AnalyzedCorpus>, TrainError> {
        let config = &run.params.features;
        if run.targets.uses_targets() {
            return Ok(None);
        }
        let Some(at) =
            self.analyses.iter().position(|a| a.analyses_like(config) && a.min_df <= config.min_df)
        else {
            return Ok(None);
        };
        if self.unservable[at] {
            return Ok(None);
        }
        self.tick += 1;
        if self.kept[at].0.is_none() {
            let Some(corpus) = AnalyzedCorpus::new(&self.analyses[at], self.texts)? else {
                self.unservable[at] = true;
                return Ok(None);
            };
            let held = corpus.heap_bytes();
            // Least recently used out first, until the new one fits beside the rest.
            while held + self.held() > self.limit {
                let Some(oldest) = (0..self.kept.len())
                    .filter(|&i| self.kept[i].0.is_some())
                    .min_by_key(|&i| self.kept[i].1)
                else {
                    break;
                };
                self.kept[oldest].0 = None;
            }
            self.kept[at].0 = Some(corpus);
        }
        self.kept[at].1 = self.tick;
        Ok(self.kept[at].0.as_ref())
    }

    fn held(&self) -> usize {
        self.kept.iter().filter_map(|(corpus, _)| corpus.as_ref()).map(AnalyzedCorpus::heap_bytes).sum()
    }
}

/// One candidate's folds so far.
struct Progress {
    settings: Vec<Setting>,
    run: TrainingRun,
    outcomes: Vec<FoldOutcome>,
    seconds: f64,
}

/// Scores `grid`'s candidates (applied on top of `base`) by cross-validation on `data` and
/// picks the best by `metric`.
///
/// A space of at most [`EXHAUSTIVE_MAX`] candidates (and no candidate count in `budget`) is
/// searched exhaustively, in grid order. A larger one is sampled in a seeded order and
/// searched by successive halving: every sampled candidate is scored on the first rung's
/// folds, the best third go on to more folds, and so on until the last rung scores its
/// candidates on every fold; the clock of `budget` (if any) decides how many candidates the
/// first rung takes. The winner is the best of the last rung. `progress(done, total)` is
/// called after each fold of each candidate (`total` is an estimate that grows or shrinks).
pub fn tune(
    base: &TrainingRun,
    grid: &Grid,
    data: &LabeledData,
    spec: &CvSpec,
    metric: Metric,
    budget: &Budget,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<TuneReport, TrainError> {
    let started = Instant::now();
    let (labels, label_ids) = label_indices(data);
    let neutral = crate::run::neutral_label(&labels, base.neutral_label.as_deref())?;
    check_metric(metric, &labels, neutral.as_deref())?;
    let space = grid.candidates();
    let exhaustive = budget.candidates.is_none() && space.len() <= EXHAUSTIVE_MAX;
    let mut order: Vec<usize> = (0..space.len()).collect();
    if !exhaustive {
        shuffle(&mut order, &mut SplitMix64::new(budget.seed));
    }
    if let Some(cap) = budget.candidates {
        order.truncate(cap.max(1));
    }

    let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
    let pooled_configs: Vec<FeatureConfig> = order
        .iter()
        .filter_map(|&candidate| configure(base, &space[candidate]).ok())
        .filter(|run| !run.targets.uses_targets())
        .map(|run| run.params.features)
        .collect();
    let mut corpora = Corpora::new(&texts, &pooled_configs);
    drop(pooled_configs);
    let group_column = base.columns.group.as_deref().filter(|_| spec.grouped);
    let groups = group_column.map(|column| row_groups(data, column)).transpose()?;
    let groups = group_column.zip(groups.as_deref());
    let stance_targets =
        base.columns.target.as_deref().map(|column| row_targets(data, Some(column), false)).transpose()?;
    let (strategy, test_sets) = plan_folds(&label_ids, groups, spec.folds, spec.seed)?;
    let k = test_sets.len();
    let rungs = if exhaustive { vec![k] } else { rungs(k) };
    // The clock share of the first rung: its folds against the later rungs' extra folds on a
    // third, a ninth, … of its candidates.
    let later: f64 =
        (1..rungs.len()).map(|r| (rungs[r] - rungs[r - 1]) as f64 / (HALVING.pow(r as u32)) as f64).sum();
    let first_share = rungs[0] as f64 / (rungs[0] as f64 + later);
    let first_rung_seconds = budget.seconds.filter(|_| !exhaustive).map(|s| s * first_share);

    let mut tried: Vec<Progress> = Vec::new();
    let mut alive: Vec<usize> = Vec::new(); // indices into `tried`
    let mut per_rung = Vec::with_capacity(rungs.len());
    let done = std::sync::atomic::AtomicUsize::new(0);
    let planned = |first: usize| -> usize {
        let mut total = first * rungs[0];
        let mut n = first;
        for r in 1..rungs.len() {
            n = n.div_ceil(HALVING);
            total += n * (rungs[r] - rungs[r - 1]);
        }
        total
    };
    for (rung, &count) in rungs.iter().enumerate() {
        let from = if rung == 0 { 0 } else { rungs[rung - 1] };
        let folds: Vec<usize> = (from..count).collect();
        let scoring: Vec<usize> = if rung == 0 { Vec::new() } else { alive.clone() };
        let mut scored = Vec::new();
        let mut queue = order.iter();
        let mut next = 0;
        loop {
            let index = if rung == 0 {
                // The first rung samples candidates while its share of the clock lasts (at
                // least one per halving step, so a later rung has something to choose from).
                let elapsed = started.elapsed().as_secs_f64();
                let enough = tried.len() >= HALVING.pow(rungs.len() as u32 - 1);
                if first_rung_seconds.is_some_and(|limit| elapsed > limit && enough) {
                    break;
                }
                let Some(&candidate) = queue.next() else { break };
                let settings = space[candidate].clone();
                let run = configure(base, &settings)?;
                tried.push(Progress { settings, run, outcomes: Vec::new(), seconds: 0.0 });
                tried.len() - 1
            } else {
                let Some(&index) = scoring.get(next) else { break };
                next += 1;
                index
            };
            let estimate = if rung == 0 {
                let per = started.elapsed().as_secs_f64() / tried.len() as f64;
                let more = first_rung_seconds.map_or(order.len(), |limit| {
                    tried.len()
                        + ((limit - started.elapsed().as_secs_f64()).max(0.0) / per.max(1e-9)) as usize
                });
                planned(more.clamp(tried.len(), order.len()))
            } else {
                planned(tried.len())
            };
            let state = &mut tried[index];
            let trainer = state.run.check()?;
            let fold_data = FoldData {
                spec: &state.run.targets,
                dataset: Dataset {
                    texts: &texts,
                    label_ids: &label_ids,
                    labels: &labels,
                    groups,
                    stance_targets: stance_targets.as_deref(),
                    neutral: crate::run::label_index(&labels, neutral.as_deref()),
                },
                analysed: corpora.serving(&state.run)?,
            };
            let clock = Instant::now();
            let outcomes = run_folds(&trainer, &fold_data, &test_sets, &folds, &|_, _| {
                let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(done, estimate.max(done));
            })?;
            state.seconds += clock.elapsed().as_secs_f64();
            state.outcomes.extend(outcomes);
            scored.push(index);
        }
        per_rung.push(scored.len());
        // The best third (the best of all on the last rung) goes on; ties in the order tried.
        let score_of = |i: usize| summarize(&tried[i], &labels, neutral.as_deref(), metric).score;
        let mut ranked = scored.clone();
        ranked.sort_by(|&a, &b| score_of(b).total_cmp(&score_of(a)).then(a.cmp(&b)));
        ranked.truncate(scored.len().div_ceil(HALVING).max(1));
        alive = ranked;
    }
    let candidates: Vec<Candidate> =
        tried.iter().map(|state| summarize(state, &labels, neutral.as_deref(), metric)).collect();
    // The best of the last rung; strictly greater, so the first tried of equals wins.
    let last: Vec<usize> = (0..candidates.len()).filter(|&i| candidates[i].folds == k).collect();
    let best = last.iter().copied().fold(last[0], |best, i| {
        if candidates[i].score > candidates[best].score {
            i
        } else {
            best
        }
    });
    let best_folds: Vec<Vec<&ScoredRow>> =
        tried[best].outcomes.iter().map(|o| o.scored.iter().map(|(_, row)| row).collect()).collect();
    let priors = choose_priors(&best_folds, &labels, neutral.as_deref(), metric);
    Ok(TuneReport {
        priors,
        metric,
        strategy,
        folds: k,
        n: data.rows.len(),
        grid: grid.clone(),
        search: SearchSummary {
            space: space.len(),
            tried: tried.len(),
            rungs,
            per_rung,
            budget: *budget,
            seconds: started.elapsed().as_secs_f64(),
        },
        candidates,
        best,
    })
}

/// Refuses a metric the data cannot compute: F_avg needs a neutral label and a stance label
/// besides it.
pub fn check_metric(metric: Metric, labels: &[String], neutral: Option<&str>) -> Result<(), TrainError> {
    if metric != Metric::FAvg {
        return Ok(());
    }
    match neutral {
        None => Err(TrainError::MetricNeedsNeutralLabel { labels: labels.to_vec() }),
        Some(neutral) if labels.iter().all(|l| l == neutral) => Err(TrainError::InvalidParam(format!(
            "F_avg is the mean F1 of the stance labels, and the data has none besides the neutral label {neutral:?}"
        ))),
        Some(_) => Ok(()),
    }
}

/// A candidate's pooled metrics over the folds it was scored on.
fn summarize(state: &Progress, labels: &[String], neutral: Option<&str>, metric: Metric) -> Candidate {
    let rows: Vec<&ScoredRow> =
        state.outcomes.iter().flat_map(|o| o.scored.iter().map(|(_, row)| row)).collect();
    let truth: Vec<usize> = rows.iter().map(|r| r.truth).collect();
    let predicted: Vec<usize> = rows.iter().map(|r| r.predicted()).collect();
    let pooled = Report::from_predictions_with_neutral(labels, &truth, &predicted, neutral);
    let fold_macro: Vec<f64> = state.outcomes.iter().map(|o| o.summary.macro_f1).collect();
    let score = metric.of(&pooled);
    Candidate {
        settings: state.settings.clone(),
        folds: state.outcomes.len(),
        score,
        accuracy: pooled.accuracy,
        macro_f1: pooled.macro_f1,
        f_avg: pooled.f_avg,
        fold_macro_f1: MeanStd::of(&fold_macro),
        unconverged_folds: state.outcomes.iter().filter(|o| !o.summary.converged).count(),
        seconds: state.seconds,
    }
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
        if self.priors.kept {
            trained.model.priors = Some(stance_model::Priors {
                log_offsets: self.priors.log_offsets.clone(),
                fitted_on: format!(
                    "the {}-fold out-of-fold predictions of the search, maximising {} ({:.4} with, {:.4} \
                     without, each fold decided by priors fitted on the others)",
                    self.folds,
                    self.metric.name(),
                    self.priors.score_with,
                    self.priors.score_without
                ),
            });
            trained.model.format_version = trained.model.version_needed();
        }
        Ok(trained)
    }

    /// Candidate indices, best first: those scored on more folds first (successive halving's
    /// later rungs), then by score, ties in the order tried.
    pub fn ranking(&self) -> Vec<usize> {
        let c = &self.candidates;
        let mut order: Vec<usize> = (0..c.len()).collect();
        order.sort_by(|&a, &b| {
            c[b].folds.cmp(&c[a].folds).then(c[b].score.total_cmp(&c[a].score)).then(a.cmp(&b))
        });
        order
    }

    /// The full results as a Markdown table, best first.
    pub fn to_markdown(&self) -> String {
        let strategy = match &self.strategy {
            FoldStrategy::Grouped { column } => format!("{}-fold grouped by `{column}`", self.folds),
            FoldStrategy::Stratified { seed } => format!("{}-fold stratified (seed {seed})", self.folds),
        };
        let search = &self.search;
        let mut out = format!(
            "# Grid search\n\n{} of {} candidates, {strategy} cross-validation over {} rows, maximising pooled \
             out-of-fold {}",
            self.candidates.len(),
            search.space,
            self.n,
            self.metric.name()
        );
        if search.rungs.len() > 1 {
            let _ = write!(
                out,
                "; successive halving (candidates sampled with seed {}): {} rungs of {} folds, scoring {} \
                 candidates",
                search.budget.seed,
                search.rungs.len(),
                search.rungs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                search.per_rung.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            );
        }
        let _ = write!(out, "; {:.0} seconds.\n\n", search.seconds);
        let p = &self.priors;
        let _ = write!(
            out,
            "Class priors fitted to the winner's out-of-fold predictions: {} {:.3} with them (each fold \
             decided by priors fitted on the others), {:.3} without; {}.\n\nThe space:\n\n",
            self.metric.name(),
            p.score_with,
            p.score_without,
            if p.kept { "kept in the model" } else { "not kept" }
        );
        for axis in &self.grid.axes {
            let _ = writeln!(out, "- `--grid {}={}`", axis.name, axis.values.join(","));
        }
        out.push_str(
            "\nCandidates scored on fewer folds were dropped by successive halving; their \
                      figures are over those folds only.\n\n",
        );
        let names: Vec<&str> = self.grid.axes.iter().map(|a| a.name.as_str()).collect();
        out.push_str("| rank |");
        for name in &names {
            let _ = write!(out, " {name} |");
        }
        out.push_str(" folds | accuracy | macro-F1 | F_avg | fold macro-F1 | seconds |\n|---:|");
        out.push_str(&"---|".repeat(names.len()));
        out.push_str("---:|---:|---:|---:|---:|---:|\n");
        for (rank, &i) in self.ranking().iter().enumerate() {
            let c = &self.candidates[i];
            let mark = if i == self.best { " **best**" } else { "" };
            let _ = write!(out, "| {}{mark} |", rank + 1);
            for setting in &c.settings {
                let _ = write!(out, " {} |", setting.value);
            }
            let _ = writeln!(
                out,
                " {} | {:.3} | {:.3} | {} | {:.3} ± {:.3} | {:.1} |{}",
                c.folds,
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
    use stance_eval::{f_avg, Report};

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
        assert!(error.contains("calibration is only supported with the pooled target strategy"), "{error}");
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
        with_chars.params.features.set_char_ngrams(Some(stance_features::NgramRange::new(2, 4)));
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
        assert_eq!(r.params.features.normalize.hashtags, stance_features::Hashtags::Split);
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
        let report =
            tune(&run(), &grid, &data, &spec, Metric::MacroF1, &Budget::EXHAUSTIVE, &|done, total| {
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
        let again =
            tune(&run(), &grid, &data, &spec, Metric::MacroF1, &Budget::EXHAUSTIVE, &|_, _| {}).unwrap();
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
    fn candidates_that_analyse_alike_share_one_corpus_within_the_memory_bound() {
        let data = data();
        let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
        let with = |settings: &[(&str, &str)]| {
            let mut run = run();
            for (name, value) in settings {
                apply(&mut run, name, value).unwrap();
            }
            run
        };
        let words = with(&[("alpha", "0.1"), ("min_df", "2")]);
        let balanced = with(&[("alpha", "3"), ("class_weight", "balanced"), ("min_df", "1")]);
        let trigrams = with(&[("word_ngrams", "1-3")]);
        let mut per_target = run();
        per_target.targets.strategy = TargetStrategy::PerTarget;
        let configs = [&words, &balanced, &trigrams].map(|run| run.params.features.clone());
        let mut corpora = Corpora::new(&texts, &configs);
        let shared = corpora.serving(&words).unwrap().map(|c| c as *const AnalyzedCorpus).unwrap();
        let corpus = corpora.serving(&balanced).unwrap().unwrap();
        assert_eq!(corpus as *const AnalyzedCorpus, shared, "one corpus for both");
        assert_eq!(corpus.config().min_df, 1, "the smallest min_df of the two");
        let other = corpora.serving(&trigrams).unwrap().map(|c| c as *const AnalyzedCorpus).unwrap();
        assert_ne!(other, shared);
        assert!(corpora.serving(&per_target).unwrap().is_none());
        assert_eq!(corpora.kept.iter().filter(|(c, _)| c.is_some()).count(), 2);
        // With no room for two, the least recently used goes and is analysed again when needed.
        corpora.limit = 0;
        corpora.serving(&words).unwrap().unwrap();
        assert!(corpora.kept.iter().filter(|(c, _)| c.is_some()).count() == 2, "kept ones are not dropped");
        corpora.kept[0].0 = None;
        corpora.serving(&words).unwrap().unwrap();
        assert_eq!(corpora.kept.iter().filter(|(c, _)| c.is_some()).count(), 1);
    }

    #[test]
    fn each_candidate_scores_as_its_own_cross_validation() {
        let data = data();
        let spec = CvSpec { folds: 3, seed: 5, grouped: false };
        let grid = Grid::parse(&["alpha=0.1,1", "min_df=1,2", "word_ngrams=1-1,1-2"], &run()).unwrap();
        let report =
            tune(&run(), &grid, &data, &spec, Metric::MacroF1, &Budget::EXHAUSTIVE, &|_, _| {}).unwrap();
        assert_eq!(report.candidates.len(), 8);
        for candidate in &report.candidates {
            let run = configure(&run(), &candidate.settings).unwrap();
            let cv = run.cross_validate(&run.check().unwrap(), &data, &spec, &|_, _| {}).unwrap();
            assert_eq!(candidate.macro_f1, cv.pooled.macro_f1, "{:?}", candidate.settings);
            assert_eq!(candidate.accuracy, cv.pooled.accuracy, "{:?}", candidate.settings);
        }
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
            &Budget::EXHAUSTIVE,
            &|_, _| {},
        );
        assert!(err.is_ok(), "the data has a label named neutral");
        let labels: Vec<String> = ["neutral", "support"].iter().map(|s| s.to_string()).collect();
        assert!(check_metric(Metric::FAvg, &labels, None).is_err());
        assert!(check_metric(Metric::FAvg, &labels[..1], Some("neutral")).is_err());
        assert!(check_metric(Metric::FAvg, &labels, Some("neutral")).is_ok());
        assert!(check_metric(Metric::MacroF1, &labels, None).is_ok());
    }

    #[test]
    fn successive_halving_scores_fewer_candidates_on_more_folds() {
        let data = data();
        let spec = CvSpec { folds: 4, seed: 7, grouped: false };
        let grid =
            Grid::parse(&["alpha=0.01,0.1,1,10,100", "word_ngrams=1-1,1-2", "min_df=1,2"], &run()).unwrap();
        assert_eq!(rungs(4), [1, 2, 4]);
        assert_eq!(rungs(2), [1, 2]);
        assert_eq!(rungs(25), [5, 13, 25]);
        assert_eq!(rungs(5), [1, 3, 5]);
        let budget = Budget { seconds: None, candidates: Some(18), seed: 3 };
        let report = tune(&run(), &grid, &data, &spec, Metric::MacroF1, &budget, &|_, _| {}).unwrap();
        // 18 of 20 sampled; a third go on each time: 18 on 1 fold, 6 on 2, 2 on all 4.
        assert_eq!(report.search.space, 20);
        assert_eq!((report.search.tried, report.candidates.len()), (18, 18));
        assert_eq!(report.search.per_rung, [18, 6, 2]);
        let on_all: Vec<&Candidate> = report.candidates.iter().filter(|c| c.folds == 4).collect();
        assert_eq!(on_all.len(), 2);
        assert_eq!(report.best().folds, 4);
        assert!(on_all.iter().all(|c| c.score <= report.best().score));
        // The ranking puts the fully scored candidates first.
        let ranking = report.ranking();
        assert!(ranking[..2].iter().all(|&i| report.candidates[i].folds == 4));
        // The same seed and count: the same search.
        let again = tune(&run(), &grid, &data, &spec, Metric::MacroF1, &budget, &|_, _| {}).unwrap();
        assert_eq!(
            again.candidates.iter().map(|c| &c.settings).collect::<Vec<_>>(),
            report.candidates.iter().map(|c| &c.settings).collect::<Vec<_>>()
        );
        assert_eq!(again.best, report.best);
        let markdown = report.to_markdown();
        assert!(markdown.contains("18 of 20 candidates"), "{markdown}");
        assert!(markdown.contains("3 rungs of 1, 2, 4 folds, scoring 18, 6, 2 candidates"), "{markdown}");
        assert!(markdown.contains("- `--grid alpha=0.01,0.1,1,10,100`"), "{markdown}");
    }
}
