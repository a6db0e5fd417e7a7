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
    // A conjoined target model holds one block of weights per target besides the shared one.
    let blocks = match &model.targets {
        Some(stance_model::TargetModels::Conjoined { targets, .. }) => 1 + targets.len(),
        _ => 1,
    };
    assert_eq!(linear.n_features(), model.features.n_features() * blocks);
    // A loaded model must be usable: featurizing and scoring a sentence terminates, for every
    // target it knows (and for none, which a target-aware model refuses without panicking).
    let sentence = "Russia rejects the deployment of European peacekeepers in Ukraine.";
    let scorer = model.scorer().expect("a loaded model has a consistent scorer");
    let mut targets: Vec<Option<String>> = scorer.targets().into_iter().map(Some).collect();
    targets.push(None);
    for target in &targets {
        if let Ok(p) = scorer.probabilities(sentence, target.as_deref()) {
            assert_eq!(p.len(), model.labels.len());
        }
    }
    for label in &model.labels {
        let top = model.top_features(label, 5).expect("every label has a weight row");
        assert!(top.len() <= 5);
    }
    let bytes = model.to_json_bytes();
    let back = ModelFile::from_json_bytes(&bytes, path).expect("a loaded model reloads after saving");
    assert_eq!(back.to_json_bytes(), bytes, "save/load round trip changed the model");
});
