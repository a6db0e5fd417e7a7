//! Hashing for the hot paths: hash-map hashers (string keys hashed once with xxh3, integer keys
//! that are hashes or buckets already spread with one multiplication; both much cheaper than
//! the standard library's SipHash, and a deliberately colliding input only slows its own
//! featurization down), the 64-bit *term keys* the scoring walk computes without building a
//! term's string ([`term_key`]), and the vocabulary table that finds a term by its key.

use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::Vocabulary;

/// The 64-bit hash under which the vocabulary path counts and looks up terms.
#[inline]
pub(crate) fn term_hash(term: &str) -> u64 {
    xxh3_64(term.as_bytes())
}

/// Starting states of the three kinds of term key, so that kinds do not share keys by
/// construction (arbitrary odd constants).
const WORD_NGRAM_SEED: u64 = 0x243F_6A88_85A3_08D3;
const CHAR_NGRAM_SEED: u64 = 0x1319_8A2E_0370_7345;
const CUE_SEED: u64 = 0xA409_3822_299F_31D1;

/// A bijection of 64-bit words that mixes every input bit into every output bit (the
/// finalizer of MurmurHash3 / SplitMix64).
#[inline]
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

/// A term key extended by one more item (a stem's key, a character): keys of sequences are
/// folds of this, so the scoring walk extends an n-gram's key into the (n+1)-gram's in O(1).
#[inline]
pub(crate) fn extend_key(key: u64, item: u64) -> u64 {
    mix(key ^ item)
}

/// Key of one stem, the item word n-gram keys fold over.
#[inline]
pub(crate) fn stem_key(stem: &str) -> u64 {
    term_hash(stem)
}

/// The key a word n-gram starts from, before its first stem.
pub(crate) const WORD_NGRAM_START: u64 = WORD_NGRAM_SEED;
/// The key a character n-gram starts from, before its first character.
pub(crate) const CHAR_NGRAM_START: u64 = CHAR_NGRAM_SEED;

/// Key of a stance cue term (the whole string, prefix included).
#[inline]
pub(crate) fn cue_key(term: &str) -> u64 {
    xxh3_64_with_seed(term.as_bytes(), CUE_SEED)
}

/// The 64-bit key of a term as the analyzer writes it, by its kind: a word n-gram folds the
/// [`stem_key`] of each space-separated stem with [`extend_key`] from [`WORD_NGRAM_START`]; a
/// character n-gram folds its characters (after the prefix) from [`CHAR_NGRAM_START`]; a cue
/// is hashed whole ([`cue_key`]). The scoring walk computes the same keys from stem keys and
/// characters without building the strings; a test checks the two agree.
pub(crate) fn term_key(term: &str) -> u64 {
    match crate::TermKind::of(term) {
        crate::TermKind::CharNgram => {
            term.chars().skip(1).fold(CHAR_NGRAM_START, |key, c| extend_key(key, u64::from(u32::from(c))))
        }
        crate::TermKind::Cue => cue_key(term),
        crate::TermKind::WordNgram => {
            term.split(' ').fold(WORD_NGRAM_START, |key, stem| extend_key(key, stem_key(stem)))
        }
    }
}

/// Hashes `str` keys with xxh3 (`str`'s `Hash` writes the bytes, then one `0xff` byte).
#[derive(Default, Clone, Copy)]
pub(crate) struct StrHasher(u64);

impl Hasher for StrHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(MULTIPLIER);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Spreads integer keys over all 64 bits (hashbrown reads the top bits too).
#[derive(Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only reached for key types other than the integers below; still a valid hash.
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }

    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0 ^ value).wrapping_mul(MULTIPLIER);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// 2^64 / φ, odd: multiplication by it is a bijection that mixes low bits into high ones.
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// Builds [`StrHasher`]s.
pub(crate) type StrBuild = BuildHasherDefault<StrHasher>;
/// Builds [`IntHasher`]s.
pub(crate) type IntBuild = BuildHasherDefault<IntHasher>;

/// A `HashMap` keyed by strings, hashed with xxh3.
pub(crate) type StrMap<K, V> = std::collections::HashMap<K, V, StrBuild>;
/// A `HashMap` keyed by integers that are hashes or buckets already.
pub(crate) type IntMap<K, V> = std::collections::HashMap<K, V, IntBuild>;

