//! Holders summed up: per article (each holder's stance counts and most confident sentence)
//! and across a corpus (holders and countries × stance labels, first and last article, an
//! example sentence, and each country's stance per month when articles carry dates).

use std::collections::BTreeMap;

use crate::aliases::AliasTable;

/// A stance sentence and its holder, as the summaries take it.
#[derive(Debug, Clone, Copy)]
pub struct StanceSentence<'a> {
    /// 1-based position in the article.
    pub sentence: usize,
    /// The sentence.
    pub text: &'a str,
    /// Its stance label.
    pub label: &'a str,
    /// The label's probability.
    pub confidence: f64,
    /// Its holder.
    pub holder: &'a str,
    /// The holder's country.
    pub country: Option<&'a str>,
}

/// A holder's most confident sentence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Example {
    /// The article it is in (empty, and left out of JSON, within one article).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub article: String,
    /// 1-based position in the article.
    pub sentence: usize,
    /// The sentence.
    pub text: String,
    /// Its stance label.
    pub label: String,
    /// The label's probability.
    pub confidence: f64,
}

/// One holder's stance in an article.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HolderStance {
    /// The holder as the article names it.
    pub holder: String,
    /// Its country.
    pub country: Option<String>,
    /// Stance sentences per label.
    pub counts: BTreeMap<String, usize>,
    /// Its most confident stance sentence.
    #[serde(rename = "best_sentence")]
    pub best: Example,
}

impl HolderStance {
    /// All its stance sentences.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }
}

/// An article's holders, most stance sentences first (ties: by name); name variants the alias
/// table merges are one holder.
pub fn article_holders(aliases: &AliasTable, sentences: &[StanceSentence<'_>]) -> Vec<HolderStance> {
    let mut by_name: BTreeMap<String, HolderStance> = BTreeMap::new();
    for s in sentences {
        let example = || Example {
            article: String::new(),
            sentence: s.sentence,
            text: s.text.to_owned(),
            label: s.label.to_owned(),
            confidence: s.confidence,
        };
        let entry = by_name.entry(aliases.canonical(s.holder)).or_insert_with(|| HolderStance {
            holder: s.holder.to_owned(),
            country: s.country.map(str::to_owned),
            counts: BTreeMap::new(),
            best: example(),
        });
        *entry.counts.entry(s.label.to_owned()).or_insert(0) += 1;
        if s.confidence > entry.best.confidence {
            entry.best = example();
        }
    }
    let mut holders: Vec<HolderStance> = by_name.into_values().collect();
    holders.sort_by(|a, b| b.total().cmp(&a.total()).then_with(|| a.holder.cmp(&b.holder)));
    holders
}

/// A holder's or a country's stance across a corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusRow {
    /// The holder (its canonical name) or the country.
    pub name: String,
    /// The holder's country (for a country row: itself).
    pub country: Option<String>,
    /// Stance sentences per label.
    pub counts: BTreeMap<String, usize>,
    /// Articles it holds a stance in.
    pub articles: usize,
    /// The first and last of those articles (by date when every one has a date, else in
    /// input order).
    pub first_article: String,
    /// See `first_article`.
    pub last_article: String,
    /// Its most confident stance sentence.
    pub example: Example,
}

impl CorpusRow {
    /// All its stance sentences.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// The share of its stance sentences with `label`.
    pub fn share(&self, label: &str) -> f64 {
        let total = self.total();
        if total == 0 {
            0.0
        } else {
            self.counts.get(label).copied().unwrap_or(0) as f64 / total as f64
        }
    }
}

/// A country's stance sentences in one month.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonthCounts {
    /// The country.
    pub country: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Stance sentences per label.
    pub counts: BTreeMap<String, usize>,
}

/// The corpus table of `stance holders`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CorpusHolders {
    /// The stance labels, in the order they are shown.
    pub labels: Vec<String>,
    /// Articles read.
    pub articles: usize,
    /// Articles with a date.
    pub dated_articles: usize,
    /// Stance sentences without an identifiable holder.
    pub unattributed: usize,
    /// One row per holder, most stance sentences first.
    pub holders: Vec<CorpusRow>,
    /// One row per country, most stance sentences first.
    pub countries: Vec<CorpusRow>,
    /// Each country's stance per month (dated articles only), by country then month.
    pub timeline: Vec<MonthCounts>,
}

