//! Text → tokens → terms: normalisation, Unicode word tokenization, stemming and n-grams.

use serde::{Deserialize, Serialize};

use crate::config::{Extractor, FeatureConfig, Language, NgramRange, Stemmer};
use crate::hash::{cue_key, extend_key, stem_key, CHAR_NGRAM_START, WORD_NGRAM_START};
use crate::stem_cache::{Probe, StemCache};
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
    /// A stance cue ([`crate::StanceCues`]), prefixed with [`crate::CUE_PREFIX`].
    Cue,
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
        } else if term.starts_with(crate::CUE_PREFIX) {
            Self::Cue
        } else {
            Self::WordNgram
        }
    }
}

impl TermKind {
    /// A term as people read it: a character n-gram's word-boundary padding (a space) shows as
    /// `␣`, so `#ble␣` (a word ending in "ble") and `#ble` differ visibly; other terms as they are.
    ///
    /// ```
    /// use stance_features::TermKind;
    /// assert_eq!(TermKind::display("# tro"), "#␣tro");
    /// assert_eq!(TermKind::display("send troop"), "send troop");
    /// ```
    pub fn display(term: &str) -> String {
        match Self::of(term) {
            Self::CharNgram => term.replace(' ', "␣"),
            Self::WordNgram | Self::Cue => term.to_owned(),
        }
    }
}

impl std::fmt::Display for TermKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::WordNgram => "word n-gram",
            Self::CharNgram => "char n-gram",
            Self::Cue => "stance cue",
        })
    }
}

/// Turns text into the terms a [`crate::Featurizer`] counts, as a [`FeatureConfig`] says.
///
/// There is one term walk (normalise, tokenize, stem, then each extractor) with two kinds of
/// sink: strings (each term as text, optionally with its surface: training, explanations,
/// hashed features) and 64-bit term keys (the vocabulary featurizer's scoring path), where a
/// word n-gram's key is folded from its stems' keys and a character n-gram's from its
/// characters, so no term's text is ever built (see `crate::hash::term_key`, which gives a
/// term string's key the same way).
///
/// The walk allocates nothing per token or per term once its thread has warmed up: it works
/// in per-thread buffers, slices word n-grams out of one string of stems and character
/// n-grams out of one padded word, and stems through a bounded per-thread cache that also
/// keeps each stem's key (Snowball stemming is the slowest step, and the cache cannot change a
/// result: a stem depends only on the token and the language).
pub struct Analyzer {
    config: FeatureConfig,
    stemmer: Option<(Language, rust_stemmers::Stemmer)>,
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

/// The buffers of one term walk, kept per thread between walks.
#[derive(Default)]
struct Scratch {
    /// The normalised text.
    text: String,
    /// Non-ASCII text after apostrophe folding, before lowercasing.
    folded: String,
    /// Byte ranges of the tokens in `text`.
    tokens: Vec<(usize, usize)>,
    /// The stems, each followed by one space, so that any run of consecutive stems is a slice.
    stems: String,
    /// Byte range of each stem in `stems`.
    stem_ranges: Vec<(usize, usize)>,
    /// The key of each stem (`crate::hash::stem_key`).
    stem_keys: Vec<u64>,
    /// Whether some stem contains a space (then word n-gram keys are taken from the joined
    /// text, as `term_key` splits it).
    spaced_stem: bool,
    /// The stem cache probe of each token (`None` for one too long to be cached).
    probes: Vec<Option<Probe>>,
    /// The characters of `padded` as key items.
    codes: Vec<u64>,
    /// Rolling keys: of the n-gram starting at each position, for the current n.
    rolling: Vec<u64>,
    /// The term being emitted when it is not a slice of `stems`.
    term: String,
    /// The surface being emitted.
    surface: String,
    /// A token padded with a space at each end.
    padded: String,
    /// Byte offsets of the characters of `padded`, and its length.
    bounds: Vec<usize>,
}

thread_local! {
    /// Taken out for the length of one walk and put back after, so a walk started from inside
    /// another's callback gets fresh buffers instead of a borrow panic.
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
    static STEM_CACHE: std::cell::RefCell<Vec<StemCache>> = const { std::cell::RefCell::new(Vec::new()) };
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
            Stemmer::Snowball { language } => {
                Some((language, rust_stemmers::Stemmer::create(algorithm(language))))
            }
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
        let mut normalized = String::new();
        self.normalize_into(text, &mut normalized, &mut String::new());
        let mut ranges = Vec::new();
        crate::words::word_ranges(&normalized, &mut ranges);
        ranges.into_iter().map(|(from, to)| normalized[from..to].to_owned()).collect()
    }

