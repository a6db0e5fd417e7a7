//! `Featurizer::transform` (one sentence at a time, the classify path) and `Featurizer::fit`
//! on the committed seed corpus, for word 1–2-grams and for word 1–2 + char 2–5-grams.

// criterion_group! defines a public function without a doc comment.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use stance_benches::{sample_sentences, word_char_config, word_config};
use stance_features::Featurizer;

fn featurize(c: &mut Criterion) {
    let sentences = sample_sentences();
    let bytes: usize = sentences.iter().map(String::len).sum();
    for (name, config) in [("word_1_2", word_config()), ("word_1_2_char_2_5", word_char_config())] {
        let featurizer = Featurizer::fit(&config, &sentences).expect("the sample fits");
        let mut group = c.benchmark_group(format!("featurizer/{name}"));
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("transform_corpus", |b| {
            b.iter(|| {
                // The classify path: one sentence at a time, no rayon.
                sentences.iter().map(|s| featurizer.transform(s).nnz()).sum::<usize>()
            })
        });
        group.bench_function("fit_corpus", |b| {
            b.iter_batched(
                || config.clone(),
                |config| Featurizer::fit(&config, &sentences).expect("the sample fits"),
                BatchSize::SmallInput,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, featurize);
criterion_main!(benches);
