//! The closed word lists the rules use: reporting verbs, titles, bodies of government,
//! organisation words, function words. Lower case.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// Verbs that report a position when their subject is a holder ("Lavrov said", "said Peskov").
pub(crate) static SPEECH_VERBS: WordList = WordList::new(&[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adds",
    "stated",
    "states",
    "warned",
    "warns",
    "stressed",
    "stresses",
    "noted",
    "notes",
    "insisted",
    "insists",
    "argued",
    "argues",
    "claimed",
    "claims",
    "announced",
    "announces",
    "confirmed",
    "confirms",
    "declared",
    "declares",
    "reiterated",
    "reiterates",
    "rejected",
    "rejects",
    "dismissed",
    "dismisses",
    "decried",
    "decries",
    "called",
    "calls",
    "described",
    "describes",
    "welcomed",
    "welcomes",
    "offered",
    "offers",
    "backed",
    "backs",
    "signed",
    "pledged",
    "pledges",
    "estimated",
    "opposed",
    "opposes",
    "urged",
    "urges",
    "vowed",
    "vows",
    "accused",
    "refused",
    "refuses",
    "refrained",
    "reaffirmed",
    "reaffirms",
    "questioned",
    "wrote",
    "writes",
    "believes",
    "sees",
    "ruled",
    "rules",
    "promised",
    "proposed",
    "proposes",
    "suggested",
    "floated",
    "explained",
    "emphasised",
    "emphasized",
    "indicated",
    "replied",
    "asserted",
    "cautioned",
    "threatened",
    "criticised",
    "criticized",
    "condemned",
    "praised",
    "supported",
    "supports",
    "approved",
    "approves",
    "weighs",
    "considers",
    "agreed",
    "admitted",
    "acknowledged",
    "recalled",
    "predicted",
    "demanded",
    "demands",
    "ruled",
    "blocked",
    "vetoed",
]);

/// Words allowed between a holder and its reporting verb ("Lavrov has previously said").
pub(crate) static BETWEEN_SUBJECT_AND_VERB: WordList = WordList::new(&[
    "has",
    "have",
    "had",
    "also",
    "previously",
    "repeatedly",
    "later",
    "again",
    "earlier",
    "already",
    "reportedly",
    "then",
    "long",
    "on",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "yesterday",
    "publicly",
    "firmly",
    "swiftly",
    "once",
    "would",
    "will",
]);

/// Titles of a person ("Foreign Minister", "spokeswoman"); before a name they are modifiers,
/// alone ("the minister said") they refer back to a person.
pub(crate) static PERSON_TITLES: WordList = WordList::new(&[
    "president",
    "president-elect",
    "minister",
    "chancellor",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "envoy",
    "secretary",
    "leader",
    "premier",
    "sir",
    "ambassador",
    "king",
    "queen",
    "senator",
    "general",
    "commissioner",
    "adviser",
    "advisor",
    "diplomat",
    "colonel",
    "mayor",
    "lawmaker",
    "deputy",
    "chairman",
    "chairwoman",
    "speaker",
    "mp",
    "governor",
    "head",
]);

/// Words that qualify a title or a body ("Foreign Minister", "prime minister's office").
pub(crate) static TITLE_QUALIFIERS: WordList = WordList::new(&[
    "foreign",
    "defence",
    "defense",
    "prime",
    "finance",
    "interior",
    "national",
    "security",
    "top",
    "senior",
    "chief",
    "vice",
    "state",
    "former",
    "acting",
    "opposition",
    "main",
    "affairs",
    "special",
    "presidential",
    "intelligence",
    "armed",
    "federal",
    "supreme",
    "cabinet",
    "government",
    "deputy",
    "us",
    "of",
    "russian-backed",
]);

/// Bodies of a state: with a country ("Russian embassy", "Romania's council") they are the
/// country; alone ("the council said") they refer back to the last holder's country.
pub(crate) static BODIES: WordList = WordList::new(&[
    "government",
    "cabinet",
    "ministry",
    "embassy",
    "parliament",
    "council",
    "office",
    "officials",
    "official",
    "sources",
    "authorities",
    "army",
    "forces",
    "administration",
    "diplomats",
    "delegation",
    "legislature",
    "kremlin",
]);

