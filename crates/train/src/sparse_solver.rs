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
//! intercept of class `c`. The minimiser is an in-place L-BFGS (memory 10) with a strong-Wolfe
//! line search (Nocedal & Wright, Algorithms 3.5 and 3.6, cubic interpolation), started at zero.
//! All of its vectors are allocated once per run: with millions of parameters, fresh vectors
//! every iteration cost more than the arithmetic.
//!
//! Everything runs on rayon but no result depends on the number of threads. The sparse
//! gradient is computed in two passes over the rows as stored (row-major; no copy of the data):
//! each row's residuals (probabilities minus one-hot, times the class weight) are computed
//! independently into a `rows × classes` buffer, then `Xᵀ·R` is accumulated by a second pass
//! in which each task owns a range of features (ranges of about equal non-zeros, fixed when the
//! objective is built) and walks every row, taking the row's entries in its range. Every
//! feature therefore sums its rows in row order, however many tasks there are: the same bits
//! as a column-major pass, without its 12 bytes per non-zero. Reductions (losses, intercepts,
//! penalties, dot products) are summed in fixed chunks whose partial sums are added in chunk
//! order. Memory is the data, `rows × classes` floats and the parameter-sized vectors of
//! L-BFGS; nothing is rows × features and there are no per-thread gradient buffers.

use std::sync::Mutex;
use std::time::Instant;

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use stance_features::SparseVec;

/// Row access the sparse objective needs: each row as (strictly increasing feature indices,
/// values). Implement it for any sparse matrix type to train on it without copying.
pub(crate) trait SparseRows: Sync {
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

/// Elements per chunk of the parallel vector operations and reductions. Fixed, so partial
/// sums (and so results) do not depend on the thread count.
const CHUNK: usize = 1 << 14;

/// Rows per chunk of the residual pass and of the row reductions.
const ROW_CHUNK: usize = 1 << 10;

/// Features per chunk of the penalty's reduction.
const FEATURE_CHUNK: usize = 1 << 10;

/// Feature ranges of about equal non-zeros the `Xᵀ·R` pass may be split into: each range is
/// one task, which walks every row once, so the pass runs in `min(threads, RANGES)` tasks of
/// whole groups of ranges. The result does not depend on the split.
const RANGES: usize = 64;

/// L-BFGS history length, as in linfa-logistic.
const LBFGS_MEMORY: usize = 10;

/// Sufficient-decrease constant of the Wolfe conditions.
const WOLFE_C1: f64 = 1e-4;

/// Curvature constant of the strong Wolfe conditions (the usual value for quasi-Newton).
const WOLFE_C2: f64 = 0.9;

/// Objective evaluations one line search may spend.
const MAX_LINE_SEARCH_EVALUATIONS: usize = 25;

/// A differentiable objective over a flat parameter vector.
pub(crate) trait Objective: Sync {
    /// Length of the parameter vector.
    fn n_params(&self) -> usize;
    /// Writes the gradient at `params` into `gradient` and returns the objective.
    fn evaluate(&self, params: &[f64], gradient: &mut [f64]) -> f64;
}

/// Boundaries of [`RANGES`] feature ranges of about equal non-zeros in `data`: range `j` is
/// `splits[j]..splits[j + 1]`, `splits[0] = 0` and `splits[RANGES] = n_features`.
fn feature_splits<R: SparseRows + ?Sized>(data: &R, n_features: usize) -> Vec<usize> {
    let mut counts = vec![0u32; n_features];
    let mut nnz = 0usize;
    for i in 0..data.n_rows() {
        let indices = data.row(i).0;
        nnz += indices.len();
        for &f in indices {
            counts[f as usize] = counts[f as usize].saturating_add(1);
        }
    }
    let mut splits = Vec::with_capacity(RANGES + 1);
    splits.push(0);
    let mut seen = 0usize;
    for (f, &count) in counts.iter().enumerate() {
        // Feature `f` starts range `j` once the features before it hold j/RANGES of the non-zeros.
        while splits.len() < RANGES && seen * RANGES >= splits.len() * nnz.max(1) {
            splits.push(f);
        }
        seen += count as usize;
    }
    splits.resize(RANGES + 1, n_features);
    splits
}

/// `scores ← intercepts + Σ v·coefficients[f]` over a row's entries `(f, v)` in order
/// (`coefficients` row-major with `scores.len()` classes).
#[inline(always)]
fn add_scores(scores: &mut [f64], intercepts: &[f64], coefficients: &[f64], indices: &[u32], values: &[f64]) {
    let k = scores.len();
    scores.copy_from_slice(intercepts);
    for (&f, &v) in indices.iter().zip(values) {
        let w = &coefficients[f as usize * k..][..k];
        for c in 0..k {
            scores[c] += v * w[c];
        }
    }
}

/// Per-evaluation buffers of the sparse objective, reused across evaluations.
#[derive(Default)]
struct Scratch {
    residuals: Vec<f64>,
    losses: Vec<f64>,
}

/// The weighted multinomial objective over sparse rows.
pub(crate) struct SparseObjective<'a, R: SparseRows + ?Sized> {
    rows: &'a R,
    targets: &'a [usize],
    class_weights: &'a [f64],
    n_features: usize,
    alpha: f64,
    splits: Vec<usize>,
    scratch: Mutex<Scratch>,
}

