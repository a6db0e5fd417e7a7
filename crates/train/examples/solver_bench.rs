//! Times one training run on synthetic data — `ROWS` sentences of 25 words, 3 classes, a
//! Zipfian vocabulary and label-dependent words, generated from a fixed seed — or on a
//! labeled file.
//!
//! ```text
//! cargo run --release -p stance-train --example solver_bench -- ROWS|FILE SOLVER [TOLERANCE [ALPHA [CHAR_NGRAMS|none [MIN_DF]]]]
//! ```
//!
//! Word 1–2-grams and the other feature defaults; CHAR_NGRAMS (e.g. `2-5`) adds character
//! n-grams, MIN_DF drops rarer terms.
//! SOLVER is `auto`, `dense` or `sparse`. Prints featurization and solver seconds, L-BFGS
//! iterations, objective, gradient norm, training accuracy and the process's peak resident
//! memory (VmHWM), so run one solver per process.

use std::path::Path;
use std::time::Instant;

use stance_features::NgramRange;
use stance_train::{label_indices, read_labeled, Columns, Solver, TrainParams};

const VOCABULARY: usize = 50_000;
const WORDS_PER_ROW: usize = 25;
const CLASS_WORDS: usize = 300;
const CLASS_WORD_SHARE: f64 = 0.12;
const SEED: u64 = 20_250_301;

/// splitmix64.
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

/// Cumulative Zipf(1.1) probabilities over `n` ranks.
fn zipf_cdf(n: usize) -> Vec<f64> {
    let mut cdf: Vec<f64> = (1..=n).map(|rank| (rank as f64).powf(-1.1)).collect();
    let mut total = 0.0;
    for p in cdf.iter_mut() {
        total += *p;
        *p = total;
    }
    cdf.iter_mut().for_each(|p| *p /= total);
    cdf
}

fn sample(cdf: &[f64], rng: &mut Rng) -> usize {
    let u = rng.uniform();
    cdf.partition_point(|&p| p < u).min(cdf.len() - 1)
}

/// A letters-only word for an index, so tokenizers and stemmers see ordinary words.
fn word(mut index: usize, prefix: &str) -> String {
    let mut text = String::from(prefix);
    loop {
        text.push((b'a' + (index % 26) as u8) as char);
        index /= 26;
        if index == 0 {
            return text;
        }
    }
}

fn synthetic(rows: usize) -> (Vec<String>, Vec<usize>) {
    let mut rng = Rng(SEED);
    let common = zipf_cdf(VOCABULARY);
    let specific = zipf_cdf(CLASS_WORDS);
    let mut texts = Vec::with_capacity(rows);
    let mut targets = Vec::with_capacity(rows);
    for _ in 0..rows {
        let label = (rng.next() % 3) as usize;
        let words: Vec<String> = (0..WORDS_PER_ROW)
            .map(|_| {
                if rng.uniform() < CLASS_WORD_SHARE {
                    word(sample(&specific, &mut rng), ["xq", "zv", "jk"][label])
                } else {
                    word(sample(&common, &mut rng), "w")
                }
            })
            .collect();
        texts.push(words.join(" "));
        targets.push(label);
    }
    (texts, targets)
}

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // Fields 14 and 15 of /proc/PID/stat (1-based), counted after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: solver_bench ROWS|FILE auto|dense|sparse [TOLERANCE [ALPHA [CHAR_NGRAMS|none [MIN_DF]]]]";
    let source = args.first().expect(usage);
    let solver = match args.get(1).map(String::as_str) {
        Some("auto") => Solver::Auto,
        Some("dense") => Solver::Dense,
        Some("sparse") => Solver::Sparse,
        _ => panic!("{usage}"),
    };
    let tolerance: f64 = args.get(2).map_or(1e-4, |a| a.parse().expect(usage));
    let alpha: f64 = args.get(3).map_or(1.0, |a| a.parse().expect(usage));
    let (texts, targets, labels) = match source.parse::<usize>() {
        Ok(rows) => {
            let (texts, targets) = synthetic(rows);
            (texts, targets, ["a", "b", "c"].iter().map(|s| s.to_string()).collect())
        }
        Err(_) => {
            let data = read_labeled(Path::new(source), None, &Columns::default()).expect("labeled file");
            let (labels, targets) = label_indices(&data);
            (data.rows.into_iter().map(|r| r.text).collect(), targets, labels)
        }
    };
    let rows = texts.len();
    let mut params = TrainParams { alpha, gradient_tolerance: tolerance, solver, ..Default::default() };
    if let Some(min_df) = args.get(5) {
        params.features.min_df = min_df.parse().expect(usage);
    }
    if let Some(range) = args.get(4).filter(|r| *r != "none") {
        let (min, max) = range.split_once('-').expect("CHAR_NGRAMS like 2-5");
        params
            .features
            .set_char_ngrams(Some(NgramRange::new(min.parse().expect(usage), max.parse().expect(usage))));
    }

    let trainer = params.check().expect("params");
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    let fitted = trainer.fit(&texts, &targets, &labels).expect("fit");
    let total = start.elapsed().as_secs_f64();
    let total_cpu = cpu_seconds() - cpu_start;
    let model =
        stance_model::LinearModel::from_label_major(&fitted.weights.coefficients, &fitted.weights.intercepts)
            .expect("model");
    // Featurized again after the fit: the trainer keeps no copy of its rows.
    let vectors = fitted.featurizer.transform_all(&texts);
    let correct = vectors
        .iter()
        .zip(&targets)
        .filter(|(v, &t)| stance_model::argmax(&model.probabilities(v)) == Some(t))
        .count();
    let nnz: usize = vectors.iter().map(|v| v.nnz()).sum();
    println!(
        "rows {rows}  features {}  nnz {nnz}  solver {:?}  tolerance {tolerance:e}  alpha {alpha}",
        fitted.featurizer.n_features(),
        fitted.solver.solver
    );
    println!("fit (featurize + solve): wall {total:.2} s, CPU {total_cpu:.2} s");
    if let Some(stats) = &fitted.lbfgs {
        println!(
            "solver wall {:.2} s (in evaluations {:.2} s)  iterations {}  evaluations {}  ({})",
            stats.seconds, stats.evaluation_seconds, stats.iterations, stats.evaluations, stats.termination
        );
    }
    println!(
        "objective {:.6}  gradient norm {:.3e}  converged {}  training accuracy {:.4}  peak RSS {:.0} MiB",
        fitted.solver.objective,
        fitted.solver.gradient_norm,
        fitted.solver.converged,
        correct as f64 / rows as f64,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}
