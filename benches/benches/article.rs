//! Featurize + score throughput on real news text, one thread (so the figures are per core):
//! the seed corpus's articles (`data/corpus/`, repeated), with the shipped model (word 1–2-grams)
//! and with a model of word 1–2 + char 2–5-grams ([`stance_benches::model_with_features`]).
//!
//! - `score_sentences`: `Classifier::probabilities` on every sentence, split beforehand (the
//!   featurizer, the linear scorer and relevance); throughput in term lookups (n-grams) per
//!   second.
//! - `classify_articles`: `Classifier::classify_article` on every article (sentence splitting,
//!   scoring, the article rule; no holder attribution, no output); throughput in bytes.

// criterion_group! defines a public function without a doc comment.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use stance_benches::{corpus_articles, model_with_features, word_char_config};
use stance_features::sentences;
use stance_infer::Classifier;

/// Copies of the five seed articles per iteration (about 0.3 MB).
const COPIES: usize = 10;

fn article(c: &mut Criterion) {
    let articles = corpus_articles(COPIES);
    let bytes: usize = articles.iter().map(String::len).sum();
    let sentences: Vec<String> = articles.iter().flat_map(|a| sentences(a)).map(|s| s.to_owned()).collect();
    let shipped = Classifier::default_model().expect("the default model loads");
    let char_model = Classifier::from_model(model_with_features(shipped.model(), &word_char_config()))
        .expect("the char n-gram model is consistent");
    for (name, classifier) in [("shipped_word_1_2", &shipped), ("word_1_2_char_2_5", &char_model)] {
        let analyzer = classifier.model().features.analyzer();
        let mut lookups = 0u64;
        for sentence in &sentences {
            analyzer.for_each_term(sentence, |_| lookups += 1);
        }
        let mut group = c.benchmark_group(format!("article/{name}"));
        group.sample_size(10).measurement_time(Duration::from_secs(4));
        group.throughput(Throughput::Elements(lookups));
        group.bench_function("score_sentences", |b| {
            b.iter(|| {
                sentences.iter().map(|s| classifier.probabilities(s).expect("a pooled model")[0]).sum::<f64>()
            })
        });
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("classify_articles", |b| {
            b.iter(|| {
                articles
                    .iter()
                    .map(|a| classifier.classify_article(a).expect("an article with sentences").sentences)
                    .sum::<usize>()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, article);
criterion_main!(benches);
