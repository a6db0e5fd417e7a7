//! Model loader on arbitrary bytes.
//!
//! Invariants: `ModelFile::from_json_bytes` never panics or hangs; a model it accepts has a
//! consistent `linear_model()`, featurizes and scores a sentence in bounded time, lists its top
//! features, and survives a save/load round trip (what we load we can write back, load again and
//! write the same bytes).

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use stance_model::ModelFile;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/model.json");
    let model = match ModelFile::from_json_bytes(data, path) {
        Ok(model) => model,
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains("fuzz/model.json"), "message does not name the file: {message}");
            return;
        }
    };
    let linear = model.linear_model().expect("a loaded model has a consistent linear model");
    assert_eq!(linear.n_labels(), model.labels.len());
    assert_eq!(linear.n_features(), model.features.n_features());
    // A loaded model must be usable: featurizing and scoring a sentence terminates.
    let x = model.features.transform("Russia rejects the deployment of European peacekeepers in Ukraine.");
    let p = linear.probabilities(&x);
    assert_eq!(p.len(), model.labels.len());
    for label in &model.labels {
        let top = model.top_features(label, 5).expect("every label has a weight row");
        assert!(top.len() <= 5);
    }
    let bytes = model.to_json_bytes();
    let back = ModelFile::from_json_bytes(&bytes, path).expect("a loaded model reloads after saving");
    assert_eq!(back.to_json_bytes(), bytes, "save/load round trip changed the model");
});
