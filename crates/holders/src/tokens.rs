//! Words and punctuation of a sentence with their byte ranges, possessives (`Russia’s`)
//! marked, and whether each token is inside a quotation.

use std::ops::Range;

/// One word or punctuation mark of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// Byte range of the token in its sentence, the possessive ending included.
    pub span: Range<usize>,
    /// Byte length of the word without its possessive ending.
    pub word_len: usize,
    /// The word ends in `'s` (any apostrophe).
    pub possessive: bool,
    /// A word (letters or digits), not a punctuation mark.
    pub is_word: bool,
    /// Inside a quotation of more than a few words.
    pub quoted: bool,
}

impl Token {
    /// The word without its possessive ending.
    pub fn word<'t>(&self, text: &'t str) -> &'t str {
        &text[self.span.start..self.span.start + self.word_len]
    }

    /// Starts with an upper-case letter.
    pub fn capitalised(&self, text: &str) -> bool {
        match text.as_bytes()[self.span.start] {
            first if first.is_ascii() => first.is_ascii_uppercase(),
            _ => self.word(text).chars().next().is_some_and(char::is_uppercase),
        }
    }
}

const APOSTROPHES: [char; 4] = ['\'', '’', '´', 'ʼ'];

/// Lower case, apostrophes unified, so table variants and text compare.
pub(crate) fn normalise_word(word: &str) -> String {
    let mut normal = String::with_capacity(word.len());
    normalise_into(word, &mut normal);
    normal
}

/// Appends [`normalise_word`] of `word` to `out`.
pub(crate) fn normalise_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        // Most words: ASCII is its own lower case byte by byte (and `'` its own apostrophe),
        // lowered in place once copied.
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
        return;
    }
    // Character by character (the words are short): ASCII lowered in place of a table look-up.
    out.reserve(word.len());
    for c in word.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if APOSTROPHES.contains(&c) {
            out.push('\'');
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// `word` is its own [`normalise_word`]: lower-case ASCII without an apostrophe (most words
/// of a text).
pub(crate) fn is_normal(word: &str) -> bool {
    word.bytes().all(|b| b.is_ascii() && b != b'\'' && !b.is_ascii_uppercase())
}

/// Splits `text` into words (letters and digits, with inner hyphens, dots and apostrophes) and
/// single punctuation marks.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    tokenize_into(text, &mut tokens);
    tokens
}

/// [`tokenize`], appending the tokens to `tokens`.
pub(crate) fn tokenize_into(text: &str, tokens: &mut Vec<Token>) {
    let bytes = text.as_bytes();
    // An ASCII byte is its character: decoded only beyond ASCII (most text is ASCII).
    let char_at = |at: usize| match bytes.get(at) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => text[at..].chars().next(),
        None => None,
    };
    let alphanumeric_at = |at: usize| match bytes.get(at) {
        Some(&b) if b.is_ascii() => ASCII[usize::from(b)] & ALPHANUMERIC != 0,
        _ => char_at(at).is_some_and(char::is_alphanumeric),
    };
    // About one token per five bytes of text: sized once, not grown token by token.
    tokens.reserve(text.len() / 5 + 1);
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let byte = bytes[at];
        if byte.is_ascii() {
            at += 1;
            let class = ASCII[usize::from(byte)];
            if class & WHITESPACE != 0 {
                continue;
            }
            if class & ALPHANUMERIC == 0 {
                tokens.push(Token {
                    span: start..at,
                    word_len: 1,
                    possessive: false,
                    is_word: false,
                    quoted: false,
                });
                continue;
            }
        } else {
            let c = text[at..].chars().next().expect("a character starts here");
            at += c.len_utf8();
            if c.is_whitespace() {
                continue;
            }
            if !c.is_alphanumeric() {
                tokens.push(Token {
                    span: start..at,
                    word_len: c.len_utf8(),
                    possessive: false,
                    is_word: false,
                    quoted: false,
                });
                continue;
            }
        }
        // The rest of the word: ASCII letters and digits a byte at a time, a joiner (hyphen,
        // dot, apostrophe) when a letter or digit follows it.
        while at < bytes.len() {
            let byte = bytes[at];
            if byte.is_ascii() {
                let class = ASCII[usize::from(byte)];
                if class & ALPHANUMERIC != 0 || class & JOINER != 0 && alphanumeric_at(at + 1) {
                    at += 1;
                    continue;
                }
                break;
            }
            let c = text[at..].chars().next().expect("a character starts here");
            if c.is_alphanumeric() || APOSTROPHES.contains(&c) && alphanumeric_at(at + c.len_utf8()) {
                at += c.len_utf8();
            } else {
                break;
            }
        }
        let end = at;
        let word = &text[start..end];
        // A possessive: the word ends in an apostrophe and `s`.
        let possessive = word.len() > 2
            && matches!(word.as_bytes()[word.len() - 1], b's' | b'S')
            && word[..word.len() - 1].ends_with(APOSTROPHES);
        let word_len = if possessive {
            let apostrophe = word[..word.len() - 1].chars().next_back().map_or(1, char::len_utf8);
            word.len() - 1 - apostrophe
        } else {
            word.len()
        };
        tokens.push(Token { span: start..end, word_len, possessive, is_word: true, quoted: false });
    }
}

