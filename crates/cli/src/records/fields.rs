//! The raw-JSON field splitter of `classify --input-format jsonl`: one line holding a JSON
//! object becomes its keys and raw values, in their order, borrowed from the line when they
//! hold no escapes.
//!
//! A record is never parsed into a `serde_json::Value` tree: only the text (and target) field's
//! string is decoded ([`string_value`]), every other value is written back as the bytes it was.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON object's keys and raw values, in their order, borrowed from the line when possible.
pub struct Fields<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Fields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(Key(key)) = map.next_key()? {
                    fields.push((key, map.next_value()?));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// An object key, borrowed unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E>(self, key: &str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }

            fn visit_string<E>(self, key: String) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Splits a line holding one JSON object into its fields, or says why it cannot.
pub fn parse_object(line: &str) -> std::result::Result<Fields<'_>, String> {
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let fields = Fields::deserialize(&mut deserializer).and_then(|fields| {
        deserializer.end()?;
        Ok(fields)
    });
    fields.map_err(|error| match error.classify() {
        serde_json::error::Category::Data => format!("not a JSON object but {}", kind_of(line)),
        _ => {
            // serde_json says "… at line 1 column N"; the line is already named.
            let message = error.to_string();
            let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(message, _)| message);
            format!("not valid JSON: {message} (column {})", error.column())
        }
    })
}

/// What kind of JSON value `json` (valid JSON) is, for messages.
fn kind_of(json: &str) -> &'static str {
    match json.trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The text of a JSON string value, borrowed when it holds no escapes; otherwise the kind of
/// value it is.
pub fn string_value(raw: &RawValue) -> std::result::Result<Cow<'_, str>, &'static str> {
    let json = raw.get().trim();
    if !json.starts_with('"') {
        return Err(kind_of(json));
    }
    if !json.contains('\\') {
        return Ok(Cow::Borrowed(&json[1..json.len() - 1]));
    }
    serde_json::from_str(json).map(Cow::Owned).map_err(|_| "an invalid string")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(line: &str) -> Vec<String> {
        parse_object(line).unwrap().0.iter().map(|(key, _)| key.to_string()).collect()
    }

    #[test]
    fn objects_split_into_fields_in_order() {
        assert_eq!(
            keys(r#"{"id":7,"text":"a","meta":{"x":[1,2]},"\u00e9":null}"#),
            ["id", "text", "meta", "é"]
        );
        let line = r#" {"id" : 7 , "meta": {"x": [1, 2]} } "#;
        let fields = parse_object(line).unwrap();
        assert_eq!(fields.0[1].1.get(), r#"{"x": [1, 2]}"#);
        assert!(matches!(fields.0[0].0, Cow::Borrowed(_)));
    }

    #[test]
    fn bad_lines_say_what_they_are() {
        assert_eq!(parse_object("[1, 2]").err().unwrap(), "not a JSON object but an array");
        assert_eq!(parse_object("\"text\"").err().unwrap(), "not a JSON object but a string");
        assert_eq!(parse_object("42").err().unwrap(), "not a JSON object but a number");
        let truncated = parse_object(r#"{"text": "abc"#).err().unwrap();
        assert!(truncated.starts_with("not valid JSON: EOF while parsing a string (column"), "{truncated}");
        let trailing = parse_object(r#"{"text": "a"} {}"#).err().unwrap();
        assert!(trailing.starts_with("not valid JSON: trailing characters (column 15)"), "{trailing}");
    }

    #[test]
    fn string_values_are_borrowed_unless_escaped() {
        let fields = parse_object(r#"{"a":"plain","b":"tab\tand \u00e9","c":3,"d":null}"#).unwrap();
        assert!(matches!(string_value(fields.0[0].1), Ok(Cow::Borrowed("plain"))));
        assert_eq!(string_value(fields.0[1].1).unwrap(), "tab\tand é");
        assert_eq!(string_value(fields.0[2].1).err(), Some("a number"));
        assert_eq!(string_value(fields.0[3].1).err(), Some("null"));
    }
}