/// Terms → feature numbers for a fixed vocabulary, which it holds: open addressing with linear
/// probing over slots that hold each term's 64-bit [`term_key`] and feature number. A lookup by
/// text ([`TermIndex::get`]) reads a slot or two and, on a key match, the term's bytes in the
/// vocabulary; terms that share a key sit in neighbouring slots and are told apart by their
/// text, so it is exact. A lookup by key alone ([`TermIndex::get_key`], the scoring path) reads
/// only slots, and is offered only when no two vocabulary terms share a key
/// ([`TermIndex::keys_are_distinct`], checked when the table is built).
#[derive(Debug, Clone)]
pub(crate) struct TermIndex {
    vocabulary: Vocabulary,
    slots: Vec<Slot>,
    keys_distinct: bool,
}

/// Packed to 12 bytes (from 16): the table is the largest part of a loaded model after its
/// weights, and a key read across two cache lines costs less than the quarter of memory.
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
struct Slot {
    hash: u64,
    /// Feature number, or [`EMPTY`].
    index: u32,
}

const EMPTY: u32 = u32::MAX;

impl TermIndex {
    /// Indexes term `i` of `vocabulary` as feature `i`. Errors name a duplicate term or an
    /// impossible size.
    pub(crate) fn new(vocabulary: Vocabulary) -> Result<Self, String> {
        Self::with_key(vocabulary, term_key)
    }

    /// [`TermIndex::new`] with another key function (tests force shared keys with it).
    fn with_key(vocabulary: Vocabulary, key_of: impl Fn(&str) -> u64) -> Result<Self, String> {
        if vocabulary.len() >= EMPTY as usize {
            return Err("vocabulary larger than 2^32 - 1 terms".into());
        }
        // At most two thirds full, so probe runs stay short.
        let capacity = (vocabulary.len() + vocabulary.len() / 2 + 1).next_power_of_two();
        let mut slots = vec![Slot { hash: 0, index: EMPTY }; capacity];
        let mut keys_distinct = true;
        let mask = capacity - 1;
        for (i, term) in vocabulary.iter().enumerate() {
            let hash = key_of(term);
            let mut position = hash as usize & mask;
            while slots[position].index != EMPTY {
                let slot = slots[position];
                if slot.hash == hash {
                    if vocabulary.get(slot.index as usize) == Some(term) {
                        return Err(format!("term {term:?} appears twice in the vocabulary"));
                    }
                    keys_distinct = false;
                }
                position = (position + 1) & mask;
            }
            slots[position] = Slot { hash, index: i as u32 };
        }
        Ok(TermIndex { vocabulary, slots, keys_distinct })
    }

    /// The indexed terms, by feature number.
    pub(crate) fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Whether every indexed term has a key of its own, so that [`TermIndex::get_key`] finds
    /// exactly the term a key was computed from (when the key is a vocabulary term's).
    pub(crate) fn keys_are_distinct(&self) -> bool {
        self.keys_distinct
    }

    /// Feature number of the term whose [`term_key`] is `key`, if one is indexed. Meant for
    /// tables whose [`TermIndex::keys_are_distinct`]; otherwise it finds one of the terms
    /// sharing the key. A term outside the vocabulary whose key equals a vocabulary term's
    /// (about one chance in 2^64 / vocabulary size per lookup) is taken for that term.
    #[inline]
    pub(crate) fn get_key(&self, key: u64) -> Option<u32> {
        self.probe(key, |slot| slot.hash == key)
    }

    /// [`TermIndex::get_key`] of every key of `keys`, in order, appending the feature numbers
    /// found to `found`.
    pub(crate) fn extend_with_keys(&self, keys: &[u64], found: &mut Vec<u32>) {
        // First a read of every key's first slot with no branch on what it holds: these loads
        // do not wait for each other, so their cache misses (the table is larger than the
        // cache) overlap, and the probes after them mostly hit the cache.
        let mask = self.slots.len() - 1;
        let touched = keys.iter().fold(0, |acc, &key| acc ^ self.slots[key as usize & mask].index);
        std::hint::black_box(touched);
        found.extend(keys.iter().filter_map(|&key| self.get_key(key)));
    }

    /// Feature number of `term`, if it is indexed.
    #[inline]
    pub(crate) fn get(&self, term: &str) -> Option<u32> {
        self.get_by(term, term_key)
    }

    /// [`TermIndex::get`] in a table built [`TermIndex::with_key`] `key_of`.
    #[inline]
    fn get_by(&self, term: &str, key_of: impl Fn(&str) -> u64) -> Option<u32> {
        let hash = key_of(term);
        self.probe(hash, |slot| slot.hash == hash && self.vocabulary.get(slot.index as usize) == Some(term))
    }

