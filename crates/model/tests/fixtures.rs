//! Every frozen model file still loads and writes back to the same bytes: the checksum covers
//! the bytes, so a typed field that serialized differently would break every old file.

use std::path::{Path, PathBuf};

use stance_model::ModelFile;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn model_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files.push(root().join("models/peacekeepers.json"));
    files
}

#[test]
fn every_fixture_and_the_shipped_model_round_trip_to_the_same_bytes() {
    let files = model_files();
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let model = ModelFile::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if model.format_version >= 2 {
            assert!(model.to_json_bytes() == bytes, "{} changes when written back", path.display());
        } else {
            // Format 1 has no checksum (writing it back would add one): its bytes as parsed.
            let mut unstamped = serde_json::to_vec_pretty(&model).unwrap();
            unstamped.push(b'\n');
            assert!(unstamped == bytes, "{} changes when written back", path.display());
        }
        // The options are typed: a tuned model keeps its `tuned` key among the extra ones.
        let options = &model.training.options;
        assert!(options.params.is_object(), "{}", path.display());
        assert!(options.extra.keys().all(|k| k == "tuned"), "{}: {:?}", path.display(), options.extra);
    }
}
