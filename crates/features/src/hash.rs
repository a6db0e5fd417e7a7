//! Hash-map hashers for the hot paths: string keys hashed once with xxh3, integer keys (which
//! are hashes or buckets already) spread with one multiplication. Both are much cheaper than the
//! standard library's SipHash, and neither is exposed to untrusted keys in a way that matters:
//! a deliberately colliding input only slows its own featurization down.

use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// The 64-bit hash under which the vocabulary path counts and looks up terms.
#[inline]
pub(crate) fn term_hash(term: &str) -> u64 {
    xxh3_64(term.as_bytes())
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

/// Terms → feature numbers for a fixed vocabulary: open addressing with linear probing over
/// slots that hold each term's 64-bit [`term_hash`] and where its text is in one contiguous
/// arena. A lookup reads a slot or two and, on a hash match, the term's bytes: two cache misses
/// on a large vocabulary where a `HashMap<String, u32>` costs three or four. Terms that share a
/// hash sit in neighbouring slots and are told apart by their text, so lookups are exact.
#[derive(Debug, Clone)]
pub(crate) struct TermIndex {
    slots: Vec<Slot>,
    arena: String,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    start: usize,
    len: u32,
    /// Feature number, or [`EMPTY`].
    index: u32,
}

const EMPTY: u32 = u32::MAX;

impl TermIndex {
    /// Indexes `terms[i]` as feature `i`. Errors name a duplicate term or an impossible size.
    pub(crate) fn new(terms: &[String]) -> Result<Self, String> {
        if terms.len() >= EMPTY as usize {
            return Err("vocabulary larger than 2^32 - 1 terms".into());
        }
        // At most two thirds full, so probe runs stay short.
        let capacity = (terms.len() + terms.len() / 2 + 1).next_power_of_two();
        let mut index = TermIndex {
            slots: vec![Slot { hash: 0, start: 0, len: 0, index: EMPTY }; capacity],
            arena: String::with_capacity(terms.iter().map(String::len).sum()),
        };
        let mask = capacity - 1;
        for (i, term) in terms.iter().enumerate() {
            let len =
                u32::try_from(term.len()).map_err(|_| format!("vocabulary term {i} is longer than 4 GiB"))?;
            let hash = term_hash(term);
            let mut position = hash as usize & mask;
            while index.slots[position].index != EMPTY {
                if index.matches(index.slots[position], hash, term) {
                    return Err(format!("term {term:?} appears twice in the vocabulary"));
                }
                position = (position + 1) & mask;
            }
            index.slots[position] = Slot { hash, start: index.arena.len(), len, index: i as u32 };
            index.arena.push_str(term);
        }
        Ok(index)
    }

    /// Feature number of `term`, if it is indexed.
    #[inline]
    pub(crate) fn get(&self, term: &str) -> Option<u32> {
        let hash = term_hash(term);
        let mask = self.slots.len() - 1;
        let mut position = hash as usize & mask;
        loop {
            let slot = self.slots[position];
            if slot.index == EMPTY {
                return None;
            }
            if self.matches(slot, hash, term) {
                return Some(slot.index);
            }
            position = (position + 1) & mask;
        }
    }

    #[inline]
    fn matches(&self, slot: Slot, hash: u64, term: &str) -> bool {
        slot.hash == hash
            && slot.len as usize == term.len()
            && self.arena.as_bytes()[slot.start..slot.start + term.len()] == *term.as_bytes()
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
        let index = TermIndex::new(&terms).unwrap();
        for (i, term) in terms.iter().enumerate() {
            assert_eq!(index.get(term), Some(i as u32), "{term}");
        }
        assert_eq!(index.get("t5000"), None);
        assert_eq!(index.get("naïv"), None);
        assert_eq!(TermIndex::new(&[]).unwrap().get("a"), None);
        let twice = TermIndex::new(&["a".to_owned(), "b".to_owned(), "a".to_owned()]).unwrap_err();
        assert!(twice.contains("\"a\" appears twice"), "{twice}");
    }
}
