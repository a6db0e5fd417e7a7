//! Holder attribution for the sentences of one article: who holds the position each sentence
//! states or reports.
//!
//! The rules, in order: a reporting verb next to a name ("Lavrov said", "said Peskov", "Spain
//! says", "…, Foreign Minister Sergei Lavrov has said"); else the subject of the main clause (a
//! leading "Speaking in Paris," or "According to AP," skipped; countries after a preposition are
//! objects, "troops to Ukraine"); "he"/"she" resolve to the last person holder, "the minister"
//! to the article's person with that title (else the last holder), "the council" or "government
//! sources" to the last holder's country; a sentence wholly inside a quotation takes the speaker
//! named where the quotation closes, or the previous sentence's holder. Names are completed from
//! the whole article ("Fico" in a headline → "Robert Fico"), titles, demonyms and institutions
//! before a name give its country ("Kremlin spokesman Dmitry Peskov" → Russia).

use std::ops::Range;

use crate::aliases::{join_words, AliasTable, Entry, EntryKind};
use crate::tokens::{is_normal, mark_quotes, normalise_into, normalise_word, tokenize_into, Token};
use crate::words::*;

/// What kind of holder a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HolderKind {
    /// A named person.
    Person,
    /// A country or its government.
    Country,
    /// A building or office that keeps its name (the Kremlin).
    Institution,
    /// A party, alliance or other organisation.
    Organisation,
}

/// Which rule decided a holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A reporting verb next to the holder.
    Speech,
    /// The subject of the main clause.
    Subject,
    /// "he" or "she": the last person holder.
    Pronoun,
    /// A title or body without a name ("the minister", "the council").
    Title,
    /// Inside a quotation whose speaker another sentence names.
    Quotation,
}

impl Rule {
    /// A short name for explanations.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Speech => "reporting verb",
            Rule::Subject => "subject",
            Rule::Pronoun => "pronoun",
            Rule::Title => "title",
            Rule::Quotation => "quotation",
        }
    }
}

/// Where the words that decided a holder are: a sentence (0-based) and a byte range in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// 0-based index of the sentence in the article.
    pub sentence: usize,
    /// Byte range in that sentence.
    pub span: Range<usize>,
}

/// The holder of one sentence's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// The holder's name: a person's fullest name in the article, a country's canonical name,
    /// an institution's or organisation's name.
    pub holder: String,
    /// The holder's country, if it has one.
    pub country: Option<String>,
    /// What kind of holder it is.
    pub kind: HolderKind,
    /// The rule that decided it.
    pub rule: Rule,
    /// The words that decided it.
    pub cue: Cue,
    /// For a pronoun, title or quotation: where the holder was named.
    pub antecedent: Option<Cue>,
}

impl Attribution {
    /// A readable account of what decided the holder, for explanations: the rule and its words,
    /// and where a referred-back holder was named (`sentences`: the article's, as attributed).
    pub fn describe(&self, sentences: &[&str]) -> String {
        let words = |cue: &Cue| sentences.get(cue.sentence).and_then(|s| s.get(cue.span.clone()));
        let mut text = format!(
            "{}: “{}” (sentence {})",
            self.rule.describe(),
            words(&self.cue).unwrap_or_default(),
            self.cue.sentence + 1
        );
        if let Some(antecedent) = self.antecedent.as_ref().filter(|at| **at != self.cue) {
            text.push_str(&format!(
                ", named in sentence {}: “{}”",
                antecedent.sentence + 1,
                words(antecedent).unwrap_or_default()
            ));
        }
        text
    }
}

/// A holder as the rules pass it around.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Holder {
    name: String,
    country: Option<String>,
    kind: HolderKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Referent {
    Holder(Holder),
    /// An alias-table name (index of its entry): its holder is built when it is chosen.
    Entry(usize),
    /// A person learnt from the article (index into [`Names`]).
    Person(usize),
    Pronoun,
    /// A title ("the minister") or, with `body`, a body of state ("the council").
    Title {
        title: String,
        body: bool,
    },
    /// A capitalised name the rules know nothing about ("Podemos", "Tisza"): the tokens of
    /// its text ([`Sentence::name_text`]), written out only when it is chosen.
    Unknown(Range<usize>),
    /// A news outlet: it reports positions ("The Telegraph reported that …"), holds none.
    Media,
}

#[derive(Debug, Clone)]
struct Mention {
    tokens: Range<usize>,
    referent: Referent,
    /// Preceded by a preposition ("troops to Ukraine").
    object: bool,
}

/// A person named in the article.
#[derive(Debug, Clone)]
struct Person {
    full: String,
    words: Vec<String>,
    country: Option<String>,
    titles: Vec<String>,
    first_sentence: usize,
}

/// One sentence, tokenized.
struct Sentence<'a> {
    text: &'a str,
    tokens: &'a [Token],
    /// Per token: its normalised word, borrowed from `text` when that already is normal, else
    /// from the article's buffer of normalised words (see [`ArticleTokens`]).
    lower: &'a [&'a str],
    /// Per token: the word lists its normalised word is in (the rules ask many times of a
    /// token).
    classes: &'a [WordClasses],
    /// Per token: [`name_word`] (the rules ask it many times of a token).
    name_words: &'a [bool],
    /// First token after a dateline ("THE HAGUE —").
    start: usize,
    /// A quotation is open at the start of the sentence.
    open_at_start: bool,
    /// Per token: the longest alias-table name starting there (entry index, length in tokens).
    entries: &'a [Option<(usize, usize)>],
}

impl Sentence<'_> {
    fn is_name_word(&self, i: usize) -> bool {
        self.name_words[i]
    }

    /// Token `i`'s normalised word is one of `list`.
    fn is(&self, i: usize, list: &WordList) -> bool {
        self.classes[i].has(list)
    }

    fn unquoted_words(&self) -> impl Iterator<Item = usize> + '_ {
        (self.start..self.tokens.len()).filter(|&i| self.tokens[i].is_word && !self.tokens[i].quoted)
    }

    /// The text of a name span without a final possessive ending.
    fn name_text(&self, tokens: Range<usize>) -> String {
        let last = &self.tokens[tokens.end - 1];
        self.text[self.tokens[tokens.start].span.start..last.span.start + last.word_len].to_owned()
    }
}

