//! Stance holders: who holds the position a sentence states or reports.
//!
//! Pure rules, no model: reporting verbs and quotation structure, capitalised names with their
//! titles ("Prime Minister", "spokeswoman"), demonyms and country names, institutions ("the
//! Kremlin"), and "he", "the minister" or an unattributed quotation resolved from the article's
//! other sentences. A curated [`AliasTable`] (compiled in, extendable from a user's file) merges
//! name variants and gives each holder its country.
//!
//! ```
//! use stance_holders::HolderFinder;
//! let finder = HolderFinder::default();
//! let article = [
//!     "Russian Foreign Minister Sergey Lavrov rejected the plan.",
//!     "He said Western troops would be targets.",
//! ];
//! let found = finder.attribute_article(&article);
//! let second = found[1].as_ref().unwrap();
//! assert_eq!(second.holder, "Sergey Lavrov");
//! assert_eq!(second.country.as_deref(), Some("Russia"));
//! assert_eq!(finder.aliases().canonical(&second.holder), "Sergei Lavrov");
//! ```

mod aliases;
mod attribute;
mod error;
mod evaluation;
mod summary;
mod tokens;
mod words;

pub use aliases::{AliasTable, Entry, EntryKind};
pub use attribute::{Attribution, Cue, HolderFinder, HolderKind, Rule};
pub use error::HolderError;
pub use evaluation::{holder_accuracy, GoldArticle, HolderAccuracy};
pub use summary::{
    article_holders, CorpusBuilder, CorpusHolders, CorpusRow, Example, HolderStance, MonthCounts,
    StanceSentence,
};
