//! Sentence splitter, analyzer and featurizer on arbitrary text.
//!
//! Invariants: nothing panics or hangs; `split_sentences` returns ranges that are in order,
//! non-overlapping, on char boundaries, within one line, non-empty, trimmed of whitespace and
//! stand-alone bullet marks, and hold a letter or digit; `sentences` agrees with them; a
//! featurizer fitted on the sentences yields sorted, in-range, finite, L2-normalised vectors.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stance_features::{sentences, split_sentences, Analyzer, FeatureConfig, FeatureError, Featurizer};

/// Bullet marks the splitter trims when they stand alone at a line's start or end.
fn is_bullet(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '•' | '*' | '·' | '|')
}

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::new(FeatureConfig::default()).expect("default config is valid"))
}

fn check_ranges(text: &str) -> Vec<&str> {
    let ranges = split_sentences(text);
    let mut previous_end = 0;
    for range in &ranges {
        assert!(range.start < range.end, "empty range {range:?}");
        assert!(previous_end <= range.start, "range {range:?} overlaps or precedes end {previous_end}");
        assert!(range.end <= text.len(), "range {range:?} past the text's {} bytes", text.len());
        assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end), "{range:?}");
        let s = &text[range.clone()];
        assert_eq!(s, s.trim(), "sentence {s:?} is not trimmed");
        assert!(!s.contains('\n'), "sentence {s:?} spans lines");
        assert!(s.chars().any(char::is_alphanumeric), "sentence {s:?} has no letter or digit");
        let mut chars = s.chars();
        if let (Some(first), Some(second)) = (chars.next(), chars.next()) {
            assert!(!(is_bullet(first) && second.is_whitespace()), "sentence {s:?} opens with a bullet");
        }
        let mut rev = s.chars().rev();
        if let (Some(last), Some(before)) = (rev.next(), rev.next()) {
            assert!(!(is_bullet(last) && before.is_whitespace()), "sentence {s:?} ends with a bullet");
        }
        previous_end = range.end;
    }
    let texts = sentences(text);
    assert_eq!(texts.len(), ranges.len());
    for (s, range) in texts.iter().zip(&ranges) {
        assert_eq!(*s, &text[range.clone()]);
    }
    texts
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let docs = check_ranges(&text);

    // Each analysis pass stems every word, the bulk of an execution's time: analyze the whole
    // text here, and the sentences through `fit` and `transform` below.
    let analyzer = analyzer();
    let tokens = analyzer.tokens(&text);
    let terms = analyzer.terms(&text);
    assert!(terms.len() >= tokens.len(), "fewer terms than tokens");

    let config = FeatureConfig::default();
    let featurizer = match Featurizer::fit(&config, &docs) {
        Ok(f) => f,
        Err(FeatureError::EmptyVocabulary { .. }) => return,
        Err(e) => panic!("fit on a valid config failed: {e}"),
    };
    let n = featurizer.n_features();
    for doc in docs.iter().copied().chain([text.as_ref()]) {
        let v = featurizer.transform(doc);
        assert_eq!(v.indices.len(), v.values.len());
        assert!(v.indices.windows(2).all(|w| w[0] < w[1]), "unsorted indices for {doc:?}");
        assert!(v.indices.iter().all(|&i| (i as usize) < n), "index out of range for {doc:?}");
        assert!(v.values.iter().all(|x| x.is_finite()), "non-finite value for {doc:?}");
        if !v.is_empty() {
            assert!((v.norm() - 1.0).abs() < 1e-9, "norm {} for {doc:?}", v.norm());
        }
    }
});