    /// Writes the normalised `text` into `out` (`folded` is a work buffer).
    fn normalize_into(&self, text: &str, out: &mut String, folded: &mut String) {
        out.clear();
        if self.config.normalize.rewrites_text() {
            // The social-media options rewrite the text anyway; their pass allocates.
            let apostrophes: String = text.chars().map(fold_apostrophe).collect();
            out.push_str(&self.config.normalize.apply(&apostrophes, self.config.lowercase));
            return;
        }
        if text.is_ascii() {
            // No apostrophe to fold, and ASCII lowercasing is Unicode lowercasing here.
            out.push_str(text);
            if self.config.lowercase {
                out.make_ascii_lowercase();
            }
            return;
        }
        if !self.config.lowercase {
            out.extend(text.chars().map(fold_apostrophe));
            return;
        }
        // Lowercased a character at a time, as `str::to_lowercase` does everywhere but at a
        // capital sigma, whose lower case depends on its neighbours (final sigma).
        // ASCII runs are copied and lowercased whole.
        out.reserve(text.len());
        let mut rest = text;
        while !rest.is_empty() {
            let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
            let start = out.len();
            out.push_str(&rest[..ascii]);
            out[start..].make_ascii_lowercase();
            rest = &rest[ascii..];
            let Some(c) = rest.chars().next() else { break };
            rest = &rest[c.len_utf8()..];
            match fold_apostrophe(c) {
                'Σ' => {
                    folded.clear();
                    folded.extend(text.chars().map(fold_apostrophe));
                    out.clear();
                    out.push_str(&folded.to_lowercase());
                    return;
                }
                c => out.extend(c.to_lowercase()),
            }
        }
    }

