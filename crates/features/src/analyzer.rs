//! Text → tokens → terms: normalisation, Unicode word tokenization, stemming and n-grams.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::config::{FeatureConfig, Language, Stemmer};
use crate::FeatureError;

/// Prefix that marks character n-gram terms. Word tokens never contain `#` (it is not a word
/// character in Unicode segmentation), so the two kinds of term can never collide.
pub const CHAR_NGRAM_PREFIX: char = '#';

/// The two kinds of term an [`Analyzer`] emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// A word n-gram: stems joined by a space.
    WordNgram,
    /// A character n-gram within a word, prefixed with [`CHAR_NGRAM_PREFIX`].
    CharNgram,
}

impl TermKind {
    /// The kind of a term, told by its [`CHAR_NGRAM_PREFIX`].
    ///
    /// ```
    /// use stance_features::TermKind;
    /// assert_eq!(TermKind::of("reject deploy"), TermKind::WordNgram);
    /// assert_eq!(TermKind::of("#ace"), TermKind::CharNgram);
    /// ```
    pub fn of(term: &str) -> Self {
        if term.starts_with(CHAR_NGRAM_PREFIX) {
            Self::CharNgram
        } else {
            Self::WordNgram
        }
    }
}

impl std::fmt::Display for TermKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::WordNgram => "word n-gram",
            Self::CharNgram => "char n-gram",
        })
    }
}

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
    /// with typographic apostrophes folded to `'` so "Russia’s" and "Russia's" agree, after the
    /// text-level [`crate::Normalization`] options (URL, mention, number folding, …).
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
        if self.config.normalize.rewrites_text() {
            return self.config.normalize.apply(&folded, self.config.lowercase);
        }
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
        self.walk_terms::<false>(text, |term, _| emit(term));
    }

    /// Like [`Analyzer::for_each_term`] (same terms, same order), but also passes the surface
    /// form each term occurrence came from: for a word n-gram, its normalised tokens joined by
    /// a space (`"rejects deploying"` for `"reject deploy"`); for a character n-gram, the token
    /// it was cut from. Meant for explaining predictions; scoring uses `for_each_term`.
    ///
    /// ```
    /// use stance_features::{Analyzer, FeatureConfig};
    /// let analyzer = Analyzer::new(FeatureConfig::default()).unwrap();
    /// let mut pairs = Vec::new();
    /// analyzer.for_each_term_with_surface("Rejects deploying", |term, surface| {
    ///     pairs.push((term.to_owned(), surface.to_owned()))
    /// });
    /// assert!(pairs.contains(&("reject deploy".to_owned(), "rejects deploying".to_owned())));
    /// ```
    pub fn for_each_term_with_surface(&self, text: &str, emit: impl FnMut(&str, &str)) {
        self.walk_terms::<true>(text, emit);
    }

    /// The one term walk behind both public methods. With `SURFACE == false` the surface of a
    /// word n-gram is never built (an empty string is passed), so `for_each_term` pays nothing
    /// for explanations.
    #[inline(always)]
    fn walk_terms<const SURFACE: bool>(&self, text: &str, mut emit: impl FnMut(&str, &str)) {
        let normalized = self.normalize(text);
        let tokens: Vec<String> = normalized.unicode_words().map(str::to_owned).collect();
        let mut buffer = String::new();
        let mut surface = String::new();
        if let Some(range) = self.config.word_ngrams {
            let mut stems: Vec<String> = tokens.iter().map(|t| self.stem(t).into_owned()).collect();
            if self.config.normalize.negation {
                crate::normalize::mark_negation(&normalized, &mut stems);
            }
            // n-grams longer than the input give nothing; stopping there keeps a model file's
            // huge `max` from looping through every size up to it.
            for n in range.min..=range.max.min(stems.len()) {
                for (start, window) in stems.windows(n).enumerate() {
                    buffer.clear();
                    for (i, stem) in window.iter().enumerate() {
                        if i > 0 {
                            buffer.push(' ');
                        }
                        buffer.push_str(stem);
                    }
                    if SURFACE {
                        surface.clear();
                        for (i, token) in tokens[start..start + n].iter().enumerate() {
                            if i > 0 {
                                surface.push(' ');
                            }
                            surface.push_str(token);
                        }
                    }
                    emit(&buffer, &surface);
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
                for n in range.min..=range.max.min(padded.len()) {
                    for window in padded.windows(n) {
                        buffer.clear();
                        buffer.push(CHAR_NGRAM_PREFIX);
                        buffer.extend(window);
                        emit(&buffer, token);
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

    /// All `(term, surface)` occurrences of `text`, in emission order (see
    /// [`Analyzer::for_each_term_with_surface`]).
    pub fn terms_with_surface(&self, text: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        self.for_each_term_with_surface(text, |term, surface| {
            pairs.push((term.to_owned(), surface.to_owned()))
        });
        pairs
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

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|&(t, s)| (t.to_owned(), s.to_owned())).collect()
    }

    #[test]
    fn surfaces_of_word_ngrams_are_the_normalised_tokens() {
        let a = analyzer(FeatureConfig::default());
        assert_eq!(
            a.terms_with_surface("Russia’s Rejects deploying"),
            pairs(&[
                ("russia", "russia's"),
                ("reject", "rejects"),
                ("deploy", "deploying"),
                ("russia reject", "russia's rejects"),
                ("reject deploy", "rejects deploying"),
            ])
        );
    }

    #[test]
    fn surface_of_a_char_ngram_is_its_token() {
        let a = analyzer(FeatureConfig {
            word_ngrams: None,
            char_ngrams: Some(NgramRange::new(3, 3)),
            ..Default::default()
        });
        assert_eq!(
            a.terms_with_surface("Ab cd"),
            pairs(&[("# ab", "ab"), ("#ab ", "ab"), ("# cd", "cd"), ("#cd ", "cd")])
        );
    }

    #[test]
    fn surfaces_keep_case_when_lowercasing_is_off() {
        let a = analyzer(FeatureConfig {
            lowercase: false,
            stemmer: Stemmer::None,
            word_ngrams: Some(NgramRange::new(2, 2)),
            ..Default::default()
        });
        assert_eq!(a.terms_with_surface("NATO Troops"), pairs(&[("NATO Troops", "NATO Troops")]));
    }

    #[test]
    fn term_walk_with_surface_emits_exactly_the_scoring_terms() {
        let a = analyzer(FeatureConfig {
            word_ngrams: Some(NgramRange::new(1, 3)),
            char_ngrams: Some(NgramRange::new(2, 5)),
            ..Default::default()
        });
        let text = "Lavrov said the deployment of Western peacekeepers is “completely unacceptable”.";
        let with_surface: Vec<String> = a.terms_with_surface(text).into_iter().map(|(t, _)| t).collect();
        assert_eq!(with_surface, a.terms(text));
        for (term, surface) in a.terms_with_surface(text) {
            assert!(!surface.is_empty(), "{term:?} has no surface");
            for word in surface.split(' ') {
                assert!(text.to_lowercase().contains(word), "{word:?} is not in the text");
            }
            if TermKind::of(&term) == TermKind::CharNgram {
                assert!(!surface.contains(' '), "a char n-gram comes from one token: {surface:?}");
            } else {
                assert_eq!(surface.split(' ').count(), term.split(' ').count(), "{term:?} ← {surface:?}");
            }
        }
    }

    // Regression (fuzz target `model`, fuzz/seeds/model/huge-ngram-max.json): a model file may
    // carry any n-gram `max`, and a huge one made every transform loop through all sizes up to it.
    #[test]
    fn huge_ngram_max_ends_at_the_longest_possible_ngram() {
        let config = |max| FeatureConfig {
            word_ngrams: Some(NgramRange::new(1, max)),
            char_ngrams: Some(NgramRange::new(2, max)),
            ..Default::default()
        };
        let text = "Russia rejects the deployment of peacekeepers";
        assert_eq!(analyzer(config(usize::MAX)).terms(text), analyzer(config(64)).terms(text));
    }

    #[test]
    fn term_kind_follows_the_prefix() {
        assert_eq!(TermKind::of("peacekeep"), TermKind::WordNgram);
        assert_eq!(TermKind::of("# pea"), TermKind::CharNgram);
        assert_eq!(TermKind::CharNgram.to_string(), "char n-gram");
        assert_eq!(serde_json::to_string(&TermKind::WordNgram).unwrap(), "\"word_ngram\"");
    }
}
