//! Optional text normalisation for social-media text (tweets, comments): URL, user-mention and
//! number folding, hashtag splitting or stripping, elongation folding, and negation scope
//! marking.
//!
//! Every option is off by default and lives in [`Normalization`], part of the serialized
//! [`crate::FeatureConfig`], so a model normalizes at inference exactly as it did in training.
//!
//! # Placeholders
//!
//! Folded URLs, mentions and numbers become the tokens [`URL_TOKEN`] (`_URL_`), [`USER_TOKEN`]
//! (`_USER_`) and [`NUM_TOKEN`] (`_NUM_`), and negated word features get the suffix
//! [`NEGATION_SUFFIX`] (`_NEG`). They are chosen so that no real word can turn into them:
//!
//! - they are written in capitals *after* lowercasing, so with lowercasing on (the default) no
//!   token of the input can ever equal them; with `lowercase: false` the underscores still keep
//!   them apart from ordinary words (a text would have to spell out `_URL_` itself);
//! - `_` joins letters inside one Unicode (UAX #29) word, so each placeholder stays one token, and
//!   each is padded with spaces so it never merges with a neighbouring word (`see:_URL_`);
//! - the Snowball stemmers leave them unchanged (no lowercase vowels), and the negation suffix is
//!   appended *after* stemming, so `likes` → `like` → `like_NEG`.
//!
//! # What sees what
//!
//! Text-level options (URLs, mentions, numbers, hashtags, elongation) rewrite the text before
//! tokenizing, so word *and* character n-grams see the result. Negation marking is applied to
//! the stems that word n-grams are built from only: character n-grams are cut from the unmarked
//! tokens, so `good` gives the same character n-grams negated or not.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::FeatureError;

/// The token a folded URL becomes.
pub const URL_TOKEN: &str = "_URL_";
/// The token a folded user mention (`@someone`) becomes.
pub const USER_TOKEN: &str = "_USER_";
/// The token a folded number (`2024`, `1,000`, `3.5`) becomes.
pub const NUM_TOKEN: &str = "_NUM_";
/// Appended to the stem of every word inside a negation scope.
pub const NEGATION_SUFFIX: &str = "_NEG";

/// What to do with hashtags (`#` followed by letters, digits or `_`, with at least one letter,
/// and not glued to a preceding word: `C#` is no hashtag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Hashtags {
    /// Leave them as they are (the tokenizer drops the `#`: `#StopTheWar` → `stopthewar`).
    #[default]
    Keep,
    /// Split into words at `_`, lowercase→uppercase, acronym→word and letter↔digit boundaries:
    /// `#StopTheWar` → `stop the war`, `#NoWar2024` → `no war 2024`. An all-lowercase tag
    /// cannot be split without a dictionary and stays one word.
    Split,
    /// Remove every hashtag.
    Strip,
}

