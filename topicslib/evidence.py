"""The evidence of topics for outputs: the terms of each topic a reader should see (``Explanation.evidence``),
for ``topicslib classify --evidence``, the Dask engine, ``evaluate --mistakes`` and the labeler alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .documents import TopicScore
from .features import token_spans
from .model import TopicModel
from .records import Record, scoring_texts


def evidence_terms(model: TopicModel, texts: Sequence[str], topic_lists: Sequence[Sequence[str]]) -> list[dict[str, list[str]]]:
    """For each text, the terms of each of its topics (ids) that a reader should see; the texts with topics are
    explained in one call (``TopicModel.explain_many``), a text without any gets ``{}``.

    >>> from topicslib import default_model
    >>> evidence_terms(default_model(), ["Coca crops grew.", "Share this page"], [["narcotics"], []])
    [{'narcotics': ['coca', 'crops']}, {}]
    """
    tagged = [i for i, topics in enumerate(topic_lists) if topics]
    explained = model.explain_many([texts[i] for i in tagged], topics=[list(topic_lists[i]) for i in tagged])
    out: list[dict[str, list[str]]] = [{} for _ in texts]
    for i, explanations in zip(tagged, explained):
        out[i] = {e.topic: [t.term for t in e.evidence()] for e in explanations}
    return out


def evidence_of(model: TopicModel, records: list[Record], topic_lists: list[list[TopicScore]]) -> list[dict[str, list[str]]]:
    """:func:`evidence_terms` of records and their topics, each text read as the model scored it.

    >>> from topicslib import default_model
    >>> records = [Record("Coca crops grew.", {}, ""), Record("Share this page", {}, "")]
    >>> evidence_of(default_model(), records, [[TopicScore("narcotics", 0.99)], []])
    [{'narcotics': ['coca', 'crops']}, {}]
    """
    return evidence_terms(model, scoring_texts(records), [[t for t, _ in topics] for topics in topic_lists])


def evidence_as_written(records: Sequence[Record], evidence: Sequence[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    """Each record's evidence terms (:func:`evidence_of`) as its text writes them (:func:`as_written`), for a person
    to read: the table of ``classify --evidence`` showed "paraguachon" and "proteccion temporal", which a reader of
    Spanish takes for misspellings (QA pass 7).

    >>> evidence_as_written([Record("Migración: el Estatuto de Protección Temporal.", {}, "")],
    ...                     [{"migration": ["proteccion temporal", "migracion"]}])
    [{'migration': ['Protección Temporal', 'Migración']}]
    """
    return [as_written(r.text, found) for r, found in zip(records, evidence)]


def as_written(text: str, found: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Each topic's terms in ``found``, words as the model reads them (lower case, accents folded: "energia
    electrica"), as ``text`` writes them: their first run there; a term itself where ``text`` has none. The text is
    read for its tokens once, whatever the number of terms.

    >>> as_written("Subió la tarifa de Energía Eléctrica.", {"climate": ["energia electrica", "tariffs"]})
    {'climate': ['Energía Eléctrica', 'tariffs']}
    """
    spans = token_spans(text)
    tokens = [tok for _, _, tok in spans]

    def written(term: str) -> str:
        words = term.split()
        n = len(words)
        for i in range(len(tokens) - n + 1):
            if tokens[i:i + n] == words:
                return text[spans[i][0]:spans[i + n - 1][1]]
        return term

    return {topic: [written(term) for term in terms] for topic, terms in found.items()}