/// Words of an organisation's name: a capitalised span with one is no person.
pub(crate) static ORGANISATION_WORDS: WordList = WordList::new(&[
    "party",
    "alliance",
    "bloc",
    "movement",
    "council",
    "service",
    "forces",
    "agency",
    "union",
    "front",
    "network",
    "museum",
    "press",
    "post",
    "times",
    "television",
    "fleet",
    "ministry",
    "coalition",
    "league",
    "assembly",
    "committee",
    "institute",
    "organisation",
    "organization",
    "bank",
    "fund",
    "news",
    "group",
    "office",
    "house",
    "street",
    "university",
    "army",
    "navy",
    "guard",
    "court",
    "commission",
    "parliament",
    "government",
    "republic",
    "federation",
    "kingdom",
    "states",
    "nations",
    "telegram",
    "centre",
    "center",
    "foundation",
    "association",
    "corporation",
    "company",
    "club",
]);

/// Capitalised words that never start a name: function words, months, weekdays, headings
/// (and the [`ADJUNCT_STARTS`]).
pub(crate) static NOT_NAMES: WordList = WordList::new(&[
    "the",
    "a",
    "an",
    "with",
    "for",
    "and",
    "or",
    "if",
    "this",
    "that",
    "these",
    "those",
    "there",
    "it",
    "its",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "our",
    "their",
    "his",
    "her",
    "my",
    "your",
    "not",
    "no",
    "yes",
    "yeah",
    "of",
    "to",
    "from",
    "by",
    "any",
    "all",
    "some",
    "every",
    "each",
    "both",
    "neither",
    "nor",
    "other",
    "others",
    "such",
    "what",
    "who",
    "which",
    "why",
    "how",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "western",
    "european",
    "europe",
    "nordic",
    "read",
    "more",
    "advertisement",
    "homepage",
    "war",
    "opinion",
    "explainer",
    "photo",
    "pool",
    "is",
    "are",
    "was",
    "were",
    "will",
    "would",
    "can",
    "could",
    "should",
    "must",
    "of course",
    "russia-ukraine",
    "one",
    "two",
    "three",
    "several",
    "many",
    "most",
    "much",
    "so",
    "then",
    "now",
    "here",
    "even",
    "only",
    "just",
    "again",
    "than",
    "about",
    "into",
    "over",
    "against",
]);

/// Starts of a leading adjunct ("Speaking in Paris, Zelensky said"): the main clause begins
/// after its comma.
pub(crate) static ADJUNCT_STARTS: WordList = WordList::new(&[
    "in",
    "at",
    "on",
    "after",
    "as",
    "following",
    "speaking",
    "asked",
    "meeting",
    "back",
    "according",
    "however",
    "meanwhile",
    "during",
    "before",
    "when",
    "while",
    "since",
    "despite",
    "under",
    "addressing",
    "writing",
    "responding",
    "earlier",
    "later",
    "last",
    "yesterday",
    "today",
    "separately",
    "still",
    "instead",
    "also",
    "moreover",
    "nevertheless",
    "but",
]);

/// Prepositions that make the following country an object, not a holder ("troops to Ukraine").
pub(crate) static OBJECT_PREPOSITIONS: WordList = WordList::new(&[
    "in",
    "to",
    "into",
    "for",
    "on",
    "against",
    "across",
    "at",
    "near",
    "over",
    "of",
    "with",
    "toward",
    "towards",
    "about",
    "inside",
    "within",
    "than",
    "between",
    "onto",
    "around",
    "through",
    "throughout",
    "beyond",
    "under",
    "without",
]);

/// Determiners and possessives before a title or body ("the minister", "its leader").
pub(crate) static DETERMINERS: WordList =
    WordList::new(&["the", "a", "an", "its", "his", "her", "their", "several", "some"]);

/// Pronouns that refer back to the last person holder.
pub(crate) static PERSON_PRONOUNS: WordList = WordList::new(&["he", "she"]);

/// A closed list of words. Every list has its own bit in [`WordClasses`]: one look-up of a
/// word in the table of all lists ([`word_classes`]) answers for every list at once, so a
/// sentence's tokens are looked up once each, not once per rule that asks.
pub(crate) struct WordList {
    words: &'static [&'static str],
    /// Its bit in [`WordClasses`]: its index in [`ALL_LISTS`], set when the table of all
    /// lists is built ([`word_index`]).
    bit: AtomicU32,
}

impl WordList {
    const fn new(words: &'static [&'static str]) -> Self {
        Self { words, bit: AtomicU32::new(u32::MAX) }
    }
}