/// Text normalisation options, all off by default (see the [module docs](self)).
///
/// ```
/// use stance_features::{Analyzer, FeatureConfig, Hashtags, Normalization};
/// let normalize = Normalization {
///     urls: true,
///     mentions: true,
///     hashtags: Hashtags::Split,
///     negation: true,
///     ..Default::default()
/// };
/// let analyzer = Analyzer::new(FeatureConfig { normalize, ..Default::default() }).unwrap();
/// assert_eq!(
///     analyzer.tokens("@NATO don't send troops #StopTheWar https://t.co/x"),
///     ["_USER_", "don't", "send", "troops", "stop", "the", "war", "_URL_"]
/// );
/// assert!(analyzer.terms("don't send troops").contains(&"troop_NEG".to_owned()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Normalization {
    /// `http://…`, `https://…` and `www.…` become [`URL_TOKEN`]. Trailing punctuation
    /// (`.`, `,`, `)` without its `(`, quotes, `…`) is left outside the URL.
    pub urls: bool,
    /// `@name` (not glued to a preceding word, so e-mail addresses stay) becomes [`USER_TOKEN`].
    pub mentions: bool,
    /// Stand-alone numbers (`2024`, `1,000`, `3.5`, `50` of `50%`) become [`NUM_TOKEN`]. Digits
    /// glued to letters (`covid19`, `G7`, `5pm`, `1990s`) are names or units and stay.
    pub numbers: bool,
    /// Hashtag handling.
    pub hashtags: Hashtags,
    /// Hashtags removed whatever [`Normalization::hashtags`] says, compared without the `#` and
    /// case-insensitively (e.g. `SemST`, the artificial tag ending every SemEval-2016 tweet).
    pub strip_tags: Vec<String>,
    /// Three or more repeats of one letter become two: `soooo` → `soo` (still apart from `so`).
    /// Digits (`1000`) and punctuation (`!!!!`, which never becomes a feature) are left alone.
    pub elongation: bool,
    /// After a negator (`not`, `no`, `never`, `cannot`, `nobody`, `nothing`, `nowhere`,
    /// `neither`, `nor`, `none`, any word ending in `n't` such as `don't`, and the apostrophe-less
    /// `dont`, `isnt`, `cant`, `wont`, …), the stems of the following words get
    /// [`NEGATION_SUFFIX`] until the next `.`, `,`, `:`, `;`, `!` or `?` (Das & Chen 2001;
    /// Pang, Lee & Vaithyanathan 2002). Word n-grams only; character n-grams never see the mark.
    pub negation: bool,
}

/// Negators without `n't` (those are caught by their ending), sorted for binary search. `cant`
/// and `wont` are also rare English words, but in tweets they are nearly always `can't`/`won't`.
const NEGATORS: [&str; 28] = [
    "aint", "arent", "cannot", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent",
    "isnt", "mustnt", "neednt", "neither", "never", "no", "nobody", "none", "nor", "not", "nothing",
    "nowhere", "shouldnt", "wasnt", "werent", "wont", "wouldnt",
];

/// Punctuation that ends a negation scope.
const CLAUSE_PUNCTUATION: [char; 6] = ['.', ',', ':', ';', '!', '?'];

impl Normalization {
    /// True when every option is off: the config then serializes without a `normalize` field,
    /// byte for byte as before these options existed.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// True when some option rewrites the text before tokenizing (all but negation).
    pub fn rewrites_text(&self) -> bool {
        self.urls
            || self.mentions
            || self.numbers
            || self.elongation
            || self.hashtags != Hashtags::Keep
            || !self.strip_tags.is_empty()
    }

    /// Checks that every tag to strip is a hashtag body: non-empty, letters, digits and `_`
    /// only, without the `#`.
    pub fn check(&self) -> Result<(), FeatureError> {
        for tag in &self.strip_tags {
            if tag.is_empty() || !tag.chars().all(is_word_char) {
                return Err(FeatureError::InvalidStripTag(tag.clone()));
            }
        }
        Ok(())
    }

