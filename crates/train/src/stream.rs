//! Out-of-core training: a labeled TSV or JSONL file streamed in passes, with hashed features
//! and memory bounded by the number of buckets, not the rows (as Vowpal Wabbit trains).
//!
//! Pass 0 reads and checks every row (a bad row anywhere is an error naming its line before
//! any weight is learned), counts the labels and each bucket's document frequency, which give
//! the hashing featurizer's kept buckets and idf. Each later pass streams the rows again in
//! file order and takes one AdaGrad step per row on the multinomial logistic loss with an L2
//! penalty of `alpha / rows` per row on the weights the row touches (the summed objective's
//! `alpha / 2 · ‖W‖²`, spread over the rows). Rows are featurized in parallel batches and the
//! steps are taken one row at a time in file order, so the model is the same bytes for any
//! number of threads; nothing is shuffled, so no seed is involved.
//!
//! Memory: per bucket the weights and AdaGrad sums of every label (`f32`, feature-major, so one
//! bucket's labels sit together), the progressive gradient (`f64`) and two counters in pass 0,
//! plus one batch of rows: about 60 MB at 2^20 buckets and 3 labels, whatever the file's size.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use stance_features::{idf_weight, FeatureConfig, Featurizer, Hashing, SparseVec};
use stance_model::{
    ColumnNames, ModelFile, SolverReport, TrainingInfo, TrainingOptions, Weights, FORMAT, FORMAT_VERSION,
};

use crate::data::{Columns, InputFormat, LabeledRow, LabeledStream};
use crate::TrainError;

/// Buckets of the hashing featurizer when none are asked for: 2^20.
pub const STREAM_DEFAULT_BITS: u32 = 20;

/// Largest number of passes over the data [`StreamParams::check`] accepts.
pub const MAX_PASSES: usize = 1000;

/// Rows featurized together in parallel before their steps are taken in order.
const BATCH_ROWS: usize = 8192;

/// AdaGrad's initial sum of squared gradients, so the first step is finite.
const ADAGRAD_EPSILON: f32 = 1e-8;

/// Hyperparameters of streamed training, unchecked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamParams {
    /// The featurization; must hash ([`FeatureConfig::hashing`]).
    pub features: FeatureConfig,
    /// L2 strength of the summed objective, as [`crate::TrainParams::alpha`].
    pub alpha: f64,
    /// AdaGrad's step size, in (0, 100].
    pub learning_rate: f64,
    /// Passes of AdaGrad steps over the rows, 1 to [`MAX_PASSES`] (besides the counting pass).
    pub passes: usize,
    /// The bound on the norm of the last pass's progressive gradient, divided by the rows,
    /// below which the run is reported as converged.
    pub gradient_tolerance: f64,
    /// Always `"sgd"`: what the model file records as the solver option.
    pub solver: &'static str,
}

impl StreamParams {
    /// Checks every value before any data is read.
    pub fn check(&self) -> Result<(), TrainError> {
        self.features.check()?;
        if self.features.hashing.is_none() {
            return Err(TrainError::InvalidParam("streamed training needs feature hashing".into()));
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(TrainError::InvalidParam(format!(
                "alpha must be a positive number, got {}",
                self.alpha
            )));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 100.0) {
            return Err(TrainError::InvalidParam(format!(
                "the learning rate must be in (0, 100], got {}",
                self.learning_rate
            )));
        }
        if !(1..=MAX_PASSES).contains(&self.passes) {
            return Err(TrainError::InvalidParam(format!(
                "passes must be from 1 to {MAX_PASSES}, got {}",
                self.passes
            )));
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return Err(TrainError::InvalidParam(format!(
                "gradient_tolerance must be a positive number, got {}",
                self.gradient_tolerance
            )));
        }
        Ok(())
    }
}

/// Where a streamed run is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamProgress {
    /// 0 for the counting pass, then 1 to `passes`.
    pub pass: usize,
    /// AdaGrad passes asked for.
    pub passes: usize,
    /// Rows done in this pass.
    pub rows: usize,
    /// The file's rows, once pass 0 has counted them.
    pub total_rows: Option<usize>,
    /// Bytes read in this pass.
    pub bytes: u64,
}

/// A labeled file to stream.
#[derive(Debug, Clone)]
pub struct StreamSource {
    /// The file.
    pub path: PathBuf,
    /// Its format (`None`: from the extension); TSV or JSONL.
    pub format: Option<InputFormat>,
    /// Its columns (text and label; others are read and checked but not used).
    pub columns: Columns,
    /// The neutral label, or `None` to detect one.
    pub neutral_label: Option<String>,
}

