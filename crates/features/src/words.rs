//! Word tokens: the UAX #29 words of a text (`unicode_segmentation`'s `unicode_words`), with
//! a one-pass splitter for ASCII text, where the rules reduce to a few byte classes.
//!
//! On ASCII input UAX #29 keeps letters, digits and `_` together (WB5, WB8–WB10, WB13a/b),
//! keeps `.`, `'` and `:` between two letters (WB6/WB7) and `.`, `,`, `;` and `'` between two
//! digits (WB11/WB12), and breaks everywhere else; a word is such a run with a letter or digit
//! in it. A property test checks the splitter against `unicode_word_indices` on ASCII text.

use unicode_segmentation::UnicodeSegmentation;

/// Appends the byte range of every word of `text`, in order, to `out`.
pub(crate) fn word_ranges(text: &str, out: &mut Vec<(usize, usize)>) {
    if !text.is_ascii() {
        out.extend(text.unicode_word_indices().map(|(start, word)| (start, start + word.len())));
        return;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if CLASS[bytes[i] as usize] & CORE == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut alphanumeric = CLASS[bytes[i] as usize] & (LETTER | DIGIT) != 0;
        i += 1;
        while i < bytes.len() {
            let class = CLASS[bytes[i] as usize];
            if class & CORE != 0 {
                alphanumeric |= class & (LETTER | DIGIT) != 0;
                i += 1;
            } else if class & (BETWEEN_LETTERS | BETWEEN_DIGITS) != 0 && i + 1 < bytes.len() {
                // A separator stays when a letter or digit on each side allows it.
                let sides = CLASS[bytes[i - 1] as usize] & CLASS[bytes[i + 1] as usize];
                let kept = (class & BETWEEN_LETTERS != 0 && sides & LETTER != 0)
                    || (class & BETWEEN_DIGITS != 0 && sides & DIGIT != 0);
                if !kept {
                    break;
                }
                alphanumeric = true;
                i += 2;
            } else {
                break;
            }
        }
        if alphanumeric {
            out.push((start, i));
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
        fn any_ascii_text_splits_as_unicode_words(bytes in proptest::collection::vec(0u8..128, 0..60)) {
            let text = String::from_utf8(bytes).unwrap();
            let mut ranges = Vec::new();
            word_ranges(&text, &mut ranges);
            prop_assert_eq!(&ranges, &unicode(&text));
            prop_assert_eq!(ranges, unicode_state_machine(&text));
        }
    }
}