impl<'a, R: SparseRows + ?Sized> SparseObjective<'a, R> {
    /// The objective on `rows` with class indices `targets` (each below
    /// `class_weights.len()`), features below `n_features`, and L2 strength `alpha`.
    pub(crate) fn new(
        rows: &'a R,
        targets: &'a [usize],
        class_weights: &'a [f64],
        n_features: usize,
        alpha: f64,
    ) -> Self {
        assert_eq!(rows.n_rows(), targets.len(), "one target per row");
        assert!(targets.iter().all(|&t| t < class_weights.len()), "targets index the classes");
        let splits = feature_splits(rows, n_features);
        Self { rows, targets, class_weights, n_features, alpha, splits, scratch: Mutex::default() }
    }

    fn n_classes(&self) -> usize {
        self.class_weights.len()
    }

    /// Writes row `i`'s weighted residuals into `residuals` and returns its weighted loss.
    fn residuals(&self, params: &[f64], i: usize, residuals: &mut [f64]) -> f64 {
        // A class count known at compile time lets the per-entry loop unroll without bounds
        // checks; the arithmetic (and so every bit) is the same for any `K`.
        match self.n_classes() {
            2 => self.residuals_of::<2>(params, i, residuals),
            3 => self.residuals_of::<3>(params, i, residuals),
            4 => self.residuals_of::<4>(params, i, residuals),
            _ => self.residuals_of::<0>(params, i, residuals),
        }
    }

    /// [`SparseObjective::residuals`] for `K` classes (`0`: the objective's class count).
    fn residuals_of<const K: usize>(&self, params: &[f64], i: usize, residuals: &mut [f64]) -> f64 {
        let k = if K == 0 { self.n_classes() } else { K };
        let (indices, values) = self.rows.row(i);
        let residuals = &mut residuals[..k];
        let (coefficients, intercepts) = params.split_at(self.n_features * k);
        if K > 0 {
            // Scores summed in a local array stay in registers. Summed in `residuals`, they
            // were stored and loaded back at every entry (a panicking bounds check could
            // observe the slice): a chain of store-to-load latencies through the row that
            // made this pass twice as slow. The same additions in the same order either way.
            let mut scores = [0.0; K];
            add_scores(&mut scores, &intercepts[..K], coefficients, indices, values);
            residuals.copy_from_slice(&scores);
        } else {
            add_scores(residuals, &intercepts[..k], coefficients, indices, values);
        }
        let target = self.targets[i];
        let weight = self.class_weights[target];
        let max = residuals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let target_score = residuals[target] - max;
        let mut sum = 0.0;
        for s in residuals.iter_mut() {
            *s = (*s - max).exp();
            sum += *s;
        }
        for (c, s) in residuals.iter_mut().enumerate() {
            let indicator = if c == target { 1.0 } else { 0.0 };
            *s = weight * (*s / sum - indicator);
        }
        weight * (sum.ln() - target_score)
    }

    /// `out ← Xᵀ·R` (`out` is `features × classes`, row-major; `residuals` is `rows ×
    /// classes`) in `tasks` tasks, each owning whole ranges of [`feature_splits`] and walking
    /// every row for its entries there. Each feature sums its rows in row order, so the bits
    /// do not depend on `tasks`.
    fn transpose_times(&self, residuals: &[f64], out: &mut [f64], tasks: usize) {
        let k = self.n_classes();
        let tasks = tasks.clamp(1, RANGES);
        let bounds: Vec<usize> = (0..=tasks).map(|t| self.splits[t * RANGES / tasks]).collect();
        let mut slices = Vec::with_capacity(tasks);
        let mut rest = out;
        for range in bounds.windows(2) {
            let (slice, tail) = rest.split_at_mut((range[1] - range[0]) * k);
            slices.push((range[0], range[1], slice));
            rest = tail;
        }
        slices.into_par_iter().for_each(|(first, end, g)| {
            g.fill(0.0);
            if first == end {
                return;
            }
            match k {
                2 => self.accumulate_range::<2>(residuals, first, end, g),
                3 => self.accumulate_range::<3>(residuals, first, end, g),
                4 => self.accumulate_range::<4>(residuals, first, end, g),
                _ => self.accumulate_range::<0>(residuals, first, end, g),
            }
        });
    }

