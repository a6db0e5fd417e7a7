//! Reading labeled sentences from TSV, CSV and JSONL files.
// HELPER A: implement per the spec you were given.