/// Trains a model on `source` streamed in passes as `params` say (see the module doc), calling
/// `progress` after every batch. Fails on the first bad row (naming its line), when fewer than
/// two labels occur, and when the weights come out all zero or not finite.
pub fn train_streaming(
    source: &StreamSource,
    params: &StreamParams,
    progress: &dyn Fn(StreamProgress),
) -> Result<ModelFile, TrainError> {
    params.check()?;
    let hashing = params.features.hashing.expect("checked");
    let counts = count(source, params, hashing, progress)?;
    let labels: Vec<String> = counts.rows_per_label.keys().cloned().collect();
    if labels.len() < 2 {
        return Err(TrainError::TooFewClasses { path: Some(source.path.clone()), found: labels });
    }
    let featurizer = counts.featurizer(&params.features)?;
    let neutral_label = crate::run::neutral_label(&labels, source.neutral_label.as_deref())?;
    let mut learner = AdaGrad::new(hashing.n_buckets(), labels.len(), params, counts.rows);
    for pass in 1..=params.passes {
        learner.start_pass();
        let mut stream = LabeledStream::open(&source.path, source.format, &source.columns)?;
        let mut done = 0;
        for_each_batch(&mut stream, |batch, bytes| {
            let vectors: Vec<SparseVec> =
                batch.par_iter().map(|row| featurizer.transform(&row.text)).collect();
            for (row, vector) in batch.iter().zip(&vectors) {
                let label = labels
                    .binary_search(&row.label)
                    .map_err(|_| TrainError::StreamChanged { path: source.path.clone(), line: row.line })?;
                learner.step(vector, label);
            }
            done += batch.len();
            progress(StreamProgress {
                pass,
                passes: params.passes,
                rows: done,
                total_rows: Some(counts.rows),
                bytes,
            });
            Ok(())
        })?;
        if done != counts.rows {
            return Err(TrainError::StreamChanged { path: source.path.clone(), line: stream.lines() });
        }
    }
    let (weights, solver) = learner.finish(params)?;
    let data_file = source
        .path
        .file_name()
        .map_or_else(|| source.path.display().to_string(), |n| n.to_string_lossy().into());
    let options = TrainingOptions {
        params: serde_json::to_value(params).expect("params serialize"),
        columns: ColumnNames {
            text: source.columns.text.clone(),
            label: source.columns.label.clone(),
            group: source.columns.group.clone(),
            target: None,
            topic: None,
        },
        neutral_label: source.neutral_label.clone(),
        ..TrainingOptions::default()
    };
    let mut model = ModelFile {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        labels,
        neutral_label,
        features: featurizer,
        weights,
        targets: None,
        training: TrainingInfo {
            stance_version: env!("CARGO_PKG_VERSION").into(),
            data_file,
            data_sha256: counts.sha256,
            rows: counts.rows,
            rows_per_label: counts.rows_per_label,
            options,
            solver,
            cross_validation: None,
            held_out: None,
        },
        calibration: None,
        checksum: None,
        relevance: None,
        priors: None,
    };
    model.format_version = model.version_needed();
    Ok(model)
}

/// Reads `stream` to its end in batches of [`BATCH_ROWS`] rows, calling `each(batch, bytes
/// read so far)`.
fn for_each_batch(
    stream: &mut LabeledStream,
    mut each: impl FnMut(&[LabeledRow], u64) -> Result<(), TrainError>,
) -> Result<(), TrainError> {
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    loop {
        let row = stream.next_row()?;
        let end = row.is_none();
        batch.extend(row);
        if batch.len() == BATCH_ROWS || (end && !batch.is_empty()) {
            each(&batch, stream.bytes_read())?;
            batch.clear();
        }
        if end {
            return Ok(());
        }
    }
}

/// What pass 0 learns about the file.
struct Counts {
    rows: usize,
    rows_per_label: BTreeMap<String, usize>,
    /// Document frequency of every bucket.
    df: Vec<u32>,
    sha256: String,
}

impl Counts {
    /// The hashing featurizer: buckets seen in at least `min_df` rows (the `max_features` most
    /// frequent, ties by bucket, when set), with their idf.
    fn featurizer(&self, config: &FeatureConfig) -> Result<Featurizer, TrainError> {
        let mut kept: Vec<(u32, u32)> = (self.df.iter().enumerate())
            .filter(|&(_, &df)| df > 0 && df as usize >= config.min_df)
            .map(|(bucket, &df)| (bucket as u32, df))
            .collect();
        if let Some(max) = config.max_features {
            if kept.len() > max {
                kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                kept.truncate(max);
                kept.sort_unstable();
            }
        }
        let n = self.rows as f64;
        let idf = kept.iter().map(|&(_, df)| idf_weight(config.idf, n, f64::from(df))).collect();
        let buckets = kept.into_iter().map(|(bucket, _)| bucket).collect();
        Ok(Featurizer::from_hashed_parts(config.clone(), buckets, idf)?)
    }
}

