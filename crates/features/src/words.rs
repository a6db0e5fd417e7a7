//! Word tokens: the UAX #29 words of a text (`unicode_segmentation`'s `unicode_words`), with
//! a one-pass splitter for ASCII text, where the rules reduce to a few byte classes.
//!
//! On ASCII input UAX #29 keeps letters, digits and `_` together (WB5, WB8–WB10, WB13a/b),
//! keeps `.`, `'` and `:` between two letters (WB6/WB7) and `.`, `,`, `;` and `'` between two
//! digits (WB11/WB12), and breaks everywhere else; a word is such a run with a letter or digit
//! in it. A property test checks the splitter against `unicode_word_indices` on ASCII text.
//!
//! Text with some non-ASCII characters (news has typographic quotes and dashes in most
//! paragraphs) is cut after ASCII whitespace followed by an ASCII byte: every rule breaks
//! there, and none looks across such a whitespace character (no rule joins whitespace to what
//! follows but WB3d and WB4, whose right sides, a second space and Extend/Format/ZWJ, the cut
//! excludes or leaves unaffected, and the rules with context on both sides, WB6/WB7/WB7b/WB7c/
//! WB11/WB12, have a MidLetter, MidNum, MidNumLetQ or Double_Quote in the middle, never
//! whitespace). So the pieces split alone give the words of the whole text: the ASCII pieces by
//! the byte splitter, only the pieces with a non-ASCII character by the general state machine.
//! Property tests check this against `unicode_word_indices` on mixed text.

use unicode_segmentation::UnicodeSegmentation;

/// Appends the byte range of every word of `text`, in order, to `out`.
pub(crate) fn word_ranges(text: &str, out: &mut Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    if text.is_ascii() {
        ascii_word_ranges(bytes, 0, out);
        return;
    }
    // `ascii_from`: where the ASCII text not yet split begins (0 or a cut).
    let mut ascii_from = 0;
    while let Some(first) = bytes[ascii_from..].iter().position(|b| !b.is_ascii()) {
        let first = ascii_from + first;
        // The piece around the non-ASCII byte: from the last cut before it (a cut space with an
        // ASCII byte after it) to the first cut after it.
        let before = &bytes[ascii_from..first.saturating_sub(1).max(ascii_from)];
        let piece =
            before.iter().rposition(|&b| is_cut_space(b)).map_or(ascii_from, |at| ascii_from + at + 1);
        let end = (first + 1..bytes.len())
            .find(|&end| is_cut_space(bytes[end - 1]) && bytes[end].is_ascii())
            .unwrap_or(bytes.len());
        ascii_word_ranges(&bytes[ascii_from..piece], ascii_from, out);
        // Cuts are before an ASCII byte or at the end: character boundaries.
        let words = text[piece..end].unicode_word_indices();
        out.extend(words.map(|(start, word)| (piece + start, piece + start + word.len())));
        ascii_from = end;
    }
    ascii_word_ranges(&bytes[ascii_from..], ascii_from, out);
}