/// Collects articles into a [`CorpusHolders`].
#[derive(Debug)]
pub struct CorpusBuilder<'t> {
    aliases: &'t AliasTable,
    labels: Vec<String>,
    articles: usize,
    dated: usize,
    unattributed: usize,
    holders: BTreeMap<String, Accumulated>,
    countries: BTreeMap<String, Accumulated>,
    timeline: BTreeMap<(String, String), BTreeMap<String, usize>>,
}

#[derive(Debug)]
struct Accumulated {
    row: CorpusRow,
    /// (date, input position) of the first and last article.
    first: (Option<String>, usize),
    last: (Option<String>, usize),
    last_counted_article: Option<usize>,
}

impl<'t> CorpusBuilder<'t> {
    /// A builder for these stance labels (in display order).
    pub fn new(aliases: &'t AliasTable, labels: Vec<String>) -> Self {
        Self {
            aliases,
            labels,
            articles: 0,
            dated: 0,
            unattributed: 0,
            holders: BTreeMap::new(),
            countries: BTreeMap::new(),
            timeline: BTreeMap::new(),
        }
    }

    /// Adds one article: its name, its date (`YYYY-MM-DD`) if it has one, its stance
    /// sentences with their holders, and how many stance sentences had none.
    pub fn add_article(
        &mut self,
        name: &str,
        date: Option<&str>,
        sentences: &[StanceSentence<'_>],
        unattributed: usize,
    ) {
        let position = self.articles;
        self.articles += 1;
        self.dated += usize::from(date.is_some());
        self.unattributed += unattributed;
        for s in sentences {
            let canonical = self.aliases.canonical(s.holder);
            let country = s.country.map(str::to_owned);
            add(&mut self.holders, canonical, country.clone(), name, date, position, s);
            if let Some(country) = country {
                add(&mut self.countries, country.clone(), Some(country.clone()), name, date, position, s);
                if let Some(month) = date.and_then(|d| d.get(..7)) {
                    let counts = self.timeline.entry((country, month.to_owned())).or_default();
                    *counts.entry(s.label.to_owned()).or_insert(0) += 1;
                }
            }
        }
    }

    /// The table.
    pub fn finish(self) -> CorpusHolders {
        let rows = |map: BTreeMap<String, Accumulated>| {
            let mut rows: Vec<CorpusRow> = map.into_values().map(|a| a.row).collect();
            rows.sort_by(|a, b| b.total().cmp(&a.total()).then_with(|| a.name.cmp(&b.name)));
            rows
        };
        CorpusHolders {
            labels: self.labels,
            articles: self.articles,
            dated_articles: self.dated,
            unattributed: self.unattributed,
            holders: rows(self.holders),
            countries: rows(self.countries),
            timeline: (self.timeline.into_iter())
                .map(|((country, month), counts)| MonthCounts { country, month, counts })
                .collect(),
        }
    }
}

fn add(
    map: &mut BTreeMap<String, Accumulated>,
    key: String,
    country: Option<String>,
    article: &str,
    date: Option<&str>,
    position: usize,
    s: &StanceSentence<'_>,
) {
    let example = || Example {
        article: article.to_owned(),
        sentence: s.sentence,
        text: s.text.to_owned(),
        label: s.label.to_owned(),
        confidence: s.confidence,
    };
    let here = (date.map(str::to_owned), position);
    let entry = map.entry(key.clone()).or_insert_with(|| Accumulated {
        row: CorpusRow {
            name: key,
            country,
            counts: BTreeMap::new(),
            articles: 0,
            first_article: article.to_owned(),
            last_article: article.to_owned(),
            example: example(),
        },
        first: here.clone(),
        last: here.clone(),
        last_counted_article: None,
    });
    *entry.row.counts.entry(s.label.to_owned()).or_insert(0) += 1;
    if entry.last_counted_article != Some(position) {
        entry.row.articles += 1;
        entry.last_counted_article = Some(position);
    }
    if s.confidence > entry.row.example.confidence {
        entry.row.example = example();
    }
    // Dated articles order by date (undated ones by input position, after dated ones).
    let key = |at: &(Option<String>, usize)| (at.0.is_none(), at.0.clone(), at.1);
    if key(&here) < key(&entry.first) {
        entry.first = here.clone();
        entry.row.first_article = article.to_owned();
    }
    if key(&here) > key(&entry.last) {
        entry.last = here;
        entry.row.last_article = article.to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribution<'a>(holder: &'a str, country: &'a str) -> (&'a str, &'a str) {
        (holder, country)
    }

    #[test]
    fn article_holders_merge_variants_and_keep_the_most_confident_sentence() {
        let aliases = AliasTable::builtin();
        let (a, b, c) = (
            attribution("Sergey Lavrov", "Russia"),
            attribution("Lavrov", "Russia"),
            attribution("Keir Starmer", "United Kingdom"),
        );
        let sentences = [
            StanceSentence {
                sentence: 1,
                text: "one",
                label: "oppose",
                confidence: 0.6,
                holder: a.0,
                country: Some(a.1),
            },
            StanceSentence {
                sentence: 2,
                text: "two",
                label: "oppose",
                confidence: 0.9,
                holder: b.0,
                country: Some(b.1),
            },
            StanceSentence {
                sentence: 3,
                text: "three",
                label: "support",
                confidence: 0.7,
                holder: c.0,
                country: Some(c.1),
            },
        ];
        let holders = article_holders(&aliases, &sentences);
        assert_eq!(holders.len(), 2);
        assert_eq!(
            (holders[0].holder.as_str(), holders[0].total(), holders[0].best.sentence),
            ("Sergey Lavrov", 2, 2)
        );
        assert_eq!(holders[1].counts, BTreeMap::from([("support".to_owned(), 1)]));
    }

    #[test]
    fn corpus_rows_count_articles_order_by_date_and_fill_the_timeline() {
        let aliases = AliasTable::builtin();
        let lavrov = attribution("Sergei Lavrov", "Russia");
        let peskov = attribution("Dmitry Peskov", "Russia");
        let s = |holder: &(&'static str, &'static str), label, confidence| StanceSentence {
            sentence: 1,
            text: "t",
            label,
            confidence,
            holder: holder.0,
            country: Some(holder.1),
        };
        let mut builder = CorpusBuilder::new(&aliases, vec!["support".into(), "oppose".into()]);
        builder.add_article(
            "late.txt",
            Some("2025-03-02"),
            &[s(&lavrov, "oppose", 0.5), s(&lavrov, "oppose", 0.8)],
            1,
        );
        builder.add_article(
            "early.txt",
            Some("2025-01-10"),
            &[s(&peskov, "support", 0.6), s(&lavrov, "oppose", 0.4)],
            0,
        );
        builder.add_article("undated.txt", None, &[s(&peskov, "oppose", 0.9)], 2);
        let table = builder.finish();
        assert_eq!((table.articles, table.dated_articles, table.unattributed), (3, 2, 3));
        let lavrov = &table.holders[0];
        assert_eq!((lavrov.name.as_str(), lavrov.total(), lavrov.articles), ("Sergei Lavrov", 3, 2));
        assert_eq!((lavrov.first_article.as_str(), lavrov.last_article.as_str()), ("early.txt", "late.txt"));
        assert_eq!((lavrov.example.article.as_str(), lavrov.example.confidence), ("late.txt", 0.8));
        let russia = &table.countries[0];
        assert_eq!((russia.total(), russia.articles, russia.share("oppose")), (5, 3, 0.8));
        assert_eq!(russia.last_article, "undated.txt");
        let months: Vec<&str> = table.timeline.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(months, ["2025-01", "2025-03"]);
        assert_eq!(table.timeline[1].counts["oppose"], 2);
    }
}