/// Attributes holders with an alias table.
#[derive(Debug, Clone)]
pub struct HolderFinder {
    aliases: AliasTable,
}

impl Default for HolderFinder {
    fn default() -> Self {
        Self::new(AliasTable::builtin())
    }
}

/// What the rules remember from earlier sentences.
#[derive(Default)]
struct State {
    last_holder: Option<(Holder, Cue)>,
    last_person: Option<(Holder, Cue)>,
    last_country: Option<String>,
}

impl HolderFinder {
    /// A finder with this alias table.
    pub fn new(aliases: AliasTable) -> Self {
        Self { aliases }
    }

    /// Its alias table.
    pub fn aliases(&self) -> &AliasTable {
        &self.aliases
    }

    /// The holder of every sentence of an article, in order (`None`: nothing identifiable).
    /// Every sentence is attributed, since later ones refer back to earlier ones; a caller
    /// keeps those of the stance sentences.
    pub fn attribute_article(&self, sentences: &[&str]) -> Vec<Option<Attribution>> {
        self.attribute_until(sentences, sentences.len().saturating_sub(1))
    }

    /// [`HolderFinder::attribute_article`] for the sentences up to index `last` (0-based,
    /// included): each of them gets the holder `attribute_article` gives it, the sentences
    /// after it `None`. The whole article is read (names are learnt from all of it), but the
    /// rules run only as far as `last` and the quotation it may be inside, so a caller that
    /// needs the holders of the first few sentences (an article's stance sentences) does not
    /// pay for the rest.
    pub fn attribute_until(&self, sentences: &[&str], last: usize) -> Vec<Option<Attribution>> {
        let article = ArticleTokens::read(sentences);
        let lower = article.lower(sentences);
        let entries = alias_entries(&self.aliases, &article, &lower);
        let analysed = analyse(sentences, &article, &lower, &entries);
        let people = self.learn_people(&analysed);
        // A sentence wholly inside a quotation takes the speaker named where it closes: the
        // sentences of a quotation still open after `last` are attributed too.
        let mut end = (last + 1).min(analysed.len());
        while end < analysed.len() && analysed[end].open_at_start {
            end += 1;
        }
        let mut state = State::default();
        let mut found: Vec<Option<Attribution>> = Vec::with_capacity(sentences.len());
        let mut all_quoted = Vec::with_capacity(sentences.len());
        // One buffer of mentions for every sentence.
        let mut mentions = Vec::new();
        for (index, sentence) in analysed[..end].iter().enumerate() {
            self.mentions(sentence, &people, &mut mentions);
            let attribution = self.decide(index, sentence, &mentions, &people, &state);
            for m in mentions.iter().filter(|m| !m.object) {
                if let Some(country) = self.country_of_referent(&m.referent, &people) {
                    if !matches!(m.referent, Referent::Person(_)) {
                        state.last_country = Some(country);
                    }
                }
            }
            if let Some(a) = &attribution {
                // "the minister said" of an unnamed minister: a later "he" is the same speaker.
                let cue_words = &sentence.text[a.cue.span.clone()];
                let titled = a.rule == Rule::Title
                    && cue_words.split_whitespace().any(|w| is_in(&PERSON_TITLES, &normalise_word(w)));
                remember(&mut state, a, titled);
            }
            all_quoted.push(
                sentence.unquoted_words().next().is_none() && sentence.tokens.iter().any(|t| t.is_word),
            );
            found.push(attribution);
        }
        // Sentences wholly inside a quotation: the speaker named where it closes, else the
        // previous sentence's holder (a quotation continuing after "…, the minister said.").
        let attributed = (last + 1).min(found.len());
        for index in 0..attributed {
            if found[index].is_some() || !all_quoted[index] {
                continue;
            }
            let closing = (index + 1..found.len())
                .take_while(|&j| analysed[j].open_at_start)
                .find_map(|j| found[j].as_ref().filter(|_| !all_quoted[j]));
            let source = closing.or(index.checked_sub(1).and_then(|p| found[p].as_ref()));
            if let Some(source) = source.cloned() {
                found[index] = Some(Attribution {
                    rule: Rule::Quotation,
                    antecedent: Some(source.cue.clone()),
                    cue: source.cue,
                    ..source
                });
            }
        }
        // The quotation's sentences after `last` were only read for its speaker.
        found.truncate(attributed);
        found.resize(sentences.len(), None);
        found
    }