    /// The feature number of the first slot of `key`'s probe run that `is_it`, if any.
    #[inline]
    fn probe(&self, key: u64, is_it: impl Fn(Slot) -> bool) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut position = key as usize & mask;
        loop {
            let slot = self.slots[position];
            if slot.index == EMPTY {
                return None;
            }
            if is_it(slot) {
                return Some(slot.index);
            }
            position = (position + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_maps_find_keys_by_str() {
        let mut map: StrMap<Box<str>, u32> = StrMap::default();
        for (i, word) in ["a", "ab", "ba", "", "naïve"].iter().enumerate() {
            map.insert((*word).into(), i as u32);
        }
        assert_eq!(map.get("ba"), Some(&2));
        assert_eq!(map.get(""), Some(&3));
        assert_eq!(map.get("naïve"), Some(&4));
        assert_eq!(map.get("b"), None);
    }

    #[test]
    fn integer_maps_spread_small_keys_over_the_high_bits() {
        use std::hash::BuildHasher;
        let build = IntBuild::default();
        let tops: std::collections::HashSet<u64> = (0u32..64).map(|k| build.hash_one(k) >> 57).collect();
        assert!(tops.len() > 32, "only {} distinct top-7-bit values", tops.len());
    }

    #[test]
    fn term_index_finds_every_term_and_nothing_else() {
        let terms: Vec<String> =
            (0..5000).map(|i| format!("t{i}")).chain(["".to_owned(), "naïve".to_owned()]).collect();
        let index = TermIndex::new(terms.iter().collect()).unwrap();
        for (i, term) in terms.iter().enumerate() {
            assert_eq!(index.get(term), Some(i as u32), "{term}");
        }
        assert_eq!(index.get("t5000"), None);
        assert_eq!(index.get("naïv"), None);
        assert!(index.keys_are_distinct());
        for (i, term) in terms.iter().enumerate() {
            assert_eq!(index.get_key(term_key(term)), Some(i as u32), "{term}");
        }
        assert_eq!(index.get_key(term_key("t5000")), None);
        let keys: Vec<u64> = ["t7", "t5000", "naïve", "t7", "t0"].iter().map(|t| term_key(t)).collect();
        let mut found = vec![9];
        index.extend_with_keys(&keys, &mut found);
        assert_eq!(found, [9, 7, 5001, 7, 0]);
        assert_eq!(TermIndex::new(Vocabulary::default()).unwrap().get("a"), None);
        assert_eq!(TermIndex::new(Vocabulary::default()).unwrap().get_key(term_key("a")), None);
        let twice = TermIndex::new(["a", "b", "a"].into_iter().collect()).unwrap_err();
        assert!(twice.contains("\"a\" appears twice"), "{twice}");
    }

    #[test]
    fn shared_keys_are_detected_and_text_lookups_stay_exact() {
        let terms = ["ab", "ba", "abc", "#ab"];
        // Every term under one key, and keys by length (two pairs share).
        for key_of in [(|_: &str| 7) as fn(&str) -> u64, |t: &str| t.len() as u64] {
            let index = TermIndex::with_key(terms.iter().collect(), key_of).unwrap();
            assert!(!index.keys_are_distinct());
            for (i, term) in terms.iter().enumerate() {
                assert_eq!(index.get_by(term, key_of), Some(i as u32), "{term}");
            }
            assert_eq!(index.get_by("zz", key_of), None);
        }
        let distinct = TermIndex::with_key(terms.iter().collect(), |t: &str| term_key(t)).unwrap();
        assert!(distinct.keys_are_distinct());
    }

    #[test]
    fn term_keys_are_folds_by_kind() {
        let word = extend_key(extend_key(WORD_NGRAM_START, stem_key("reject")), stem_key("deploy"));
        assert_eq!(term_key("reject deploy"), word);
        let chars = "ïa ".chars().fold(CHAR_NGRAM_START, |k, c| extend_key(k, u64::from(u32::from(c))));
        assert_eq!(term_key("#ïa "), chars);
        assert_eq!(term_key("~commit+target"), cue_key("~commit+target"));
        // Kinds and orders differ.
        assert_ne!(term_key("ab"), term_key("#ab"));
        assert_ne!(term_key("a b"), term_key("b a"));
        assert_ne!(term_key("#ab"), term_key("#ba"));
        assert_ne!(term_key(""), term_key("#"));
    }
}
