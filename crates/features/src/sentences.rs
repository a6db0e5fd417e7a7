//! Sentence splitting tuned for scraped news text.
//!
//! News pages mix running prose with headlines that have no final period, bylines, bullet
//! lines and link lists. The splitter therefore treats every line as its own block, drops
//! blocks that carry no letter or digit (a lone `-`, `»`), trims bullet dashes, and inside a
//! block ends a sentence at `.`, `!`, `?` or `…` (plus any closing quotes or brackets) only
//! when whitespace and an uppercase letter, digit or opening quote follow, and the word
//! before a period is not a known abbreviation (`Mr.`, `Feb.`), an initial (`E.`) or a
//! dotted acronym (`U.S.`).

use std::ops::Range;

/// Words that end with a period without ending the sentence (compared lowercase, no dot).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "col", "lt", "sgt", "capt", "maj",
    "cmdr", "adm", "gov", "sen", "rep", "pres", "rev", "hon", "atty", "supt", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur",
    "thurs", "fri", "sat", "sun", "inc", "corp", "ltd", "co", "bros", "dept", "univ", "assn", "approx",
    "est", "vs", "no", "nos", "vol", "fig", "al", "ca", "cf", "pp", "op",
];

/// Closing punctuation that may follow a sentence terminator and still belongs to the sentence.
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '}')
}

/// Characters a new sentence may open with besides uppercase letters and digits.
fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '«' | '(' | '[' | '¿' | '¡' | '@' | '#')
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

/// Bullet and separator marks that page furniture puts at the start or end of a line.
fn is_bullet(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '•' | '*' | '·' | '|')
}

/// Splits `text` into sentences and returns their byte ranges in `text`, in order.
///
/// Every returned range is non-empty, trimmed of surrounding whitespace and bullet marks,
/// and contains at least one letter or digit.
///
/// ```
/// use stance_features::split_sentences;
/// let text = "Mr. Lavrov spoke in the U.S. on Feb. 3. He said \"No.\" Then he left.\nA headline";
/// let sentences: Vec<&str> = split_sentences(text).into_iter().map(|r| &text[r]).collect();
/// assert_eq!(
///     sentences,
///     ["Mr. Lavrov spoke in the U.S. on Feb. 3.", "He said \"No.\"", "Then he left.", "A headline"]
/// );
/// ```
pub fn split_sentences(text: &str) -> Vec<Range<usize>> {
    let mut sentences = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let block = trim_block(line);
        let offset = line_start + block.start;
        split_block(&line[block], offset, &mut sentences);
        line_start += line.len();
    }
    sentences
}

/// Convenience wrapper returning the sentence texts themselves.
pub fn sentences(text: &str) -> Vec<&str> {
    split_sentences(text).into_iter().map(|range| &text[range]).collect()
}

/// The range of `line` left after trimming whitespace and leading/trailing bullet marks.
fn trim_block(line: &str) -> Range<usize> {
    let mut start = 0;
    let mut end = line.len();
    loop {
        let piece = &line[start..end];
        let trimmed = piece.trim_start();
        start += piece.len() - trimmed.len();
        let piece = &line[start..end];
        let trimmed = piece.trim_end();
        end = start + trimmed.len();
        let piece = &line[start..end];
        // A bullet counts only when it stands alone as a word ("- text", "text -"),
        // so hyphenated words and negative numbers are left intact.
        let mut chars = piece.chars();
        match (chars.next(), chars.next()) {
            (Some(c), next) if is_bullet(c) && next.is_none_or(char::is_whitespace) => {
                start += c.len_utf8();
                continue;
            }
            _ => {}
        }
        let mut rev = piece.chars().rev();
        match (rev.next(), rev.next()) {
            (Some(c), Some(prev)) if is_bullet(c) && prev.is_whitespace() => {
                end -= c.len_utf8();
                continue;
            }
            _ => {}
        }
        return start..end;
    }
}

