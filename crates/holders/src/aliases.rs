//! The alias table: names of countries, capitals, demonyms, institutions, organisations,
//! people and news outlets, each with its canonical name and country. It merges name variants
//! (`Sergey Lavrov`, `Lavrov`, `Russia's top diplomat` → `Sergei Lavrov`) and maps holders to
//! countries. A curated table is compiled in (`data/aliases.tsv`); a user's file in the same
//! format extends it.

use std::collections::HashMap;

use crate::error::HolderError;
use crate::tokens::{normalise_into, normalise_word};
use crate::words::{WordFilter, WordHashBuild};

/// The compiled-in table.
const BUILTIN: &str = include_str!("../data/aliases.tsv");

/// What a name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A country; its canonical name is the holder.
    Country,
    /// A capital city standing for its government ("Moscow has warned").
    Capital,
    /// An adjective of a country ("Russian embassy").
    Demonym,
    /// A building or office that keeps its own name (the Kremlin).
    Institution,
    /// A party, alliance or international body that keeps its own name.
    Organisation,
    /// One person's name variants.
    Person,
    /// A news outlet: reports positions, never holds one.
    Media,
}

impl EntryKind {
    fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "country" => EntryKind::Country,
            "capital" => EntryKind::Capital,
            "demonym" => EntryKind::Demonym,
            "institution" => EntryKind::Institution,
            "organisation" | "organization" => EntryKind::Organisation,
            "person" => EntryKind::Person,
            "media" => EntryKind::Media,
            _ => return None,
        })
    }
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What the name stands for.
    pub kind: EntryKind,
    /// The name every variant merges into.
    pub canonical: String,
    /// The holder's country, if it has one.
    pub country: Option<String>,
}

/// Names → entries, matched on normalised word sequences (case, apostrophes and accents of
/// possessives ignored).
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    entries: Vec<Entry>,
    /// Normalised variant words, joined by single spaces ([`join_words`]) → entry index; a
    /// later line wins over an earlier one. Keyed by one string, so a look-up of a run of a
    /// text's words needs no list of owned words.
    variants: HashMap<String, usize, WordHashBuild>,
    /// The longest variant, in words.
    longest: usize,
    /// First words of variants (a possessive `'s` dropped) → the longest such variant, so
    /// most words of a text are passed over with one look-up.
    first_words: HashMap<String, usize, WordHashBuild>,
    /// The first words (a few hundred set about one bit in ten): a word the filter rules out
    /// starts no variant, and most words of a text are passed over by it, without hashing them.
    first_word_filter: WordFilter,
}

impl AliasTable {
    /// The curated table shipped with the crate.
    pub fn builtin() -> Self {
        Self::parse("<built-in aliases>", BUILTIN).expect("the built-in alias table parses")
    }

    /// Parses a table; `source_name` names it in errors (`file:line: …`).
    pub fn parse(source_name: &str, text: &str) -> Result<Self, HolderError> {
        let mut table = AliasTable::default();
        table.extend_from(source_name, text)?;
        Ok(table)
    }

