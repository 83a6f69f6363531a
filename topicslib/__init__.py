"""topicslib: tag paragraphs of political and diplomatic text with policy topics.

>>> import topicslib
>>> [t.topic for t in topicslib.classify("Colombia hosts nearly three million Venezuelan migrants.")]
['migration']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import process  # noqa: F401  (first: it sets the command's process up before numpy loads)
from .audit import Suspect, audit
from .bootstrap import bootstrap
from .crossval import cross_validate
from .defaults import default_model, resolve
from .documents import DocumentResult, DocumentTopic, Paragraph, TopicScore
from .errors import (DataError, ExampleError, InputError, ModelFileError, NotFittedError, OptionError, TaxonomyError,
                     TopicslibError, TrainingError)
from .evaluation import Evaluation, Mistake, Scores
from .examples import Example, read_examples
from .model import Explanation, TermContribution, TopicModel, load_model, train
from .resources import default_model_path, default_taxonomy_path
from .taxonomy import Taxonomy, Topic, load_taxonomy
from .suggest import suggest
from .trends import TrendRow, trends
from .version import __version__

__all__ = [
    "classify", "classify_many", "classify_document", "explain", "topics", "train", "cross_validate", "load_model",
    "default_model", "default_model_path", "default_taxonomy_path",
    "TopicModel", "TopicScore", "DocumentResult", "DocumentTopic", "Paragraph", "Explanation", "TermContribution",
    "Evaluation", "Scores", "Mistake", "Example", "read_examples", "Taxonomy", "Topic", "load_taxonomy", "trends",
    "TrendRow",
    "audit", "Suspect", "suggest", "bootstrap",
    "TopicslibError", "DataError", "ExampleError", "InputError", "ModelFileError", "NotFittedError", "OptionError",
    "TaxonomyError", "TrainingError", "__version__",
]


def classify(text: str, *, model: TopicModel | None = None) -> list[TopicScore]:
    """Topics of one paragraph whose probability reaches the topic's threshold, highest first.

    >>> best = classify("Colombia hosts nearly three million Venezuelan migrants.")[0]
    >>> best.topic, best.score > 0.9
    ('migration', True)
    """
    return resolve(model).classify(text)


def classify_many(texts: Iterable[str], *, model: TopicModel | None = None) -> list[list[TopicScore]]:
    """``classify`` for many paragraphs at once (one call into the scorer). ``texts`` may be any iterable of strings; it
    is read whole first, as the result holds a list for each: give a long stream in chunks for memory to stay bounded.

    >>> [[t.topic for t in r] for r in classify_many(["Tariffs on coffee exports fell.", "Home | Contact"])]
    [['trade'], []]
    """
    return resolve(model).classify_many(texts)


def classify_document(text: str, *, model: TopicModel | None = None) -> DocumentResult:
    """Split a document into paragraphs, classify each, and aggregate the document's topics.

    >>> doc = classify_document("Tariffs on coffee exports fell.\\n\\nMigrants crossed the Darién Gap.")
    >>> [(p.index, [t.topic for t in p.topics]) for p in doc.paragraphs]
    [(0, ['trade']), (1, ['migration'])]
    >>> sorted((t.topic, t.paragraphs, t.share) for t in doc.topics)
    [('migration', 1, 0.5), ('trade', 1, 0.5)]
    """
    return resolve(model).classify_document(text)


def explain(text: str | Paragraph, *, topic: str | Sequence[str] | None = None, model: TopicModel | None = None,
            top_n: int = 10) -> list[Explanation]:
    """For each predicted topic (or ``topic``, one id or several), the terms of ``text`` that raised or lowered its score.

    A text is read as it is, as ``classify`` reads it; a :class:`Paragraph` of ``classify_document`` as that
    scored it, without its Markdown (a link's text, not its address).

    >>> e = explain("Coca eradication fell in Colombia.")[0]
    >>> e.topic, e.terms[0].term, e.terms[0].contribution > 0
    ('narcotics', 'coca', True)
    >>> p = classify_document("Coca crops grew in [Cauca](https://example.org/tariffs-exports).").paragraphs[0]
    >>> [e.topic for e in explain(p)], [e.topic for e in explain(p.text)]
    (['narcotics'], ['trade', 'narcotics'])
    """
    return resolve(model).explain(text, topic=topic, top_n=top_n)


def topics(model: TopicModel | None = None, *, lang: str | None = None) -> list[Topic]:
    """The taxonomy of a model (the default model when none is given), named in ``lang`` where it can be.

    >>> [t.name for t in topics(lang="es")][:3]
    ['Migración', 'Clima y medio ambiente', 'Narcotráfico']
    """
    return resolve(model).topics(lang)
