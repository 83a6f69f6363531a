"""The evidence of records' topics for outputs: the terms of each topic a reader should see (``Explanation.evidence``),
for ``topicslib classify --evidence`` and the Dask engine alike."""

from __future__ import annotations

from .documents import TopicScore
from .model import TopicModel
from .records import Record, scoring_text


def evidence_of(model: TopicModel, records: list[Record], topic_lists: list[list[TopicScore]]) -> list[dict[str, list[str]]]:
    """For each record, the terms of each of its topics that a reader should see, its text read as the model
    scored it; the tagged records are explained in one call (``TopicModel.explain_many``).

    >>> from topicslib import default_model
    >>> records = [Record("Coca crops grew.", {}, ""), Record("Share this page", {}, "")]
    >>> evidence_of(default_model(), records, [[TopicScore("narcotics", 0.99)], []])
    [{'narcotics': ['coca', 'crops']}, {}]
    """
    tagged = [i for i, topics in enumerate(topic_lists) if topics]
    explained = model.explain_many([scoring_text(records[i]) for i in tagged],
                                   topics=[[t for t, _ in topic_lists[i]] for i in tagged])
    out: list[dict[str, list[str]]] = [{} for _ in records]
    for i, explanations in zip(tagged, explained):
        out[i] = {e.topic: [t.term for t in e.evidence()] for e in explanations}
    return out
