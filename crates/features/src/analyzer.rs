//! Text → tokens → terms: normalisation, Unicode word tokenization, stemming and n-grams.

use unicode_segmentation::UnicodeSegmentation;

use crate::config::{FeatureConfig, Language, Stemmer};
use crate::FeatureError;

/// Prefix that marks character n-gram terms. Word tokens never contain `#` (it is not a word
/// character in Unicode segmentation), so the two kinds of term can never collide.
pub const CHAR_NGRAM_PREFIX: char = '#';

/// Turns text into the terms a [`crate::Featurizer`] counts, as a [`FeatureConfig`] says.
pub struct Analyzer {
    config: FeatureConfig,
    stemmer: Option<rust_stemmers::Stemmer>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Clone for Analyzer {
    fn clone(&self) -> Self {
        Self::build(self.config.clone())
    }
}

impl Analyzer {
    /// Builds an analyzer after checking the configuration.
    pub fn new(config: FeatureConfig) -> Result<Self, FeatureError> {
        config.check()?;
        Ok(Self::build(config))
    }

    fn build(config: FeatureConfig) -> Self {
        let stemmer = match config.stemmer {
            Stemmer::None => None,
            Stemmer::Snowball { language } => Some(rust_stemmers::Stemmer::create(algorithm(language))),
        };
        Self { config, stemmer }
    }

    /// The configuration this analyzer follows.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// Normalised word tokens of `text`: Unicode (UAX #29) words, lowercased if configured,
    /// with typographic apostrophes folded to `'` so "Russia’s" and "Russia's" agree.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let normalized = self.normalize(text);
        normalized.unicode_words().map(str::to_owned).collect()
    }

    fn normalize(&self, text: &str) -> String {
        let folded: String = text
            .chars()
            .map(|c| match c {
                '\u{2019}' | '\u{2018}' | '\u{00B4}' | '\u{02BC}' => '\'',
                other => other,
            })
            .collect();
        if self.config.lowercase {
            folded.to_lowercase()
        } else {
            folded
        }
    }

    /// Stem of one token (the token itself without a stemmer).
    pub fn stem<'a>(&self, token: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.stemmer {
            Some(stemmer) => stemmer.stem(token),
            None => std::borrow::Cow::Borrowed(token),
        }
    }

    /// Calls `emit` once for every term occurrence in `text`: word n-grams of stems joined by
    /// a space, then character n-grams (prefixed with [`CHAR_NGRAM_PREFIX`]).
    pub fn for_each_term(&self, text: &str, mut emit: impl FnMut(&str)) {
        let tokens = self.tokens(text);
        let mut buffer = String::new();
        if let Some(range) = self.config.word_ngrams {
            let stems: Vec<String> = tokens.iter().map(|t| self.stem(t).into_owned()).collect();
            for n in range.min..=range.max {
                for window in stems.windows(n) {
                    buffer.clear();
                    for (i, stem) in window.iter().enumerate() {
                        if i > 0 {
                            buffer.push(' ');
                        }
                        buffer.push_str(stem);
                    }
                    emit(&buffer);
                }
            }
        }
        if let Some(range) = self.config.char_ngrams {
            let mut padded: Vec<char> = Vec::new();
            for token in &tokens {
                padded.clear();
                padded.push(' ');
                padded.extend(token.chars());
                padded.push(' ');
                for n in range.min..=range.max {
                    for window in padded.windows(n) {
                        buffer.clear();
                        buffer.push(CHAR_NGRAM_PREFIX);
                        buffer.extend(window);
                        emit(&buffer);
                    }
                }
            }
        }
    }

    /// All term occurrences of `text`, in emission order (convenient for tests and tools).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut terms = Vec::new();
        self.for_each_term(text, |term| terms.push(term.to_owned()));
        terms
    }
}

fn algorithm(language: Language) -> rust_stemmers::Algorithm {
    use rust_stemmers::Algorithm as A;
    match language {
        Language::Arabic => A::Arabic,
        Language::Danish => A::Danish,
        Language::Dutch => A::Dutch,
        Language::English => A::English,
        Language::Finnish => A::Finnish,
        Language::French => A::French,
        Language::German => A::German,
        Language::Greek => A::Greek,
        Language::Hungarian => A::Hungarian,
        Language::Italian => A::Italian,
        Language::Norwegian => A::Norwegian,
        Language::Portuguese => A::Portuguese,
        Language::Romanian => A::Romanian,
        Language::Russian => A::Russian,
        Language::Spanish => A::Spanish,
        Language::Swedish => A::Swedish,
        Language::Tamil => A::Tamil,
        Language::Turkish => A::Turkish,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NgramRange;

    fn analyzer(config: FeatureConfig) -> Analyzer {
        Analyzer::new(config).unwrap()
    }

    #[test]
    fn tokens_are_unicode_words_lowercased_with_apostrophes_folded() {
        let a = analyzer(FeatureConfig::default());
        assert_eq!(
            a.tokens("Russia’s “peacekeepers”, NATO’S 1,000-kilometre front — Zaporizhzhia!"),
            ["russia's", "peacekeepers", "nato's", "1,000", "kilometre", "front", "zaporizhzhia"]
        );
        assert_eq!(a.tokens("Кремль отверг идею"), ["кремль", "отверг", "идею"]);
        assert!(a.tokens(" -- … “ ” ").is_empty());
    }

    #[test]
    fn lowercase_can_be_turned_off() {
        let a = analyzer(FeatureConfig { lowercase: false, ..Default::default() });
        assert_eq!(a.tokens("NATO Troops"), ["NATO", "Troops"]);
    }

    #[test]
    fn word_ngrams_are_joined_stems() {
        let a = analyzer(FeatureConfig::default());
        assert_eq!(
            a.terms("Russia rejects deploying peacekeepers"),
            ["russia", "reject", "deploy", "peacekeep", "russia reject", "reject deploy", "deploy peacekeep"]
        );
    }

    #[test]
    fn possessive_stems_match_plain_word() {
        let a = analyzer(FeatureConfig::default());
        assert_eq!(a.terms("Russia’s"), a.terms("Russia"));
    }

    #[test]
    fn no_stemmer_keeps_tokens() {
        let a = analyzer(FeatureConfig {
            stemmer: Stemmer::None,
            word_ngrams: Some(NgramRange::new(1, 1)),
            ..Default::default()
        });
        assert_eq!(a.terms("troops deployed"), ["troops", "deployed"]);
    }

    #[test]
    fn char_ngrams_are_padded_within_words_and_prefixed() {
        let a = analyzer(FeatureConfig {
            word_ngrams: None,
            char_ngrams: Some(NgramRange::new(2, 3)),
            ..Default::default()
        });
        assert_eq!(a.terms("Ab c"), ["# a", "#ab", "#b ", "# ab", "#ab ", "# c", "#c ", "# c "]);
    }

    #[test]
    fn longer_ngrams_than_tokens_give_nothing() {
        let a = analyzer(FeatureConfig { word_ngrams: Some(NgramRange::new(3, 3)), ..Default::default() });
        assert!(a.terms("two words").is_empty());
    }
}
