//! L-BFGS on the multinomial logistic objective over sparse rows (and, for weighted dense
//! fits, over a dense matrix).
//!
//! The objective is linfa-logistic 0.8.1's `MultiLogisticRegression` objective, extended by
//! per-class row weights `s_y`:
//!
//! ```text
//! f(W, b) = Σ_i s_{y_i} · (logsumexp_c(x_i·W_c + b_c) − (x_i·W_{y_i} + b_{y_i})) + α/2 · ‖W‖²
//! ```
//!
//! with the intercepts `b` unpenalised and the classes the sorted distinct targets. Parameters
//! are laid out as linfa-logistic lays out its `(features + 1) × classes` matrix, row-major:
//! `params[f · k + c]` is the coefficient of feature `f` for class `c`, `params[F · k + c]` the
//! intercept of class `c`. The minimiser is argmin's L-BFGS (memory 10) with the More–Thuente
//! line search, started at zero — the same solver and settings linfa-logistic uses.
//!
//! The sparse loss/gradient runs on rayon but does not depend on the number of threads: rows
//! are cut into a number of contiguous groups that depends only on the data's size, each group
//! is summed sequentially into its own gradient buffer, and the buffers are added in group
//! order. Memory is the data plus at most [`MAX_GROUPS`] buffers of `(features + 1) × classes`
//! floats (fewer when that would exceed [`GROUP_BUFFER_BYTES`]); nothing is rows × features.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;
use stance_features::SparseVec;

/// Row access the sparse objective needs: each row as (strictly increasing feature indices,
/// values). Implement it for any sparse matrix type to train on it without copying.
pub trait SparseRows: Sync {
    /// Number of rows.
    fn n_rows(&self) -> usize;
    /// Row `i`: its feature indices and the value of each.
    fn row(&self, i: usize) -> (&[u32], &[f64]);
}

impl SparseRows for [SparseVec] {
    fn n_rows(&self) -> usize {
        self.len()
    }

    fn row(&self, i: usize) -> (&[u32], &[f64]) {
        (&self[i].indices, &self[i].values)
    }
}

/// Upper bound on the number of row groups (and so on the parallelism of the gradient).
pub const MAX_GROUPS: usize = 8;

/// Rows below which a group is not worth its own gradient buffer.
const MIN_ROWS_PER_GROUP: usize = 4096;

/// Memory allowed for the per-group gradient buffers together.
pub const GROUP_BUFFER_BYTES: usize = 512 << 20;

/// Parameters combined per rayon task when adding the group buffers.
const COMBINE_CHUNK: usize = 1 << 14;

/// L-BFGS history length, as in linfa-logistic.
const LBFGS_MEMORY: usize = 10;

/// Number of row groups for `n_rows` rows whose gradient takes `work` multiply-adds into
/// `n_params` parameters: a function of the data only, never of the thread count. Each group
/// costs a buffer that must be zeroed and added (`n_params` each), so groups are capped at
/// about one per `n_params` of work, at [`MAX_GROUPS`], at one per [`MIN_ROWS_PER_GROUP`] rows
/// and by [`GROUP_BUFFER_BYTES`].
fn group_count(n_rows: usize, work: usize, n_params: usize) -> usize {
    let n_params = n_params.max(1);
    let by_rows = n_rows.div_ceil(MIN_ROWS_PER_GROUP);
    let by_work = work / n_params;
    let by_memory = GROUP_BUFFER_BYTES / (n_params * 8);
    by_rows.min(by_work).min(by_memory).clamp(1, MAX_GROUPS)
}

/// A differentiable objective over a flat parameter vector.
pub trait Objective: Sync {
    /// Length of the parameter vector.
    fn n_params(&self) -> usize;
    /// Writes the gradient at `params` into `gradient` and returns the objective.
    fn evaluate(&self, params: &[f64], gradient: &mut [f64]) -> f64;
}

/// The weighted multinomial objective over sparse rows.
pub struct SparseObjective<'a, R: SparseRows + ?Sized> {
    rows: &'a R,
    targets: &'a [usize],
    class_weights: &'a [f64],
    n_features: usize,
    alpha: f64,
    n_groups: usize,
    buffers: Mutex<Vec<Vec<f64>>>,
}