/// Pass 0: every row read and checked, labels and bucket document frequencies counted.
fn count(
    source: &StreamSource,
    params: &StreamParams,
    hashing: Hashing,
    progress: &dyn Fn(StreamProgress),
) -> Result<Counts, TrainError> {
    let analyzer = stance_features::Analyzer::new(params.features.clone())?;
    let mut stream = LabeledStream::open(&source.path, source.format, &source.columns)?;
    let mut df = vec![0u32; hashing.n_buckets()];
    let mut rows_per_label: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows = 0;
    for_each_batch(&mut stream, |batch, bytes| {
        let buckets: Vec<Vec<u32>> = batch
            .par_iter()
            .map(|row| {
                let mut buckets = Vec::new();
                analyzer.for_each_term(&row.text, |term| buckets.push(hashing.bucket(term)));
                buckets.sort_unstable();
                buckets.dedup();
                buckets
            })
            .collect();
        for (row, buckets) in batch.iter().zip(buckets) {
            for bucket in buckets {
                df[bucket as usize] = df[bucket as usize].saturating_add(1);
            }
            *rows_per_label.entry(row.label.clone()).or_default() += 1;
        }
        rows += batch.len();
        progress(StreamProgress { pass: 0, passes: params.passes, rows, total_rows: None, bytes });
        Ok(())
    })?;
    let sha256 = stream.finish()?;
    Ok(Counts { rows, rows_per_label, df, sha256 })
}

/// AdaGrad on the multinomial logistic loss, weights feature-major in `f32`.
struct AdaGrad {
    labels: usize,
    /// `weights[bucket · labels + label]`.
    weights: Vec<f32>,
    /// AdaGrad's sums of squared gradients, laid out as `weights`.
    squares: Vec<f32>,
    intercepts: Vec<f64>,
    intercept_squares: Vec<f64>,
    learning_rate: f64,
    /// The per-row L2 strength: `alpha / rows`.
    l2: f64,
    /// The current pass's progressive gradient of the summed loss (each row's at the weights
    /// its step started from), laid out as `weights`, and of the intercepts.
    gradient: Vec<f64>,
    intercept_gradient: Vec<f64>,
    /// The current pass's progressive summed loss.
    loss: f64,
    rows: usize,
    scores: Vec<f64>,
}

impl AdaGrad {
    fn new(buckets: usize, labels: usize, params: &StreamParams, rows: usize) -> Self {
        Self {
            labels,
            weights: vec![0.0; buckets * labels],
            squares: vec![ADAGRAD_EPSILON; buckets * labels],
            intercepts: vec![0.0; labels],
            intercept_squares: vec![f64::from(ADAGRAD_EPSILON); labels],
            learning_rate: params.learning_rate,
            l2: params.alpha / rows.max(1) as f64,
            gradient: Vec::new(),
            intercept_gradient: vec![0.0; labels],
            loss: 0.0,
            rows,
            scores: vec![0.0; labels],
        }
    }

    fn start_pass(&mut self) {
        self.gradient.clear();
        self.gradient.resize(self.weights.len(), 0.0);
        self.intercept_gradient.iter_mut().for_each(|g| *g = 0.0);
        self.loss = 0.0;
    }

    /// One step on row `x` of label `label`.
    fn step(&mut self, x: &SparseVec, label: usize) {
        let k = self.labels;
        self.scores.copy_from_slice(&self.intercepts);
        for (&feature, &value) in x.indices.iter().zip(&x.values) {
            let row = &self.weights[feature as usize * k..][..k];
            for (score, &w) in self.scores.iter_mut().zip(row) {
                *score += f64::from(w) * value;
            }
        }
        let max = self.scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = self.scores.iter().map(|z| (z - max).exp()).sum();
        self.loss += max + sum.ln() - self.scores[label];
        // The residuals p − y, in place of the scores.
        for (c, score) in self.scores.iter_mut().enumerate() {
            *score = (*score - max).exp() / sum - f64::from(u8::from(c == label));
        }
        for (&feature, &value) in x.indices.iter().zip(&x.values) {
            let at = feature as usize * k;
            for c in 0..k {
                let loss_gradient = self.scores[c] * value;
                self.gradient[at + c] += loss_gradient;
                let w = f64::from(self.weights[at + c]);
                let g = loss_gradient + self.l2 * w;
                let square = f64::from(self.squares[at + c]) + g * g;
                self.squares[at + c] = square as f32;
                self.weights[at + c] = (w - self.learning_rate * g / square.sqrt()) as f32;
            }
        }
        for c in 0..k {
            let g = self.scores[c];
            self.intercept_gradient[c] += g;
            self.intercept_squares[c] += g * g;
            self.intercepts[c] -= self.learning_rate * g / self.intercept_squares[c].sqrt();
        }
    }