fn has_word_character(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// Splits one trimmed block into sentences, appending absolute ranges to `out`.
///
/// Works on byte offsets into `block` and looks ahead with `char_indices`, so a block costs no
/// memory beyond the ranges it yields, however long the line.
fn split_block(block: &str, offset: usize, out: &mut Vec<Range<usize>>) {
    let mut sentence_start = 0;
    let mut i = 0;
    while let Some(first_terminator) = find_terminator(block, i) {
        let run_end = skip_while(block, first_terminator, is_terminator);
        // End of the sentence if this is a boundary: after the terminators and any closers.
        let j = skip_while(block, run_end, is_closer);
        let k = skip_while(block, j, char::is_whitespace);
        let followed_by_space = k > j;
        let boundary = match block[k..].chars().next() {
            None => true,
            Some(next) => {
                followed_by_space
                    && starts_sentence(next)
                    && !is_abbreviation_period(block, first_terminator, &block[first_terminator..j], next)
            }
        };
        if boundary {
            push_sentence(block, sentence_start, j, offset, out);
            sentence_start = k;
            i = k;
        } else {
            i = j;
        }
    }
    push_sentence(block, sentence_start, block.len(), offset, out);
}

/// The byte offset of the first terminator ([`is_terminator`]) at or after byte `from`,
/// found by a byte search: `.`, `!` and `?` are single bytes, and `…` starts with the byte
/// 0xE2, checked in full only where that byte is.
fn find_terminator(block: &str, from: usize) -> Option<usize> {
    let bytes = block.as_bytes();
    let is_candidate = |b: u8| matches!(b, b'.' | b'!' | b'?' | 0xE2);
    let mut at = from;
    loop {
        // Most bytes of a sentence are no candidate: whole chunks of them are skipped by a test
        // without a branch per byte (a few vector instructions), several times faster than
        // the search a byte at a time below, which then looks at one chunk or the short tail.
        while let Some(chunk) = bytes.get(at..at + CHUNK).and_then(|c| <&[u8; CHUNK]>::try_from(c).ok()) {
            // Compares joined by `|`, not `matches!` (a table test the compiler keeps scalar).
            let any_candidate = |any, &b: &u8| any | (b == b'.') | (b == b'!') | (b == b'?') | (b == 0xE2);
            if chunk.iter().fold(false, any_candidate) {
                break;
            }
            at += CHUNK;
        }
        let position = at + bytes[at..].iter().position(|&b| is_candidate(b))?;
        if bytes[position] != 0xE2 || block[position..].starts_with('…') {
            return Some(position);
        }
        at = position + 1;
    }
}

/// Bytes [`find_terminator`] skips at a time.
const CHUNK: usize = 16;

/// The byte offset of the first character at or after `from` that does not satisfy `pred`
/// (`block.len()` if there is none).
fn skip_while(block: &str, from: usize, pred: impl Fn(char) -> bool) -> usize {
    block[from..].char_indices().find(|&(_, c)| !pred(c)).map_or(block.len(), |(at, _)| from + at)
}

fn push_sentence(block: &str, start: usize, end: usize, offset: usize, out: &mut Vec<Range<usize>>) {
    if start >= end {
        return;
    }
    let piece = &block[start..end];
    let trimmed = piece.trim();
    if trimmed.is_empty() || !has_word_character(trimmed) {
        return;
    }
    let lead = piece.len() - piece.trim_start().len();
    let begin = offset + start + lead;
    out.push(begin..begin + trimmed.len());
}

fn starts_sentence(c: char) -> bool {
    c.is_uppercase() || c.is_numeric() || is_opener(c)
}

/// True when the period at byte `dot` of `block` belongs to an abbreviation, an initial or a
/// dotted acronym rather than ending the sentence. `ending` is the period with the terminators
/// and closing quotes/brackets that follow it; only a lone period (`ending == "."`) qualifies.
fn is_abbreviation_period(block: &str, dot: usize, ending: &str, next: char) -> bool {
    if ending != "." {
        return false;
    }
    // The word before the period: back to whitespace or an opening bracket/quote.
    let start = block[..dot]
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '“' | '‘' | '«'))
        .map_or(0, |(at, c)| at + c.len_utf8());
    if start == dot {
        return false;
    }
    let word = &block[start..dot];
    let letters: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
    if letters.is_empty() {
        return false;
    }
    // "No. 5" is an abbreviation, "said no. Then" is not.
    if letters.eq_ignore_ascii_case("no") || letters.eq_ignore_ascii_case("nos") {
        return next.is_numeric();
    }
    let single_letter = letters.chars().count() == 1 && word.chars().all(char::is_alphabetic);
    let dotted_acronym = word.contains('.') && word.split('.').all(|part| part.chars().count() <= 2);
    single_letter && letters.chars().all(char::is_uppercase)
        || dotted_acronym
        || ABBREVIATIONS.contains(&letters.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn terminators_are_found_by_bytes_as_by_characters() {
        let block = "a – b … c. d! e? “f” ‘g’ — h…";
        let by_chars: Vec<usize> =
            block.char_indices().filter(|&(_, c)| is_terminator(c)).map(|(at, _)| at).collect();
        let mut by_bytes = Vec::new();
        let mut from = 0;
        while let Some(at) = find_terminator(block, from) {
            by_bytes.push(at);
            from = at + 1;
        }
        assert_eq!(by_bytes, by_chars);
        assert_eq!(find_terminator("no end – here", 0), None);
    }

    proptest::proptest! {
        /// The chunked byte search finds every terminator a character scan finds, from any
        /// start, in texts long enough to have whole chunks before, between and after them.
        #[test]
        fn chunked_search_finds_the_terminators_of_a_character_scan(
            text in "[a-z .!?…–“\n]{0,80}",
            from in 0usize..80,
        ) {
            let from = (0..=from.min(text.len())).rev().find(|&at| text.is_char_boundary(at)).unwrap_or(0);
            let expected =
                text[from..].char_indices().find(|&(_, c)| is_terminator(c)).map(|(at, _)| from + at);
            proptest::prop_assert_eq!(find_terminator(&text, from), expected);
        }
    }

    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text)
    }

    #[test]
    fn titles_months_and_acronyms_do_not_end_sentences() {
        assert_eq!(
            split("Mr. Peskov met Gen. Smith on Feb. 24 in the U.S. capital. It was cold."),
            ["Mr. Peskov met Gen. Smith on Feb. 24 in the U.S. capital.", "It was cold."]
        );
    }

    #[test]
    fn initials_stay_inside_the_sentence() {
        assert_eq!(
            split("David E. Kelley Breaks Vow. Next » N. Korean Troops Boost Russia’s War Effort"),
            ["David E. Kelley Breaks Vow.", "Next » N. Korean Troops Boost Russia’s War Effort"]
        );
    }

    #[test]
    fn closing_quotes_belong_to_the_sentence_they_end() {
        let text =
            "“These warnings remain valid,” she added. “All these units will be targets.” Moscow agreed.";
        assert_eq!(
            split(text),
            [
                "“These warnings remain valid,” she added.",
                "“All these units will be targets.”",
                "Moscow agreed."
            ]
        );
    }

    #[test]
    fn period_after_closing_quote_ends_the_sentence() {
        assert_eq!(
            split("It was “too early to talk about peacekeepers”. Trump disagreed."),
            ["It was “too early to talk about peacekeepers”.", "Trump disagreed."]
        );
    }

    #[test]
    fn quoted_speech_with_several_sentences_is_split_like_prose() {
        let text = "\"We see no room for compromise. They are not hiding it,\" Lavrov said.";
        assert_eq!(
            split(text),
            ["\"We see no room for compromise.", "They are not hiding it,\" Lavrov said."]
        );
    }

    #[test]
    fn a_period_closed_by_a_quote_ends_the_sentence_even_after_an_abbreviation() {
        assert_eq!(
            split("He said “we trust the U.S.” Then he left. Gen. Smith agreed."),
            ["He said “we trust the U.S.”", "Then he left.", "Gen. Smith agreed."]
        );
    }

    #[test]
    fn a_very_long_line_is_split_in_place() {
        let line = "Mr. Lavrov spoke in the U.S. on Feb. 3. ".repeat(50_000);
        let ranges = split_sentences(&line);
        assert_eq!(ranges.len(), 50_000);
        assert_eq!(&line[ranges[49_999].clone()], "Mr. Lavrov spoke in the U.S. on Feb. 3.");
        assert_eq!(ranges[1].start, "Mr. Lavrov spoke in the U.S. on Feb. 3. ".len());
    }

    #[test]
    fn lowercase_after_a_period_does_not_split() {
        assert_eq!(
            split("The 1,000-km front vs. the line. ok then."),
            ["The 1,000-km front vs. the line. ok then."]
        );
    }

    #[test]
    fn each_line_is_a_block_and_headlines_need_no_period() {
        let text = "Russia rejects possible deployment of European peacekeepers in Ukraine\nForeign Minister Sergey Lavrov spoke.\n\nAdvertisement\n";
        assert_eq!(
            split(text),
            [
                "Russia rejects possible deployment of European peacekeepers in Ukraine",
                "Foreign Minister Sergey Lavrov spoke.",
                "Advertisement"
            ]
        );
    }

    #[test]
    fn dash_lines_and_bullets_are_page_furniture() {
        let text = "-\nWinter Olympics 2026: Top Contenders Poised To Win Gold -\n- A bullet item\n»\nA well-known 5-2 score";
        assert_eq!(
            split(text),
            [
                "Winter Olympics 2026: Top Contenders Poised To Win Gold",
                "A bullet item",
                "A well-known 5-2 score"
            ]
        );
    }

    #[test]
    fn photo_credit_after_a_date_is_its_own_sentence() {
        let text =
            "Lavrov speaks in Moscow, Russia, Thursday, March 6, 2025. (AP Photo/Pavel Bednyakov, Pool)";
        assert_eq!(
            split(text),
            ["Lavrov speaks in Moscow, Russia, Thursday, March 6, 2025.", "(AP Photo/Pavel Bednyakov, Pool)"]
        );
    }

    #[test]
    fn sir_and_numbers_are_left_alone() {
        assert_eq!(
            split("British Prime Minister Sir Keir Starmer said the deal is “90% done,” though talks go on."),
            ["British Prime Minister Sir Keir Starmer said the deal is “90% done,” though talks go on."]
        );
    }

    #[test]
    fn crlf_and_trailing_ellipsis() {
        let text =
            "Homepage War Russia rejects peace plan: Western troops in Ukraine would be...\r\nNext line!\r\n";
        assert_eq!(
            split(text),
            ["Homepage War Russia rejects peace plan: Western troops in Ukraine would be...", "Next line!"]
        );
    }

    #[test]
    fn ranges_point_into_the_original_text() {
        let text = "  First one.  Second one?\n\n  - Third";
        for range in split_sentences(text) {
            let piece = &text[range.clone()];
            assert_eq!(piece, piece.trim());
            assert!(!piece.is_empty());
        }
        assert_eq!(split(text), ["First one.", "Second one?", "Third"]);
    }

    #[test]
    fn empty_and_symbol_only_text_gives_nothing() {
        assert!(split("").is_empty());
        assert!(split(" \n\t\n").is_empty());
        assert!(split("- \n » \n ...").is_empty());
    }
}
