"""Bad input from Python is a Python exception with the CLI's message, never a crash."""

import json
import pickle
import warnings

import pytest

import stance

from conftest import FIXTURES, LABELED, cli_error


@pytest.fixture(scope="module")
def clf():
    return stance.Classifier.default()


@pytest.mark.parametrize(
    "texts, message",
    [
        ([1, 2], "texts[0] is int, not str"),
        (["fine", None], "texts[1] is NoneType, not str"),
        (["fine", float("nan")], "texts[1] is float, not str"),
        ("one text", "not a single str"),
        (None, "texts must be a list of str, not NoneType"),
        (42, "texts must be a list of str, not int"),
    ],
)
def test_wrong_types_are_type_errors(clf, texts, message):
    for call in (clf.classify, clf.explain, clf.probabilities):
        with pytest.raises(TypeError, match=message.replace("[", r"\[").replace("]", r"\]")):
            call(texts)
    with pytest.raises(TypeError):
        clf.evaluate(texts, ["oppose"] * 2)
    with pytest.raises(TypeError):
        stance.train(texts, ["oppose", "support"])


def test_labels_of_the_wrong_type_or_length(clf):
    with pytest.raises(TypeError, match=r"labels\[1\] is int"):
        clf.evaluate(["a", "b"], ["oppose", 3])
    with pytest.raises(ValueError, match="labels has 1 items for 2 texts"):
        clf.evaluate(["a", "b"], ["oppose"])
    with pytest.raises(ValueError, match="labels has 1 items for 2 texts"):
        stance.train(["a", "b"], ["oppose"])


