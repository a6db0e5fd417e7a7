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
}
