"""stance: whether a text supports or opposes a target, sentence by sentence and per article.

The Rust library behind the ``stance`` command line tool, from Python::

    import stance
    clf = stance.Classifier.default()            # or stance.Classifier.load("mine.json")
    rows = clf.classify(["Lavrov said the deployment is unacceptable."])
    rows[0]["label"], rows[0]["probabilities"]
    clf.classify(texts, level="article", as_frame=True)   # a pandas DataFrame
    clf.explain(["..."]); clf.evaluate(texts, labels)     # as `stance explain|evaluate --format json`
    model = stance.train(texts, labels, alpha=0.03, class_weight="balanced")
    model.save("mine.json")

Batch calls release the GIL and run on the rayon thread pool (``RAYON_NUM_THREADS`` sets its
size before the first call). ``stance.sklearn.StanceClassifier`` is a scikit-learn estimator.
"""

from . import _native
from ._native import DEFAULT_MODEL_NAME, Classifier, ModelError, threads


def train(texts, labels, **options):
    """Trains a model on ``texts`` and their ``labels`` and returns its ``Classifier``.

    The options are those of ``stance train`` by their Python names: ``groups``, ``targets``,
    ``topics`` (lists beside the texts), ``target_strategy`` ("pooled", "per-target",
    "conjoined", "relative"), ``pooled_fallback``, ``cv`` (folds of a cross-validation stored in the model;
    none by default), ``seed``, ``neutral_label``, ``calibrate``, ``alpha``, ``word_ngrams``
    and ``char_ngrams`` ("1-2", (1, 2) or None), ``min_df``, ``max_features``, ``stem``,
    ``lowercase``, ``class_weight`` (None, "balanced" or a dict), ``max_iterations``,
    ``tolerance``, ``solver``, ``nb_scaling`` and ``blend``. The defaults are the CLI's
    (``alpha``, ``char_ngrams``, ``min_df``, ``class_weight`` and ``tolerance`` depend on the
    number of rows, as ``stance train``'s do; an option given as ``"auto"`` takes that default
    too), and the same data and options give the model ``stance train --no-cv`` gives.
    Warnings of training (duplicate rows, a solver that did not converge) are ``UserWarning``s.
    """
    for key in ("alpha", "char_ngrams", "min_df", "class_weight", "tolerance"):
        if isinstance(options.get(key), str) and options[key] == "auto":
            del options[key]
    # An explicit None means "none" (no char n-grams, no class weights), not the default.
    for key in ("word_ngrams", "char_ngrams", "class_weight"):
        if key in options and options[key] is None:
            options[key] = "none"
    return _native.train(texts, labels, **options)


__all__ = ["Classifier", "ModelError", "train", "threads", "DEFAULT_MODEL_NAME"]