    /// Rewrites `text` as the text-level options say, lowercasing it if `lowercase` is set (the
    /// placeholders are written after lowercasing, so they keep their capitals). Hashtags are
    /// split before lowercasing, since their capitals mark the word boundaries.
    pub fn apply(&self, text: &str, lowercase: bool) -> String {
        let mut out = Writer::new(text.len(), lowercase, self.elongation);
        let mut prev: Option<char> = None;
        let mut i = 0;
        while let Some(c) = text[i..].chars().next() {
            let rest = &text[i..];
            // Every special form starts a word: `a@b.c` is an e-mail, `C#` a language name,
            // `covid19` a name.
            if !prev.is_some_and(is_word_char) {
                if let Some(len) = url_len(rest) {
                    // URLs are recognised even when not folded, so that their `@`, `#` and
                    // digits are not taken for mentions, hashtags and numbers.
                    if self.urls {
                        out.placeholder(URL_TOKEN);
                    } else {
                        out.verbatim(&rest[..len]);
                    }
                    prev = rest[..len].chars().next_back();
                    i += len;
                    continue;
                }
                if c == '@' && self.mentions {
                    let len = word_len(&rest[1..]);
                    if len > 0 {
                        out.placeholder(USER_TOKEN);
                        prev = rest[..1 + len].chars().next_back();
                        i += 1 + len;
                        continue;
                    }
                }
                if c == '#' {
                    let body = &rest[1..1 + word_len(&rest[1..])];
                    if body.chars().any(char::is_alphabetic) && self.hashtag(body, &mut out) {
                        prev = body.chars().next_back();
                        i += 1 + body.len();
                        continue;
                    }
                }
                if self.numbers && c.is_ascii_digit() {
                    if let Some(len) = number_len(rest) {
                        out.placeholder(NUM_TOKEN);
                        prev = rest[..len].chars().next_back();
                        i += len;
                        continue;
                    }
                }
            }
            out.text(c);
            prev = Some(c);
            i += c.len_utf8();
        }
        out.finish()
    }

    /// Writes what hashtag `#body` becomes; false when it stays as it is (`keep`).
    fn hashtag(&self, body: &str, out: &mut Writer) -> bool {
        let stripped =
            self.hashtags == Hashtags::Strip || self.strip_tags.iter().any(|tag| eq_ignore_case(tag, body));
        if stripped {
            out.text(' ');
            return true;
        }
        if self.hashtags != Hashtags::Split {
            return false;
        }
        out.text(' ');
        split_hashtag(body, |word| {
            if self.numbers && word.chars().all(|c| c.is_ascii_digit()) {
                out.placeholder(NUM_TOKEN);
            } else {
                word.chars().for_each(|c| out.text(c));
                out.text(' ');
            }
        });
        true
    }
}

/// Builds the normalised text. Ordinary text collects in `run` and is lowercased a run at a time
/// (`str::to_lowercase` needs context for the Greek final sigma), placeholders go straight to
/// `out` so they keep their capitals.
struct Writer {
    out: String,
    run: String,
    lowercase: bool,
    elongation: bool,
    /// The last letter written and how many times in a row it came.
    last: Option<char>,
    repeats: usize,
}

impl Writer {
    fn new(capacity: usize, lowercase: bool, elongation: bool) -> Self {
        Self {
            out: String::with_capacity(capacity + 16),
            run: String::new(),
            lowercase,
            elongation,
            last: None,
            repeats: 0,
        }
    }

    fn text(&mut self, c: char) {
        if self.elongation && c.is_alphabetic() {
            if self.last.is_some_and(|last| same_letter(last, c)) {
                self.repeats += 1;
                if self.repeats > 2 {
                    return;
                }
            } else {
                self.last = Some(c);
                self.repeats = 1;
            }
        } else {
            self.last = None;
        }
        self.run.push(c);
    }

    /// Text kept exactly (apart from lowercasing): a URL that is not folded.
    fn verbatim(&mut self, text: &str) {
        self.run.push_str(text);
        self.last = None;
    }

    fn placeholder(&mut self, token: &str) {
        self.run.push(' ');
        self.flush();
        self.out.push_str(token);
        self.out.push(' ');
        self.last = None;
    }

    fn flush(&mut self) {
        if self.lowercase {
            self.out.push_str(&self.run.to_lowercase());
        } else {
            self.out.push_str(&self.run);
        }
        self.run.clear();
    }

    fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn same_letter(a: char, b: char) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b || a.to_lowercase().eq(b.to_lowercase())
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// Byte length of the run of word characters `text` starts with.
fn word_len(text: &str) -> usize {
    text.find(|c: char| !is_word_char(c)).unwrap_or(text.len())
}

/// Byte length of the URL `text` starts with, if it starts with one.
fn url_len(text: &str) -> Option<usize> {
    if !matches!(text.as_bytes().first(), Some(b'h' | b'H' | b'w' | b'W')) {
        return None;
    }
    let prefix = ["https://", "http://", "www."]
        .into_iter()
        .find(|p| text.get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p)))?;
    let end = text.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(text.len());
    let mut url = &text[..end];
    // Punctuation that ends the sentence or closes a bracket or quote around the URL is not
    // part of it; a `)` is, when the URL opened it (Wikipedia-style `Foo_(bar)`).
    while let Some(last) = url.chars().next_back() {
        let trailing = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '”' | '’' | '…' | ']' | '}' | '*' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            _ => false,
        };
        if !trailing {
            break;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
    (url.len() > prefix.len()).then_some(url.len())
}

/// Byte length of the number `text` starts with (ASCII digits, with `.` or `,` between digit
/// groups), unless the number runs on into a word (`5pm`, `1990s`).
fn number_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut len = digits(0);
    while len + 1 < bytes.len() && matches!(bytes[len], b'.' | b',') && bytes[len + 1].is_ascii_digit() {
        len += 1 + digits(len + 1);
    }
    match text[len..].chars().next() {
        Some(next) if is_word_char(next) => None,
        _ => Some(len),
    }
}

/// Calls `word` for each word of a hashtag body, in order.
fn split_hashtag<'a>(body: &'a str, mut word: impl FnMut(&'a str)) {
    for part in body.split('_').filter(|part| !part.is_empty()) {
        let mut start = 0;
        let mut chars = part.char_indices().peekable();
        let mut prev: Option<char> = None;
        while let Some((at, c)) = chars.next() {
            if let Some(p) = prev {
                let next = chars.peek().map(|&(_, n)| n);
                let cut = (p.is_lowercase() && c.is_uppercase())
                    // The last capital of an acronym starts the next word: NATOSummit.
                    || (p.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase))
                    || (p.is_numeric() != c.is_numeric());
                if cut {
                    word(&part[start..at]);
                    start = at;
                }
            }
            prev = Some(c);
        }
        word(&part[start..]);
    }
}

/// Appends [`NEGATION_SUFFIX`] to the stems inside negation scopes. `normalized` is the text the
/// tokens were cut from, and `stems` holds one stem per token: its UAX #29 word segments, the
/// ones with a letter or digit, exactly what `unicode_words` yields. The segments in between
/// carry the punctuation that ends a scope.
pub(crate) fn mark_negation(normalized: &str, stems: &mut [String]) {
    let mut stems = stems.iter_mut();
    let mut negated = false;
    for segment in normalized.split_word_bounds() {
        if segment.chars().any(char::is_alphanumeric) {
            let Some(stem) = stems.next() else { return };
            if is_negator(segment) {
                negated = true;
            } else if negated {
                stem.push_str(NEGATION_SUFFIX);
            }
        } else if segment.contains(CLAUSE_PUNCTUATION) {
            negated = false;
        }
    }
}

