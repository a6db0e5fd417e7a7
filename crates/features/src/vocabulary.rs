//! The terms of a fitted vocabulary, by feature index, in one arena: a model of half a million
//! terms is two allocations rather than half a million (and is read without a string per term).

use std::fmt;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Terms by feature index: term `i` is `text[ends[i - 1]..ends[i]]`.
///
/// ```
/// use stance_features::Vocabulary;
/// let vocabulary: Vocabulary = ["reject", "troop"].into_iter().collect();
/// assert_eq!(vocabulary.len(), 2);
/// assert_eq!(vocabulary.get(1), Some("troop"));
/// assert_eq!(vocabulary, ["reject", "troop"]);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    text: String,
    ends: Vec<usize>,
}

impl Vocabulary {
    /// No terms.
    pub const fn new() -> Self {
        Self { text: String::new(), ends: Vec::new() }
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Term `index`, if there is one.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        Some(&self.text[start..end])
    }

    /// The terms in feature order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + DoubleEndedIterator + Clone + '_ {
        (0..self.len()).map(|i| self.get(i).expect("in range"))
    }

    /// Appends a term as the next feature.
    pub fn push(&mut self, term: &str) {
        self.text.push_str(term);
        self.ends.push(self.text.len());
    }
}

impl<S: AsRef<str>> FromIterator<S> for Vocabulary {
    fn from_iter<I: IntoIterator<Item = S>>(terms: I) -> Self {
        let mut vocabulary = Vocabulary::default();
        terms.into_iter().for_each(|term| vocabulary.push(term.as_ref()));
        vocabulary
    }
}

impl From<Vec<String>> for Vocabulary {
    fn from(terms: Vec<String>) -> Self {
        terms.into_iter().collect()
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Vocabulary {
    fn eq(&self, other: &[S; N]) -> bool {
        self.len() == N && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for &Vocabulary {
    fn eq(&self, other: &[S; N]) -> bool {
        **self == *other
    }
}

impl fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Written as a JSON array of strings, as a `Vec<String>` is.
impl Serialize for Vocabulary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Read from an array of strings, each appended to the arena as it is parsed (no string of its
/// own per term).
impl<'de> Deserialize<'de> for Vocabulary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Terms;

        impl<'de> Visitor<'de> for Terms {
            type Value = Vocabulary;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of terms")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut terms: A) -> Result<Vocabulary, A::Error> {
                let mut vocabulary = Vocabulary::default();
                vocabulary.ends.reserve(terms.size_hint().unwrap_or(0));
                while terms.next_element_seed(Term(&mut vocabulary))?.is_some() {}
                vocabulary.text.shrink_to_fit();
                vocabulary.ends.shrink_to_fit();
                Ok(vocabulary)
            }
        }

        deserializer.deserialize_seq(Terms)
    }
}

/// One term of the array, appended to the vocabulary.
struct Term<'a>(&'a mut Vocabulary);

impl<'de> DeserializeSeed<'de> for Term<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Term<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a term (a string)")
    }

    fn visit_str<E: serde::de::Error>(self, term: &str) -> Result<(), E> {
        self.0.push(term);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_come_back_by_index_and_in_order() {
        let terms = ["", "a", "naïve", "", "troop yes"];
        let vocabulary: Vocabulary = terms.iter().collect();
        assert_eq!(vocabulary.len(), 5);
        assert_eq!(vocabulary.iter().collect::<Vec<_>>(), terms);
        for (i, term) in terms.iter().enumerate() {
            assert_eq!(vocabulary.get(i), Some(*term));
        }
        assert_eq!(vocabulary.get(5), None);
        assert!(Vocabulary::default().is_empty());
        assert_eq!(Vocabulary::default().get(0), None);
        assert_eq!(vocabulary, terms);
        assert_ne!(vocabulary, ["", "a"]);
        assert_eq!(format!("{vocabulary:?}"), format!("{terms:?}"));
    }

    #[test]
    fn json_is_an_array_of_strings_both_ways() {
        let terms = vec!["a".to_owned(), "quote \" and \\ esc".to_owned(), "é\u{1F600}".to_owned()];
        let vocabulary = Vocabulary::from(terms.clone());
        let json = serde_json::to_string(&vocabulary).unwrap();
        assert_eq!(json, serde_json::to_string(&terms).unwrap());
        assert_eq!(serde_json::from_str::<Vocabulary>(&json).unwrap(), vocabulary);
        assert!(serde_json::from_str::<Vocabulary>("[1]").is_err());
        assert!(serde_json::from_str::<Vocabulary>("\"a\"").is_err());
        assert!(serde_json::from_str::<Vocabulary>("[]").unwrap().is_empty());
    }
}