    /// Stem of one token (the token itself without a stemmer).
    pub fn stem<'a>(&self, token: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.stemmer {
            Some((_, stemmer)) => stemmer.stem(token),
            None => std::borrow::Cow::Borrowed(token),
        }
    }

    /// Writes the key of the stem of every token of `scratch` to `scratch.stem_keys` and, if
    /// `texts`, the stem followed by a space to `scratch.stems`, through this thread's stem
    /// cache. A key walk needs no stem's text (unless a stem holds a space, which
    /// `scratch.spaced_stem` tells either way).
    fn stem_tokens(&self, scratch: &mut Scratch, texts: bool) {
        let Scratch { text, tokens, stems, stem_ranges, stem_keys, spaced_stem, probes, .. } = scratch;
        stems.clear();
        stem_ranges.clear();
        stem_keys.clear();
        *spaced_stem = false;
        let mut push = |stems: &mut String, stem: Option<&str>, key: u64, spaced: bool| {
            stem_keys.push(key);
            *spaced_stem |= spaced;
            if let Some(stem) = stem.filter(|_| texts) {
                let start = stems.len();
                stems.push_str(stem);
                stem_ranges.push((start, stems.len()));
                stems.push(' ');
            }
        };
        let Some((language, stemmer)) = &self.stemmer else {
            for &(start, end) in tokens.iter() {
                let token = &text[start..end];
                push(stems, Some(token), stem_key(token), token.as_bytes().contains(&b' '));
            }
            return;
        };
        STEM_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let position = match cache.iter().position(|c| c.language() == *language) {
                Some(position) => position,
                None => {
                    cache.push(StemCache::new(*language));
                    cache.len() - 1
                }
            };
            let cache = &mut cache[position];
            probes.clear();
            probes.extend(tokens.iter().map(|&(start, end)| Probe::of(&text[start..end])));
            // Every token's first slot read before any lookup, so that their misses overlap.
            let touched = probes.iter().flatten().fold(0, |acc, probe| acc ^ cache.touch(probe));
            std::hint::black_box(touched);
            for (&(start, end), probe) in tokens.iter().zip(probes.iter()) {
                let token = &text[start..end];
                if let Some(hit) = probe.as_ref().and_then(|probe| cache.get_probed(probe, token)) {
                    push(stems, texts.then(|| cache.stem(&hit)), hit.key, hit.spaced);
                    continue;
                }
                let stem = stemmer.stem(token);
                let key = stem_key(&stem);
                push(stems, Some(&stem), key, stem.as_bytes().contains(&b' '));
                cache.insert(token, &stem, key);
            }
        });
    }

    /// Calls `emit` once for every term occurrence in `text`: word n-grams of stems joined by
    /// a space, then character n-grams (prefixed with [`CHAR_NGRAM_PREFIX`]).
    pub fn for_each_term(&self, text: &str, mut emit: impl FnMut(&str)) {
        self.walk_terms(text, &mut Strings::<_, false>(|term: &str, _: &str| emit(term)));
    }

    /// Calls `emit` with the key (`crate::hash::term_key`) of every term occurrence of `text`
    /// that [`Analyzer::for_each_term`] would emit, in some order, without building the terms:
    /// the scoring path of a vocabulary featurizer.
    pub(crate) fn for_each_term_key(&self, text: &str, emit: impl FnMut(u64)) {
        self.walk_terms(text, &mut Keys(emit));
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
        self.walk_terms(text, &mut Strings::<_, true>(emit));
    }

    /// The one term walk behind the public methods and [`Analyzer::for_each_term_key`].
    #[inline(always)]
    fn walk_terms<S: Sink>(&self, text: &str, sink: &mut S) {
        let mut scratch = SCRATCH.take();
        scratch.surface.clear();
        self.normalize_into(text, &mut scratch.text, &mut scratch.folded);
        scratch.tokens.clear();
        crate::words::word_ranges(&scratch.text, &mut scratch.tokens);
        for extractor in &self.config.extractors {
            match extractor {
                Extractor::WordNgrams(range) => self.emit_word_ngrams(*range, &mut scratch, sink),
                Extractor::CharNgrams(range) => emit_char_ngrams(*range, &mut scratch, sink),
                cue_extractor => {
                    let words: Vec<&str> =
                        scratch.tokens.iter().map(|&(from, to)| &scratch.text[from..to]).collect();
                    let emit = |term: &str, surface: &str| match S::KEYS {
                        true => sink.key(cue_key(term)),
                        false => sink.term(term, surface),
                    };
                    match cue_extractor {
                        Extractor::StanceCues(cues) => cues.for_each_cue(&words, emit),
                        Extractor::Sentiment(lexicon) => lexicon.for_each_cue(&words, emit),
                        Extractor::WordNgrams(_) | Extractor::CharNgrams(_) => {}
                    }
                }
            }
        }
        SCRATCH.set(scratch);
    }

    /// Word n-grams of the stems of `scratch.tokens`, shortest first.
    #[inline(always)]
    fn emit_word_ngrams<S: Sink>(&self, range: NgramRange, scratch: &mut Scratch, sink: &mut S) {
        // Negation marking rewrites the stems' text.
        let texts = !S::KEYS || self.config.normalize.negation;
        self.stem_tokens(scratch, texts);
        if !texts && scratch.spaced_stem {
            // Such a stem's n-grams are keyed by their text (see below).
            self.stem_tokens(scratch, true);
        }
        if self.config.normalize.negation {
            mark_negation_in(scratch);
        }
        let Scratch { text, tokens, stems, stem_ranges, stem_keys, spaced_stem, surface, rolling, .. } =
            scratch;
        if S::KEYS && !*spaced_stem {
            // Keys folded from the stems' keys: the key of the n-gram at `start` extends the
            // (n-1)-gram's there by one stem.
            roll_keys(stem_keys, WORD_NGRAM_START, range, rolling, |key| sink.key(key));
            return;
        }
        // n-grams longer than the input give nothing; stopping there keeps a model file's
        // huge `max` from looping through every size up to it.
        for n in range.min..=range.max.min(stem_ranges.len()) {
            for start in 0..=stem_ranges.len() - n {
                // Stems are stored space-separated, so the n-gram is one slice.
                let term = &stems[stem_ranges[start].0..stem_ranges[start + n - 1].1];
                if S::KEYS {
                    // A stem with a space in it: the key as `term_key` reads the text.
                    sink.key(crate::hash::term_key(term));
                    continue;
                }
                if S::SURFACE {
                    surface.clear();
                    for (i, &(from, to)) in tokens[start..start + n].iter().enumerate() {
                        if i > 0 {
                            surface.push(' ');
                        }
                        surface.push_str(&text[from..to]);
                    }
                }
                sink.term(term, surface);
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

/// Where a term walk puts its terms: as strings ([`Strings`]) or as keys ([`Keys`]).
trait Sink {
    /// Whether the sink takes term keys ([`Sink::key`]) rather than strings ([`Sink::term`]).
    const KEYS: bool;
    /// Whether a string sink wants the surface of word n-grams (otherwise it is never built
    /// and an empty string is passed, so scoring pays nothing for explanations).
    const SURFACE: bool;
    /// A term and its surface (string sinks).
    fn term(&mut self, term: &str, surface: &str);
    /// A term's key (key sinks).
    fn key(&mut self, key: u64);
}

/// A sink of terms as strings, with their surfaces if `SURFACE`.
struct Strings<F, const SURFACE: bool>(F);

impl<F: FnMut(&str, &str), const SURFACE: bool> Sink for Strings<F, SURFACE> {
    const KEYS: bool = false;
    const SURFACE: bool = SURFACE;
    #[inline(always)]
    fn term(&mut self, term: &str, surface: &str) {
        (self.0)(term, surface)
    }
    fn key(&mut self, _: u64) {
        unreachable!("a string sink is given strings")
    }
}

/// A sink of term keys.
struct Keys<F>(F);

impl<F: FnMut(u64)> Sink for Keys<F> {
    const KEYS: bool = true;
    const SURFACE: bool = false;
    fn term(&mut self, _: &str, _: &str) {
        unreachable!("a key sink is given keys")
    }
    #[inline(always)]
    fn key(&mut self, key: u64) {
        (self.0)(key)
    }
}

/// Emits the key of every n-gram of `items` whose length is in `range`: the fold with
/// [`extend_key`] from `start` over the n-gram's items. `rolling` holds, for each start
/// position, the key of the n-gram of the current length there, so each longer n-gram costs
/// one step.
#[inline(always)]
fn roll_keys(
    items: &[u64],
    start: u64,
    range: NgramRange,
    rolling: &mut Vec<u64>,
    mut emit: impl FnMut(u64),
) {
    rolling.clear();
    rolling.resize(items.len(), start);
    for n in 1..=range.max.min(items.len()) {
        let keys = &mut rolling[..=items.len() - n];
        for (key, &item) in keys.iter_mut().zip(&items[n - 1..]) {
            *key = extend_key(*key, item);
        }
        if n >= range.min {
            keys.iter().for_each(|&key| emit(key));
        }
    }
}

/// Character n-grams of each token of `scratch.tokens`, padded with a space at each end.
#[inline(always)]
fn emit_char_ngrams<S: Sink>(range: NgramRange, scratch: &mut Scratch, sink: &mut S) {
    let Scratch { text, tokens, term, padded, bounds, codes, rolling, .. } = scratch;
    if S::KEYS {
        for &(from, to) in tokens.iter() {
            codes.clear();
            codes.push(u64::from(' '));
            codes.extend(text[from..to].chars().map(|c| u64::from(u32::from(c))));
            codes.push(u64::from(' '));
            roll_keys(codes, CHAR_NGRAM_START, range, rolling, |key| sink.key(key));
        }
        return;
    }
    for &(from, to) in tokens.iter() {
        let token = &text[from..to];
        padded.clear();
        padded.push(' ');
        padded.push_str(token);
        padded.push(' ');
        bounds.clear();
        bounds.extend(padded.char_indices().map(|(i, _)| i));
        let chars = bounds.len();
        bounds.push(padded.len());
        for n in range.min..=range.max.min(chars) {
            for start in 0..=chars - n {
                term.clear();
                term.push(CHAR_NGRAM_PREFIX);
                term.push_str(&padded[bounds[start]..bounds[start + n]]);
                sink.term(term, token);
            }
        }
    }
}

/// Typographic apostrophes as `'`, so "Russia’s" and "Russia's" agree.
fn fold_apostrophe(c: char) -> char {
    match c {
        '\u{2019}' | '\u{2018}' | '\u{00B4}' | '\u{02BC}' => '\'',
        other => other,
    }
}

/// Negation scope marking on the stems of `scratch` (stems line up with the UAX #29 words of
/// `scratch.text`, as [`crate::normalize::mark_negation`] expects). Only runs when the option is
/// on, so its allocations stay off the default path.
fn mark_negation_in(scratch: &mut Scratch) {
    let mut stems: Vec<String> =
        scratch.stem_ranges.iter().map(|&(from, to)| scratch.stems[from..to].to_owned()).collect();
    crate::normalize::mark_negation(&scratch.text, &mut stems);
    scratch.stems.clear();
    scratch.stem_ranges.clear();
    scratch.stem_keys.clear();
    for stem in &stems {
        let start = scratch.stems.len();
        scratch.stems.push_str(stem);
        scratch.stem_ranges.push((start, scratch.stems.len()));
        scratch.stem_keys.push(stem_key(stem));
        scratch.spaced_stem |= stem.contains(' ');
        scratch.stems.push(' ');
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
            extractors: crate::Extractor::ngrams(Some(NgramRange::new(1, 1)), None),
            ..Default::default()
        });
        assert_eq!(a.terms("troops deployed"), ["troops", "deployed"]);
    }

    #[test]
    fn char_ngrams_are_padded_within_words_and_prefixed() {
        let a = analyzer(FeatureConfig {
            extractors: crate::Extractor::ngrams(None, Some(NgramRange::new(2, 3))),
            ..Default::default()
        });
        assert_eq!(a.terms("Ab c"), ["# a", "#ab", "#b ", "# ab", "#ab ", "# c", "#c ", "# c "]);
    }

    #[test]
    fn longer_ngrams_than_tokens_give_nothing() {
        let a = analyzer(FeatureConfig::default().with_word_ngrams(Some(NgramRange::new(3, 3))));
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
            extractors: crate::Extractor::ngrams(None, Some(NgramRange::new(3, 3))),
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
            extractors: crate::Extractor::ngrams(Some(NgramRange::new(2, 2)), None),
            ..Default::default()
        });
        assert_eq!(a.terms_with_surface("NATO Troops"), pairs(&[("NATO Troops", "NATO Troops")]));
    }

    #[test]
    fn term_walk_with_surface_emits_exactly_the_scoring_terms() {
        let a = analyzer(FeatureConfig {
            extractors: crate::Extractor::ngrams(Some(NgramRange::new(1, 3)), Some(NgramRange::new(2, 5))),
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
            extractors: crate::Extractor::ngrams(
                Some(NgramRange::new(1, max)),
                Some(NgramRange::new(2, max)),
            ),
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

    #[test]
    fn cached_stems_are_the_stemmer_s() {
        let a = analyzer(FeatureConfig::default().with_word_ngrams(Some(NgramRange::new(1, 1))));
        let text = "Running runners ran; the Kremlin’s generalisations, naïvely RUNNING again";
        let expected: Vec<String> = a.tokens(text).iter().map(|t| a.stem(t).into_owned()).collect();
        // Cold cache, then warm cache, then from another thread (its own cache).
        assert_eq!(a.terms(text), expected);
        assert_eq!(a.terms(text), expected);
        assert_eq!(std::thread::scope(|s| s.spawn(|| a.terms(text)).join().unwrap()), expected);
        // Another language on the same thread keeps its own stems.
        let german = analyzer(FeatureConfig {
            stemmer: Stemmer::Snowball { language: Language::German },
            extractors: crate::Extractor::ngrams(Some(NgramRange::new(1, 1)), None),
            ..Default::default()
        });
        let expected_german: Vec<String> =
            german.tokens(text).iter().map(|t| german.stem(t).into_owned()).collect();
        assert_eq!(german.terms(text), expected_german);
        assert_eq!(a.terms(text), expected);
    }

    #[test]
    fn a_walk_inside_a_walk_gets_its_own_buffers() {
        let a = analyzer(FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 3))));
        let mut outer = Vec::new();
        let mut inner = Vec::new();
        a.for_each_term("Troops deployed", |term| {
            outer.push(term.to_owned());
            inner.push(a.terms("peacekeepers rejected"));
        });
        assert_eq!(outer, a.terms("Troops deployed"));
        assert!(inner.iter().all(|terms| *terms == a.terms("peacekeepers rejected")));
    }

    /// The keys of the key walk, sorted, and the keys of the string walk's terms, sorted.
    fn both_walks(a: &Analyzer, text: &str) -> (Vec<u64>, Vec<u64>) {
        let mut keys = Vec::new();
        a.for_each_term_key(text, |key| keys.push(key));
        keys.sort_unstable();
        let mut expected: Vec<u64> = a.terms(text).iter().map(|t| crate::hash::term_key(t)).collect();
        expected.sort_unstable();
        (keys, expected)
    }

    #[test]
    fn term_keys_are_the_keys_of_the_string_walk_s_terms() {
        let all = |word, char| crate::Extractor::ngrams(Some(word), Some(char));
        let mut cued = all(NgramRange::new(1, 3), NgramRange::new(2, 5));
        cued.push(crate::Extractor::StanceCues(crate::StanceCues::default()));
        let configs = [
            FeatureConfig::default(),
            FeatureConfig { extractors: cued.clone(), ..Default::default() },
            FeatureConfig {
                extractors: all(NgramRange::new(2, 2), NgramRange::new(3, 3)),
                stemmer: Stemmer::None,
                lowercase: false,
                ..Default::default()
            },
            FeatureConfig {
                extractors: cued,
                normalize: crate::Normalization { negation: true, numbers: true, ..Default::default() },
                ..Default::default()
            },
            FeatureConfig {
                extractors: all(NgramRange::new(1, usize::MAX), NgramRange::new(1, 64)),
                ..Default::default()
            },
        ];
        let texts = [
            "Lavrov said the deployment of Western peacekeepers is “completely unacceptable”.",
            "Britain is not ready to send 10,000 troops, nor would it; Zakharova’s warning — naïve?",
            "ΟΔΟΣ Кремль отверг идею 🙂 İstanbul",
            "one",
            "",
            " -- … ",
        ];
        for config in configs {
            let a = analyzer(config.clone());
            for text in texts {
                let (keys, expected) = both_walks(&a, text);
                assert_eq!(keys, expected, "{config:?} on {text:?}");
                // Warm cache, same keys.
                assert_eq!(both_walks(&a, text).0, expected);
            }
        }
    }

    #[test]
    fn a_stem_with_a_space_keys_word_ngrams_by_their_text() {
        // Unicode words never contain a space; a token range over one shows the fallback.
        let a = analyzer(FeatureConfig {
            stemmer: Stemmer::None,
            extractors: crate::Extractor::ngrams(Some(NgramRange::new(1, 2)), None),
            ..Default::default()
        });
        let walk = |keys: bool| {
            let mut scratch =
                Scratch { text: "a b c".into(), tokens: vec![(0, 3), (4, 5)], ..Default::default() };
            let mut out = Vec::new();
            if keys {
                a.emit_word_ngrams(NgramRange::new(1, 2), &mut scratch, &mut Keys(|key| out.push(key)));
            } else {
                let mut strings =
                    Strings::<_, false>(|term: &str, _: &str| out.push(crate::hash::term_key(term)));
                a.emit_word_ngrams(NgramRange::new(1, 2), &mut scratch, &mut strings);
            }
            assert!(scratch.spaced_stem);
            out.sort_unstable();
            out
        };
        assert_eq!(walk(true), walk(false));
        assert_eq!(walk(true).len(), 3);
    }

    #[test]
    fn non_ascii_lowercasing_is_unicode_lowercasing() {
        let a = analyzer(FeatureConfig { stemmer: Stemmer::None, ..Default::default() });
        // Final sigma depends on its position in the word.
        assert_eq!(a.tokens("ΟΔΟΣ ΣΟΦΟΣ İstanbul"), ["οδος", "σοφος", "i̇stanbul"]);
        assert_eq!(a.tokens("RUSSIA’S troops"), ["russia's", "troops"]);
    }

    proptest::proptest! {
        #[test]
        fn normalised_text_is_the_folded_text_lowercased(text in "[a-zA-Z ’‘´ʼ'ÉéΣσİÅẞ\u{130}\u{1f600}\u{301}]{0,30}") {
            let a = analyzer(FeatureConfig::default());
            let (mut out, mut folded) = (String::from("stale"), String::new());
            a.normalize_into(&text, &mut out, &mut folded);
            let expected = text.chars().map(fold_apostrophe).collect::<String>().to_lowercase();
            proptest::prop_assert_eq!(out, expected);
        }
    }
}