    /// `g ← g + (Xᵀ·R)` restricted to features `first..end` (`g` holds just those), walking
    /// every row in order; `K` classes as in [`SparseObjective::residuals_of`].
    fn accumulate_range<const K: usize>(&self, residuals: &[f64], first: usize, end: usize, g: &mut [f64]) {
        let k = if K == 0 { self.n_classes() } else { K };
        for i in 0..self.rows.n_rows() {
            let (indices, values) = self.rows.row(i);
            let start = if first == 0 { 0 } else { indices.partition_point(|&f| (f as usize) < first) };
            let r = &residuals[i * k..][..k];
            for (&f, &v) in indices[start..].iter().zip(&values[start..]) {
                let f = f as usize;
                if f >= end {
                    break;
                }
                let g = &mut g[(f - first) * k..][..k];
                for c in 0..k {
                    g[c] += r[c] * v;
                }
            }
        }
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
        let (n_rows, k) = (self.rows.n_rows(), self.n_classes());
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let Scratch { residuals, losses } = &mut *scratch;
        residuals.resize(n_rows * k, 0.0);
        losses.resize(n_rows.div_ceil(ROW_CHUNK), 0.0);
        residuals.par_chunks_mut(ROW_CHUNK * k).zip(losses.par_iter_mut()).enumerate().for_each(
            |(chunk, (residuals, loss))| {
                let first = chunk * ROW_CHUNK;
                *loss = residuals
                    .chunks_mut(k)
                    .enumerate()
                    .map(|(offset, r)| self.residuals(params, first + offset, r))
                    .sum();
            },
        );
        let residuals = &*residuals;
        let (coefficients, intercepts) = gradient.split_at_mut(self.n_features * k);
        self.transpose_times(residuals, coefficients, rayon::current_num_threads());
        let alpha = self.alpha;
        let penalties: Vec<f64> = coefficients
            .par_chunks_mut(FEATURE_CHUNK * k)
            .zip(params.par_chunks(FEATURE_CHUNK * k))
            .map(|(g, w)| {
                let mut penalty = 0.0;
                for (g, &w) in g.iter_mut().zip(w) {
                    *g += alpha * w;
                    penalty += w * w;
                }
                penalty
            })
            .collect();
        intercepts.fill(0.0);
        for r in residuals.chunks(k) {
            for (g, &r) in intercepts.iter_mut().zip(r) {
                *g += r;
            }
        }
        losses.iter().sum::<f64>() + 0.5 * alpha * penalties.iter().sum::<f64>()
    }
}

/// The same weighted objective over a dense `rows × features` matrix, computed with ndarray
/// matrix products as linfa-logistic computes its unweighted one.
pub(crate) struct DenseObjective<'a> {
    x: ArrayView2<'a, f64>,
    targets: &'a [usize],
    class_weights: &'a [f64],
    alpha: f64,
}

impl<'a> DenseObjective<'a> {
    /// The objective on the rows of `x` with class indices `targets`.
    pub(crate) fn new(
        x: ArrayView2<'a, f64>,
        targets: &'a [usize],
        class_weights: &'a [f64],
        alpha: f64,
    ) -> Self {
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
pub(crate) struct Minimum {
    /// The best parameters found.
    pub params: Vec<f64>,
    /// The objective there.
    pub objective: f64,
    /// Its gradient there (as the last evaluation computed it).
    pub gradient: Vec<f64>,
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
    /// Why the run stopped.
    pub termination: String,
    /// Wall-clock seconds spent inside the objective (the rest of a run is L-BFGS's own
    /// vector arithmetic).
    pub evaluation_seconds: f64,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// Termination reason when the gradient norm reached the tolerance.
const CONVERGED: &str = "gradient norm below tolerance";
/// Termination reason when the iteration budget ran out.
const MAX_ITERATIONS: &str = "maximum number of iterations reached";
/// Termination reason when no step satisfied the Wolfe conditions.
const LINE_SEARCH_FAILED: &str = "line search found no acceptable step";

/// Σ `a[j]·b[j]` over fixed chunks, partial sums added in chunk order.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let partial: Vec<f64> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(a, b)| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    partial.iter().sum()
}

/// `q ← scale·q + a·y` (`y` optional), returning `Σ next[j]·q[j]` over the updated `q` (0
/// without `next`): one pass where the two-loop recursion would need two.
fn update_dot(q: &mut [f64], scale: f64, a: f64, y: Option<&[f64]>, next: Option<&[f64]>) -> f64 {
    let partial: Vec<f64> = q
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map(|(chunk, q)| {
            let range = chunk * CHUNK..chunk * CHUNK + q.len();
            if scale != 1.0 {
                q.iter_mut().for_each(|q| *q *= scale);
            }
            if let Some(y) = y {
                for (q, &y) in q.iter_mut().zip(&y[range.clone()]) {
                    *q += a * y;
                }
            }
            next.map_or(0.0, |next| q.iter().zip(&next[range]).map(|(q, n)| q * n).sum())
        })
        .collect();
    partial.iter().sum()
}

/// An objective with counts of its evaluations and the time spent in them.
struct Counted<'a, O> {
    objective: &'a O,
    evaluations: usize,
    seconds: f64,
}

impl<O: Objective> Counted<'_, O> {
    fn evaluate(&mut self, params: &[f64], gradient: &mut [f64]) -> f64 {
        let start = Instant::now();
        let value = self.objective.evaluate(params, gradient);
        self.evaluations += 1;
        self.seconds += start.elapsed().as_secs_f64();
        value
    }
}