    /// The people the article names with a title, a known name, or as the subject of a
    /// reporting verb; names are merged by their last words ("Lavrov" into "Sergei Lavrov").
    fn learn_people(&self, sentences: &[Sentence<'_>]) -> Vec<Person> {
        let mut people: Vec<Person> = Vec::new();
        let mut last_country: Option<String> = None;
        // One buffer for the alias-table keys of every name looked up.
        let mut key = String::new();
        for (index, s) in sentences.iter().enumerate() {
            let mut i = s.start;
            while i < s.tokens.len() {
                if !s.is_name_word(i)
                    || self.table_entry_at(s, i).is_some_and(|(e, _)| e.kind != EntryKind::Person)
                {
                    i += 1;
                    continue;
                }
                let end = self.name_end(s, i);
                let words = &s.lower[i..end];
                let (titles, modifier_country) = self.modifiers(s, i);
                let known = self.aliases.lookup(words, &mut key).filter(|e| e.kind == EntryKind::Person);
                let reported =
                    (2..=3).contains(&(end - i)) && (speech_follows(s, end) || appositive_follows(s, end));
                if !is_organisation(words)
                    && (known.is_some()
                        || !titles.is_empty()
                        || reported
                        || modifier_country.is_some() && end - i >= 2)
                {
                    let country = modifier_country
                        .or_else(|| known.and_then(|e| e.country.clone()))
                        .or_else(|| self.subject_countries(s).next().cloned())
                        .or_else(|| last_country.clone());
                    let full = s.name_text(i..end);
                    let words = words.iter().map(|w| w.to_string()).collect();
                    learn(&mut people, Person { full, words, country, titles, first_sentence: index });
                }
                i = end;
            }
            if let Some(country) = self.subject_countries(s).last() {
                last_country = Some(country.clone());
            }
        }
        // A known person the article names by surname only takes the table's full name.
        for person in &mut people {
            if let Some(entry) =
                self.aliases.lookup(&person.words, &mut key).filter(|e| e.kind == EntryKind::Person)
            {
                if crate::aliases::word_count(&entry.canonical) > person.words.len() {
                    person.full = entry.canonical.clone();
                }
            }
        }
        people
    }

    /// The end (exclusive) of the name span starting at `i`.
    fn name_end(&self, s: &Sentence<'_>, i: usize) -> usize {
        let mut end = i + 1;
        while !s.tokens[end - 1].possessive
            && end < s.tokens.len()
            && s.is_name_word(end)
            && !self.table_entry_at(s, end).is_some_and(|(e, _)| is_countryish(e))
            && end - i < 4
        {
            end += 1;
        }
        end
    }

    /// The longest alias-table entry starting at token `i`, with its length in tokens.
    fn table_entry_at(&self, s: &Sentence<'_>, i: usize) -> Option<(&Entry, usize)> {
        s.entries[i].map(|(entry, len)| (self.aliases.entry_at(entry), len))
    }

    /// The entry of a table name ending at token `end - 1` (exclusive `end`), with its start.
    fn table_entry_ending(&self, s: &Sentence<'_>, end: usize) -> Option<(&Entry, usize)> {
        (1..=self.aliases.longest().min(end)).rev().find_map(|len| {
            let start = end - len;
            self.table_entry_at(s, start).filter(|&(_, l)| l == len).map(|(e, _)| (e, start))
        })
    }

    /// Titles and the country before a name ("Russian Foreign Minister", "Kremlin
    /// spokesman"); a title is the phrase of its qualifiers and title words ("foreign minister").
    fn modifiers(&self, s: &Sentence<'_>, name_start: usize) -> (Vec<String>, Option<String>) {
        let mut titles = Vec::new();
        let mut country = None;
        let mut phrase: Vec<&str> = Vec::new();
        let mut j = name_start;
        while j > s.start {
            let word = s.lower[j - 1];
            if s.is(j - 1, &PERSON_TITLES) || s.is(j - 1, &TITLE_QUALIFIERS) && !phrase.is_empty() {
                if word != "sir" {
                    phrase.insert(0, word);
                }
                j -= 1;
            } else if s.is(j - 1, &TITLE_QUALIFIERS) || s.is(j - 1, &BODIES) {
                j -= 1;
            } else if let Some((entry, start)) = self.table_entry_ending(s, j) {
                if !is_countryish(entry) {
                    break;
                }
                country = country.or_else(|| entry.country.clone());
                j = start;
            } else {
                break;
            }
        }
        if !phrase.is_empty() {
            titles.push(phrase.join(" "));
        }
        (titles, country)
    }

    /// The countries a sentence names outside prepositional phrases ("Finland is ready", not
    /// "troops to Ukraine"), in order: the countries its people may speak for.
    fn subject_countries<'s>(&'s self, s: &'s Sentence<'_>) -> impl Iterator<Item = &'s String> + 's {
        let mut i = s.start;
        std::iter::from_fn(move || {
            while i < s.tokens.len() {
                match self.table_entry_at(s, i) {
                    Some((entry, len)) => {
                        let at = i;
                        i += len;
                        if is_countryish(entry) && !after_preposition(s, at) {
                            if let Some(country) = &entry.country {
                                return Some(country);
                            }
                        }
                    }
                    None => i += 1,
                }
            }
            None
        })
    }

    /// Every mention of a possible holder in the sentence, in order, in `mentions` (cleared
    /// first).
    fn mentions(&self, s: &Sentence<'_>, people: &[Person], mentions: &mut Vec<Mention>) {
        mentions.clear();
        let mut i = s.start;
        while i < s.tokens.len() {
            if !s.tokens[i].is_word {
                i += 1;
                continue;
            }
            let object = after_preposition(s, i);
            if let Some((index, len)) = s.entries[i] {
                let entry = self.aliases.entry_at(index);
                let after = i + len;
                match entry.kind {
                    EntryKind::Media => {
                        mentions.push(Mention { tokens: i..after, referent: Referent::Media, object })
                    }
                    EntryKind::Person => {
                        let referent = match find_person(people, &s.lower[i..after]) {
                            Some(p) => Referent::Person(p),
                            None => Referent::Entry(index),
                        };
                        mentions.push(Mention { tokens: i..after, referent, object });
                    }
                    EntryKind::Demonym => {
                        if let Some(end) = self.body_after(s, after) {
                            let holder =
                                country_holder(entry.country.clone().expect("a demonym has a country"));
                            mentions.push(Mention {
                                tokens: i..end,
                                referent: Referent::Holder(holder),
                                object,
                            });
                            i = end;
                            continue;
                        }
                    }
                    _ => {
                        if !self.person_follows(s, after) {
                            let mut end = after;
                            // "Romania's Supreme Defence Council": the country's body is the country.
                            if s.tokens[after - 1].possessive && is_countryish(entry) {
                                while end < s.tokens.len()
                                    && s.tokens[end].is_word
                                    && s.tokens[end].capitalised(s.text)
                                {
                                    end += 1;
                                }
                            }
                            mentions.push(Mention {
                                tokens: i..end,
                                referent: Referent::Entry(index),
                                object,
                            });
                            i = end;
                            continue;
                        }
                    }
                }
                i = after;
                continue;
            }
            if s.is_name_word(i) {
                let end = self.name_end(s, i);
                let words = &s.lower[i..end];
                if let Some(p) = find_person(people, words).filter(|_| !is_organisation(words)) {
                    let (titles, _) = self.modifiers(s, i);
                    let start = if titles.is_empty() { i } else { self.modifier_start(s, i) };
                    mentions.push(Mention { tokens: start..end, referent: Referent::Person(p), object });
                    i = end;
                    continue;
                }
                // An organisation: a capitalised span with connectors, or one before "party".
                let org_end = self.organisation_end(s, i);
                if let Some(org_end) = org_end {
                    let named_end = if one_of(&["party", "movement", "bloc"], s.lower[org_end - 1])
                        && !s.tokens[org_end - 1].capitalised(s.text)
                    {
                        org_end - 1
                    } else {
                        org_end
                    };
                    let name = i..named_end.max(i + 1);
                    mentions.push(Mention { tokens: i..org_end, referent: Referent::Unknown(name), object });
                    i = org_end;
                    continue;
                }
                mentions.push(Mention { tokens: i..end, referent: Referent::Unknown(i..end), object });
                i = end;
                continue;
            }
            if s.is(i, &PERSON_PRONOUNS) {
                mentions.push(Mention { tokens: i..i + 1, referent: Referent::Pronoun, object });
                i += 1;
                continue;
            }
            if let Some((end, title, body)) = self.title_at(s, i) {
                mentions.push(Mention { tokens: i..end, referent: Referent::Title { title, body }, object });
                i = end;
                continue;
            }
            i += 1;
        }
    }

