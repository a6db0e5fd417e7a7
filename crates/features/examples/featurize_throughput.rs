//! Featurization throughput on synthetic sentences: rows per second for `transform` on one
//! thread and on the rayon pool, for word 1–2-grams and for word 1–2 + char 2–5-grams.
//!
//! ```text
//! cargo run --release -p stance-features --example featurize_throughput -- [ROWS]
//! ```
//!
//! Rows are ~25 tokens drawn from a Zipfian (s = 1.1) distribution over 50 000 made-up words,
//! from a fixed seed, so runs are comparable.

use std::time::Instant;

use stance_features::{FeatureConfig, Featurizer, NgramRange};

const SYLLABLES: [&str; 24] = [
    "ka", "ro", "mi", "tel", "vo", "san", "dre", "lu", "pen", "zo", "ar", "qui", "ble", "nor", "est", "gan",
    "fi", "hu", "jor", "wes", "ty", "ple", "ment", "ing",
];

fn main() {
    let rows: usize = std::env::args().nth(1).map_or(100_000, |n| n.parse().expect("ROWS is a number"));
    let texts = synthetic_rows(rows, 0x5eed);
    let tokens: usize = texts.iter().map(|t| t.split(' ').count()).sum();
    println!(
        "{rows} rows, {:.1} tokens per row, {} rayon threads",
        tokens as f64 / rows as f64,
        rayon::current_num_threads()
    );
    let configs = [
        ("word 1-2", FeatureConfig::default()),
        (
            "word 1-2 + char 2-5",
            FeatureConfig { char_ngrams: Some(NgramRange::new(2, 5)), ..Default::default() },
        ),
    ];
    for (name, config) in configs {
        let started = Instant::now();
        let featurizer = Featurizer::fit(&config, &texts).expect("fit");
        let fit = started.elapsed().as_secs_f64();
        println!("{name}: fit {:.0} rows/s ({} features)", rows as f64 / fit, featurizer.n_features());
        let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        let (started, cpu) = (Instant::now(), cpu_seconds());
        let nnz: usize = single.install(|| texts.iter().map(|t| featurizer.transform(t).nnz()).sum());
        let (serial, serial_cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let (started, cpu) = (Instant::now(), cpu_seconds());
        let vectors = featurizer.transform_all(&texts);
        let (parallel, parallel_cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        assert_eq!(vectors.iter().map(|v| v.nnz()).sum::<usize>(), nnz);
        println!(
            "  transform 1 thread {:>8.0} rows/s wall, {:.2} µs CPU/row; transform_all pool {:>8.0} rows/s wall, {:.2} µs CPU/row",
            rows as f64 / serial,
            serial_cpu * 1e6 / rows as f64,
            rows as f64 / parallel,
            parallel_cpu * 1e6 / rows as f64,
        );
    }
}

/// CPU time of all threads of this process so far (Linux `schedstat`; 0 elsewhere), so that
/// numbers stay comparable on a loaded machine where wall time is not.
fn cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    let nanos: u64 = tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    nanos as f64 * 1e-9
}

/// `rows` sentences of 20–30 Zipf-distributed words.
fn synthetic_rows(rows: usize, seed: u64) -> Vec<String> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        state >> 11
    };
    let words: Vec<String> = (0..50_000u64)
        .map(|i| {
            let mut n = i + 1;
            let mut word = String::new();
            while n > 0 {
                word.push_str(SYLLABLES[(n % 24) as usize]);
                n /= 24;
            }
            word
        })
        .collect();
    let mut cumulative = Vec::with_capacity(words.len());
    let mut total = 0.0;
    for rank in 1..=words.len() {
        total += 1.0 / (rank as f64).powf(1.1);
        cumulative.push(total);
    }
    (0..rows)
        .map(|_| {
            let length = 20 + (next() % 11) as usize;
            let picked: Vec<&str> = (0..length)
                .map(|_| {
                    let u = (next() as f64 / (1u64 << 53) as f64) * total;
                    words[cumulative.partition_point(|&c| c < u).min(words.len() - 1)].as_str()
                })
                .collect();
            picked.join(" ")
        })
        .collect()
}