/// One point of the line search: step, objective and directional derivative there.
#[derive(Debug, Clone, Copy)]
struct Trial {
    step: f64,
    value: f64,
    slope: f64,
}

/// The minimiser of the cubic interpolating two trials' values and slopes, clamped to the
/// safeguarded interval between them (at least a tenth of its width from each end, so the
/// interval shrinks geometrically); bisection when the cubic has no minimiser. Clamping rather
/// than bisecting matters after an overshoot: a first step far too long puts the minimiser
/// near zero, which bisection would take several evaluations to reach.
fn interpolate(a: Trial, b: Trial) -> f64 {
    let (low, high) = if a.step < b.step { (a.step, b.step) } else { (b.step, a.step) };
    let margin = 0.1 * (high - low);
    let d1 = a.slope + b.slope - 3.0 * (a.value - b.value) / (a.step - b.step);
    let discriminant = d1 * d1 - a.slope * b.slope;
    if discriminant >= 0.0 {
        let d2 = (b.step - a.step).signum() * discriminant.sqrt();
        let step = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2);
        if step.is_finite() {
            return step.clamp(low + margin, high - margin);
        }
    }
    0.5 * (low + high)
}

/// The buffers of one L-BFGS run, all allocated up front.
struct Lbfgs<'a, O> {
    objective: Counted<'a, O>,
    /// Current point, its gradient and objective.
    x: Vec<f64>,
    g: Vec<f64>,
    value: f64,
    /// Search direction.
    d: Vec<f64>,
    /// Trial point of the line search and its gradient.
    x_trial: Vec<f64>,
    g_trial: Vec<f64>,
    /// Ring buffer of the last pairs `s = x_{k+1} − x_k`, `y = g_{k+1} − g_k` and `1/(s·y)`;
    /// slot `(first + t) % m` holds the `t`-th oldest of `len` pairs.
    s: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
    rho: Vec<f64>,
    first: usize,
    len: usize,
    /// `s·y / y·y` of the newest pair: the scale of the initial inverse Hessian.
    gamma: f64,
    /// Two-loop coefficients, one per pair.
    coefficients: Vec<f64>,
}

impl<'a, O: Objective> Lbfgs<'a, O> {
    /// The buffers of a run on `objective` from `start` (its length is the parameter count).
    fn new(objective: &'a O, start: Vec<f64>) -> Self {
        let n = objective.n_params();
        assert_eq!(start.len(), n, "one starting value per parameter");
        Self {
            objective: Counted { objective, evaluations: 0, seconds: 0.0 },
            x: start,
            g: vec![0.0; n],
            value: 0.0,
            d: vec![0.0; n],
            x_trial: vec![0.0; n],
            g_trial: vec![0.0; n],
            s: Vec::with_capacity(LBFGS_MEMORY),
            y: Vec::with_capacity(LBFGS_MEMORY),
            rho: vec![0.0; LBFGS_MEMORY],
            first: 0,
            len: 0,
            gamma: 1.0,
            coefficients: vec![0.0; LBFGS_MEMORY],
        }
    }

    fn slot(&self, t: usize) -> usize {
        (self.first + t) % LBFGS_MEMORY
    }