    /// Where the titles before a name start.
    fn modifier_start(&self, s: &Sentence<'_>, name_start: usize) -> usize {
        let mut j = name_start;
        while j > s.start && (s.is(j - 1, &PERSON_TITLES) || s.is(j - 1, &TITLE_QUALIFIERS)) {
            j -= 1;
        }
        j
    }

    /// A person's name follows after titles ("Kremlin spokesman Dmitry Peskov").
    fn person_follows(&self, s: &Sentence<'_>, from: usize) -> bool {
        let mut j = from;
        let mut titled = false;
        while j < s.tokens.len()
            && (s.is(j, &PERSON_TITLES) || s.is(j, &TITLE_QUALIFIERS) || s.is(j, &BODIES))
        {
            titled |= s.is(j, &PERSON_TITLES);
            j += 1;
        }
        titled && j < s.tokens.len() && s.is_name_word(j)
    }

    /// After a demonym: qualifiers then a body of state not followed by a name ("Russian
    /// foreign ministry", "Greek officials"); the end of the body.
    fn body_after(&self, s: &Sentence<'_>, from: usize) -> Option<usize> {
        let mut j = from;
        while j < s.tokens.len()
            && s.tokens[j].is_word
            && !s.is(j, &BODIES)
            && (s.is(j, &TITLE_QUALIFIERS) || s.is(j, &PERSON_TITLES) && s.tokens[j].possessive)
        {
            j += 1;
        }
        (j < s.tokens.len() && s.is(j, &BODIES) && !self.person_follows(s, from)).then_some(j + 1)
    }

    /// A capitalised organisation name starting at `i` ("Party for Freedom", "Communist
    /// Party", "AUR party"): its end.
    fn organisation_end(&self, s: &Sentence<'_>, i: usize) -> Option<usize> {
        let mut j = i;
        let mut end = None;
        while j < s.tokens.len() && s.tokens[j].is_word {
            let lower = &s.lower[j];
            let capital = s.tokens[j].capitalised(s.text);
            if capital && (end.is_some() || s.is(j, &ORGANISATION_WORDS)) {
                end = Some(j + 1);
            } else if !capital && one_of(&["party", "movement"], lower) && j > i {
                return Some(j + 1);
            } else if !(capital || (one_of(&["of", "for", "the"], lower) && j > i)) {
                break;
            }
            if s.tokens[j].possessive {
                break;
            }
            j += 1;
        }
        end
    }

    /// A title or body without a name at `i` ("the minister", "government sources", "its
    /// leader", "prime minister's office"): its end, the title phrase ("defence minister") or body
    /// word, and whether it is a body.
    fn title_at(&self, s: &Sentence<'_>, i: usize) -> Option<(usize, String, bool)> {
        let mut j = i;
        if s.is(j, &DETERMINERS) {
            j += 1;
        }
        let phrase_start = j;
        let phrase = |end: usize| s.lower[phrase_start..end].join(" ");
        while j < s.tokens.len() && s.tokens[j].is_word {
            let lower = &s.lower[j];
            if s.is(j, &BODIES) && !s.tokens[j].possessive {
                if j + 1 < s.tokens.len() && s.is_name_word(j + 1) {
                    return None;
                }
                return Some((j + 1, lower.to_string(), true));
            }
            if s.is(j, &PERSON_TITLES) {
                if s.tokens[j].possessive {
                    j += 1;
                    continue;
                }
                if j + 1 < s.tokens.len() && (s.is(j + 1, &BODIES) || s.is(j + 1, &PERSON_TITLES)) {
                    j += 1;
                    continue;
                }
                if j + 1 < s.tokens.len() && s.is_name_word(j + 1) {
                    return None;
                }
                return Some((j + 1, phrase(j + 1), false));
            }
            if s.is(j, &TITLE_QUALIFIERS) && !s.tokens[j].capitalised(s.text) {
                j += 1;
                continue;
            }
            break;
        }
        None
    }