    /// The label-major weights and the solver report of the last pass.
    fn finish(self, params: &StreamParams) -> Result<(Weights, SolverReport), TrainError> {
        let k = self.labels;
        let buckets = self.weights.len() / k;
        let alpha = params.alpha;
        let mut coefficients = vec![vec![0.0f64; buckets]; k];
        let mut penalty = 0.0;
        let mut squared_norm: f64 = self.intercept_gradient.iter().map(|g| g * g).sum();
        for (i, (&w, &g)) in self.weights.iter().zip(&self.gradient).enumerate() {
            let w = f64::from(w);
            coefficients[i % k][i / k] = w;
            penalty += w * w;
            let full = g + alpha * w;
            squared_norm += full * full;
        }
        let all_zero = coefficients.iter().flatten().all(|&w| w == 0.0);
        let finite = coefficients.iter().flatten().chain(&self.intercepts).all(|w| w.is_finite())
            && self.loss.is_finite();
        if all_zero || !finite {
            return Err(TrainError::DegenerateWeights { all_zero });
        }
        let gradient_norm = squared_norm.sqrt();
        let solver = SolverReport {
            solver: format!(
                "AdaGrad (streamed, {} pass{}; objective and gradient progressive over the last pass)",
                params.passes,
                if params.passes == 1 { "" } else { "es" }
            ),
            objective: self.loss + alpha / 2.0 * penalty,
            gradient_norm,
            converged: gradient_norm <= params.gradient_tolerance * self.rows as f64,
        };
        Ok((Weights { coefficients, intercepts: self.intercepts }, solver))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::read_labeled;
    use std::io::Write;
    use std::path::Path;

    fn params() -> StreamParams {
        StreamParams {
            features: FeatureConfig { hashing: Some(Hashing::new(16, 0)), ..FeatureConfig::default() },
            alpha: 1.0,
            learning_rate: 0.5,
            passes: 3,
            gradient_tolerance: 1e-3,
            solver: "sgd",
        }
    }

    fn source(path: &Path) -> StreamSource {
        StreamSource {
            path: path.to_path_buf(),
            format: None,
            columns: Columns { group: Some("article".into()), ..Columns::default() },
            neutral_label: None,
        }
    }

    const LABELED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/labeled/peacekeepers.tsv");

    #[test]
    fn streamed_training_learns_the_seed_corpus_and_does_not_depend_on_threads() {
        let path = Path::new(LABELED);
        let train = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| train_streaming(&source(path), &params(), &|_| {})).unwrap()
        };
        let model = train(1);
        assert_eq!(
            String::from_utf8(model.to_json_bytes()).unwrap(),
            String::from_utf8(train(2).to_json_bytes()).unwrap()
        );
        let data = read_labeled(path, None, &source(path).columns).unwrap();
        assert_eq!(model.training.rows, data.rows.len());
        assert_eq!(model.training.rows_per_label, data.rows_per_label());
        assert_eq!(model.training.data_sha256, stance_model::sha256_hex(&std::fs::read(path).unwrap()));
        assert_eq!(model.neutral_label.as_deref(), Some("neutral"));
        // Three passes fit the training rows.
        let scorer = model.scorer().unwrap();
        let labels = &model.labels;
        let right = data
            .rows
            .iter()
            .filter(|row| {
                let p = scorer.route(None).unwrap().probabilities(&row.text);
                labels[stance_model::argmax(&p).unwrap()] == row.label
            })
            .count();
        assert!(right as f64 > 0.9 * data.rows.len() as f64, "{right} of {}", data.rows.len());
    }

    #[test]
    fn a_bad_row_late_in_the_file_is_an_error_naming_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("late.tsv");
        let mut file = std::fs::File::create(&path).unwrap();
        writeln!(file, "text\tlabel").unwrap();
        for i in 0..20_000 {
            writeln!(file, "row {i} backs troops\t{}", ["a", "b"][i % 2]).unwrap();
        }
        writeln!(file, "a row without a label").unwrap();
        drop(file);
        let plain = StreamSource { columns: Columns::default(), ..source(&path) };
        let error = train_streaming(&plain, &params(), &|_| {}).unwrap_err().to_string();
        assert!(error.contains("late.tsv:20002:"), "{error}");
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        for bad in [
            StreamParams { learning_rate: 0.0, ..params() },
            StreamParams { learning_rate: f64::NAN, ..params() },
            StreamParams { learning_rate: 1000.0, ..params() },
            StreamParams { passes: 0, ..params() },
            StreamParams { passes: MAX_PASSES + 1, ..params() },
            StreamParams { alpha: -1.0, ..params() },
            StreamParams { features: FeatureConfig::default(), ..params() },
        ] {
            assert!(matches!(bad.check(), Err(TrainError::InvalidParam(_))), "{bad:?}");
        }
        assert!(params().check().is_ok());
    }
}
