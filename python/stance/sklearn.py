"""A scikit-learn estimator over stance: texts in, labels out.

``StanceClassifier`` takes a 1-d sequence of str as ``X`` (as scikit-learn's text vectorizers
do), learns with ``stance.train`` (no cross-validation of its own: use scikit-learn's) and
scores each text as one unit (``level="text"``). It works inside ``Pipeline``,
``cross_val_score`` and ``GridSearchCV``; the fitted model pickles through its JSON.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

import stance


def _texts(X):
    """A list of str from X: a list, tuple, numpy array or pandas Series of str (one text per
    row); a 2-d X is refused, since a text is one value, not a row of numbers."""
    if isinstance(X, str):
        raise TypeError("X must be a sequence of str (one text per sample), not a single str")
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) != 1:
        if len(shape) == 2 and shape[1] == 1:
            X = np.asarray(X).ravel()
        else:
            raise ValueError(
                f"X must be 1-d, one text per sample; got an array of shape {shape}"
            )
    return list(X)


class StanceClassifier(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression on stance's tf-idf features.

    Parameters are those of ``stance train`` (``alpha`` = 1/C of LogisticRegression); ``"auto"``
    takes ``stance train``'s default for the data's size (alpha 0.3 up to 10,000 rows and 1 above,
    char 2–5-grams up to 10,000 rows, min-df 2 from 100 rows and 5 above 10,000), and ``class_weight`` is balanced unless set (None: no weights).
    ``classes_`` are the distinct labels of ``y`` (sorted, of any type); ``predict_proba``'s
    columns follow them.
    """

    def __init__(
        self,
        alpha="auto",
        word_ngrams="1-2",
        char_ngrams="auto",
        min_df="auto",
        max_features=None,
        stem=True,
        lowercase=True,
        class_weight="balanced",
        max_iterations=1000,
        tolerance="auto",
        solver="auto",
        nb_scaling=False,
        blend=False,
    ):
        self.alpha = alpha
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.stem = stem
        self.lowercase = lowercase
        self.class_weight = class_weight
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self.solver = solver
        self.nb_scaling = nb_scaling
        self.blend = blend

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def fit(self, X, y):
        texts = _texts(X)
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-d, got shape {y.shape}")
        if len(y) != len(texts):
            raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y needs at least 2 classes to learn from, got {len(self.classes_)}"
            )
        names = [str(c) for c in self.classes_]
        if len(set(names)) != len(names):
            raise ValueError("two classes of y have the same str(); stance labels are text")
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            class_weight = {str(k): float(v) for k, v in class_weight.items()}
        self.classifier_ = stance.train(
            texts,
            [str(v) for v in y],
            alpha=self.alpha,
            word_ngrams=self.word_ngrams,
            char_ngrams=self.char_ngrams,
            min_df=self.min_df,
            max_features=self.max_features,
            stem=self.stem,
            lowercase=self.lowercase,
            class_weight=class_weight,
            max_iterations=self.max_iterations,
            tolerance=self.tolerance,
            solver=self.solver,
            nb_scaling=self.nb_scaling,
            blend=self.blend,
        )
        # Model label order → classes_ order.
        position = {name: i for i, name in enumerate(self.classifier_.labels)}
        self._columns = np.array([position[name] for name in names])
        self.n_features_in_ = 1
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "classifier_")
        probabilities = np.asarray(self.classifier_.probabilities(_texts(X)), dtype=float)
        if probabilities.size == 0:
            return np.zeros((0, len(self.classes_)))
        return probabilities[:, self._columns]

    def predict(self, X):
        probabilities = self.predict_proba(X)  # first: it raises NotFittedError before fit
        return self.classes_[np.argmax(probabilities, axis=1)]