    /// `d ← −H·g` by the two-loop recursion (on `−g`, as it is linear), each axpy fused with
    /// the dot product that follows it.
    fn direction(&mut self) {
        let n = self.len;
        let slots: Vec<usize> = (0..n).map(|t| self.slot(t)).collect();
        self.d.copy_from_slice(&self.g);
        let next = slots.last().map(|&i| &self.s[i][..]);
        let mut dot_next = update_dot(&mut self.d, -1.0, 0.0, None, next);
        for t in (0..n).rev() {
            let i = slots[t];
            let a = self.rho[i] * dot_next;
            self.coefficients[i] = a;
            dot_next = if t > 0 {
                update_dot(&mut self.d, 1.0, -a, Some(&self.y[i]), Some(&self.s[slots[t - 1]]))
            } else {
                // The last pass of the first loop also applies H₀ = γ·I.
                let gamma = self.gamma;
                update_dot(&mut self.d, gamma, -gamma * a, Some(&self.y[i]), Some(&self.y[i]))
            };
        }
        for t in 0..n {
            let i = slots[t];
            let b = self.rho[i] * dot_next;
            let next = slots.get(t + 1).map(|&j| &self.y[j][..]);
            dot_next = update_dot(&mut self.d, 1.0, self.coefficients[i] - b, Some(&self.s[i]), next);
        }
    }

    /// Evaluates the objective at `x + step·d` into the trial buffers.
    fn trial(&mut self, step: f64) -> Trial {
        let (x, d) = (&self.x, &self.d);
        self.x_trial.par_chunks_mut(CHUNK).enumerate().for_each(|(chunk, out)| {
            let offset = chunk * CHUNK;
            for ((o, &x), &d) in out.iter_mut().zip(&x[offset..]).zip(&d[offset..]) {
                *o = x + step * d;
            }
        });
        let value = self.objective.evaluate(&self.x_trial, &mut self.g_trial);
        Trial { step, value, slope: dot(&self.g_trial, &self.d) }
    }

    /// Finds a step along `d` satisfying the strong Wolfe conditions, starting at `step`
    /// (Nocedal & Wright, Algorithm 3.5), and leaves that point in the trial buffers. When the
    /// evaluation budget runs out, falls back to the best step with sufficient decrease.
    fn line_search(&mut self, step: f64, slope: f64) -> Option<Trial> {
        let origin = Trial { step: 0.0, value: self.value, slope };
        let armijo = |t: &Trial| t.value <= origin.value + WOLFE_C1 * t.step * slope;
        let curvature = |t: &Trial| t.slope.abs() <= -WOLFE_C2 * slope;
        let mut previous = origin;
        let mut step = step;
        let mut evaluations = 0;
        let (mut low, mut high) = loop {
            let current = self.trial(step);
            evaluations += 1;
            if !current.value.is_finite()
                || !armijo(&current)
                || (evaluations > 1 && current.value >= previous.value)
            {
                break (previous, current);
            }
            if curvature(&current) {
                return Some(current);
            }
            if current.slope >= 0.0 {
                break (current, previous);
            }
            if evaluations >= MAX_LINE_SEARCH_EVALUATIONS {
                return Some(current);
            }
            previous = current;
            step *= 4.0;
        };
        // Zoom (Algorithm 3.6): `low` satisfies sufficient decrease and has the lowest value
        // so far; the minimiser lies between `low` and `high`.
        while evaluations < MAX_LINE_SEARCH_EVALUATIONS {
            let step =
                if high.value.is_finite() { interpolate(low, high) } else { 0.5 * (low.step + high.step) };
            if (high.step - low.step).abs() <= f64::EPSILON * low.step.max(high.step) {
                break;
            }
            let current = self.trial(step);
            evaluations += 1;
            if !current.value.is_finite() || !armijo(&current) || current.value >= low.value {
                high = current;
            } else {
                if curvature(&current) {
                    return Some(current);
                }
                if current.slope * (high.step - low.step) >= 0.0 {
                    high = low;
                }
                low = current;
            }
        }
        (low.step > 0.0).then(|| self.trial(low.step))
    }