    /// The holder of one sentence from its own words (quotations filled in later).
    fn decide(
        &self,
        index: usize,
        s: &Sentence<'_>,
        mentions: &[Mention],
        people: &[Person],
        state: &State,
    ) -> Option<Attribution> {
        let clause = main_clause_start(s);
        let unquoted: Vec<&Mention> = mentions
            .iter()
            .filter(|m| {
                !s.tokens[m.tokens.start].quoted && m.tokens.start >= clause && m.referent != Referent::Media
            })
            .collect();
        // A reporting verb with a holder before it ("Lavrov said", "X, the leader of Y, said")
        // or after it ("said Peskov").
        let has_speech = (clause..s.tokens.len()).any(|k| !s.tokens[k].quoted && s.is(k, &SPEECH_VERBS));
        for k in clause..s.tokens.len() {
            if s.tokens[k].quoted || !s.is(k, &SPEECH_VERBS) {
                continue;
            }
            let (direct, parenthesis) = subject_end_before(s, k);
            let before = |m: &&&Mention| {
                !m.object
                    && (m.tokens.end == direct
                        || parenthesis.as_ref().is_some_and(|p| m.tokens.end == p.start))
            };
            // "Its leader, Michal Simecka, said", "The main opposition party, Tisza, said": the
            // name in the parenthesis.
            let named_inside = |m: &&&Mention| {
                parenthesis.as_ref().is_some_and(|p| m.tokens == (p.start + 1..p.end))
                    && matches!(
                        m.referent,
                        Referent::Person(_) | Referent::Unknown(_) | Referent::Holder(_) | Referent::Entry(_)
                    )
            };
            let chosen = match unquoted.iter().find(before) {
                Some(m) if matches!(m.referent, Referent::Title { .. }) => {
                    unquoted.iter().find(named_inside).or(Some(m))
                }
                Some(m) => Some(m),
                None => unquoted.iter().find(named_inside),
            }
            .or_else(|| {
                unquoted.iter().find(|m| {
                    m.tokens.start == k + 1
                        && s.is(k, &INVERTED_VERBS)
                        && !matches!(m.referent, Referent::Unknown(_))
                })
            });
            // "which Kyiv sees": a relative clause's subject holds no position of the sentence.
            let chosen = chosen.filter(|m| m.tokens.start == 0 || !s.is(m.tokens.start - 1, &RELATIVES));
            // "Britain and France signed": the first of coordinated holders.
            let chosen = chosen.map(|m| first_of_coordination(s, &unquoted, m));
            if let Some(m) = chosen {
                let cue_tokens = m.tokens.start.min(k)..m.tokens.end.max(k + 1);
                if let Some(a) = self.resolve(index, s, m, cue_tokens, Rule::Speech, people, state) {
                    return Some(a);
                }
            }
        }
        // The subject of the main clause, before any "that" or "whether" clause.
        // A news outlet's report ("The Telegraph reported that Macron …") is the exception.
        let subordinate = (clause..s.tokens.len())
            .find(|&i| !s.tokens[i].quoted && s.is(i, &SUBORDINATORS))
            .filter(|&at| !mentions.iter().any(|m| m.referent == Referent::Media && m.tokens.start < at));
        let first = unquoted.iter().find(|m| {
            !m.object
                && subordinate.is_none_or(|at| m.tokens.start < at)
                && match m.referent {
                    Referent::Unknown(_) => has_speech && m.tokens.start <= clause + 1,
                    Referent::Pronoun => m.tokens.start <= clause + 1,
                    _ => true,
                }
        })?;
        self.resolve(index, s, first, first.tokens.clone(), Rule::Subject, people, state)
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &self,
        index: usize,
        s: &Sentence<'_>,
        mention: &Mention,
        cue_tokens: Range<usize>,
        rule: Rule,
        people: &[Person],
        state: &State,
    ) -> Option<Attribution> {
        let cue = Cue {
            sentence: index,
            span: s.tokens[cue_tokens.start].span.start..s.tokens[cue_tokens.end - 1].span.end,
        };
        let made = |holder: Holder, rule: Rule, antecedent: Option<Cue>| Attribution {
            holder: holder.name,
            country: holder.country,
            kind: holder.kind,
            rule,
            cue: cue.clone(),
            antecedent,
        };
        match &mention.referent {
            Referent::Holder(h) => Some(made(h.clone(), rule, None)),
            Referent::Entry(entry) => Some(made(holder_of(self.aliases.entry_at(*entry)), rule, None)),
            Referent::Person(p) => Some(made(person_holder(&people[*p]), rule, None)),
            Referent::Pronoun => {
                let (h, at) = state.last_person.clone()?;
                Some(made(h, Rule::Pronoun, Some(at)))
            }
            Referent::Title { title, body: false } => {
                let bare = !title.contains(' ');
                let titled = people
                    .iter()
                    .filter(|p| {
                        p.titles
                            .iter()
                            .any(|t| t == title || bare && t.rsplit(' ').next() == Some(title.as_str()))
                    })
                    .min_by_key(|p| (p.first_sentence > index, p.first_sentence.abs_diff(index)));
                if let Some(p) = titled {
                    return Some(made(person_holder(p), Rule::Title, None));
                }
                let (h, at) = state.last_holder.clone()?;
                Some(made(h, Rule::Title, Some(at)))
            }
            Referent::Title { body: true, .. } => {
                let (h, at) = state.last_holder.clone()?;
                let country = h.country.clone()?;
                Some(made(country_holder(country), Rule::Title, Some(at)))
            }
            Referent::Media => None,
            Referent::Unknown(name) => {
                let country = state
                    .last_holder
                    .as_ref()
                    .and_then(|(h, _)| h.country.clone())
                    .or_else(|| state.last_country.clone());
                let name = s.name_text(name.clone());
                Some(made(Holder { name, country, kind: HolderKind::Organisation }, rule, None))
            }
        }
    }

    fn country_of_referent(&self, referent: &Referent, people: &[Person]) -> Option<String> {
        match referent {
            Referent::Holder(h) if h.kind == HolderKind::Country || h.kind == HolderKind::Institution => {
                h.country.clone()
            }
            Referent::Entry(entry) => {
                let entry = self.aliases.entry_at(*entry);
                match holder_kind(entry.kind) {
                    HolderKind::Country | HolderKind::Institution => entry.country.clone(),
                    _ => None,
                }
            }
            Referent::Person(p) => people[*p].country.clone(),
            _ => None,
        }
    }
}

/// The token at `i` follows a preposition ("to Ukraine", "in the Kremlin").
fn after_preposition(s: &Sentence<'_>, i: usize) -> bool {
    i > 0 && s.is(i - 1, &OBJECT_PREPOSITIONS)
        || i > 1 && s.lower[i - 1] == "the" && s.is(i - 2, &OBJECT_PREPOSITIONS)
}

/// Updates what later sentences refer back to; `person_like`: the holder was named by a
/// person's title ("the minister"), so "he" may refer to it.
fn remember(state: &mut State, a: &Attribution, person_like: bool) {
    let holder = Holder { name: a.holder.clone(), country: a.country.clone(), kind: a.kind };
    let at = a.antecedent.clone().unwrap_or_else(|| a.cue.clone());
    if a.kind == HolderKind::Person || person_like {
        state.last_person = Some((holder.clone(), at.clone()));
    }
    if let Some(country) = &a.country {
        state.last_country = Some(country.clone());
    }
    state.last_holder = Some((holder, at));
}

/// The longest alias-table name starting at token `i`: (entry index, length in tokens). A
/// possessive last word matches a variant with or without its `'s`. `key` is a buffer for the
/// table keys of the runs of words tried, longest first.
fn entry_starting(
    aliases: &AliasTable,
    tokens: &[Token],
    lower: &[&str],
    i: usize,
    key: &mut String,
) -> Option<(usize, usize)> {
    let longest = aliases.longest_from(lower[i]).min(tokens.len() - i);
    if longest == 0 {
        return None;
    }
    join_words(&lower[i..i + longest], key);
    for len in (1..=longest).rev() {
        if len < longest {
            // The key of one word fewer: drop the space and the word after it.
            key.truncate(key.len() - lower[i + len].len() - 1);
        }
        if let Some(entry) = aliases.lookup_key(key) {
            return Some((entry, len));
        }
        if tokens[i + len - 1].possessive {
            let words = key.len();
            key.push_str("'s");
            let found = aliases.lookup_key(key);
            key.truncate(words);
            if let Some(entry) = found {
                return Some((entry, len));
            }
        }
    }
    None
}

