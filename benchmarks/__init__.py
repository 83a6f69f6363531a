"""Benchmarks of topicslib against the classifiers users would pick instead (see docs/benchmarks.md).

Run them as scripts from the repository root::

    python benchmarks/accuracy.py --out benchmarks/results/accuracy.json
    python benchmarks/speed.py --out benchmarks/results/speed.json
"""
