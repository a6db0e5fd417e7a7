//! One thread's cache of Snowball stems: token → (stem, stem key), so the scoring walk stems
//! each frequent word once per thread and, on a hit, reads one small slot and nothing else.
//!
//! An open-addressing table with linear probing. A slot holds the token's first 16 bytes
//! (zero-padded) and its length, so a short token is found and told apart from every other by
//! two word compares, without hashing its bytes twice or calling `memcmp`; a longer token's
//! remaining bytes sit in an arena and are compared there. The slot also holds the stem's key
//! and where the stem's text is in the arena, read only by walks that emit strings. The cache
//! cannot change a result: a stem depends only on the token and the language.

use crate::config::Language;

/// Slots of the table at its largest (a power of two): 4 MB.
const MAX_SLOTS: usize = 1 << 17;

/// Slots of a new table (a power of two); it doubles up to [`MAX_SLOTS`] as it fills.
const FIRST_SLOTS: usize = 1 << 10;

/// Bytes of a token kept in its slot.
const HEAD: usize = 16;

/// The arena is emptied with the table once it holds this many bytes (so its offsets fit
/// a `u32` whatever the tokens).
const MAX_ARENA: usize = 64 << 20;

/// A token's first [`HEAD`] bytes, zero-padded, as two little-endian words.
type Head = [u64; 2];

#[derive(Clone, Copy, Default)]
struct Slot {
    head: Head,
    /// The stem's key (`crate::hash::stem_key`).
    key: u64,
    /// Offset in the arena of the token's bytes beyond [`HEAD`], then the stem's.
    start: u32,
    /// Token length in bytes; 0 for an empty slot (no token is empty).
    token_len: u8,
    stem_len: u8,
    /// Whether the stem contains a space.
    spaced: bool,
}

/// What a cache hit gives: the stem's key, whether it contains a space, and (for string walks)
/// where its text is ([`StemCache::stem`]).
#[derive(Clone, Copy)]
pub(crate) struct Cached {
    pub(crate) key: u64,
    pub(crate) spaced: bool,
    slot: Slot,
}

/// What a lookup of one token needs besides its bytes, computed once for the touch before
/// the lookups of a walk ([`StemCache::touch`]) and the lookup itself.
#[derive(Clone, Copy)]
pub(crate) struct Probe {
    head: Head,
    len: u8,
    hash: u64,
}

impl Probe {
    /// The probe of `token`; `None` for a token too long to be cached.
    #[inline]
    pub(crate) fn of(token: &str) -> Option<Self> {
        let bytes = token.as_bytes();
        let len = u8::try_from(bytes.len()).ok()?;
        let head = head(bytes);
        Some(Self { head, len, hash: position(head, bytes) })
    }
}

/// One thread's stems of one language.
pub(crate) struct StemCache {
    language: Language,
    slots: Vec<Slot>,
    len: usize,
    arena: Vec<u8>,
}

impl StemCache {
    pub(crate) fn new(language: Language) -> Self {
        Self { language, slots: vec![Slot::default(); FIRST_SLOTS], len: 0, arena: Vec::new() }
    }

    pub(crate) fn language(&self) -> Language {
        self.language
    }

    /// The cached stem of `token`, if any.
    #[cfg(test)]
    fn get(&self, token: &str) -> Option<Cached> {
        self.get_probed(&Probe::of(token)?, token)
    }

    /// [`StemCache::get`] of the token `probe` was made of (the table may have grown or been
    /// cleared since: a probe holds the whole hash, not a slot).
    #[inline]
    pub(crate) fn get_probed(&self, probe: &Probe, token: &str) -> Option<Cached> {
        let mask = self.slots.len() - 1;
        let mut position = probe.hash as usize & mask;
        loop {
            let slot = self.slots[position];
            if slot.token_len == 0 {
                return None;
            }
            if slot.token_len == probe.len
                && slot.head == probe.head
                && self.tail_matches(slot, token.as_bytes())
            {
                return Some(Cached { key: slot.key, spaced: slot.spaced, slot });
            }
            position = (position + 1) & mask;
        }
    }

