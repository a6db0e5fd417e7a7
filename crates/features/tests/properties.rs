//! Invariants of the splitter and featurizer over arbitrary text.

use proptest::prelude::*;
use stance_features::{split_sentences, Analyzer, FeatureConfig, Featurizer, Hashing, NgramRange};

/// Text that looks like news: words, punctuation that matters to the splitter, quotes, newlines.
fn newsish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[A-Za-z]{1,8}",
            Just(". ".to_string()),
            Just("U.S.".to_string()),
            Just("Mr.".to_string()),
            Just("“".to_string()),
            Just("”".to_string()),
            Just("\n".to_string()),
            Just(" - ".to_string()),
            Just("?".to_string()),
            Just("…".to_string()),
            " ",
            "\\PC",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool")
}

proptest! {
    #[test]
    fn features_are_the_same_serial_and_parallel(docs in proptest::collection::vec(newsish(), 1..64)) {
        let config = FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 4)));
        let serial = pool(1).install(|| Featurizer::fit(&config, &docs).map(|f| (f.transform_all(&docs), f)));
        let parallel = pool(3).install(|| Featurizer::fit(&config, &docs).map(|f| (f.transform_all(&docs), f)));
        match (serial, parallel) {
            (Ok((serial_vectors, serial)), Ok((parallel_vectors, parallel))) => {
                prop_assert_eq!(serial.vocabulary(), parallel.vocabulary());
                let bits = |f: &Featurizer| f.idf().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&serial), bits(&parallel));
                prop_assert_eq!(serial_vectors, parallel_vectors);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "serial {:?} vs parallel {:?}", a.is_ok(), b.is_ok()),
        }
    }

    #[test]
    fn sentence_ranges_are_ordered_trimmed_and_keep_every_word_character(text in newsish()) {
        let ranges = split_sentences(&text);
        let mut previous_end = 0;
        for range in &ranges {
            prop_assert!(range.start >= previous_end && range.start < range.end && range.end <= text.len());
            let sentence = &text[range.clone()];
            prop_assert_eq!(sentence, sentence.trim());
            prop_assert!(sentence.chars().any(char::is_alphanumeric));
            previous_end = range.end;
        }
        // No letter or digit is lost: whatever lies outside the sentences is furniture.
        let kept: usize = ranges.iter().map(|r| text[r.clone()].chars().filter(|c| c.is_alphanumeric()).count()).sum();
        prop_assert_eq!(kept, text.chars().filter(|c| c.is_alphanumeric()).count());
        // Splitting then joining keeps every non-space character, except page furniture: a
        // whitespace-delimited token made only of symbols (a lone "-", "»", "...") may be
        // dropped, nothing else.
        let mut covered = vec![false; text.len()];
        for range in &ranges {
            covered[range.clone()].iter_mut().for_each(|c| *c = true);
        }
        let mut token_start = None;
        for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            match (c.is_whitespace(), token_start) {
                (false, None) => token_start = Some(i),
                (true, Some(start)) => {
                    let token = &text[start..i];
                    let dropped = token.char_indices().any(|(j, _)| !covered[start + j]);
                    prop_assert!(
                        !dropped || !token.chars().any(char::is_alphanumeric),
                        "token {:?} lost characters", token
                    );
                    token_start = None;
                }
                _ => {}
            }
        }
    }

    #[test]
    fn splitter_never_panics_on_any_string(text in "\\PC*") {
        let _ = split_sentences(&text);
    }

    #[test]
    fn vectors_are_unit_length_sorted_and_in_range(docs in proptest::collection::vec(newsish(), 1..8), probe in newsish()) {
        let config = FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 4)));
        let Ok(featurizer) = Featurizer::fit(&config, &docs) else {
            // Only documents without a single word may fail to fit.
            prop_assert!(docs.iter().all(|d| Analyzer::new(config.clone()).unwrap().tokens(d).is_empty()));
            return Ok(());
        };
        let vector = featurizer.transform(&probe);
        prop_assert!(vector.indices.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(vector.indices.iter().all(|&i| (i as usize) < featurizer.n_features()));
        prop_assert!(vector.values.iter().all(|v| v.is_finite() && *v > 0.0));
        if !vector.is_empty() {
            prop_assert!((vector.norm() - 1.0).abs() < 1e-9);
        }
    }
}

proptest! {
    // Each case fits a featurizer and builds hashing tables: fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn csr_rows_are_the_serial_transforms_on_any_pool(
        docs in proptest::collection::vec(newsish(), 1..64),
        hashing in proptest::option::of((10u32..=16, any::<u64>())),
    ) {
        let config = FeatureConfig {
            extractors: stance_features::Extractor::ngrams(Some(NgramRange::new(1, 2)), Some(NgramRange::new(2, 4))),
            hashing: hashing.map(|(bits, seed)| Hashing::new(bits, seed)),
            ..Default::default()
        };
        let Ok(featurizer) = Featurizer::fit(&config, &docs) else { return Ok(()) };
        let serial = pool(1).install(|| featurizer.transform_csr(&docs));
        let parallel = pool(3).install(|| featurizer.transform_csr(&docs));
        prop_assert_eq!(&serial, &parallel);
        prop_assert_eq!(serial.n_rows(), docs.len());
        prop_assert_eq!(serial.n_cols(), featurizer.n_features());
        for (i, doc) in docs.iter().enumerate() {
            prop_assert_eq!(serial.row_vec(i), featurizer.transform(doc));
        }
    }
}