/// Every list, each at the index of its bit.
static ALL_LISTS: [&WordList; 14] = [
    &SPEECH_VERBS,
    &BETWEEN_SUBJECT_AND_VERB,
    &PERSON_TITLES,
    &TITLE_QUALIFIERS,
    &BODIES,
    &ORGANISATION_WORDS,
    &NOT_NAMES,
    &ADJUNCT_STARTS,
    &OBJECT_PREPOSITIONS,
    &DETERMINERS,
    &PERSON_PRONOUNS,
    &RELATIVES,
    &INVERTED_VERBS,
    &SUBORDINATORS,
];

/// The lists a word belongs to, one bit per [`WordList`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WordClasses(u32);

impl WordClasses {
    /// The word is one of `list`.
    pub(crate) fn has(self, list: &WordList) -> bool {
        // Classes other than none come from the table, so the bits are set by then (and one
        // still unset, `u32::MAX`, is no bit: none of the classes has it).
        self.0.checked_shr(list.bit.load(Ordering::Relaxed)).is_some_and(|bits| bits & 1 != 0)
    }
}

/// Every listed word with its lists, and a filter of the listed words (most words of a text
/// that are in no list are rejected by it before hashing).
struct WordIndex {
    classes: HashMap<&'static str, WordClasses, WordHashBuild>,
    filter: WordFilter,
}

static INDEX: OnceLock<WordIndex> = OnceLock::new();

/// The table of all lists, built on first use (the lists' bits are set then: the `OnceLock`
/// makes them visible to every thread that gets the table).
fn word_index() -> &'static WordIndex {
    INDEX.get_or_init(|| {
        let mut classes: HashMap<&'static str, WordClasses, WordHashBuild> = HashMap::default();
        let mut filter = WordFilter::default();
        for (bit, list) in (0u32..).zip(ALL_LISTS) {
            list.bit.store(bit, Ordering::Relaxed);
            for &w in list.words {
                classes.entry(w).or_default().0 |= 1 << bit;
                filter.insert(w);
            }
        }
        WordIndex { classes, filter }
    })
}

/// The lists `word` (lower case) belongs to.
#[inline]
pub(crate) fn word_classes(word: &str) -> WordClasses {
    let index = word_index();
    if !index.filter.may_contain(word) {
        return WordClasses::default();
    }
    index.classes.get(word).copied().unwrap_or_default()
}

/// `word` is one of the `list`.
pub(crate) fn is_in(list: &WordList, word: &str) -> bool {
    word_classes(word).has(list)
}

/// `word` is one of a few words written at the call.
pub(crate) fn one_of(words: &[&str], word: &str) -> bool {
    words.contains(&word)
}

/// Words that open a relative clause ("which Kyiv sees").
pub(crate) static RELATIVES: WordList = WordList::new(&["which", "who", "whom", "whose", "that", "where"]);

/// Reporting verbs that may come before their holder ("said Peskov").
pub(crate) static INVERTED_VERBS: WordList =
    WordList::new(&["said", "says", "added", "adds", "wrote", "warned", "told"]);

/// Words that open a clause whose subject is not the sentence's holder ("lawmakers questioned
/// whether Finland can afford it").
pub(crate) static SUBORDINATORS: WordList =
    WordList::new(&["that", "whether", "if", "because", "although", "though", "while"]);

/// A filter of a closed set of words, one bit per [`WordFilter::bit`] ([`WordFilter::BITS`]
/// bits): a word whose bit is clear is not in the set (a set bit says only "maybe"), so most
/// words of a text are rejected without hashing them or reading a table.
#[derive(Debug, Clone)]
pub(crate) struct WordFilter([u64; WordFilter::BITS / 64]);

impl Default for WordFilter {
    fn default() -> Self {
        Self([0; WordFilter::BITS / 64])
    }
}

impl WordFilter {
    const BITS: usize = 1 << 12;

    /// A word's bit: from its length and first and last two bytes.
    #[inline]
    fn bit(word: &str) -> usize {
        let bytes = word.as_bytes();
        let byte = |at: Option<&u8>| usize::from(at.copied().unwrap_or(0));
        let (first, last) = (byte(bytes.first()), byte(bytes.last()));
        let before_last = byte(bytes.len().checked_sub(2).and_then(|at| bytes.get(at)));
        let mixed = (bytes.len() ^ first << 4 ^ last << 9 ^ before_last << 2).wrapping_mul(0x9e37_79b9);
        (mixed >> 12) % Self::BITS
    }

