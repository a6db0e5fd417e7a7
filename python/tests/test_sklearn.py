"""stance.sklearn.StanceClassifier inside scikit-learn: Pipeline, cross_val_score,
GridSearchCV, clone/get_params/set_params, and the estimator checks that apply to a text
classifier."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.exceptions import SkipTestWarning
from sklearn.utils import estimator_checks

import stance
from stance.sklearn import StanceClassifier

from conftest import labeled_rows


@pytest.fixture(scope="module")
def data():
    rows = labeled_rows()
    return np.array([r["text"] for r in rows], dtype=object), np.array([r["label"] for r in rows])


def test_fit_predict_proba_and_classes_follow_the_stance_model(data):
    X, y = data
    est = StanceClassifier(alpha=0.1, min_df=2).fit(X, y)
    assert list(est.classes_) == ["neutral", "oppose", "support"]
    proba = est.predict_proba(X[:10])
    assert proba.shape == (10, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    direct = stance.train(list(X), list(y), alpha=0.1, min_df=2)
    assert proba.tolist() == direct.probabilities(list(X[:10]))
    assert list(est.predict(X[:10])) == [row["label"] for row in direct.classify(list(X[:10]), level="text")]
    assert est.score(X, y) > 0.8  # training accuracy: the model has seen these rows


def test_integer_labels_keep_their_type_and_column_order(data):
    X, y = data
    codes = {"neutral": 10, "oppose": 2, "support": 1}
    y_int = np.array([codes[v] for v in y])
    est = StanceClassifier(alpha=0.1).fit(X, y_int)
    assert list(est.classes_) == [1, 2, 10]
    by_label = StanceClassifier(alpha=0.1).fit(X, y)
    # classes_ [1, 2, 10] are support, oppose, neutral. The model's labels ("1", "10", "2")
    # are in another order, so the solver sums in another order: equal to ~1e-10.
    np.testing.assert_allclose(est.predict_proba(X[:5]), by_label.predict_proba(X[:5])[:, [2, 1, 0]], rtol=1e-8)
    assert est.predict(X[:5]).dtype == y_int.dtype


def test_params_clone_and_pickle(data):
    X, y = data
    est = StanceClassifier(alpha=0.5, char_ngrams="2-4", class_weight="balanced")
    assert est.get_params()["char_ngrams"] == "2-4"
    est.set_params(alpha=0.2)
    assert clone(est).get_params() == est.get_params()
    est.fit(X[:60], y[:60])
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X[60:80]), est.predict_proba(X[60:80]))


def test_pipeline_cross_val_score_and_grid_search(data):
    X, y = data
    pipe = Pipeline([("lower", FunctionTransformer(lambda t: [s.lower() for s in t])),
                     ("stance", StanceClassifier(alpha=0.1))])
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, X, y, cv=folds, scoring="f1_macro")
    assert scores.shape == (3,) and np.all((0 < scores) & (scores <= 1))
    search = GridSearchCV(StanceClassifier(), {"alpha": [0.03, 1.0], "word_ngrams": ["1-1", "1-2"]},
                          cv=folds, scoring="accuracy", n_jobs=2)
    search.fit(X, y)
    assert search.best_params_["alpha"] in (0.03, 1.0)
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.predict(X[:3]).shape == (3,)


def test_bad_input_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="at least 2 classes"):
        StanceClassifier().fit(X[:3], ["a", "a", "a"])
    with pytest.raises(ValueError, match="must be 1-d"):
        StanceClassifier().fit(np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(TypeError, match=r"texts\[0\] is float"):
        StanceClassifier().fit(np.zeros(4), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="X has 3 texts but y has 2 labels"):
        StanceClassifier().fit(X[:3], y[:2])


# scikit-learn's checks that do not fit on generated numeric arrays. check_estimator itself
# skips a string-input estimator whole (it runs check_estimator_cloneable only); every other
# check fits on 2-d numeric (or sparse) X, which is not text.
APPLICABLE_CHECKS = [
    "check_estimator_cloneable", "check_estimator_repr", "check_parameters_default_constructible",
    "check_no_attributes_set_in_init", "check_get_params_invariance", "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params", "check_estimator_tags_renamed",
    "check_valid_tag_types", "check_mixin_order", "check_estimators_unfitted",
]


@pytest.mark.parametrize("name", APPLICABLE_CHECKS)
def test_the_estimator_checks_that_apply_pass(name):
    getattr(estimator_checks, name)("StanceClassifier", StanceClassifier())


def test_check_estimator_runs_what_it_can():
    with pytest.warns(SkipTestWarning, match="string=True"):
        results = estimator_checks.check_estimator(StanceClassifier(), on_fail=None)
    assert [r["status"] for r in results] == ["passed"]
