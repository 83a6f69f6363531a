"""The short examples in the core modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest

import pytest

from topicslib import documents, errors, evaluation, examples, features, model, records, taxonomy, training


@pytest.mark.parametrize("module", [documents, errors, evaluation, examples, features, model, records, taxonomy,
                                    training],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