/// ASCII whitespace after which (before an ASCII byte) UAX #29 always breaks, looking no
/// further back: space (WSegSpace), tab (Other), LF, CR.
fn is_cut_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// [`word_ranges`] of ASCII `bytes`, which start at byte `offset` of their text and end at its
/// end or after a cut space (so no separator at their end waits on a byte beyond).
fn ascii_word_ranges(bytes: &[u8], offset: usize, out: &mut Vec<(usize, usize)>) {
    let class = |i: usize| CLASS[bytes[i] as usize];
    let mut i = 0;
    while i < bytes.len() {
        if class(i) & CORE == 0 {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        loop {
            // The word's letters, digits and `_`: the tight loop most bytes go through.
            while i < bytes.len() && class(i) & CORE != 0 {
                i += 1;
            }
            // A separator stays when a letter or digit on each side allows it.
            if i + 1 < bytes.len() {
                let separator = class(i);
                let sides = class(i - 1) & class(i + 1);
                if (separator & BETWEEN_LETTERS != 0 && sides & LETTER != 0)
                    || (separator & BETWEEN_DIGITS != 0 && sides & DIGIT != 0)
                {
                    i += 2;
                    continue;
                }
            }
            break;
        }
        // A run of `_` alone is no word. Asked once the word has ended (its first byte answers
        // for most words), not of every byte on the way.
        if bytes[start..i].iter().any(|&b| CLASS[b as usize] & (LETTER | DIGIT) != 0) {
            out.push((offset + start, offset + i));
        }
    }
}

/// Byte classes of ASCII for the word rules.
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
/// Letters, digits and `_` (ALetter, Numeric, ExtendNumLet): the bytes a word is made of.
const CORE: u8 = 4;
/// MidLetter or MidNumLetQ: kept between two letters (WB6/WB7): "e.g", "don't", "a:b".
const BETWEEN_LETTERS: u8 = 8;
/// MidNum or MidNumLetQ: kept between two digits (WB11/WB12): "1,000", "3.14", "1;2".
const BETWEEN_DIGITS: u8 = 16;

/// The class bits of every byte (0 for non-ASCII bytes, which this table never sees).
const CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        class[b] = match c {
            b'a'..=b'z' | b'A'..=b'Z' => LETTER | CORE,
            b'0'..=b'9' => DIGIT | CORE,
            b'_' => CORE,
            b'.' | b'\'' => BETWEEN_LETTERS | BETWEEN_DIGITS,
            b':' => BETWEEN_LETTERS,
            b',' | b';' => BETWEEN_DIGITS,
            _ => 0,
        };
        b += 1;
    }
    class
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(text: &str) -> Vec<&str> {
        let mut ranges = Vec::new();
        word_ranges(text, &mut ranges);
        ranges.into_iter().map(|(from, to)| &text[from..to]).collect()
    }

    fn unicode(text: &str) -> Vec<(usize, usize)> {
        text.unicode_word_indices().map(|(start, word)| (start, start + word.len())).collect()
    }

    /// The words of ASCII `text` as the general (non-ASCII) UAX #29 state machine finds them:
    /// after a non-ASCII word and a space, which no rule lets reach past the space.
    fn unicode_state_machine(text: &str) -> Vec<(usize, usize)> {
        let prefix = "é ";
        let mut ranges = unicode(&format!("{prefix}{text}"));
        assert_eq!(ranges.remove(0), (0, 2));
        ranges.iter().map(|&(from, to)| (from - prefix.len(), to - prefix.len())).collect()
    }

    #[test]
    fn ascii_words_follow_the_word_rules() {
        assert_eq!(
            words("Don't send 1,000.5 troops, e.g. to a:b; _x_ __ a_1 1;2 a.1 1.a x'y'z 'q' a..b"),
            [
                "Don't", "send", "1,000.5", "troops", "e.g", "to", "a:b", "_x_", "a_1", "1;2", "a", "1", "1",
                "a", "x'y'z", "q", "a", "b"
            ]
        );
        assert!(words("").is_empty() && words(" -- ... __ \r\n ").is_empty());
        assert_eq!(words("Kremlin’s naïve"), ["Kremlin’s", "naïve"]);
        let mixed = "“We’ll go,” Lavrov said — 1,000 troops.\tnaïve e.g. x";
        assert_eq!(words(mixed), ["We’ll", "go", "Lavrov", "said", "1,000", "troops", "naïve", "e.g", "x"]);
        let mut ranges = Vec::new();
        word_ranges(mixed, &mut ranges);
        assert_eq!(ranges, unicode(mixed));
    }

    proptest! {
        #[test]
        fn ascii_words_are_unicode_words(text in "[a-cA-C0-2_.,;:' \\-\t\r\n!\"#@x-z8-9]{0,40}") {
            let mut ranges = Vec::new();
            word_ranges(&text, &mut ranges);
            prop_assert_eq!(&ranges, &unicode(&text));
            prop_assert_eq!(ranges, unicode_state_machine(&text));
        }

        #[test]
        fn mixed_text_splits_as_unicode_words(
            text in "[a-c0-1_.,;:'\" \t\r\n\u{0b}\u{0c}!é’‘“”«»—–\u{a0}\u{ad}\u{301}\u{93e}\u{200d}\u{2060}\u{3000}\u{5d0}\u{5d1}\u{1f1e6}\u{1f1e8}\u{1f600}\u{30a2}\u{4e00}\u{ff0c}\u{2024}\u{fe13}Σ٣]{0,40}"
        ) {
            let mut ranges = Vec::new();
            word_ranges(&text, &mut ranges);
            prop_assert_eq!(ranges, unicode(&text));
        }

        #[test]
        fn any_text_splits_as_unicode_words(chars in proptest::collection::vec(any::<char>(), 0..30), spaces in proptest::collection::vec(0usize..30, 0..10)) {
            // Any characters, with ASCII spaces and letters between them so that cuts occur.
            let mut text: String = chars.iter().collect();
            for at in spaces {
                let at = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
                text.insert_str(at, " a");
            }
            let mut ranges = Vec::new();
            word_ranges(&text, &mut ranges);
            prop_assert_eq!(ranges, unicode(&text));
        }

        #[test]
        fn any_ascii_text_splits_as_unicode_words(bytes in proptest::collection::vec(0u8..128, 0..60)) {
            let text = String::from_utf8(bytes).unwrap();
            let mut ranges = Vec::new();
            word_ranges(&text, &mut ranges);
            prop_assert_eq!(&ranges, &unicode(&text));
            prop_assert_eq!(ranges, unicode_state_machine(&text));
        }
    }
}