/// Classes of ASCII bytes for [`tokenize`]: what `char::is_whitespace` and
/// `char::is_alphanumeric` say of them, and the joiners inside a word (`-`, `.`, `'`).
const WHITESPACE: u8 = 1;
const ALPHANUMERIC: u8 = 2;
const JOINER: u8 = 4;
const ASCII: [u8; 128] = {
    let mut class = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        class[b] = match b as u8 {
            b' ' | b'\t'..=b'\r' => WHITESPACE,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => ALPHANUMERIC,
            b'-' | b'.' | b'\'' => JOINER,
            _ => 0,
        };
        b += 1;
    }
    class
};

/// Marks the tokens inside quotations, `open` saying whether a quotation is open at the start of
/// the sentence; returns whether one is open at its end. Double quotes only (single ones are
/// apostrophes too often); a quotation that opens and closes within the sentence around at most
/// [`SCARE_QUOTE_WORDS`] words is a name or scare quote ("the so-called “Coalition of the
/// Willing”"), not speech, so its words stay unquoted.
pub(crate) fn mark_quotes(text: &str, tokens: &mut [Token], open: bool) -> bool {
    let mut inside = open;
    let mut opened_at: Option<usize> = None;
    for i in 0..tokens.len() {
        // Words are no quotation marks (most tokens).
        let mark = if tokens[i].is_word { "" } else { &text[tokens[i].span.clone()] };
        let (opens, closes) = match mark {
            "“" | "«" | "„" => (true, false),
            "”" | "»" => (false, true),
            "\"" => (!inside, inside),
            _ => (false, false),
        };
        if opens && !inside {
            inside = true;
            opened_at = Some(i);
        } else if closes && inside {
            inside = false;
            if let Some(from) = opened_at.take() {
                let words = tokens[from..i].iter().filter(|t| t.is_word).count();
                if words <= SCARE_QUOTE_WORDS {
                    tokens[from..i].iter_mut().for_each(|t| t.quoted = false);
                }
            }
        } else if inside && !opens {
            tokens[i].quoted = true;
        }
    }
    // A quotation still open at the end carries over: not a scare quote.
    inside
}