/// The tokens of an article's sentences and what the rules ask of each, one buffer each for
/// the whole article (a sentence's are a range of them, [`Sentence`] borrows it), so an
/// article costs a few allocations, not a few per sentence.
#[derive(Default)]
struct ArticleTokens {
    tokens: Vec<Token>,
    /// Per token: the word lists its normalised word is in.
    classes: Vec<WordClasses>,
    /// Per token: [`name_word`].
    name_words: Vec<bool>,
    /// Per token: its normalised word's bytes in `normal`, or `None` when its word in the
    /// text is already normal (most words).
    normalised: Vec<Option<Range<usize>>>,
    /// The normalised words that differ from the text (capitalised ones, mostly), one after
    /// the other, instead of a string each.
    normal: String,
    /// Per sentence: its range of tokens, and whether a quotation is open at its start.
    sentences: Vec<(Range<usize>, bool)>,
}

impl ArticleTokens {
    /// Tokenizes `sentences`, with their words' lists and name-word flags.
    fn read(sentences: &[&str]) -> Self {
        // Every per-token buffer sized once for the whole article (about one token per five
        // bytes, as `tokenize_into` reckons), not grown, and copied, sentence by sentence.
        let tokens = sentences.iter().map(|text| text.len() / 5 + 1).sum();
        let mut article = Self {
            tokens: Vec::with_capacity(tokens),
            classes: Vec::with_capacity(tokens),
            name_words: Vec::with_capacity(tokens),
            normalised: Vec::with_capacity(tokens),
            normal: String::new(),
            sentences: Vec::with_capacity(sentences.len()),
        };
        let mut open = false;
        for &text in sentences {
            let first = article.tokens.len();
            tokenize_into(text, &mut article.tokens);
            let open_at_start = open;
            open = mark_quotes(text, &mut article.tokens[first..], open);
            let added = article.tokens.len() - first;
            article.classes.reserve(added);
            article.name_words.reserve(added);
            article.normalised.reserve(added);
            for token in &article.tokens[first..] {
                let word = token.word(text);
                let class = if is_normal(word) {
                    article.normalised.push(None);
                    word_classes(word)
                } else {
                    let start = article.normal.len();
                    normalise_into(word, &mut article.normal);
                    article.normalised.push(Some(start..article.normal.len()));
                    word_classes(&article.normal[start..])
                };
                article.classes.push(class);
                article.name_words.push(name_word(text, token, class));
            }
            article.sentences.push((first..article.tokens.len(), open_at_start));
        }
        article
    }

    /// Every token's normalised word, in order (`sentences`: those [`ArticleTokens::read`]
    /// read).
    fn lower<'a>(&'a self, sentences: &[&'a str]) -> Vec<&'a str> {
        let mut lower = Vec::with_capacity(self.tokens.len());
        for (&text, (range, _)) in sentences.iter().zip(&self.sentences) {
            lower.extend(self.tokens[range.clone()].iter().zip(&self.normalised[range.clone()]).map(
                |(token, normalised)| match normalised {
                    None => token.word(text),
                    Some(at) => &self.normal[at.clone()],
                },
            ));
        }
        lower
    }
}

/// Tokenizes and looks up the sentences of an article: `article` and `lower` (its tokens and
/// their normalised words, [`ArticleTokens::lower`]) and `entries` (per token: the longest
/// alias-table name starting there, [`alias_entries`]) cut into sentences.
fn analyse<'a>(
    sentences: &[&'a str],
    article: &'a ArticleTokens,
    lower: &'a [&'a str],
    entries: &'a [Option<(usize, usize)>],
) -> Vec<Sentence<'a>> {
    sentences
        .iter()
        .zip(&article.sentences)
        .map(|(&text, (range, open_at_start))| {
            let tokens = &article.tokens[range.clone()];
            Sentence {
                text,
                tokens,
                lower: &lower[range.clone()],
                classes: &article.classes[range.clone()],
                name_words: &article.name_words[range.clone()],
                start: dateline_end(text, tokens),
                open_at_start: *open_at_start,
                entries: &entries[range.clone()],
            }
        })
        .collect()
}

/// Per token of `article`: the longest alias-table name starting there ([`entry_starting`]),
/// `None` for punctuation.
fn alias_entries(
    aliases: &AliasTable,
    article: &ArticleTokens,
    lower: &[&str],
) -> Vec<Option<(usize, usize)>> {
    let mut key = String::new();
    let mut entries = Vec::with_capacity(article.tokens.len());
    for (range, _) in &article.sentences {
        let (tokens, lower) = (&article.tokens[range.clone()], &lower[range.clone()]);
        entries.extend((0..tokens.len()).map(|i| {
            tokens[i].is_word.then(|| entry_starting(aliases, tokens, lower, i, &mut key)).flatten()
        }));
    }
    entries
}

/// A capitalised word that may be (part of) a name: no function word, title, qualifier or
/// number (`classes`: the lists its lower-case word is in).
fn name_word(text: &str, token: &Token, classes: WordClasses) -> bool {
    token.is_word
        && token.capitalised(text)
        && !classes.has(&NOT_NAMES)
        && !classes.has(&ADJUNCT_STARTS)
        && !classes.has(&PERSON_TITLES)
        && !classes.has(&TITLE_QUALIFIERS)
        && !token.word(text).chars().all(|c| c.is_ascii_digit())
}

/// "THE HAGUE —", "MOSCOW/WASHINGTON:": upper-case words then a dash or colon open a wire
/// story; the sentence starts after them.
fn dateline_end(text: &str, tokens: &[Token]) -> usize {
    for (i, t) in tokens.iter().enumerate().take(6) {
        let mark = &text[t.span.clone()];
        if !t.is_word && ["—", "–", ":", "-"].contains(&mark) {
            let upper = tokens[..i].iter().filter(|t| t.is_word).all(|t| {
                let w = t.word(text);
                w.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !w.chars().any(char::is_lowercase)
            });
            return if i > 0 && upper { i + 1 } else { 0 };
        }
        if !t.is_word && mark != "/" && mark != "," {
            return 0;
        }
    }
    0
}