impl<'a, R: SparseRows + ?Sized> SparseObjective<'a, R> {
    /// The objective on `rows` with class indices `targets` (each below
    /// `class_weights.len()`), features below `n_features`, and L2 strength `alpha`.
    pub fn new(
        rows: &'a R,
        targets: &'a [usize],
        class_weights: &'a [f64],
        n_features: usize,
        alpha: f64,
    ) -> Self {
        assert_eq!(rows.n_rows(), targets.len(), "one target per row");
        assert!(targets.iter().all(|&t| t < class_weights.len()), "targets index the classes");
        let n_params = (n_features + 1) * class_weights.len();
        let nnz: usize = (0..rows.n_rows()).map(|i| rows.row(i).0.len()).sum();
        let n_groups = group_count(rows.n_rows(), nnz * class_weights.len(), n_params);
        Self { rows, targets, class_weights, n_features, alpha, n_groups, buffers: Mutex::new(Vec::new()) }
    }

    fn n_classes(&self) -> usize {
        self.class_weights.len()
    }

    /// Adds the loss terms and gradient of rows `start..end` (without the penalty) into
    /// `gradient`, returning their summed loss.
    fn accumulate(&self, params: &[f64], start: usize, end: usize, gradient: &mut [f64]) -> f64 {
        let k = self.n_classes();
        let intercepts = &params[self.n_features * k..];
        let mut scores = vec![0.0; k];
        let mut loss = 0.0;
        for i in start..end {
            let (indices, values) = self.rows.row(i);
            scores.copy_from_slice(intercepts);
            for (&f, &v) in indices.iter().zip(values) {
                let w = &params[f as usize * k..(f as usize + 1) * k];
                for (s, &w) in scores.iter_mut().zip(w) {
                    *s += v * w;
                }
            }
            let target = self.targets[i];
            let weight = self.class_weights[target];
            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let target_score = scores[target] - max;
            let mut sum = 0.0;
            for s in scores.iter_mut() {
                *s = (*s - max).exp();
                sum += *s;
            }
            loss += weight * (sum.ln() - target_score);
            for (c, s) in scores.iter_mut().enumerate() {
                let indicator = if c == target { 1.0 } else { 0.0 };
                *s = weight * (*s / sum - indicator);
            }
            for (g, &r) in gradient[self.n_features * k..].iter_mut().zip(&scores) {
                *g += r;
            }
            for (&f, &v) in indices.iter().zip(values) {
                let g = &mut gradient[f as usize * k..(f as usize + 1) * k];
                for (g, &r) in g.iter_mut().zip(&scores) {
                    *g += r * v;
                }
            }
        }
        loss
    }
}

impl<R: SparseRows + ?Sized> Objective for SparseObjective<'_, R> {
    fn n_params(&self) -> usize {
        (self.n_features + 1) * self.n_classes()
    }

    fn evaluate(&self, params: &[f64], gradient: &mut [f64]) -> f64 {
        let n_params = self.n_params();
        assert_eq!(params.len(), n_params);
        assert_eq!(gradient.len(), n_params);
        let n_rows = self.rows.n_rows();
        let n_groups = self.n_groups;
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        buffers.resize_with(n_groups, Vec::new);
        let losses: Vec<f64> = buffers
            .par_iter_mut()
            .enumerate()
            .map(|(group, buffer)| {
                buffer.clear();
                buffer.resize(n_params, 0.0);
                let start = group * n_rows / n_groups;
                let end = (group + 1) * n_rows / n_groups;
                self.accumulate(params, start, end, buffer)
            })
            .collect();
        let penalised = self.n_features * self.n_classes();
        let alpha = self.alpha;
        let buffers = &*buffers;
        let penalties: Vec<f64> = gradient
            .par_chunks_mut(COMBINE_CHUNK)
            .enumerate()
            .map(|(chunk, out)| {
                let offset = chunk * COMBINE_CHUNK;
                let end = offset + out.len();
                out.copy_from_slice(&buffers[0][offset..end]);
                for buffer in &buffers[1..] {
                    for (o, &b) in out.iter_mut().zip(&buffer[offset..end]) {
                        *o += b;
                    }
                }
                let mut penalty = 0.0;
                let coefficients = end.min(penalised).saturating_sub(offset);
                for (o, &w) in out[..coefficients].iter_mut().zip(&params[offset..]) {
                    *o += alpha * w;
                    penalty += w * w;
                }
                penalty
            })
            .collect();
        losses.iter().sum::<f64>() + 0.5 * alpha * penalties.iter().sum::<f64>()
    }
}