/// Quotations of at most this many words within one sentence are names, not speech.
pub(crate) const SCARE_QUOTE_WORDS: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.word(text)).collect()
    }

    #[test]
    fn words_possessives_and_punctuation() {
        assert_eq!(
            words("Russia’s U.S. ally, Lavrov's \"x\""),
            ["Russia", "U.S", ".", "ally", ",", "Lavrov", "\"", "x", "\""]
        );
        let text = "Poland’s Moscow´s";
        let tokens = tokenize(text);
        assert!(tokens.iter().all(|t| t.possessive));
        assert_eq!(&text[tokens[1].span.clone()], "Moscow´s");
        assert!(!tokenize("its")[0].possessive);
        assert_eq!(normalise_word("Russia’S"), "russia's");
    }

    /// [`tokenize`] as first written, a character at a time: the reference the byte walk is
    /// checked against.
    fn tokenize_by_chars(text: &str) -> Vec<(Range<usize>, usize, bool, bool)> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let (start, c) = chars[i];
            i += 1;
            if c.is_whitespace() {
                continue;
            }
            if !c.is_alphanumeric() {
                tokens.push((start..start + c.len_utf8(), c.len_utf8(), false, false));
                continue;
            }
            while i < chars.len() {
                let c = chars[i].1;
                let joins = matches!(c, '-' | '.') || APOSTROPHES.contains(&c);
                if c.is_alphanumeric() || joins && chars.get(i + 1).is_some_and(|&(_, n)| n.is_alphanumeric())
                {
                    i += 1;
                } else {
                    break;
                }
            }
            let end = chars.get(i).map_or(text.len(), |&(at, _)| at);
            let word = &text[start..end];
            let last: Vec<char> = word.chars().rev().take(2).collect();
            let possessive = last.len() == 2
                && word.len() > 2
                && matches!(last[0], 's' | 'S')
                && APOSTROPHES.contains(&last[1]);
            let word_len = if possessive { word.len() - 1 - last[1].len_utf8() } else { word.len() };
            tokens.push((start..end, word_len, possessive, true));
        }
        tokens
    }

    proptest::proptest! {
        #[test]
        fn the_byte_walk_tokenizes_as_the_character_walk(
            text in "[-aZ09 \t\n\u{0b}\u{0c}\u{1c}.,'’´ʼ\"“”é\u{a0}\u{2003}Σ٣\u{301}—sS]{0,40}"
        ) {
            let tokens: Vec<_> = tokenize(&text)
                .into_iter()
                .map(|t| (t.span, t.word_len, t.possessive, t.is_word))
                .collect();
            proptest::prop_assert_eq!(tokens, tokenize_by_chars(&text));
        }

        #[test]
        fn normalising_lowers_every_character_and_unifies_apostrophes(
            word in "[aZ09'’´ʼ\u{2019}éÉΣσİ\u{130}ẞ-]{0,12}", before in "[aB]{0,3}"
        ) {
            let expected: String = word
                .chars()
                .map(|c| if APOSTROPHES.contains(&c) { '\'' } else { c })
                .flat_map(char::to_lowercase)
                .collect();
            let mut out = before.clone();
            normalise_into(&word, &mut out);
            proptest::prop_assert_eq!(out, before + &expected);
        }

        #[test]
        fn normalising_an_ascii_word_lowers_it(word in "[a-zA-Z0-9'.-]{0,12}", before in "[aBé]{0,3}") {
            let mut out = before.clone();
            normalise_into(&word, &mut out);
            proptest::prop_assert_eq!(out, before + &word.to_lowercase());
        }

        #[test]
        fn capitalised_is_an_upper_case_first_letter(text in "[aZé\u{c9}Σσ1.,\" ]{1,12}") {
            for token in tokenize(&text).iter().filter(|t| t.is_word) {
                let first = token.word(&text).chars().next().unwrap();
                proptest::prop_assert_eq!(token.capitalised(&text), first.is_uppercase());
            }
        }
    }

    #[test]
    fn quotations_and_scare_quotes() {
        let text = "“We see no room for it,” Lavrov said of the “Coalition of the Willing.”";
        let mut tokens = tokenize(text);
        assert!(!mark_quotes(text, &mut tokens, false));
        let quoted: Vec<&str> =
            tokens.iter().filter(|t| t.quoted && t.is_word).map(|t| t.word(text)).collect();
        assert_eq!(quoted, ["We", "see", "no", "room", "for", "it"]);
        let text = "It is unacceptable,” he added.";
        let mut tokens = tokenize(text);
        assert!(!mark_quotes(text, &mut tokens, true));
        assert!(tokens[0].quoted && !tokens.last().unwrap().quoted);
        let text = "“All these units will be targets of the Russian army.";
        let mut tokens = tokenize(text);
        assert!(mark_quotes(text, &mut tokens, false));
    }
}