/// After a leading adjunct and its comma ("Speaking in Paris, …"), else the first token.
fn main_clause_start(s: &Sentence<'_>) -> usize {
    let first = (s.start..s.tokens.len()).find(|&i| s.tokens[i].is_word);
    let Some(first) = first else { return s.start };
    if !s.is(first, &ADJUNCT_STARTS) {
        return s.start;
    }
    (first..s.tokens.len().min(first + 30))
        .find(|&i| !s.tokens[i].quoted && &s.text[s.tokens[i].span.clone()] == ",")
        .map_or(s.start, |comma| comma + 1)
}

/// Where a holder before the reporting verb at `verb` may end: right before it (auxiliaries
/// and days skipped); and the tokens of a parenthesis between commas right before it (",
/// the leader of the party,"), whose opening comma a holder may end at.
fn subject_end_before(s: &Sentence<'_>, verb: usize) -> (usize, Option<Range<usize>>) {
    let mut j = verb;
    while j > s.start && s.is(j - 1, &BETWEEN_SUBJECT_AND_VERB) {
        j -= 1;
    }
    let mut parenthesis = None;
    if j > s.start && &s.text[s.tokens[j - 1].span.clone()] == "," {
        let comma = j - 1;
        if let Some(open) = (comma.saturating_sub(16).max(s.start)..comma)
            .rev()
            .find(|&i| &s.text[s.tokens[i].span.clone()] == ",")
        {
            parenthesis = Some(open..comma);
        }
    }
    (j, parenthesis)
}

/// The first of holders joined by "and" that end with `m` ("Britain and France").
fn first_of_coordination<'m>(s: &Sentence<'_>, mentions: &[&'m Mention], mut m: &'m Mention) -> &'m Mention {
    while m.tokens.start >= 2 && s.lower[m.tokens.start - 1] == "and" {
        match mentions.iter().find(|other| other.tokens.end == m.tokens.start - 1) {
            Some(other) => m = other,
            None => break,
        }
    }
    m
}

fn speech_follows(s: &Sentence<'_>, from: usize) -> bool {
    let mut j = from;
    while j < s.tokens.len() && s.is(j, &BETWEEN_SUBJECT_AND_VERB) {
        j += 1;
    }
    j < s.tokens.len() && s.is(j, &SPEECH_VERBS)
}

/// ", the leader of …" or ", a former NATO general," after a name.
fn appositive_follows(s: &Sentence<'_>, from: usize) -> bool {
    from + 1 < s.tokens.len()
        && &s.text[s.tokens[from].span.clone()] == ","
        && (s.is(from + 1, &DETERMINERS) || s.is(from + 1, &PERSON_TITLES))
}

fn is_countryish(entry: &Entry) -> bool {
    matches!(
        entry.kind,
        EntryKind::Country | EntryKind::Capital | EntryKind::Demonym | EntryKind::Institution
    )
}

fn is_organisation<W: AsRef<str>>(words: &[W]) -> bool {
    words.iter().any(|w| is_in(&ORGANISATION_WORDS, w.as_ref()))
}

fn country_holder(country: String) -> Holder {
    Holder { name: country.clone(), country: Some(country), kind: HolderKind::Country }
}

/// The kind of holder an alias-table entry of this kind is.
fn holder_kind(kind: EntryKind) -> HolderKind {
    match kind {
        EntryKind::Country | EntryKind::Capital | EntryKind::Demonym => HolderKind::Country,
        EntryKind::Institution => HolderKind::Institution,
        EntryKind::Person => HolderKind::Person,
        EntryKind::Organisation | EntryKind::Media => HolderKind::Organisation,
    }
}

fn holder_of(entry: &Entry) -> Holder {
    Holder { name: entry.canonical.clone(), country: entry.country.clone(), kind: holder_kind(entry.kind) }
}

fn person_holder(p: &Person) -> Holder {
    Holder { name: p.full.clone(), country: p.country.clone(), kind: HolderKind::Person }
}

/// The article's person these words name: the whole name, or its last word(s).
fn find_person(people: &[Person], words: &[&str]) -> Option<usize> {
    people.iter().position(|p| {
        p.words.len() >= words.len()
            && p.words[p.words.len() - words.len()..].iter().zip(words).all(|(a, b)| a == b)
    })
}