    /// Stores the pair from the current point to the trial point and moves there. Pairs
    /// without positive curvature are skipped: they would make `H` indefinite.
    fn accept(&mut self, value: f64) {
        let slot = if self.len < LBFGS_MEMORY { self.slot(self.len) } else { self.first };
        if self.s.len() <= slot {
            self.s.push(vec![0.0; self.x.len()]);
            self.y.push(vec![0.0; self.x.len()]);
        }
        let (x, g, x_trial, g_trial) = (&self.x, &self.g, &self.x_trial, &self.g_trial);
        let sums: Vec<(f64, f64)> = self.s[slot]
            .par_chunks_mut(CHUNK)
            .zip(self.y[slot].par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(chunk, (s, y))| {
                let offset = chunk * CHUNK;
                let (mut sy, mut yy) = (0.0, 0.0);
                for j in 0..s.len() {
                    s[j] = x_trial[offset + j] - x[offset + j];
                    y[j] = g_trial[offset + j] - g[offset + j];
                    sy += s[j] * y[j];
                    yy += y[j] * y[j];
                }
                (sy, yy)
            })
            .collect();
        let sy: f64 = sums.iter().map(|p| p.0).sum();
        let yy: f64 = sums.iter().map(|p| p.1).sum();
        if sy > f64::EPSILON * yy && yy > 0.0 {
            self.rho[slot] = 1.0 / sy;
            self.gamma = sy / yy;
            if self.len < LBFGS_MEMORY {
                self.len += 1;
            } else {
                self.first = (self.first + 1) % LBFGS_MEMORY;
            }
        }
        std::mem::swap(&mut self.x, &mut self.x_trial);
        std::mem::swap(&mut self.g, &mut self.g_trial);
        self.value = value;
    }
}

