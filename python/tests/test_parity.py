"""Python and the CLI give the same rows, byte-identical probabilities included, on the seed
corpus and the labeled seed sentences: both run the one Rust scoring path."""

import json

import stance

from conftest import CORPUS, LABELED, cli, corpus_files, jsonl, labeled_rows


def python_rows(level):
    files = corpus_files()
    texts = [p.read_text(encoding="utf-8") for p in files]
    rows = stance.Classifier.default().classify(texts, level=level)
    for row in rows:
        row["article"] = files[row["article"]].name
    return rows


def test_sentence_rows_match_the_cli_on_the_seed_corpus():
    expected = jsonl(cli("classify", str(CORPUS), "--format", "jsonl").stdout)
    got = python_rows("sentence")
    assert len(expected) > 100
    # Stance holders included: the one attribution path of the library.
    assert sum(row["holder"] is not None for row in expected) > 10
    assert got == expected
    # Same keys in the same order as the CLI's JSONL rows.
    assert [list(row) for row in got] == [list(row) for row in expected]


def test_article_rows_match_the_cli_on_the_seed_corpus():
    expected = jsonl(cli("classify", str(CORPUS), "--level", "article", "--format", "jsonl").stdout)
    got = python_rows("article")
    assert sum(len(row["holders"]) for row in expected) > 5
    assert got == expected
    # Same keys in the same order, in the rows, their top sentences and their holders.
    def keys(row):
        return (list(row), [list(s) for s in row["top_sentences"]],
                [(list(h), list(h["best_sentence"])) for h in row["holders"]])
    assert [keys(row) for row in got] == [keys(row) for row in expected]


def test_text_rows_match_the_cli_jsonl_stage_on_the_labeled_sentences():
    rows = labeled_rows()
    records = "".join(json.dumps({"text": r["text"]}) + "\n" for r in rows)
    expected = jsonl(cli("classify", "--input-format", "jsonl", "--level", "text", input=records).stdout)
    got = stance.Classifier.default().classify([r["text"] for r in rows], level="text")
    assert len(got) == len(rows) == len(expected)
    for i, (mine, theirs) in enumerate(zip(got, expected)):
        assert mine.pop("article") == i
        theirs.pop("text")
        assert mine == theirs
    probabilities = stance.Classifier.default().probabilities([r["text"] for r in rows])
    labels = stance.Classifier.default().labels
    assert probabilities == [[row["probabilities"][l] for l in labels] for row in expected]


def test_evaluate_is_the_object_of_evaluate_format_json():
    rows = labeled_rows()
    expected = json.loads(cli("evaluate", "--data", str(LABELED), "--format", "json").stdout)
    # Holder accuracy comes from the data's holder columns, which the package does not read.
    assert expected.pop("holders")["sentences"] > 0
    got = stance.Classifier.default().evaluate([r["text"] for r in rows], [r["label"] for r in rows])
    assert got["data"] == "<python>" and expected["data"] == str(LABELED)
    assert got["model"] == expected["model"] == stance.DEFAULT_MODEL_NAME
    # Row sources differ by design: texts[i] here, FILE:LINE (header = line 1) there.
    for mistake in got["worst_errors"]:
        i = int(mistake["source"][len("texts["):-1])
        mistake["source"] = f"{LABELED}:{i + 2}"
    got["data"] = expected["data"]
    assert got == expected
    assert list(got) == list(expected)


def test_evaluate_with_min_confidence_and_neutral_label_matches_the_cli():
    rows = labeled_rows()
    expected = json.loads(
        cli("evaluate", "--data", str(LABELED), "--format", "json", "--min-confidence", "0.6",
            "--neutral-label", "oppose").stdout
    )
    got = stance.Classifier.default().evaluate(
        [r["text"] for r in rows], [r["label"] for r in rows], neutral_label="oppose", min_confidence=0.6
    )
    assert got["abstention"] == expected["abstention"]
    assert got["f_avg"] == expected["f_avg"]


def test_explain_is_the_object_of_explain_format_json():
    texts = ["Russia rejects possible deployment of European peacekeepers in Ukraine",
             "Moscow had earlier annexed Crimea in 2014."]
    expected = jsonl(cli("explain", "--format", "json", "--top", "3", *texts).stdout)
    assert stance.Classifier.default().explain(texts, top=3) == expected


def test_train_gives_the_model_stance_train_gives(tmp_path):
    rows = labeled_rows()
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    cases = [
        ([], {}),  # the defaults, which depend on the number of rows, on both sides
        (["--alpha", "0.1", "--min-df", "2", "--class-weight", "balanced"],
         dict(alpha=0.1, min_df=2, class_weight="balanced")),
        (["--class-weight", "none", "--char-ngrams", "none"], dict(class_weight=None, char_ngrams=None)),
        (["--blend"], dict(blend=True, alpha="auto")),
        (["--nb-scaling", "--char-ngrams", "none"], dict(nb_scaling=True, char_ngrams=None)),
    ]
    for flags, options in cases:
        out = tmp_path / "cli.json"
        cli("train", "--data", str(LABELED), "--no-cv", *flags, "--force", "--out", str(out))
        model = stance.train(texts, labels, **options)
        mine, theirs = json.loads(model.to_json()), json.loads(out.read_text())
        # Where the data came from differs (the file and its bytes); everything learned is equal.
        for m in (mine, theirs):
            m.pop("checksum")
            for key in ("data_file", "data_sha256"):
                m["training"].pop(key)
        assert mine == theirs, flags
    saved = tmp_path / "py.json"
    model.save(saved)
    texts = [p.read_text(encoding="utf-8") for p in corpus_files()]
    assert stance.Classifier.load(saved).classify(texts) == stance.Classifier.load(out).classify(texts)
