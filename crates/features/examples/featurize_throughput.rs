//! Featurization throughput on synthetic sentences: rows per second for `transform` on one
//! thread and on the rayon pool, for word 1–2-grams and for word 1–2 + char 2–5-grams.
//!
//! ```text
//! cargo run --release -p stance-features --example featurize_throughput -- [ROWS]
//! ```
//!
//! Rows are ~25 tokens drawn from a Zipfian (s = 1.1) distribution over 50 000 made-up words,
//! from a fixed seed, so runs are comparable.
//!
//! `-- --digest FILE...` instead prints, for several configurations, a digest of the fitted
//! vocabulary, idf and every transformed vector over the lines of the files plus synthetic
//! rows: equal digests before and after a change mean featurization output did not change.

use std::time::Instant;

use stance_features::{FeatureConfig, Featurizer, Hashing, NgramRange};

const SYLLABLES: [&str; 24] = [
    "ka", "ro", "mi", "tel", "vo", "san", "dre", "lu", "pen", "zo", "ar", "qui", "ble", "nor", "est", "gan",
    "fi", "hu", "jor", "wes", "ty", "ple", "ment", "ing",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--digest") {
        return digest(&args[1..]);
    }
    let rows: usize = std::env::args().nth(1).map_or(100_000, |n| n.parse().expect("ROWS is a number"));
    let texts = synthetic_rows(rows, 0x5eed);
    let tokens: usize = texts.iter().map(|t| t.split(' ').count()).sum();
    println!(
        "{rows} rows, {:.1} tokens per row, {} rayon threads",
        tokens as f64 / rows as f64,
        rayon::current_num_threads()
    );
    let word = FeatureConfig::default();
    let word_char = FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 5)));
    let hashed =
        |config: &FeatureConfig| FeatureConfig { hashing: Some(Hashing::new(20, 0)), ..config.clone() };
    let configs = [
        ("word 1-2, vocabulary", word.clone()),
        ("word 1-2, hashing 2^20", hashed(&word)),
        ("word 1-2 + char 2-5, vocabulary", word_char.clone()),
        ("word 1-2 + char 2-5, hashing 2^20", hashed(&word_char)),
    ];
    for (name, config) in configs {
        let started = Instant::now();
        let featurizer = Featurizer::fit(&config, &texts).expect("fit");
        let fit = started.elapsed().as_secs_f64();
        println!("{name}: fit {:.0} rows/s ({} features)", rows as f64 / fit, featurizer.n_features());
        let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        let cpu = cpu_seconds();
        let terms: usize = single.install(|| {
            let mut terms = 0;
            texts.iter().for_each(|t| featurizer.analyzer().for_each_term(t, |_| terms += 1));
            terms
        });
        println!(
            "  term walk alone 1 thread {:.2} µs CPU/row ({:.0} terms/row)",
            (cpu_seconds() - cpu) * 1e6 / rows as f64,
            terms as f64 / rows as f64
        );
        let (started, cpu) = (Instant::now(), cpu_seconds());
        let nnz: usize = single.install(|| texts.iter().map(|t| featurizer.transform(t).nnz()).sum());
        let (serial, serial_cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let (started, cpu) = (Instant::now(), cpu_seconds());
        let vectors = featurizer.transform_all(&texts);
        let (parallel, parallel_cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        assert_eq!(vectors.iter().map(|v| v.nnz()).sum::<usize>(), nnz);
        drop(vectors);
        let (started, cpu) = (Instant::now(), cpu_seconds());
        let matrix = featurizer.transform_csr(&texts);
        let (csr, csr_cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        assert_eq!(matrix.nnz(), nnz);
        println!(
            "  transform 1 thread {:>8.0} rows/s wall, {:.2} µs CPU/row; transform_all pool {:>8.0} rows/s wall, {:.2} µs CPU/row",
            rows as f64 / serial,
            serial_cpu * 1e6 / rows as f64,
            rows as f64 / parallel,
            parallel_cpu * 1e6 / rows as f64,
        );
        println!(
            "  transform_csr pool {:>8.0} rows/s wall, {:.2} µs CPU/row",
            rows as f64 / csr,
            csr_cpu * 1e6 / rows as f64
        );
    }
}

fn digest(files: &[String]) {
    let mut texts = synthetic_rows(3000, 7);
    for (i, text) in texts.iter_mut().enumerate().step_by(5) {
        text.push_str(if i % 2 == 0 {
            " Russia’s ΣΟΦΟΣ naïve “Kyiv” 1,000-km"
        } else {
            " İstanbul DON'T ß"
        });
    }
    for file in files {
        texts.extend(std::fs::read_to_string(file).expect("readable file").lines().map(str::to_owned));
    }
    let configs = [
        FeatureConfig::default(),
        FeatureConfig {
            extractors: stance_features::Extractor::ngrams(
                Some(NgramRange::new(1, 3)),
                Some(NgramRange::new(2, 5)),
            ),
            ..Default::default()
        },
        FeatureConfig { min_df: 2, max_features: Some(5000), ..Default::default() },
        FeatureConfig {
            lowercase: false,
            stemmer: stance_features::Stemmer::None,
            extractors: stance_features::Extractor::ngrams(
                Some(NgramRange::new(1, 2)),
                Some(NgramRange::new(1, 4)),
            ),
            tf: stance_features::TermFrequency::Raw,
            idf: stance_features::Idf::Plain,
            max_features: Some(20_000),
            ..Default::default()
        },
    ];
    for config in configs {
        let featurizer = Featurizer::fit(&config, &texts[..texts.len() / 2]).expect("fit");
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for &b in bytes {
                hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        };
        for term in featurizer.vocabulary().iter() {
            feed(term.as_bytes());
        }
        for w in featurizer.idf() {
            feed(&w.to_bits().to_le_bytes());
        }
        let mut nnz = 0;
        for vector in featurizer.transform_all(&texts) {
            nnz += vector.nnz();
            for (i, v) in vector.iter() {
                feed(&(i as u64).to_le_bytes());
                feed(&v.to_bits().to_le_bytes());
            }
            feed(b"/");
        }
        println!(
            "{} texts, {} features, {nnz} nnz, digest {hash:016x}",
            texts.len(),
            featurizer.n_features()
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