/// Minimises `objective` with L-BFGS (memory 10, strong-Wolfe line search with cubic
/// interpolation; first step of length 1, later steps starting at 1) from `start`, or from
/// zero without one (a warm start: parameters near the minimum, such as those of a fit on most
/// of the same rows, save iterations), stopping after `max_iterations` or when the gradient's
/// Euclidean norm falls to `gradient_tolerance`. Errors if the objective is not finite at the
/// starting point.
pub(crate) fn minimize<O: Objective>(
    objective: &O,
    max_iterations: u64,
    gradient_tolerance: f64,
    start: Option<Vec<f64>>,
) -> Result<Minimum, String> {
    let began = Instant::now();
    let from_zero = start.is_none();
    let start = start.unwrap_or_else(|| vec![0.0; objective.n_params()]);
    let mut lbfgs = Lbfgs::new(objective, start);
    lbfgs.value = lbfgs.objective.evaluate(&lbfgs.x, &mut lbfgs.g);
    if !lbfgs.value.is_finite() {
        let at = if from_zero { "at zero" } else { "at the starting point" };
        return Err(format!("the objective is {} {at}", lbfgs.value));
    }
    let mut iterations = 0;
    let termination = loop {
        let norm = dot(&lbfgs.g, &lbfgs.g).sqrt();
        if norm <= gradient_tolerance {
            break CONVERGED;
        }
        if iterations >= max_iterations {
            break MAX_ITERATIONS;
        }
        lbfgs.direction();
        let mut slope = dot(&lbfgs.g, &lbfgs.d);
        if !(slope < 0.0 && slope.is_finite()) {
            // Not a descent direction (rounding in a badly scaled history): restart from −g.
            lbfgs.len = 0;
            lbfgs.gamma = 1.0;
            lbfgs.direction();
            slope = -norm * norm;
        }
        let step = if lbfgs.len == 0 { 1.0 / norm } else { 1.0 };
        match lbfgs.line_search(step, slope) {
            Some(trial) if trial.value <= lbfgs.value => lbfgs.accept(trial.value),
            _ => break LINE_SEARCH_FAILED,
        }
        iterations += 1;
    };
    Ok(Minimum {
        objective: lbfgs.value,
        stats: LbfgsStats {
            iterations,
            evaluations: lbfgs.objective.evaluations,
            termination: termination.to_string(),
            evaluation_seconds: lbfgs.objective.seconds,
            seconds: began.elapsed().as_secs_f64(),
        },
        params: lbfgs.x,
        gradient: lbfgs.g,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::folds::SplitMix64;

    /// `n` random rows over `n_features` features with 1–8 non-zeros each, and 3 classes.
    fn random_rows(n: usize, n_features: usize, seed: u64) -> (Vec<SparseVec>, Vec<usize>) {
        let mut rng = SplitMix64::new(seed);
        let mut rows = Vec::with_capacity(n);
        let mut targets = Vec::with_capacity(n);
        for _ in 0..n {
            let nnz = 1 + (rng.next_u64() % 8) as usize;
            let mut indices: Vec<u32> =
                (0..nnz).map(|_| (rng.next_u64() % n_features as u64) as u32).collect();
            indices.sort_unstable();
            indices.dedup();
            let values = indices.iter().map(|_| rng.uniform() * 2.0 - 0.5).collect();
            targets.push((indices[0] as usize + rng.next_u64() as usize % 2) % 3);
            rows.push(SparseVec { indices, values });
        }
        (rows, targets)
    }

    fn random_params(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (0..n).map(|_| rng.uniform() - 0.5).collect()
    }

    fn evaluate<O: Objective>(objective: &O, params: &[f64]) -> (f64, Vec<f64>) {
        let mut gradient = vec![f64::NAN; params.len()];
        let value = objective.evaluate(params, &mut gradient);
        (value, gradient)
    }

    #[test]
    fn feature_splits_cover_the_features_in_ranges_of_about_equal_non_zeros() {
        let (rows, _) = random_rows(5000, 700, 11);
        let splits = feature_splits(&rows[..], 700);
        assert_eq!((splits.len(), splits[0], splits[RANGES]), (RANGES + 1, 0, 700));
        assert!(splits.windows(2).all(|w| w[0] <= w[1]), "{splits:?}");
        let nnz_in = |range: std::ops::Range<usize>| {
            rows.iter().flat_map(|r| &r.indices).filter(|&&f| range.contains(&(f as usize))).count()
        };
        let total = nnz_in(0..700);
        for range in splits.windows(2) {
            // About 1/64 of the non-zeros each (one feature holds at most a few dozen here).
            assert!(nnz_in(range[0]..range[1]).abs_diff(total / RANGES) < 80, "{range:?}");
        }
        // Fewer features than ranges: empty ranges, still covering every feature once.
        let (few, _) = random_rows(3, 5, 12);
        let splits = feature_splits(&few[..], 5);
        assert_eq!((splits[0], splits[RANGES]), (0, 5));
        assert!(splits.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn transpose_times_is_the_column_sum_in_row_order_for_any_split() {
        let (rows, targets) = random_rows(3000, 500, 12);
        let objective = SparseObjective::new(&rows[..], &targets, &[1.0; 3], 500, 1.0);
        let residuals = random_params(rows.len() * 3, 13);
        // The reference: each feature's rows in row order, as a column-major pass sums them.
        let mut expected = vec![0.0; 500 * 3];
        for (i, row) in rows.iter().enumerate() {
            for (f, v) in row.iter() {
                for c in 0..3 {
                    expected[f * 3 + c] += residuals[i * 3 + c] * v;
                }
            }
        }
        for tasks in [1, 2, 3, 7, RANGES, 1000] {
            let mut out = vec![f64::NAN; 500 * 3];
            objective.transpose_times(&residuals, &mut out, tasks);
            assert_eq!(bits(&out), bits(&expected), "{tasks} tasks");
        }
    }

    fn bits(x: &[f64]) -> Vec<u64> {
        x.iter().map(|x| x.to_bits()).collect()
    }

    /// The objective and gradient computed row by row as the module doc describes, summed as
    /// [`SparseObjective::evaluate`] sums them (losses by row chunks, penalty by feature chunks).
    fn reference_evaluation(
        rows: &[SparseVec],
        targets: &[usize],
        class_weights: &[f64],
        alpha: f64,
        params: &[f64],
    ) -> (f64, Vec<f64>) {
        let k = class_weights.len();
        let n_features = params.len() / k - 1;
        let mut residuals = vec![0.0; rows.len() * k];
        let mut losses = vec![0.0; rows.len().div_ceil(ROW_CHUNK)];
        for (i, row) in rows.iter().enumerate() {
            let r = &mut residuals[i * k..][..k];
            r.copy_from_slice(&params[n_features * k..]);
            for (f, v) in row.iter() {
                for c in 0..k {
                    r[c] += v * params[f * k + c];
                }
            }
            let (target, weight) = (targets[i], class_weights[targets[i]]);
            let max = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let target_score = r[target] - max;
            r.iter_mut().for_each(|s| *s = (*s - max).exp());
            let sum: f64 = r.iter().sum();
            for (c, s) in r.iter_mut().enumerate() {
                *s = weight * (*s / sum - if c == target { 1.0 } else { 0.0 });
            }
            losses[i / ROW_CHUNK] += weight * (sum.ln() - target_score);
        }
        let mut gradient = vec![0.0; params.len()];
        for (i, row) in rows.iter().enumerate() {
            for (f, v) in row.iter() {
                for c in 0..k {
                    gradient[f * k + c] += residuals[i * k + c] * v;
                }
            }
        }
        let mut penalties = vec![0.0; n_features.div_ceil(FEATURE_CHUNK)];
        for j in 0..n_features * k {
            gradient[j] += alpha * params[j];
            penalties[j / (FEATURE_CHUNK * k)] += params[j] * params[j];
        }
        for r in residuals.chunks(k) {
            for c in 0..k {
                gradient[n_features * k + c] += r[c];
            }
        }
        (losses.iter().sum::<f64>() + 0.5 * alpha * penalties.iter().sum::<f64>(), gradient)
    }

    #[test]
    fn evaluation_has_the_bits_of_the_plain_row_by_row_sums() {
        for (classes, n_features, seed) in [(3, 3000, 31), (2, 50, 32), (5, 1500, 33)] {
            let (rows, targets) = random_rows(3 * ROW_CHUNK + 5, n_features, seed);
            let targets: Vec<usize> = targets.iter().map(|t| t % classes).collect();
            let weights: Vec<f64> = (0..classes).map(|c| 0.5 + c as f64).collect();
            let objective = SparseObjective::new(&rows[..], &targets, &weights, n_features, 0.3);
            let params = random_params(objective.n_params(), seed + 1);
            let (value, gradient) = evaluate(&objective, &params);
            let (expected, expected_gradient) = reference_evaluation(&rows, &targets, &weights, 0.3, &params);
            assert_eq!(value.to_bits(), expected.to_bits(), "{classes} classes");
            assert_eq!(bits(&gradient), bits(&expected_gradient), "{classes} classes");
        }
    }

    /// The Rosenbrock function in `n` dimensions: badly conditioned, minimum 0 at all ones.
    struct Rosenbrock(usize);

    impl Objective for Rosenbrock {
        fn n_params(&self) -> usize {
            self.0
        }

        fn evaluate(&self, x: &[f64], gradient: &mut [f64]) -> f64 {
            gradient.fill(0.0);
            let mut value = 0.0;
            for j in 0..self.0 - 1 {
                let (a, b) = (x[j + 1] - x[j] * x[j], 1.0 - x[j]);
                value += 100.0 * a * a + b * b;
                gradient[j] += -400.0 * a * x[j] - 2.0 * b;
                gradient[j + 1] += 200.0 * a;
            }
            value
        }
    }

    #[test]
    fn minimize_solves_the_rosenbrock_function() {
        let minimum = minimize(&Rosenbrock(6), 500, 1e-8, None).unwrap();
        assert_eq!(minimum.stats.termination, CONVERGED, "{:?}", minimum.stats);
        for x in &minimum.params {
            assert!((x - 1.0).abs() < 1e-6, "{:?}", minimum.params);
        }
        assert!(minimum.objective < 1e-12);
        // Strong-Wolfe steps: about as many evaluations as iterations, not a line search's worth each.
        assert!(minimum.stats.evaluations < 3 * minimum.stats.iterations as usize, "{:?}", minimum.stats);
    }

    #[test]
    fn interpolate_stays_inside_the_safeguarded_interval() {
        let a = Trial { step: 0.0, value: 1.0, slope: -1.0 };
        // The cubic through these points is minimal at 0.5 (a parabola here).
        let b = Trial { step: 1.0, value: 1.0, slope: 1.0 };
        assert!((interpolate(a, b) - 0.5).abs() < 1e-12);
        // A minimiser right next to an end is pulled a tenth of the width inside.
        let c = Trial { step: 1.0, value: 0.0, slope: -1e-9 };
        let step = interpolate(a, c);
        assert!((0.1..=0.9).contains(&step), "{step}");
        // An overshoot on 1 − t + 50t² (minimum at 0.01) is clamped to the low margin.
        let d = Trial { step: 1.0, value: 50.0, slope: 99.0 };
        assert_eq!(interpolate(a, d), 0.1);
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
        // Enough rows and parameters for several chunks, so the reduction order matters.
        let (rows, targets) = random_rows(20 * ROW_CHUNK + 17, 6000, 5);
        let weights = [1.0, 1.5, 0.5];
        let objective = SparseObjective::new(&rows[..], &targets, &weights, 6000, 1.0);
        let params = random_params(objective.n_params(), 6);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let (value, gradient) = evaluate(&objective, &params);
                let minimum = minimize(&objective, 30, 1e-6, None).unwrap();
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
        let minimum = minimize(&objective, 1000, 1e-5, None).unwrap();
        let (value, gradient) = evaluate(&objective, &minimum.params);
        let norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
        assert!(norm < 1e-5, "{norm} after {:?}", minimum.stats);
        assert_eq!(value, minimum.objective);
        assert!(minimum.stats.evaluations as u64 >= minimum.stats.iterations);
        // Started at its own minimum, a run stops there after the one evaluation.
        let again = minimize(&objective, 1000, 1e-5, Some(minimum.params.clone())).unwrap();
        assert_eq!((again.stats.iterations, again.stats.evaluations), (0, 1));
        assert_eq!((again.params, again.objective), (minimum.params.clone(), minimum.objective));
        // A budget of one iteration leaves a far larger gradient.
        let early = minimize(&objective, 1, 1e-6, None).unwrap();
        let (_, gradient) = evaluate(&objective, &early.params);
        assert!(gradient.iter().map(|g| g * g).sum::<f64>().sqrt() > 1e-3);
    }
}