    /// The length byte of the first slot [`StemCache::get_probed`] reads for `probe`, read
    /// with no branch on what it holds: a walk first touches every token's slot this way, so
    /// that the table's cache misses (it is larger than a core's cache) overlap instead of
    /// coming one lookup at a time.
    #[inline]
    pub(crate) fn touch(&self, probe: &Probe) -> u8 {
        self.slots[probe.hash as usize & (self.slots.len() - 1)].token_len
    }

    /// The text of a stem [`StemCache::get`] found.
    pub(crate) fn stem(&self, cached: &Cached) -> &str {
        let slot = cached.slot;
        let start = slot.start as usize + (slot.token_len as usize).saturating_sub(HEAD);
        // The arena holds only whole tokens and stems, each pushed from a `&str`.
        std::str::from_utf8(&self.arena[start..start + slot.stem_len as usize]).unwrap_or_default()
    }

    /// Remembers the stem of a token [`StemCache::get`] did not find. Tokens or stems longer
    /// than 255 bytes are not cached (they are stemmed every time).
    pub(crate) fn insert(&mut self, token: &str, stem: &str, key: u64) {
        let bytes = token.as_bytes();
        let (Ok(token_len @ 1..), Ok(stem_len)) = (u8::try_from(bytes.len()), u8::try_from(stem.len()))
        else {
            return;
        };
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            if self.slots.len() < MAX_SLOTS {
                self.grow();
            } else {
                self.clear();
            }
        }
        if self.arena.len() + bytes.len() + stem.len() > MAX_ARENA {
            self.clear();
        }
        let slot = Slot {
            head: head(bytes),
            key,
            start: self.arena.len() as u32,
            token_len,
            stem_len,
            spaced: stem.as_bytes().contains(&b' '),
        };
        self.arena.extend_from_slice(bytes.get(HEAD..).unwrap_or_default());
        self.arena.extend_from_slice(stem.as_bytes());
        place(&mut self.slots, slot, position(slot.head, bytes));
        self.len += 1;
    }

    /// Doubles the table, keeping every entry.
    fn grow(&mut self) {
        let doubled = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        for slot in old.into_iter().filter(|slot| slot.token_len != 0) {
            let tail_len = (slot.token_len as usize).saturating_sub(HEAD);
            let start = slot.start as usize;
            let hash = position_of(slot.head, slot.token_len as usize, &self.arena[start..start + tail_len]);
            place(&mut self.slots, slot, hash);
        }
    }

    fn clear(&mut self) {
        self.slots.iter_mut().for_each(|slot| *slot = Slot::default());
        self.arena.clear();
        self.len = 0;
    }

    /// Whether the bytes of `token` beyond [`HEAD`] are those stored for `slot` (a slot of
    /// the same length and head).
    #[inline]
    fn tail_matches(&self, slot: Slot, token: &[u8]) -> bool {
        let Some(tail) = token.get(HEAD..).filter(|tail| !tail.is_empty()) else {
            return true;
        };
        let start = slot.start as usize;
        self.arena[start..start + tail.len()] == *tail
    }
}

/// Puts `slot` in the first free slot of its probe run in `slots`.
fn place(slots: &mut [Slot], slot: Slot, hash: u64) {
    let mask = slots.len() - 1;
    let mut position = hash as usize & mask;
    while slots[position].token_len != 0 {
        position = (position + 1) & mask;
    }
    slots[position] = slot;
}

/// The first [`HEAD`] bytes of `bytes`, zero-padded.
#[inline]
fn head(bytes: &[u8]) -> Head {
    let split = bytes.len().min(8);
    let second = bytes.get(8..bytes.len().min(HEAD)).unwrap_or_default();
    [load_le(&bytes[..split]), load_le(second)]
}

/// Up to 8 bytes as a little-endian word, zero-padded, by at most three loads (no copy loop).
#[inline]
fn load_le(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let word =
        |at: usize| u64::from(u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]));
    match len {
        8.. => u64::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
        ]),
        // Two loads that overlap in the middle: the shared bytes are the same on both sides.
        4..=7 => word(0) | word(len - 4) << (8 * (len - 4)),
        1..=3 => {
            u64::from(bytes[0])
                | u64::from(bytes[len / 2]) << (8 * (len / 2))
                | u64::from(bytes[len - 1]) << (8 * (len - 1))
        }
        0 => 0,
    }
}