    /// Adds the lines of another table (a user's file); its names win over earlier ones.
    pub fn extend_from(&mut self, source_name: &str, text: &str) -> Result<(), HolderError> {
        for (index, raw) in text.lines().enumerate() {
            let error = |message: String| HolderError::AliasLine {
                source_name: source_name.to_owned(),
                line: index + 1,
                message,
            };
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != 4 {
                return Err(error(format!(
                    "expected 4 tab-separated fields (kind, name, country, variants), found {}",
                    fields.len()
                )));
            }
            let kind = EntryKind::parse(fields[0].trim()).ok_or_else(|| {
                error(format!(
                    "unknown kind `{}` (country, capital, demonym, institution, organisation, person, media)",
                    fields[0].trim()
                ))
            })?;
            let canonical = fields[1].trim();
            if canonical.is_empty() {
                return Err(error("empty name".to_owned()));
            }
            let country = Some(fields[2].trim()).filter(|c| !c.is_empty()).map(str::to_owned);
            if matches!(kind, EntryKind::Country | EntryKind::Capital | EntryKind::Demonym)
                && country.is_none()
            {
                return Err(error(format!("a {} needs its country", fields[0].trim())));
            }
            let entry = self.entries.len();
            self.entries.push(Entry { kind, canonical: canonical.to_owned(), country });
            let mut names: Vec<&str> =
                fields[3].split('|').map(str::trim).filter(|v| !v.is_empty()).collect();
            // A demonym's or capital's canonical name is its country, not one of its variants.
            if !matches!(kind, EntryKind::Demonym | EntryKind::Capital) {
                names.push(canonical);
            }
            if names.is_empty() {
                return Err(error("no variant".to_owned()));
            }
            for name in names {
                let words = variant_words(name);
                if !words.iter().any(|w| w.chars().any(char::is_alphanumeric)) {
                    return Err(error(format!("variant `{name}` has no word")));
                }
                self.longest = self.longest.max(words.len());
                let first = words[0].strip_suffix("'s").unwrap_or(&words[0]).to_owned();
                self.first_word_filter.insert(&first);
                let longest = self.first_words.entry(first).or_insert(0);
                *longest = (*longest).max(words.len());
                let mut key = String::new();
                join_words(&words, &mut key);
                self.variants.insert(key, entry);
            }
        }
        Ok(())
    }

    /// The entry of exactly these normalised words, if any.
    /// The words are joined in `key`, a caller's buffer reused from one look-up to the next.
    pub(crate) fn lookup<W: AsRef<str>>(&self, words: &[W], key: &mut String) -> Option<&Entry> {
        join_words(words, key);
        self.lookup_key(key).map(|i| &self.entries[i])
    }

    /// The index of the entry of the normalised words `key` joins ([`join_words`]), if any.
    pub(crate) fn lookup_key(&self, key: &str) -> Option<usize> {
        self.variants.get(key).copied()
    }

    /// The entry at an index [`AliasTable::lookup_index`] gave.
    pub(crate) fn entry_at(&self, index: usize) -> &Entry {
        &self.entries[index]
    }

    /// The longest variant starting with this (normalised, possessive-free) word; 0: none.
    #[inline]
    pub(crate) fn longest_from(&self, first: &str) -> usize {
        if !self.first_word_filter.may_contain(first) {
            return 0;
        }
        self.first_words.get(first).copied().unwrap_or(0)
    }

    /// The longest variant, in words.
    pub(crate) fn longest(&self) -> usize {
        self.longest
    }

    /// The entry a name (as written) belongs to, if the table knows it.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        let mut key = String::with_capacity(name.len() + 2);
        variant_key(name, &mut key);
        self.lookup_key(&key).map(|i| &self.entries[i])
    }

    /// The name `name` merges into: its entry's canonical name, or itself.
    pub fn canonical(&self, name: &str) -> String {
        self.entry(name).map_or_else(|| name.to_owned(), |e| e.canonical.clone())
    }
}

/// Writes `words` into `key` (cleared first) joined by single spaces: the key of a run of
/// words in the table (no word has a space in it, so the key tells its words apart).
pub(crate) fn join_words<W: AsRef<str>>(words: &[W], key: &mut String) {
    key.clear();
    for (n, word) in words.iter().enumerate() {
        if n > 0 {
            key.push(' ');
        }
        key.push_str(word.as_ref());
    }
}

/// How many words a name has, as the tokenizer splits it.
pub(crate) fn word_count(name: &str) -> usize {
    crate::tokens::tokenize(name).len()
}

/// A variant's normalised words, split as the tokenizer splits text.
fn variant_words(name: &str) -> Vec<String> {
    crate::tokens::tokenize(name)
        .iter()
        .map(|t| {
            let mut word = normalise_word(t.word(name));
            if t.possessive {
                word.push_str("'s");
            }
            word
        })
        .collect()
}

