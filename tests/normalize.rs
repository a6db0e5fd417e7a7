//! End-to-end tests of the text normalisation options (`--normalize`, `--hashtags`,
//! `--strip-tag`): the real binary trains on `tests/fixtures/tweets.tsv`, tweet-like rows with
//! URLs, mentions, numbers, hashtags, elongations, negations and SemEval's trailing `#SemST`.

use std::path::Path;

use serde_json::{json, Value};

use crate::common;
use common::*;

const TWEETS: &str = "tweets.tsv";

/// Every option on, hashtags split and `#SemST` stripped.
const ALL_OPTIONS: [&str; 6] = ["--normalize", "all", "--hashtags", "split", "--strip-tag", "#SemST"];

/// Trains on the tweets fixture into `dir/out` and returns the model file's bytes.
fn train(dir: &Path, out: &str, extra: &[&str]) -> Vec<u8> {
    ok(stance()
        .current_dir(dir)
        .args(["train", "--data"])
        .arg(fixture(TWEETS))
        .args(["--no-cv", "--char-ngrams", "2-4", "--out", out])
        .args(extra));
    std::fs::read(dir.join(out)).expect("the model was written")
}

fn vocabulary_of(model: &Value) -> Vec<&str> {
    model["features"]["vocabulary"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect()
}

#[test]
fn options_are_stored_in_the_model_and_change_its_vocabulary() {
    let dir = tmp();
    let model: Value = serde_json::from_slice(&train(dir.path(), "tweets.json", &ALL_OPTIONS)).unwrap();
    assert_eq!(
        model["features"]["config"]["normalize"],
        json!({
            "urls": true,
            "mentions": true,
            "numbers": true,
            "hashtags": {"type": "split"},
            "strip_tags": ["SemST"],
            "elongation": true,
            "negation": true
        })
    );
    // The options recorded with the training parameters are the model's own.
    assert_eq!(model["training"]["options"]["params"]["features"], model["features"]["config"]);
    let vocabulary = vocabulary_of(&model);
    for term in ["_URL_", "_USER_", "_NUM_", "stop the", "no war_NEG", "troop_NEG", "soo proud"] {
        assert!(vocabulary.contains(&term), "{term:?} is missing from the vocabulary");
    }
    for term in ["semst", "stopthewar", "http", "2025", "sooo"] {
        assert!(!vocabulary.contains(&term), "{term:?} should have been normalised away");
    }
    // Character n-grams never see the negation mark.
    assert!(vocabulary.iter().all(|t| !(t.starts_with('#') && t.contains("NEG"))));

    let plain: Value = serde_json::from_slice(&train(dir.path(), "plain.json", &[])).unwrap();
    let config = plain["features"]["config"].as_object().unwrap();
    assert!(!config.contains_key("normalize"), "default options leave no trace: {config:?}");
    let vocabulary = vocabulary_of(&plain);
    for term in ["semst", "stopthewar", "http", "2025", "sooo"] {
        assert!(vocabulary.contains(&term), "{term:?} is in the text without normalisation");
    }
}

#[test]
fn training_with_options_is_deterministic() {
    let dir = tmp();
    let first = train(dir.path(), "a.json", &ALL_OPTIONS);
    assert_eq!(first, train(dir.path(), "b.json", &ALL_OPTIONS));
}

#[test]
fn explain_and_classify_normalise_as_training_did() {
    let dir = tmp();
    train(dir.path(), "tweets.json", &ALL_OPTIONS);
    let text = "I do not want troops in Ukraine, keep peace @someone https://t.co/x #SemST";
    let out = ok(stance().current_dir(dir.path()).args([
        "explain",
        "--model",
        "tweets.json",
        "--format",
        "json",
        "--top",
        "100000",
        text,
    ]));
    let row = &jsonl(&out.stdout)[0];
    let contributions: Vec<&Value> =
        row["per_label"][0]["contributions"].as_array().unwrap().iter().collect();
    let feature = |name: &str| contributions.iter().find(|c| c["feature"] == name).copied();
    let negated = feature("troop_NEG").expect("the negated stem is a feature of the sentence");
    assert_eq!(negated["kind"], "word_ngram");
    assert_eq!(negated["surfaces"], json!(["troops"]));
    // The scope ends at the comma, and placeholders stand for the mention and the URL.
    assert!(feature("keep").is_some() && feature("keep_NEG").is_none());
    assert!(feature("_USER_").is_some() && feature("_URL_").is_some());
    assert!(contributions.iter().all(|c| !c["feature"].as_str().unwrap().contains("semst")));

    let inspect = ok(stance().current_dir(dir.path()).args(["inspect", "--model", "tweets.json"]));
    assert!(
        inspect
            .stdout
            .contains("urls, mentions, numbers, elongation, negation, hashtags split, strip #SemST"),
        "{}",
        inspect.stdout
    );

    // Classification goes through the same featurizer: a URL is one feature, whatever the URL.
    let classify = |url: &str| {
        let out = ok(stance()
            .current_dir(dir.path())
            .args(["classify", "--model", "tweets.json", "-"])
            .write_stdin(format!("Send troops now {url} #SemST\n")));
        jsonl(&out.stdout)[0]["probabilities"].clone()
    };
    assert_eq!(classify("https://t.co/one"), classify("www.example.com/two"));
}

#[test]
fn bad_normalisation_flags_are_rejected_before_training() {
    let dir = tmp();
    let run_with = |flags: &[&str]| {
        run(stance()
            .current_dir(dir.path())
            .args(["train", "--data"])
            .arg(fixture(TWEETS))
            .args(["--no-cv", "--out", "m.json"])
            .args(flags))
    };
    let unknown = run_with(&["--normalize", "urls,emoji"]);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(unknown.stderr.contains("emoji") && unknown.stderr.contains("elongation"), "{}", unknown.stderr);
    let hashtags = run_with(&["--hashtags", "shout"]);
    assert_eq!(hashtags.code, 2, "{}", hashtags.stderr);
    let tag = run_with(&["--strip-tag", "two words"]);
    assert_eq!(tag.code, 1, "{}", tag.stderr);
    assert!(tag.stderr.contains("--strip-tag") && tag.stderr.contains("two words"), "{}", tag.stderr);
    assert!(!dir.path().join("m.json").exists());
}

/// Model files written before the normalisation options existed load with every option off and
/// serialize back to exactly their bytes (the shipped model) or content (the frozen version-1
/// file, which gains only the version-2 checksum).
#[test]
fn models_from_before_the_options_keep_their_bytes() {
    let shipped = std::fs::read(MODEL).unwrap();
    let model = stance_model::ModelFile::from_json_bytes(&shipped, Path::new(MODEL)).unwrap();
    assert!(model.features.config().normalize.is_default());
    assert_eq!(model.to_json_bytes(), shipped);

    let old = fixture("model-v1.json");
    let model = stance_model::ModelFile::load(&old).unwrap();
    assert!(model.features.config().normalize.is_default());
    let features = |json: &[u8]| serde_json::from_slice::<Value>(json).unwrap()["features"].clone();
    assert_eq!(features(&model.to_json_bytes()), features(&std::fs::read(&old).unwrap()));
}