/// The same weighted objective over a dense `rows × features` matrix, computed with ndarray
/// matrix products as linfa-logistic computes its unweighted one.
pub struct DenseObjective<'a> {
    x: ArrayView2<'a, f64>,
    targets: &'a [usize],
    class_weights: &'a [f64],
    alpha: f64,
}

impl<'a> DenseObjective<'a> {
    /// The objective on the rows of `x` with class indices `targets`.
    pub fn new(x: ArrayView2<'a, f64>, targets: &'a [usize], class_weights: &'a [f64], alpha: f64) -> Self {
        assert_eq!(x.nrows(), targets.len(), "one target per row");
        assert!(targets.iter().all(|&t| t < class_weights.len()), "targets index the classes");
        Self { x, targets, class_weights, alpha }
    }
}

impl Objective for DenseObjective<'_> {
    fn n_params(&self) -> usize {
        (self.x.ncols() + 1) * self.class_weights.len()
    }

    fn evaluate(&self, params: &[f64], gradient: &mut [f64]) -> f64 {
        let (n_features, k) = (self.x.ncols(), self.class_weights.len());
        let all = ArrayView2::from_shape((n_features + 1, k), params).expect("parameter shape");
        let (w, b) = all.split_at(Axis(0), n_features);
        let b = b.row(0);
        let mut h: Array2<f64> = self.x.dot(&w) + b;
        let mut loss = 0.0;
        for (mut row, &target) in h.axis_iter_mut(Axis(0)).zip(self.targets) {
            let weight = self.class_weights[target];
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let target_score = row[target] - max;
            row.mapv_inplace(|s| (s - max).exp());
            let sum = row.sum();
            loss += weight * (sum.ln() - target_score);
            for (c, s) in row.iter_mut().enumerate() {
                let indicator = if c == target { 1.0 } else { 0.0 };
                *s = weight * (*s / sum - indicator);
            }
        }
        let dw = self.x.t().dot(&h) + &w * self.alpha;
        let db = h.sum_axis(Axis(0));
        let out = ndarray::ArrayViewMut2::from_shape((n_features + 1, k), gradient).expect("shape");
        let (mut out_w, mut out_b) = out.split_at(Axis(0), n_features);
        out_w.assign(&dw);
        out_b.row_mut(0).assign(&db);
        loss + 0.5 * self.alpha * w.iter().map(|w| w * w).sum::<f64>()
    }
}

/// How an L-BFGS run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The best parameters found.
    pub params: Vec<f64>,
    /// The objective there.
    pub objective: f64,
    /// Counts and timings of the run.
    pub stats: LbfgsStats,
}

