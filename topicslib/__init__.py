"""topicslib: tag paragraphs of political and diplomatic text with policy topics.

>>> import topicslib
>>> topicslib.classify("Colombia hosts nearly three million Venezuelan migrants.")  # doctest: +SKIP
[TopicScore(topic='migration', score=0.97)]
"""

from __future__ import annotations

__version__ = "0.1.0"

import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .documents import DocumentResult, DocumentTopic, Paragraph, TopicScore
from .errors import ExampleError, InputError, ModelFileError, TaxonomyError, TopicslibError, TrainingError
from .crossval import cross_validate
from .evaluation import Evaluation, Scores
from .examples import Example, read_examples
from .model import Explanation, TermContribution, TopicModel
from .resources import default_model_path, default_taxonomy_path
from .storage import load_model
from .taxonomy import Taxonomy, Topic, as_taxonomy, load_taxonomy

__all__ = [
    "classify", "classify_many", "classify_document", "explain", "topics", "train", "cross_validate", "load_model",
    "default_model", "default_model_path", "default_taxonomy_path",
    "TopicModel", "TopicScore", "DocumentResult", "DocumentTopic", "Paragraph", "Explanation", "TermContribution",
    "Evaluation", "Scores", "Example", "read_examples", "Taxonomy", "Topic", "load_taxonomy",
    "TopicslibError", "ExampleError", "InputError", "ModelFileError", "TaxonomyError", "TrainingError",
]

_default: TopicModel | None = None
_default_lock = threading.Lock()


def default_model() -> TopicModel:
    """The shipped default model, loaded once and shared (thread-safe).

    >>> default_model().classes_[:2].tolist()  # doctest: +SKIP
    ['migration', 'climate']
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = load_model(default_model_path())
    return _default


def _model(model: TopicModel | None) -> TopicModel:
    if model is None:
        return default_model()
    if not isinstance(model, TopicModel):
        raise InputError(f"model must be a TopicModel (see load_model), got {type(model).__name__}")
    return model


def classify(text: str, *, model: TopicModel | None = None) -> list[TopicScore]:
    """Topics of one paragraph whose probability reaches the topic's threshold, highest first.

    >>> classify("Colombia hosts nearly three million Venezuelan migrants.")[0].topic  # doctest: +SKIP
    'migration'
    """
    return _model(model).classify(text)


def classify_many(texts: Iterable[str], *, model: TopicModel | None = None) -> list[list[TopicScore]]:
    """``classify`` for many paragraphs at once (one call into the scorer).

    >>> [len(r) >= 0 for r in classify_many(["Tariffs fell.", "Home | Contact"])]  # doctest: +SKIP
    [True, True]
    """
    return _model(model).classify_many(texts)


def classify_document(text: str, *, model: TopicModel | None = None) -> DocumentResult:
    """Split a document into paragraphs, classify each, and aggregate the document's topics.

    >>> doc = classify_document("Trade rose.\\n\\nMigrants crossed the Darién.")  # doctest: +SKIP
    >>> [p.index for p in doc.paragraphs]  # doctest: +SKIP
    [0, 1]
    """
    return _model(model).classify_document(text)


def explain(text: str, *, topic: str | Sequence[str] | None = None, model: TopicModel | None = None,
            top_n: int = 10) -> list[Explanation]:
    """For each predicted topic (or ``topic``, one id or several), the terms of ``text`` that raised or lowered its score.

    >>> explain("Coca eradication fell in Colombia.")[0].terms[0]  # doctest: +SKIP
    TermContribution(term='coca', contribution=1.9)
    """
    return _model(model).explain(text, topic=topic, top_n=top_n)


def topics(model: TopicModel | None = None) -> list[Topic]:
    """The taxonomy of a model (the default model when none is given).

    >>> [t.id for t in topics()][:3]  # doctest: +SKIP
    ['migration', 'climate', 'narcotics']
    """
    return _model(model).topics()


def train(
    examples: str | Path | Iterable[Mapping | Example],
    *,
    taxonomy: str | Path | Taxonomy | None = None,
    **options,
) -> TopicModel:
    """Train a model from examples (a file, a folder, or records).

    With ``taxonomy=None`` the topics are the labels found in the examples;
    with a taxonomy (file or object) every label is checked against it.
    ``options`` are :class:`TopicModel` parameters (``C``, ``loss``, ``char_ngrams``, ...).

    >>> model = train("examples/", taxonomy="seeds/topics.toml")  # doctest: +SKIP
    >>> model.save("models/mine.npz")  # doctest: +SKIP
    """
    taxonomy = as_taxonomy(taxonomy)
    model = TopicModel.from_options(**options)
    return model._fit_examples(read_examples(examples, taxonomy=taxonomy), taxonomy)
