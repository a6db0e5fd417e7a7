//! The scorer: `LinearModel::probabilities` on vectors featurized beforehand, and the whole
//! `Classifier::classify_sentence` path (featurize + score + label) with the default model.

// criterion_group! defines a public function without a doc comment.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use stance_benches::sample_sentences;
use stance_infer::Classifier;

fn score(c: &mut Criterion) {
    let sentences = sample_sentences();
    let bytes: usize = sentences.iter().map(String::len).sum();
    let classifier = Classifier::default_model().expect("the default model loads");
    let linear = classifier.model().linear_model().expect("the default model is consistent");
    let vectors: Vec<_> = sentences.iter().map(|s| classifier.model().features.transform(s)).collect();

    let mut group = c.benchmark_group("scorer/default_model");
    group.throughput(Throughput::Elements(sentences.len() as u64));
    group.bench_function("linear_probabilities", |b| {
        b.iter(|| vectors.iter().map(|x| linear.probabilities(x)[0]).sum::<f64>())
    });
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("classify_sentence", |b| {
        b.iter(|| {
            sentences
                .iter()
                .map(|s| classifier.classify_sentence(s).expect("a pooled model").confidence())
                .sum::<f64>()
        })
    });
    group.finish();
}

criterion_group!(benches, score);
criterion_main!(benches);