/// Counts and timings of an L-BFGS run.
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsStats {
    /// L-BFGS iterations run.
    pub iterations: u64,
    /// Objective/gradient evaluations (each one pass over the data).
    pub evaluations: usize,
    /// argmin's termination reason.
    pub termination: String,
    /// Wall-clock seconds spent inside the objective (the rest of a run is L-BFGS's own
    /// vector arithmetic).
    pub evaluation_seconds: f64,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// Minimises `objective` from zero with argmin's L-BFGS (memory 10, More–Thuente line
/// search), stopping after `max_iterations` or when the gradient's Euclidean norm falls
/// below `gradient_tolerance`.
pub fn minimize<O: Objective>(
    objective: &O,
    max_iterations: u64,
    gradient_tolerance: f64,
) -> Result<Minimum, String> {
    let start = Instant::now();
    let problem = Problem {
        objective,
        cache: Mutex::new(None),
        evaluations: AtomicUsize::new(0),
        nanos: AtomicU64::new(0),
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), LBFGS_MEMORY)
        .with_tolerance_grad(gradient_tolerance)
        .map_err(|e| e.to_string())?;
    let init = Array1::<f64>::zeros(objective.n_params());
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(init).max_iters(max_iterations))
        .run()
        .map_err(|e| e.to_string())?;
    let state = result.state();
    let params = state.get_best_param().cloned().unwrap_or_else(|| Array1::zeros(objective.n_params()));
    let problem = result.problem.problem.as_ref().expect("argmin hands the problem back");
    Ok(Minimum {
        params: params.to_vec(),
        objective: state.get_best_cost(),
        stats: LbfgsStats {
            iterations: state.get_iter(),
            evaluations: problem.evaluations.load(Ordering::Relaxed),
            termination: state.get_termination_status().to_string(),
            evaluation_seconds: problem.nanos.load(Ordering::Relaxed) as f64 * 1e-9,
            seconds: start.elapsed().as_secs_f64(),
        },
    })
}

/// Parameters, objective and gradient of one evaluation.
type Evaluation = (Array1<f64>, f64, Array1<f64>);

/// The argmin view of an [`Objective`]. The line search asks for the cost and then the
/// gradient at the same point; one data pass computes both, so the last one is cached.
struct Problem<'a, O> {
    objective: &'a O,
    cache: Mutex<Option<Evaluation>>,
    evaluations: AtomicUsize,
    nanos: AtomicU64,
}

impl<O: Objective> Problem<'_, O> {
    fn evaluate<T>(&self, params: &Array1<f64>, pick: impl FnOnce(f64, &Array1<f64>) -> T) -> T {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, cost, gradient)) = cache.as_ref() {
            if at == params {
                return pick(*cost, gradient);
            }
        }
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        let flat = params.as_slice().expect("a fresh Array1 is contiguous");
        let mut gradient = Array1::zeros(params.len());
        let cost = self.objective.evaluate(flat, gradient.as_slice_mut().expect("contiguous"));
        self.nanos.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let picked = pick(cost, &gradient);
        *cache = Some((params.clone(), cost, gradient));
        picked
    }
}

impl<O: Objective> CostFunction for Problem<'_, O> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, params: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.evaluate(params, |cost, _| cost))
    }
}