/// Writes into `key` (cleared first) the table key of a name as written: [`join_words`] of
/// its [`variant_words`], without a string per word.
fn variant_key(name: &str, key: &mut String) {
    key.clear();
    for (n, t) in crate::tokens::tokenize(name).iter().enumerate() {
        if n > 0 {
            key.push(' ');
        }
        normalise_into(t.word(name), key);
        if t.possessive {
            key.push_str("'s");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A name's key built in one buffer is the join of its words, and its word count their
        /// number, for any text (names as written: capitals, apostrophes, accents, punctuation).
        #[test]
        fn a_names_key_is_its_words_joined(name in "[A-Za-z'’ .,\\-éÉßİ]{0,40}") {
            let words = variant_words(&name);
            let mut joined = String::new();
            join_words(&words, &mut joined);
            let mut key = String::from("left over");
            variant_key(&name, &mut key);
            proptest::prop_assert_eq!(key, joined);
            proptest::prop_assert_eq!(word_count(&name), words.len());
        }
    }

    #[test]
    fn entries_are_found_by_a_name_as_written() {
        let table = AliasTable::builtin();
        let lavrov = table.entry("Sergei Lavrov").expect("the table knows Lavrov");
        assert_eq!(table.entry("SERGEI  LAVROV").map(|e| &e.canonical), Some(&lavrov.canonical));
        assert!(table.entry("Nobody Atall").is_none());
    }

    #[test]
    fn the_first_word_filter_passes_every_first_word_and_few_others() {
        let mut table = AliasTable::builtin();
        table.extend_from("extra.tsv", "person\tAnna Zed\t\tZed|A. Zed\n").unwrap();
        for (word, &longest) in &table.first_words {
            assert_eq!(table.longest_from(word), longest, "{word}");
        }
        assert_eq!(table.longest_from("zed"), 1);
        assert_eq!(table.longest_from("anna"), 2);
        let (set, bits) = table.first_word_filter.bits_set();
        assert!(set * 4 <= bits, "{set} of {bits} bits set");
        let text = "the of and to in a is that for on it with as was he said by at from his an be has \
                    have are were they which this not but or its had their will would been troops \
                    peace deployment ukraine's minister government forces could after more";
        let passed = text.split_whitespace().filter(|w| table.first_word_filter.may_contain(w)).count();
        let words = text.split_whitespace().count();
        assert!(passed * 4 <= words, "{passed} of {words} common words pass the filter");
        assert_eq!(AliasTable::default().longest_from("russia"), 0);
    }

    #[test]
    fn the_builtin_table_merges_lavrov_variants() {
        let table = AliasTable::builtin();
        for name in
            ["Lavrov", "Sergey Lavrov", "sergei lavrov", "Russia's top diplomat", "Russia’s top diplomat"]
        {
            assert_eq!(table.canonical(name), "Sergei Lavrov", "{name}");
        }
        assert_eq!(table.entry("Moscow").unwrap().country.as_deref(), Some("Russia"));
        assert_eq!(table.entry("the Kremlin").unwrap().kind, EntryKind::Institution);
        assert_eq!(table.canonical("Someone Else"), "Someone Else");
    }

    #[test]
    fn a_user_file_extends_and_overrides() {
        let mut table = AliasTable::builtin();
        table
            .extend_from("mine.tsv", "# comment\n\nperson\tKaja Kallas\tEstonia\tKallas|Kaja Kallas\n")
            .unwrap();
        assert_eq!(table.canonical("Kallas"), "Kaja Kallas");
        assert_eq!(table.entry("kallas").unwrap().country.as_deref(), Some("Estonia"));
    }

    #[test]
    fn malformed_lines_name_source_and_line() {
        let cases = [
            ("country\tX\n", 1, "expected 4 tab-separated fields"),
            ("\nfriend\tX\t\tX\n", 2, "unknown kind `friend`"),
            ("person\t \t\tX\n", 1, "empty name"),
            ("# c\ncountry\tAtlantis\t\tAtlantis\n", 2, "needs its country"),
            ("person\tA\t\t ?? \n", 1, "has no word"),
            ("demonym\tFrance\tFrance\t\n", 1, "no variant"),
        ];
        for (text, line, message) in cases {
            let error = AliasTable::parse("mine.tsv", text).unwrap_err();
            let HolderError::AliasLine { source_name, line: at, message: got } = &error;
            assert_eq!((source_name.as_str(), *at), ("mine.tsv", line), "{text:?}");
            assert!(got.contains(message), "{got}");
            assert!(error.to_string().starts_with(&format!("mine.tsv:{line}: ")));
        }
    }
}