/// The probe start of a token: mixed from its head and length, and its tail if it has one.
#[inline(always)]
fn position(head: Head, token: &[u8]) -> u64 {
    position_of(head, token.len(), token.get(HEAD..).unwrap_or_default())
}

#[inline(always)]
fn position_of(head: Head, len: usize, tail: &[u8]) -> u64 {
    // One finalizer over both head words: the second is first spread by an odd multiplier,
    // so that swapping words or bytes between them changes the result.
    let second = head[1].wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    let mut hash = crate::hash::mix(head[0] ^ second ^ (len as u64).rotate_right(8));
    if !tail.is_empty() {
        hash ^= xxhash_rust::xxh3::xxh3_64(tail);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_the_zero_padded_first_bytes() {
        for len in 0..=20 {
            let bytes: Vec<u8> = (1..=len as u8).collect();
            let mut padded = [0u8; HEAD];
            let n = len.min(HEAD);
            padded[..n].copy_from_slice(&bytes[..n]);
            let expected = [
                u64::from_le_bytes(padded[..8].try_into().unwrap()),
                u64::from_le_bytes(padded[8..].try_into().unwrap()),
            ];
            assert_eq!(head(&bytes), expected, "length {len}");
        }
    }

    #[test]
    fn probes_made_before_the_table_grows_still_find_their_tokens() {
        let mut cache = StemCache::new(Language::English);
        let tokens: Vec<String> = (0..FIRST_SLOTS * 2).map(|i| format!("token{i}")).collect();
        let probes: Vec<Probe> = tokens.iter().map(|t| Probe::of(t).unwrap()).collect();
        for (i, (token, probe)) in tokens.iter().zip(&probes).enumerate() {
            assert!(cache.get_probed(probe, token).is_none());
            cache.insert(token, "stem", i as u64);
        }
        assert!(cache.slots.len() > FIRST_SLOTS, "the table grew");
        for (i, (token, probe)) in tokens.iter().zip(&probes).enumerate() {
            assert_eq!(cache.get_probed(probe, token).map(|hit| hit.key), Some(i as u64));
        }
        assert!(Probe::of(&"x".repeat(256)).is_none());
    }

    #[test]
    fn finds_what_it_holds_and_nothing_else_through_growth_and_clearing() {
        let mut cache = StemCache::new(Language::English);
        let token = |i: usize| match i % 4 {
            0 => format!("t{i}"),
            1 => format!("a-much-longer-token-number-{i}"),
            2 => format!("{i:016}"),
            _ => format!("é{i}"),
        };
        // Up to one entry short of the largest table's limit: nothing is forgotten.
        let n = MAX_SLOTS * 3 / 4 - 1;
        for i in 0..n {
            let t = token(i);
            assert!(cache.get(&t).is_none(), "{t} is new");
            cache.insert(&t, &format!("stem {i}"), i as u64);
        }
        assert_eq!(cache.slots.len(), MAX_SLOTS);
        for i in (0..n).step_by(97) {
            let t = token(i);
            let hit = cache.get(&t).unwrap_or_else(|| panic!("{t} is cached"));
            assert_eq!(cache.stem(&hit), format!("stem {i}"));
            assert_eq!(hit.key, i as u64);
            assert!(hit.spaced);
        }
        assert!(cache.get("t1").is_none() && cache.get("").is_none());
        assert!(cache.get(&"x".repeat(300)).is_none());
        cache.insert(&"x".repeat(300), "x", 1);
        assert!(cache.get(&"x".repeat(300)).is_none());
        // A full table starts over.
        for i in n..n + 10 {
            cache.insert(&token(i), "s", 0);
        }
        assert!(cache.len <= 10 && cache.get(&token(n + 9)).is_some() && cache.get(&token(0)).is_none());
        let unspaced = cache.get(&token(n + 9)).unwrap();
        assert!(!unspaced.spaced && cache.stem(&unspaced) == "s");
    }
}