fn is_negator(token: &str) -> bool {
    let token: Cow<str> = if token.chars().any(char::is_uppercase) {
        Cow::Owned(token.to_lowercase())
    } else {
        Cow::Borrowed(token)
    };
    token.ends_with("n't") || NEGATORS.binary_search(&token.as_ref()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(set: impl FnOnce(&mut Normalization)) -> Normalization {
        let mut n = Normalization::default();
        set(&mut n);
        n
    }

    /// The normalised text's UAX #29 words, as the analyzer tokenizes it.
    fn words(n: &Normalization, text: &str) -> Vec<String> {
        n.apply(text, true).unicode_words().map(str::to_owned).collect()
    }

    #[test]
    fn negators_are_sorted_for_binary_search() {
        assert!(NEGATORS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn urls_fold_to_one_token_and_leave_sentence_punctuation_outside() {
        let n = only(|n| n.urls = true);
        assert_eq!(n.apply("See https://t.co/AbC12.", true), "see  _URL_ .");
        assert_eq!(
            words(&n, "Read HTTP://Example.com/a?b=1#frag, then www.bbc.co.uk!"),
            ["read", "_URL_", "then", "_URL_"]
        );
        assert_eq!(words(&n, "(https://en.wikipedia.org/wiki/Foo_(bar))"), ["_URL_"]);
        assert_eq!(words(&n, "link:https://x.org/p “https://y.org”"), ["link", "_URL_", "_URL_"]);
        // Not URLs: a bare scheme, `www.` inside a word, a mid-word `http://`.
        assert_eq!(words(&n, "http:// awww.cute xhttp://a"), ["http", "awww.cute", "xhttp", "a"]);
    }

    #[test]
    fn mentions_fold_but_email_addresses_stay() {
        let n = only(|n| n.mentions = true);
        assert_eq!(words(&n, "@NATO_int: thanks @bob."), ["_USER_", "thanks", "_USER_"]);
        assert_eq!(words(&n, "mail me@example.com or @ noon"), ["mail", "me", "example.com", "or", "noon"]);
    }

    #[test]
    fn urls_are_never_cut_into_mentions_hashtags_or_numbers() {
        let n = only(|n| {
            n.mentions = true;
            n.numbers = true;
            n.hashtags = Hashtags::Strip;
        });
        let url = "https://medium.com/@user/#/post-2024";
        assert_eq!(n.apply(url, false), url);
    }

    #[test]
    fn stand_alone_numbers_fold_and_glued_ones_stay() {
        let n = only(|n| n.numbers = true);
        assert_eq!(
            words(&n, "In 2024, 1,000 troops (3.5%) left."),
            ["in", "_NUM_", "_NUM_", "troops", "_NUM_", "left"]
        );
        assert_eq!(words(&n, "covid19 G7 5pm 1990s"), ["covid19", "g7", "5pm", "1990s"]);
        assert_eq!(words(&n, "2024-12-30: 3."), ["_NUM_", "_NUM_", "_NUM_", "_NUM_"]);
    }

    #[test]
    fn hashtags_split_at_case_underscore_and_digit_boundaries() {
        let n = only(|n| n.hashtags = Hashtags::Split);
        assert_eq!(words(&n, "#StopTheWar now"), ["stop", "the", "war", "now"]);
        assert_eq!(words(&n, "#climate_change"), ["climate", "change"]);
        assert_eq!(words(&n, "#NoWar2024"), ["no", "war", "2024"]);
        assert_eq!(words(&n, "#NATOSummit #peacekeepers"), ["nato", "summit", "peacekeepers"]);
        // No hashtags: glued to a word, or digits only.
        assert_eq!(words(&n, "C#Rocks #1"), ["c", "rocks", "1"]);
        let with_numbers = only(|n| {
            n.hashtags = Hashtags::Split;
            n.numbers = true;
        });
        assert_eq!(words(&with_numbers, "#NoWar2024"), ["no", "war", "_NUM_"]);
        // Without lowercasing the words keep their case.
        assert_eq!(
            n.apply("#StopTheWar", false).split_whitespace().collect::<Vec<_>>(),
            ["Stop", "The", "War"]
        );
    }

    #[test]
    fn hashtags_can_be_kept_or_stripped() {
        let keep = Normalization { urls: true, ..Default::default() };
        assert_eq!(words(&keep, "#StopTheWar"), ["stopthewar"]);
        let strip = only(|n| n.hashtags = Hashtags::Strip);
        assert_eq!(words(&strip, "Troops out #StopTheWar #SemST"), ["troops", "out"]);
    }

    #[test]
    fn listed_tags_are_stripped_case_insensitively_in_every_mode() {
        for hashtags in [Hashtags::Keep, Hashtags::Split] {
            let n = only(|n| {
                n.hashtags = hashtags;
                n.strip_tags = vec!["SemST".into()];
            });
            assert_eq!(words(&n, "Go #semst #SEMST #SemST"), ["go"], "{hashtags:?}");
            assert_eq!(words(&n, "#semstx"), ["semstx"], "only the whole tag matches");
        }
    }

    #[test]
    fn elongated_letters_fold_to_two() {
        let n = only(|n| n.elongation = true);
        assert_eq!(n.apply("Soooo goooood!!!! 1000000 aaa", true), "soo good!!!! 1000000 aa");
        assert_eq!(n.apply("SOOOooo", false), "SOO");
        assert_eq!(n.apply("so too", true), "so too");
    }

    #[test]
    fn placeholders_keep_their_capitals_without_lowercasing_too() {
        let n = only(|n| {
            n.urls = true;
            n.mentions = true;
            n.numbers = true;
        });
        assert_eq!(n.apply("ΟΔΟΣ @X 12 www.a.b", true), "οδο\u{3c2}  _USER_   _NUM_   _URL_ ");
        assert_eq!(n.apply("NATO @X", false), "NATO  _USER_ ");
    }

    #[test]
    fn placeholders_survive_tokenizing_and_stemming() {
        let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
        for token in [URL_TOKEN, USER_TOKEN, NUM_TOKEN] {
            assert_eq!(token.unicode_words().collect::<Vec<_>>(), [token]);
            assert_eq!(stemmer.stem(token), token);
            assert_ne!(token.to_lowercase(), token, "a lowercased text cannot contain {token}");
        }
    }

    fn marked(text: &str) -> Vec<String> {
        let mut stems: Vec<String> = text.unicode_words().map(str::to_owned).collect();
        mark_negation(text, &mut stems);
        stems
    }

    #[test]
    fn negation_marks_words_until_clause_punctuation() {
        assert_eq!(
            marked("i do not like it, but fine"),
            ["i", "do", "not", "like_NEG", "it_NEG", "but", "fine"]
        );
        assert_eq!(marked("never again! ok"), ["never", "again_NEG", "ok"]);
        assert_eq!(marked("no troops; no war? yes"), ["no", "troops_NEG", "no", "war_NEG", "yes"]);
        // Decimal points and thousands separators are inside a word and end nothing.
        assert_eq!(marked("not 3.5 or 1,000 more"), ["not", "3.5_NEG", "or_NEG", "1,000_NEG", "more_NEG"]);
    }

    #[test]
    fn negation_knows_contractions_with_and_without_apostrophe() {
        for negator in ["don't", "isn't", "won't", "can't", "n't", "dont", "cant", "cannot", "Nobody", "NOR"]
        {
            assert_eq!(marked(&format!("{negator} send troops.")), [negator, "send_NEG", "troops_NEG"]);
        }
        for other in ["know", "note", "nothin", "on"] {
            assert_eq!(marked(&format!("{other} send")), [other, "send"]);
        }
    }

    #[test]
    fn analyzer_marks_negated_word_ngrams_but_not_char_ngrams() {
        use crate::{Analyzer, FeatureConfig, NgramRange, TermKind};
        let analyzer = |negation| {
            let normalize = Normalization { negation, urls: true, ..Default::default() };
            let char_ngrams = Some(NgramRange::new(3, 3));
            Analyzer::new(FeatureConfig { normalize, ..Default::default() }.with_char_ngrams(char_ngrams))
                .unwrap()
        };
        let text = "We don’t like peacekeepers https://t.co/x. Fine";
        let on = analyzer(true).terms_with_surface(text);
        let has = |term: &str, surface: &str| on.iter().any(|(t, s)| t == term && s == surface);
        assert!(has("like_NEG", "like"), "{on:?}");
        assert!(has("peacekeep_NEG", "peacekeepers"), "{on:?}");
        assert!(has("_URL__NEG", "_URL_"), "{on:?}");
        assert!(has("like_NEG peacekeep_NEG", "like peacekeepers"), "{on:?}");
        assert!(has("fine", "fine") && has("we", "we"), "{on:?}");
        let chars = |terms: Vec<(String, String)>| -> Vec<(String, String)> {
            terms.into_iter().filter(|(t, _)| TermKind::of(t) == TermKind::CharNgram).collect()
        };
        let off = analyzer(false).terms_with_surface(text);
        assert_eq!(chars(on.clone()), chars(off));
        assert!(!chars(on).iter().any(|(t, _)| t.contains("NEG")));
    }

    /// Tweet-like text: words, the starts of every special form, punctuation and any character.
    fn tweetish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(
            prop_oneof![
                "[A-Za-z]{1,6}",
                "[0-9]{1,4}",
                Just("https://t.co/x".to_owned()),
                Just("www.".to_owned()),
                Just("http://".to_owned()),
                Just("@".to_owned()),
                Just("#".to_owned()),
                Just("_".to_owned()),
                Just("(".to_owned()),
                Just(")".to_owned()),
                "[ .,!?;:]",
                "\\PC",
            ],
            0..30,
        )
        .prop_map(|parts| parts.concat())
    }

    fn everything() -> Normalization {
        Normalization {
            urls: true,
            mentions: true,
            numbers: true,
            hashtags: Hashtags::Split,
            strip_tags: vec!["SemST".into()],
            elongation: true,
            negation: true,
        }
    }

    proptest::proptest! {
        #[test]
        fn off_is_plain_lowercasing(text in tweetish()) {
            proptest::prop_assert_eq!(Normalization::default().apply(&text, true), text.to_lowercase());
            proptest::prop_assert_eq!(Normalization::default().apply(&text, false), text);
        }

        #[test]
        fn after_lowercasing_only_placeholders_have_capitals(text in tweetish()) {
            for hashtags in [Hashtags::Keep, Hashtags::Split, Hashtags::Strip] {
                let n = Normalization { hashtags, ..everything() };
                let normalized = n.apply(&text, true);
                for word in normalized.unicode_words() {
                    if word.chars().any(|c| c.is_ascii_uppercase()) {
                        proptest::prop_assert!([URL_TOKEN, USER_TOKEN, NUM_TOKEN].contains(&word), "{word:?} in {normalized:?}");
                    }
                }
                let mut stems: Vec<String> = normalized.unicode_words().map(str::to_owned).collect();
                let count = stems.len();
                mark_negation(&normalized, &mut stems);
                proptest::prop_assert_eq!(stems.len(), count);
            }
        }
    }

    #[test]
    fn default_is_off_and_check_rejects_bad_tags() {
        assert!(Normalization::default().is_default());
        assert!(!Normalization::default().rewrites_text());
        assert!(!only(|n| n.negation = true).rewrites_text());
        assert!(only(|n| n.strip_tags = vec!["x".into()]).rewrites_text());
        for bad in ["", "#SemST", "two words"] {
            let n = only(|n| n.strip_tags = vec![bad.into()]);
            assert_eq!(n.check(), Err(FeatureError::InvalidStripTag(bad.into())));
        }
        assert!(only(|n| n.strip_tags = vec!["Sem_ST2016".into()]).check().is_ok());
    }

    #[test]
    fn options_serialize_tagged_and_missing_fields_default() {
        let n = Normalization {
            urls: true,
            hashtags: Hashtags::Split,
            strip_tags: vec!["SemST".into()],
            ..Default::default()
        };
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(
            json,
            r#"{"urls":true,"mentions":false,"numbers":false,"hashtags":{"type":"split"},"strip_tags":["SemST"],"elongation":false,"negation":false}"#
        );
        assert_eq!(serde_json::from_str::<Normalization>(&json).unwrap(), n);
        let partial: Normalization = serde_json::from_str(r#"{"negation":true}"#).unwrap();
        assert_eq!(partial, only(|n| n.negation = true));
        assert!(serde_json::from_str::<Normalization>(r#"{"emoji":true}"#).is_err());
    }
}
