//! Featurization throughput with the text normalisation options off and on, on tweet-like lines
//! (URLs, mentions, hashtags, numbers, elongations, negations) generated from a fixed seed.
//!
//! ```sh
//! cargo run --release -p stance-features --example normalize_throughput [LINES]
//! ```
//!
//! One worker thread, so the numbers are per core and do not depend on the machine's load of
//! other threads; each figure is the median of five runs.

use std::time::{Duration, Instant};

use stance_features::{Analyzer, FeatureConfig, Featurizer, Hashtags, NgramRange, Normalization};

const WORDS: [&str; 24] = [
    "troops", "peace", "Ukraine", "we", "should", "send", "the", "war", "Russia", "support", "today",
    "people", "Europe", "never", "again", "this", "is", "madness", "great", "news", "keep", "our",
    "soldiers", "home",
];
const EXTRAS: [&str; 12] = [
    "https://t.co/aB3dE9xYz",
    "www.bbc.co.uk/news/world-12345",
    "@EU_Council",
    "@Keir_Starmer:",
    "#StopTheWar",
    "#NoWar2024",
    "#SemST",
    "1,000",
    "3.5%",
    "sooooo",
    "don't",
    "not",
];

/// SplitMix64: a fixed, dependency-free sequence.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

fn tweets(lines: usize) -> Vec<String> {
    let mut rng = Rng(42);
    (0..lines)
        .map(|_| {
            let mut line = String::new();
            for i in 0..(10 + rng.below(12)) {
                if i > 0 {
                    line.push(if rng.below(8) == 0 { ',' } else { ' ' });
                    line.push(' ');
                }
                let word = if rng.below(4) == 0 {
                    EXTRAS[rng.below(EXTRAS.len())]
                } else {
                    WORDS[rng.below(WORDS.len())]
                };
                line.push_str(word);
            }
            line.push_str(if rng.below(3) == 0 { "!!!" } else { "." });
            line
        })
        .collect()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let lines: usize = std::env::args().nth(1).map_or(5000, |n| n.parse().expect("LINES is a number"));
    let docs = tweets(lines);
    let bytes: usize = docs.iter().map(String::len).sum();
    let base = FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 5)));
    let all = Normalization {
        urls: true,
        mentions: true,
        numbers: true,
        hashtags: Hashtags::Split,
        strip_tags: vec!["SemST".into()],
        elongation: true,
        negation: true,
    };
    let configs = [
        ("off (shipped: word 1-2, char 2-5)", Normalization::default()),
        (
            "urls+mentions+numbers",
            Normalization { urls: true, mentions: true, numbers: true, ..Default::default() },
        ),
        (
            "hashtags split + strip SemST",
            Normalization {
                hashtags: Hashtags::Split,
                strip_tags: vec!["SemST".into()],
                ..Default::default()
            },
        ),
        ("elongation", Normalization { elongation: true, ..Default::default() }),
        ("negation", Normalization { negation: true, ..Default::default() }),
        ("all", all),
    ];
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a thread pool");
    println!("{lines} tweet-like lines, {:.2} MB, 1 thread, median of 5 runs", bytes as f64 / 1e6);
    println!(
        "{:<36} {:>10} {:>12} {:>10} {:>12}",
        "normalisation", "fit ms", "fit lines/s", "transform ms", "lines/s"
    );
    let mut baseline = None;
    for (name, normalize) in configs.clone() {
        let config = FeatureConfig { normalize, ..base.clone() };
        let (fit, transform, terms) = pool.install(|| {
            let mut fits = Vec::new();
            let mut transforms = Vec::new();
            let mut terms = 0;
            for _ in 0..5 {
                let start = Instant::now();
                let featurizer = Featurizer::fit(&config, &docs).expect("fit");
                fits.push(start.elapsed());
                terms = featurizer.vocabulary().len();
                let start = Instant::now();
                let vectors = featurizer.transform_all(&docs);
                transforms.push(start.elapsed());
                assert_eq!(vectors.len(), docs.len());
            }
            (median(fits), median(transforms), terms)
        });
        let per_second = |d: Duration| lines as f64 / d.as_secs_f64();
        let base_transform = *baseline.get_or_insert(transform);
        println!(
            "{name:<36} {:>10.1} {:>12.0} {:>10.1} {:>12.0}  ({:+.0}% transform time, {terms} terms)",
            fit.as_secs_f64() * 1e3,
            per_second(fit),
            transform.as_secs_f64() * 1e3,
            per_second(transform),
            (transform.as_secs_f64() / base_transform.as_secs_f64() - 1.0) * 100.0
        );
    }
    // The text pass alone: normalisation (or the plain apostrophe folding and lowercasing) and
    // UAX #29 tokenization, without stemming, n-grams or vocabulary look-ups.
    println!("\n{:<36} {:>10} {:>12}", "tokens only", "ms", "lines/s");
    let mut baseline = None;
    for (name, normalize) in configs {
        let analyzer = Analyzer::new(FeatureConfig { normalize, ..base.clone() }).expect("a valid config");
        let tokens = median(
            (0..5)
                .map(|_| {
                    let start = Instant::now();
                    let count: usize = docs.iter().map(|doc| analyzer.tokens(doc).len()).sum();
                    assert!(count > 0);
                    start.elapsed()
                })
                .collect(),
        );
        let base_tokens = *baseline.get_or_insert(tokens);
        println!(
            "{name:<36} {:>10.1} {:>12.0}  ({:+.0}% time)",
            tokens.as_secs_f64() * 1e3,
            lines as f64 / tokens.as_secs_f64(),
            (tokens.as_secs_f64() / base_tokens.as_secs_f64() - 1.0) * 100.0
        );
    }
}
