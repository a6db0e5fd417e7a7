//! Fold assignment for cross-validation.
// HELPER B: implement per the spec you were given.
