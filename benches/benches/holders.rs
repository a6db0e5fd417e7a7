//! Holder attribution and the article level of `stance classify` on real news text, one
//! thread (so the figures are per core): the seed corpus's articles (`data/corpus/`, repeated)
//! with the shipped model and the built-in alias table; throughput in bytes of article text.
//!
//! - `attribute_articles`: `HolderFinder::attribute_article` on every article, split into
//!   sentences beforehand (the rules alone, every sentence attributed).
//! - `classify_articles_with_holders`: `StanceHolders::classify_article` on every article
//!   (splitting, scoring, the article rule and the holders of its stance sentences: what
//!   `stance classify --level article` computes per document, without the output).

// criterion_group! defines a public function without a doc comment.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use stance_benches::corpus_articles;
use stance_features::sentences;
use stance_holders::HolderFinder;
use stance_infer::{Classifier, StanceHolders};

/// Copies of the five seed articles per iteration (about 0.3 MB).
const COPIES: usize = 10;

fn holders(c: &mut Criterion) {
    let articles = corpus_articles(COPIES);
    let bytes: usize = articles.iter().map(String::len).sum();
    let split: Vec<Vec<&str>> = articles.iter().map(|a| sentences(a)).collect();
    let classifier = Classifier::default_model().expect("the default model loads");
    let finder = HolderFinder::default();
    let holders = StanceHolders::new(finder.clone(), &classifier);
    let mut group = c.benchmark_group("holders/shipped");
    group.sample_size(10).measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("attribute_articles", |b| {
        b.iter(|| split.iter().map(|s| finder.attribute_article(s).iter().flatten().count()).sum::<usize>())
    });
    group.bench_function("classify_articles_with_holders", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|a| holders.classify_article(&classifier, a, None).expect("an article").holders.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, holders);
criterion_main!(benches);
