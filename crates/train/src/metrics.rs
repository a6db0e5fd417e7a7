//! Classification metrics.
// HELPER B: implement per the spec you were given.