    pub(crate) fn insert(&mut self, word: &str) {
        let bit = Self::bit(word);
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    /// `false`: `word` was never inserted.
    #[inline]
    pub(crate) fn may_contain(&self, word: &str) -> bool {
        let bit = Self::bit(word);
        self.0[bit / 64] >> (bit % 64) & 1 != 0
    }

    /// How many bits are set, of how many.
    #[cfg(test)]
    pub(crate) fn bits_set(&self) -> (usize, usize) {
        (self.0.iter().map(|bits| bits.count_ones() as usize).sum(), Self::BITS)
    }
}

/// A hash of short words eight bytes at a time (the step of FxHash, with the length mixed in
/// and a final fold so that the low bits hashbrown indexes by depend on every byte): the word
/// sets and the alias table hash short words millions of times, where the standard SipHash
/// (made to resist hash flooding, which closed lists need not) dominates, and even FNV-1a's
/// step per byte shows.
#[derive(Default, Clone, Copy)]
pub(crate) struct WordHash(u64);

impl WordHash {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn step(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl std::hash::Hasher for WordHash {
    #[inline]
    fn finish(&self) -> u64 {
        let hash = (self.0 ^ (self.0 >> 32)).wrapping_mul(Self::SEED);
        hash ^ (hash >> 29)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.step(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.step(u64::from_le_bytes(chunk.try_into().expect("chunks of 8 bytes")));
        }
        let mut rest = chunks.remainder();
        if rest.is_empty() {
            return;
        }
        // The last 1-7 bytes as one word, read in pieces of 4, 2 and 1 (no copy to a buffer).
        let (mut word, mut shift) = (0u64, 0);
        if let Some((four, after)) = rest.split_first_chunk::<4>() {
            word = u64::from(u32::from_le_bytes(*four));
            (rest, shift) = (after, 32);
        }
        if let Some((two, after)) = rest.split_first_chunk::<2>() {
            word |= u64::from(u16::from_le_bytes(*two)) << shift;
            (rest, shift) = (after, shift + 16);
        }
        if let Some(&one) = rest.first() {
            word |= u64::from(one) << shift;
        }
        self.step(word);
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.step(u64::from(byte));
    }
}

/// Builds [`WordHash`] hashers.
pub(crate) type WordHashBuild = std::hash::BuildHasherDefault<WordHash>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_find_every_word_and_reject_others_of_any_length_or_first_byte() {
        for list in ALL_LISTS {
            assert!(list.words.iter().all(|w| is_in(list, w)));
        }
        // A word of several lists is in each, and in no other.
        assert!(is_in(&RELATIVES, "that") && is_in(&SUBORDINATORS, "that") && !is_in(&SPEECH_VERBS, "that"));
        assert!(is_in(&NOT_NAMES, "of course") && is_in(&PERSON_TITLES, "president-elect"));
        for word in ["", "s", "sai", "saidx", "xsaid", "Said", "spokeswomanly", "é"] {
            assert!(!is_in(&SPEECH_VERBS, word), "{word}");
        }
        assert!(!is_in(&PERSON_PRONOUNS, "h") && !is_in(&PERSON_PRONOUNS, "she's"));
    }

    #[test]
    fn word_hashes_tell_words_of_every_length_apart() {
        use std::hash::{BuildHasher, Hash, Hasher};
        let hash = |word: &str| WordHashBuild::default().hash_one(word);
        let mut seen = std::collections::HashSet::new();
        let text = "abcdefghijklmnopqrstuvwxyz";
        for end in 0..=text.len() {
            for start in 0..end {
                assert!(seen.insert(hash(&text[start..end])), "{}", &text[start..end]);
            }
        }
        // Each byte of the last, partial word counts, and so does the length.
        assert_ne!(hash("abcdefghijk"), hash("abcdefghijl"));
        assert_ne!(hash("abcdefghijk"), hash("abcdefghij"));
        let (mut a, mut b) = (WordHash::default(), WordHash::default());
        a.write(b"ab");
        b.write(b"ab\0");
        assert_ne!(a.finish(), b.finish());
        // The low bits, which index the table, spread: 300 words over 512 slots.
        let slots: std::collections::HashSet<u64> = (0..300).map(|n| hash(&format!("w{n}")) & 511).collect();
        assert!(slots.len() > 200, "{}", slots.len());
        let mut h = WordHash::default();
        "x".hash(&mut h);
        assert_ne!(h.finish(), hash("y"));
    }
}