def test_a_missing_model_file_is_file_not_found_with_the_cli_message(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(FileNotFoundError) as error:
        stance.Classifier.load(missing)
    assert str(error.value) == cli_error("classify", "--model", str(missing), "-")
    with pytest.raises(TypeError, match="path must be str or os.PathLike, not int"):
        stance.Classifier.load(3)


def edited(tmp_path, name, edit):
    model = json.loads((FIXTURES / "model-v4.json").read_text())
    edit(model)
    path = tmp_path / name
    path.write_text(json.dumps(model))
    return path


@pytest.mark.parametrize(
    "name, edit, message",
    [
        ("new.json", lambda m: m.update(format_version=99), "is newer than this stance supports"),
        ("old.json", lambda m: m.update(format_version=0), "older than the oldest supported"),
        ("other.json", lambda m: m.update(format="something-else"), "not a stance model file"),
        ("edited.json", lambda m: m["labels"].reverse(), "checksum mismatch"),
    ],
)
def test_an_unusable_model_file_is_a_model_error_with_the_cli_message(tmp_path, name, edit, message):
    path = edited(tmp_path, name, edit)
    with pytest.raises(stance.ModelError, match=message) as error:
        stance.Classifier.load(path)
    assert str(error.value) == cli_error("classify", "--model", str(path), "-")
    assert isinstance(error.value, ValueError)


def test_a_corrupt_model_file_is_a_model_error(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text((FIXTURES / "model-v4.json").read_text()[:500])
    with pytest.raises(stance.ModelError, match="not valid JSON") as error:
        stance.Classifier.load(path)
    assert str(error.value) == cli_error("classify", "--model", str(path), "-")
    with pytest.raises(stance.ModelError):
        stance.Classifier.from_json("{}")


def test_bad_arguments_are_value_errors(clf):
    with pytest.raises(ValueError, match='level must be "sentence", "text" or "article", not "word"'):
        clf.classify(["x"], level="word")
    with pytest.raises(ValueError, match="is not one of the model's labels"):
        clf.evaluate(["Russia says no."], ["maybe"])
    with pytest.raises(ValueError, match="neutral label \"maybe\" is not one of the labels"):
        clf.evaluate(["Russia says no."], ["oppose"], neutral_label="maybe")
    with pytest.raises(ValueError, match="not a probability"):
        clf.evaluate(["Russia says no."], ["oppose"], min_confidence=2)
    with pytest.raises(ValueError, match="alpha must be a positive number"):
        stance.train(["a b", "c d"], ["x", "y"], alpha=-1)
    with pytest.raises(ValueError, match="word_ngrams"):
        stance.train(["a b", "c d"], ["x", "y"], word_ngrams="2-1")
    with pytest.raises(ValueError, match="both None"):
        stance.train(["a b", "c d"], ["x", "y"], word_ngrams=None, char_ngrams=None)
    with pytest.raises(ValueError, match="cannot make 5 folds"):
        stance.train(["a b", "c d", "e f"], ["x", "y", "x"], cv=5)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        stance.train(["a b", "c d"], ["x", "y"], alpah=1)


def test_option_names_are_read_by_the_library_tables(tmp_path):
    texts, labels = ["Russia says no.", "Britain says yes."] * 2, ["oppose", "support"] * 2
    # The names and the message of an unknown one are those of `stance tune --grid`.
    out = tmp_path / "never-written.json"
    theirs = cli_error("tune", "--data", str(LABELED), "--grid", "target_strategy=bogus", "--out", str(out))
    unknown = '"bogus" is not a target strategy: expected one of pooled, per-target, conjoined, relative'
    assert unknown in theirs
    with pytest.raises(ValueError, match="^target_strategy: " + unknown + "$"):
        stance.train(texts, labels, target_strategy="bogus")
    with pytest.raises(ValueError, match='^solver: "lbfgs" is not a solver: expected one of auto, dense, sparse$'):
        stance.train(texts, labels, solver="lbfgs")
    # Any case, `_` for `-`: as the library reads them.
    with pytest.raises(ValueError, match='^target_strategy "per-target" needs targets='):
        stance.train(texts, labels, target_strategy="Per_Target")
    trained = stance.train(texts, labels, solver="SPARSE")
    assert trained.labels == ["oppose", "support"]


def test_a_target_aware_model_needs_a_target():
    clf = stance.Classifier.load(FIXTURES / "model-v3.json")
    assert clf.targets
    with pytest.raises(ValueError, match="the model is target-aware: pass target=TARGET"):
        clf.classify(["x"])
    rows = clf.classify(["Hillary for president."], level="text", target=clf.targets[0])
    assert rows[0]["label"] in clf.labels
    with pytest.raises(ValueError, match="target-aware model: pass targets="):
        clf.evaluate(["x"], ["FAVOR"])


def test_texts_without_a_sentence_give_no_row_and_one_warning(clf):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = clf.classify(["Lavrov said no.", "   ", "?!"], level="article")
    assert [row["article"] for row in rows] == [0]
    assert len(caught) == 1
    assert "2 of the texts gave no row: texts[1]" in str(caught[0].message)


def test_save_refuses_to_overwrite_and_pickles(tmp_path, clf):
    path = tmp_path / "m.json"
    clf.save(path)
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        clf.save(path)
    clf.save(path, overwrite=True)
    with pytest.raises(ValueError, match="is a directory"):
        clf.save(tmp_path)
    with pytest.raises(FileNotFoundError):
        clf.save(tmp_path / "no" / "such" / "dir.json")
    again = pickle.loads(pickle.dumps(clf))
    assert again.classify(["Russia says no."]) == clf.classify(["Russia says no."])


def test_an_alias_file_extends_the_holders_survives_pickling_and_a_bad_one_names_its_line(tmp_path):
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("# mine\nperson\tKaja Kallas\tEstonia\tKallas\n")
    text = ["Kallas said Europe must be ready to send troops to Ukraine after a ceasefire."]
    plain = stance.Classifier.default().classify(text)[0]
    assert (plain["label"], plain["holder"], plain["holder_country"]) == ("support", "Kallas", None)
    for clf in (stance.Classifier.default(aliases=aliases),
                stance.Classifier.load(FIXTURES.parent.parent / "models" / "peacekeepers.json", aliases=str(aliases))):
        row = clf.classify(text)[0]
        assert (row["holder"], row["holder_country"]) == ("Kaja Kallas", "Estonia"), row
        # The alias text travels with the pickle: no file is read again.
        again = pickle.loads(pickle.dumps(clf))
        assert again.classify(text) == clf.classify(text)
    extended = stance.Classifier.default(aliases=aliases)
    aliases.unlink()
    assert pickle.loads(pickle.dumps(extended)).classify(text)[0]["holder"] == "Kaja Kallas"
    with pytest.raises(FileNotFoundError, match="cannot read alias file"):
        stance.Classifier.default(aliases=aliases)
    aliases.write_text("person\tKaja Kallas\tEstonia\tKallas\nfriend\tX\t\tX\n")
    with pytest.raises(ValueError) as error:
        stance.Classifier.default(aliases=aliases)
    assert f"{aliases}:2: unknown kind `friend`" in str(error.value)
    assert f"{aliases}:2: unknown kind `friend`" in cli_error("classify", "--aliases", str(aliases), "-")
    with pytest.raises(TypeError, match="path must be str or os.PathLike, not int"):
        stance.Classifier.default(aliases=3)