impl<O: Objective> Gradient for Problem<'_, O> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, params: &Self::Param) -> Result<Array1<f64>, argmin::core::Error> {
        Ok(self.evaluate(params, |_, gradient| gradient.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// splitmix64: a fixed-seed generator for test data.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn uniform(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// `n` random rows over `n_features` features with 1–8 non-zeros each, and 3 classes.
    fn random_rows(n: usize, n_features: usize, seed: u64) -> (Vec<SparseVec>, Vec<usize>) {
        let mut rng = Rng(seed);
        let mut rows = Vec::with_capacity(n);
        let mut targets = Vec::with_capacity(n);
        for _ in 0..n {
            let nnz = 1 + (rng.next() % 8) as usize;
            let mut indices: Vec<u32> = (0..nnz).map(|_| (rng.next() % n_features as u64) as u32).collect();
            indices.sort_unstable();
            indices.dedup();
            let values = indices.iter().map(|_| rng.uniform() * 2.0 - 0.5).collect();
            targets.push((indices[0] as usize + rng.next() as usize % 2) % 3);
            rows.push(SparseVec { indices, values });
        }
        (rows, targets)
    }

    fn random_params(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = Rng(seed);
        (0..n).map(|_| rng.uniform() - 0.5).collect()
    }

    fn evaluate<O: Objective>(objective: &O, params: &[f64]) -> (f64, Vec<f64>) {
        let mut gradient = vec![f64::NAN; params.len()];
        let value = objective.evaluate(params, &mut gradient);
        (value, gradient)
    }

    #[test]
    fn group_count_depends_on_rows_work_and_memory() {
        assert_eq!(group_count(10, 100, 30), 1);
        assert_eq!(group_count(100_000, 1 << 30, 1000), MAX_GROUPS);
        assert_eq!(group_count(3 * MIN_ROWS_PER_GROUP, 1 << 30, 1000), 3);
        // Many more parameters than non-zeros: few buffers.
        assert_eq!(group_count(100_000, 2_000_000, 1_000_000), 2);
        assert_eq!(group_count(100_000, 1 << 40, GROUP_BUFFER_BYTES / 8 / 3), 3);
        assert_eq!(group_count(0, 0, 0), 1);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (rows, targets) = random_rows(40, 12, 1);
        let weights = [0.5, 1.0, 3.0];
        let objective = SparseObjective::new(&rows[..], &targets, &weights, 12, 0.7);
        let params = random_params(objective.n_params(), 2);
        let (_, gradient) = evaluate(&objective, &params);
        for j in 0..params.len() {
            let step = 1e-6;
            let (mut up, mut down) = (params.clone(), params.clone());
            up[j] += step;
            down[j] -= step;
            let numeric = (evaluate(&objective, &up).0 - evaluate(&objective, &down).0) / (2.0 * step);
            assert!((numeric - gradient[j]).abs() < 1e-6, "parameter {j}: {numeric} vs {}", gradient[j]);
        }
    }

    #[test]
    fn sparse_and_dense_objectives_agree() {
        let (rows, targets) = random_rows(60, 15, 3);
        let weights = [2.0, 0.25, 1.0];
        let mut x = Array2::zeros((rows.len(), 15));
        for (i, row) in rows.iter().enumerate() {
            for (f, v) in row.iter() {
                x[[i, f]] = v;
            }
        }
        let sparse = SparseObjective::new(&rows[..], &targets, &weights, 15, 0.3);
        let dense = DenseObjective::new(x.view(), &targets, &weights, 0.3);
        assert_eq!(sparse.n_params(), dense.n_params());
        let params = random_params(sparse.n_params(), 4);
        let (a, ga) = evaluate(&sparse, &params);
        let (b, gb) = evaluate(&dense, &params);
        assert!((a - b).abs() < 1e-10 * a.abs(), "{a} vs {b}");
        for (x, y) in ga.iter().zip(&gb) {
            assert!((x - y).abs() < 1e-10, "{x} vs {y}");
        }
    }

    #[test]
    fn results_do_not_depend_on_the_number_of_threads() {
        // Enough rows for several groups, so the combination order matters.
        let (rows, targets) = random_rows(5 * MIN_ROWS_PER_GROUP + 17, 300, 5);
        let weights = [1.0, 1.5, 0.5];
        let objective = SparseObjective::new(&rows[..], &targets, &weights, 300, 1.0);
        assert_eq!(objective.n_groups, 6);
        let params = random_params(objective.n_params(), 6);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let (value, gradient) = evaluate(&objective, &params);
                let minimum = minimize(&objective, 30, 1e-6).unwrap();
                let params: Vec<u64> = minimum.params.iter().map(|p| p.to_bits()).collect();
                let evaluations = (minimum.stats.iterations, minimum.stats.evaluations);
                (
                    value.to_bits(),
                    gradient.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
                    params,
                    evaluations,
                )
            })
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(3));
        assert!(one.3 .0 > 5, "{:?}", one.3);
    }

    #[test]
    fn minimize_stops_below_the_gradient_tolerance() {
        let (rows, targets) = random_rows(300, 20, 7);
        let weights = [1.0; 3];
        let objective = SparseObjective::new(&rows[..], &targets, &weights, 20, 0.5);
        let minimum = minimize(&objective, 1000, 1e-5).unwrap();
        let (value, gradient) = evaluate(&objective, &minimum.params);
        let norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
        assert!(norm < 1e-5, "{norm} after {:?}", minimum.stats);
        assert_eq!(value, minimum.objective);
        assert!(minimum.stats.evaluations as u64 >= minimum.stats.iterations);
        // A budget of one iteration leaves a far larger gradient.
        let early = minimize(&objective, 1, 1e-6).unwrap();
        let (_, gradient) = evaluate(&objective, &early.params);
        assert!(gradient.iter().map(|g| g * g).sum::<f64>().sqrt() > 1e-3);
    }
}