/// Adds a person, merging it with one whose name ends the same way.
fn learn(people: &mut Vec<Person>, person: Person) {
    let same =
        people.iter().position(|p| p.words.ends_with(&person.words) || person.words.ends_with(&p.words));
    match same {
        Some(i) => {
            let known = &mut people[i];
            if person.words.len() > known.words.len() {
                known.full = person.full;
                known.words = person.words;
            }
            known.country = known.country.take().or(person.country);
            for title in person.titles {
                if !known.titles.contains(&title) {
                    known.titles.push(title);
                }
            }
        }
        None => people.push(person),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holders(sentences: &[&str]) -> Vec<Option<(String, Option<String>)>> {
        HolderFinder::default()
            .attribute_article(sentences)
            .into_iter()
            .map(|a| a.map(|a| (a.holder, a.country)))
            .collect()
    }

    fn one(holder: &str, country: &str) -> Option<(String, Option<String>)> {
        Some((holder.to_owned(), Some(country.to_owned()).filter(|c| !c.is_empty())))
    }

    #[test]
    fn describe_names_the_rule_its_words_and_where_a_pronoun_was_named() {
        let article = [
            "Russian Foreign Minister Sergey Lavrov rejected the plan.",
            "He said Western troops would be targets.",
        ];
        let found = HolderFinder::default().attribute_article(&article);
        let described: Vec<String> = found.iter().flatten().map(|a| a.describe(&article)).collect();
        assert_eq!(
            described,
            [
                "reporting verb: “Sergey Lavrov rejected” (sentence 1)",
                "pronoun: “He said” (sentence 2), named in sentence 1: “Sergey Lavrov rejected”",
            ]
        );
    }

    #[test]
    fn a_titled_name_with_a_demonym() {
        assert_eq!(
            holders(&["Russian Foreign Minister Sergei Lavrov said Western troops would be unacceptable."]),
            [one("Sergei Lavrov", "Russia")]
        );
        assert_eq!(holders(&["Estonia is prepared to send soldiers."]), [one("Estonia", "Estonia")]);
        assert_eq!(holders(&["The Kremlin said it was too early."]), [one("Kremlin", "Russia")]);
    }

    #[test]
    fn trailing_attribution_beats_the_subject() {
        assert_eq!(
            holders(&["Russia is against the deployment, Foreign Minister Sergei Lavrov has said."]),
            [one("Sergei Lavrov", "Russia")]
        );
        assert_eq!(
            holders(&["“I leave this without comment,” said Kremlin spokesman Dmitry Peskov."]),
            [one("Dmitry Peskov", "Russia")]
        );
    }

    #[test]
    fn pronouns_titles_and_quotations_refer_back() {
        let article = [
            "Slovak Prime Minister Robert Fico said his government would not send troops.",
            "He called the plan a dangerous fantasy.",
            "“Slovak soldiers are here to protect Slovakia and nowhere else.",
            "They will not be sent to Ukraine,” the prime minister added.",
            "Nothing was decided about the troops.",
        ];
        assert_eq!(
            holders(&article),
            [
                one("Robert Fico", "Slovakia"),
                one("Robert Fico", "Slovakia"),
                one("Robert Fico", "Slovakia"),
                one("Robert Fico", "Slovakia"),
                None
            ]
        );
        let found = HolderFinder::default().attribute_article(&article);
        assert_eq!(found[1].as_ref().unwrap().rule, Rule::Pronoun);
        assert_eq!(found[2].as_ref().unwrap().rule, Rule::Quotation);
        assert_eq!(found[2].as_ref().unwrap().cue.sentence, 3);
    }

    #[test]
    fn attributing_until_a_sentence_gives_the_whole_article_walk_up_to_it() {
        let article = [
            "Slovak Prime Minister Robert Fico said his government would not send troops.",
            "He called the plan a dangerous fantasy.",
            "“Slovak soldiers are here to protect Slovakia and nowhere else.",
            "“They will not go.",
            "They will not be sent to Ukraine,” the prime minister added.",
            "Nothing was decided about the troops.",
        ];
        let finder = HolderFinder::default();
        let whole = finder.attribute_article(&article);
        // The quotation of sentences 3 to 5 takes the speaker named in sentence 5.
        assert_eq!(whole[2].as_ref().map(|a| (a.rule, a.cue.sentence)), Some((Rule::Quotation, 4)));
        for last in 0..article.len() + 2 {
            let until = finder.attribute_until(&article, last);
            assert_eq!(until.len(), article.len());
            for (i, (got, want)) in until.iter().zip(&whole).enumerate() {
                assert_eq!(got.as_ref(), want.as_ref().filter(|_| i <= last), "last {last}, sentence {i}");
            }
        }
        assert!(finder.attribute_until(&[], 0).is_empty());
    }

    #[test]
    fn a_surname_in_a_headline_is_completed_from_the_article() {
        assert_eq!(
            holders(&[
                "Fico: no Slovak soldier will go",
                "BRATISLAVA — Slovak Prime Minister Robert Fico said no."
            ]),
            [one("Robert Fico", "Slovakia"), one("Robert Fico", "Slovakia")]
        );
    }

    #[test]
    fn leading_adjuncts_objects_and_bodies() {
        assert_eq!(
            holders(&["Speaking in Paris, Zelensky said allies were ready."]),
            [one("Volodymyr Zelensky", "Ukraine")]
        );
        assert_eq!(
            holders(&["Efforts to send troops to Ukraine met a sharp response from Moscow."]),
            [one("Russia", "Russia")]
        );
        assert_eq!(
            holders(&["The Russian embassy in Brussels said the soldiers would be targets."]),
            [one("Russia", "Russia")]
        );
        assert_eq!(
            holders(&["Japan weighs sending troops.", "The defence ministry said it would study the law."]),
            [one("Japan", "Japan"), one("Japan", "Japan")]
        );
        assert_eq!(holders(&["Some lawmakers have questioned the plan."]), [None]);
    }

    #[test]
    fn unknown_parties_take_the_last_country() {
        assert_eq!(
            holders(&["Portugal will send troops.", "The Communist Party said it would vote against."]),
            [one("Portugal", "Portugal"), one("Communist Party", "Portugal")]
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn article() -> impl Strategy<Value = Vec<String>> {
        let word = prop_oneof![
            Just("Lavrov".to_owned()),
            Just("said".to_owned()),
            Just("he".to_owned()),
            Just("the minister".to_owned()),
            Just("Russia’s".to_owned()),
            Just("“".to_owned()),
            Just("”".to_owned()),
            Just("\"".to_owned()),
            Just(",".to_owned()),
            Just("Kremlin spokesman".to_owned()),
            Just("MOSCOW —".to_owned()),
            "[A-Za-z’'´.\\-]{1,8}",
            "\\PC{0,6}",
        ];
        prop::collection::vec(prop::collection::vec(word, 0..14).prop_map(|w| w.join(" ")), 0..6)
    }

    proptest! {
        #[test]
        fn never_panics_and_cues_are_in_their_sentences(sentences in article()) {
            let refs: Vec<&str> = sentences.iter().map(String::as_str).collect();
            let found = HolderFinder::default().attribute_article(&refs);
            prop_assert_eq!(found.len(), refs.len());
            for a in found.into_iter().flatten() {
                prop_assert!(!a.holder.trim().is_empty());
                for cue in std::iter::once(&a.cue).chain(a.antecedent.as_ref()) {
                    let sentence = refs[cue.sentence];
                    prop_assert!(sentence.get(cue.span.clone()).is_some_and(|t| !t.is_empty()), "{:?} in {:?}", cue, sentence);
                }
                // A person's name is written as the article or the alias table spells it.
                if a.kind == HolderKind::Person {
                    let table = AliasTable::builtin();
                    prop_assert!(refs.iter().any(|s| s.contains(&a.holder)) || table.entry(&a.holder).is_some(), "{}", a.holder);
                }
            }
        }
    }
}
