"""The compiled training solver (topicslib/_solver.c): LIBLINEAR's optimum, warm starts, no copies, no crashes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import LinearSVC

import topicslib
from topicslib import native, training

from .conftest import ROOT, TINY
from .test_scorer import _compiler

needs_solver = pytest.mark.skipif(not native.SOLVER, reason="topicslib was built without its training solver")


def test_the_solver_is_built_wherever_a_c_compiler_is():
    if _compiler() is None:
        pytest.skip("no C compiler here (or TOPICSLIB_NO_EXTENSION is set): topicslib trains with scikit-learn's LIBLINEAR")
    assert native.SOLVER, "a C compiler is here, yet topicslib._solver was not built (see pip's build output)"


def _problem(n: int = 400, F: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, F, density=0.05, format="csr", random_state=seed, dtype=np.float32)  # as training has them
    X.sort_indices()
    w = rng.normal(size=F)
    y = (X @ w + rng.normal(scale=0.3, size=n) > 0.1).astype(np.int8)
    return X, y


def _fit(X, y, rows, scale, c_pos, c_neg, eps=1e-6, alpha=None):
    """One topic's weights (intercept last), duals and passes: a block of one."""
    rows = np.asarray(rows, dtype=np.int32)
    alpha = np.zeros((len(rows), 1)) if alpha is None else alpha
    state = np.zeros((X.shape[1] + 1, 2, 1))
    state[:-1, 1, 0] = scale * scale
    (passes,) = native.fit_svm(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64), rows,
                               np.ascontiguousarray(y[rows, None]), state, np.array([c_pos]), np.array([c_neg]), eps,
                               1000, 0, alpha)
    return state[:, 0, 0].copy(), alpha, passes


@needs_solver
@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_the_solver_reaches_liblinears_optimum_on_scaled_columns_of_a_row_subset(class_weight):
    X, y = _problem()
    rows = np.arange(0, 400, 3)  # a fold: every third row, read in place
    scale = np.random.default_rng(1).uniform(0.2, 2.0, X.shape[1])
    c_pos, c_neg = training._class_costs(y[rows], 0.5, class_weight)
    u, _, _ = _fit(X, y, rows, scale, c_pos, c_neg)
    ref = LinearSVC(C=0.5, class_weight=class_weight, tol=1e-8, max_iter=100_000, dual=True).fit(
        training.scale_columns(X[rows], scale), y[rows])
    assert np.allclose(u[:-1], ref.coef_.ravel() * scale, atol=1e-5)
    assert u[-1] == pytest.approx(ref.intercept_[0], abs=1e-5)


@needs_solver
def test_a_warm_start_at_the_solution_converges_at_once_to_the_same_weights():
    X, y = _problem()
    rows = np.arange(400)
    u, alpha, passes = _fit(X, y, rows, np.ones(X.shape[1]), 0.5, 0.5)
    again, _, warm_passes = _fit(X, y, rows, np.ones(X.shape[1]), 0.5, 0.5, alpha=alpha.copy())
    assert passes > 2 and warm_passes <= 2
    assert np.allclose(again, u, atol=1e-9)


@needs_solver
def test_a_block_of_topics_gives_each_the_optimum_it_gets_alone():
    X, Y = _labels(400)
    rows = np.arange(0, 400, 2, dtype=np.int32)
    scales = np.random.default_rng(3).uniform(0.2, 2.0, (X.shape[1], 2))
    costs = np.array([training._class_costs(Y[rows, t], 0.5, "balanced") for t in range(2)])
    state = np.zeros((X.shape[1] + 1, 2, 2))
    state[:-1, 1] = scales**2
    alpha = np.zeros((len(rows), 2))
    passes = native.fit_svm(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64), rows,
                            np.ascontiguousarray(Y[rows]), state, costs[:, 0].copy(), costs[:, 1].copy(), 1e-6, 1000, 0,
                            alpha)
    for t in range(2):  # each topic has its own duals and stopping rule; only the row order of the passes is shared
        alone, alone_alpha, alone_passes = _fit(X, Y[:, t], rows, scales[:, t], *costs[t])
        assert np.allclose(state[:, 0, t], alone, atol=1e-6)
        assert np.allclose(alpha[:, t], alone_alpha[:, 0], atol=1e-5)
        assert passes[t] > 2 and alone_passes > 2


@needs_solver
def test_a_block_of_three_topics_is_padded_to_four_places_and_gives_each_its_optimum():
    # padded so that no column's weights straddle two cache lines: 3 topics take 4 places (64 bytes a column)
    assert [native.state_width(b) for b in range(1, 11)] == [1, 2, 4, 4, 8, 8, 8, 8, 12, 12]
    X, Y = _labels(400)
    Y = np.column_stack([Y, (X[:, 100:160].sum(axis=1).A.ravel() > 0.2).astype(np.int8)])
    rows = np.arange(0, 400, 2, dtype=np.int32)
    scales = np.random.default_rng(4).uniform(0.2, 2.0, (X.shape[1], 3))
    costs = np.array([training._class_costs(Y[rows, t], 0.5, None) for t in range(3)])
    state = np.zeros((X.shape[1] + 1, 2, 4))
    state[:-1, 1, :3] = scales**2
    native.fit_svm(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64), rows, np.ascontiguousarray(Y[rows]),
                   state, costs[:, 0].copy(), costs[:, 1].copy(), 1e-6, 1000, 0, np.zeros((len(rows), 3)))
    assert not state[:, :, 3].any()  # the padding is neither read into the fits nor written
    for t in range(3):
        alone, _, _ = _fit(X, Y[:, t], rows, scales[:, t], *costs[t])
        assert np.allclose(state[:, 0, t], alone, atol=1e-6)
    with pytest.raises(ValueError, match="sizes do not agree"):  # a state as wide as the block: not its layout
        native.fit_svm(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64), rows,
                       np.ascontiguousarray(Y[rows]), np.zeros((X.shape[1] + 1, 2, 3)), costs[:, 0].copy(),
                       costs[:, 1].copy(), 1e-6, 1000, 0, np.zeros((len(rows), 3)))


@needs_solver
def test_the_same_call_gives_the_same_weights_bit_for_bit():
    X, y = _problem()
    first, _, _ = _fit(X, y, np.arange(400), np.ones(X.shape[1]), 0.5, 0.5, eps=0.1)
    second, _, _ = _fit(X, y, np.arange(400), np.ones(X.shape[1]), 0.5, 0.5, eps=0.1)
    assert first.tobytes() == second.tobytes()


@needs_solver
@pytest.mark.parametrize("change, message", [
    (lambda a: a.__setitem__("indices", np.full_like(a["indices"], 10**6)), "column index is out of range"),
    (lambda a: a.__setitem__("rows", np.array([0, 10**6], np.int32)), "row number is out of range"),
    (lambda a: a.__setitem__("indptr", a["indptr"][::-1].copy()), "indptr"),
    (lambda a: a.__setitem__("state", np.ones(3)), "sizes do not agree"),
    (lambda a: a.__setitem__("rows", np.array([0, 1], np.int64)), "4-byte signed integers"),
    (lambda a: a.__setitem__("data", a["data"].astype(np.float64)), "4-byte floats"),
])
def test_bad_arrays_are_a_value_error_not_a_crash(change, message):
    X, y = _problem(20, 10)
    # two rows that hold values: the solver checks the column indices of the rows it fits on, as it first reads them
    rows = np.flatnonzero(np.diff(X.indptr))[:2].astype(np.int32)
    a = {"data": X.data, "indices": X.indices.astype(np.int32), "indptr": X.indptr.astype(np.int64),
         "rows": rows, "state": np.ones((11, 2, 1))}
    change(a)
    with pytest.raises(ValueError, match=message):
        native.fit_svm(a["data"], a["indices"], a["indptr"], a["rows"], y[rows, None], a["state"], np.ones(1),
                       np.ones(1), 0.1, 10, 0, np.zeros((2, 1)))


@needs_solver
@pytest.mark.parametrize("change, message", [
    (lambda a: a.__setitem__("indices", np.full_like(a["indices"], 10**6)), "column index is out of range"),
    (lambda a: a.__setitem__("indptr", a["indptr"][::-1].copy()), "indptr"),
    (lambda a: a["indptr"].__setitem__(5, a["indptr"][-1]), "not sorted"),  # row 5 ends past row 6's start
    (lambda a: a.__setitem__("curvature", np.ones(3)), "sizes do not agree"),
    (lambda a: a.__setitem__("norm", np.zeros(3)), "sizes do not agree"),
    (lambda a: a.__setitem__("scale2", np.ones(21)), "sizes do not agree"),  # not a whole number of columns
    (lambda a: a.__setitem__("data", a["data"].astype(np.float64)), "4-byte floats"),
    (lambda a: a["rows"].__setitem__(3, 20), "row number is out of range"),
    (lambda a: a["rows"].__setitem__(3, -1), "row number is out of range"),
    # a row of no curvature is not read for the columns' sums: its indices are checked as its norm reads them
    (lambda a: (a["indices"].__setitem__(slice(None), 10**6), a["curvature"].__setitem__(slice(None), 0.0)),
     "column index is out of range"),
])
def test_bad_arrays_for_the_estimate_are_a_value_error_not_a_crash(change, message):
    X, _ = _problem(20, 10)
    a = {"data": X.data, "indices": X.indices.astype(np.int32), "indptr": X.indptr.astype(np.int64),
         "scale2": np.ones((10, 2)), "curvature": np.ones((20, 2)), "rows": np.arange(20, dtype=np.int32),
         "norm": np.zeros((20, 2))}
    change(a)
    with pytest.raises(ValueError, match=message):
        native.leave_one_out_norms(a["data"], a["indices"], a["indptr"], a["scale2"], a["curvature"], a["rows"],
                                   a["norm"])


def _labels(n: int, seed: int = 0):
    X, y = _problem(n, 200, seed)
    Y = np.stack([y, (X[:, :40].sum(axis=1).A.ravel() > 0.2).astype(np.int8)], axis=1)
    return X, Y


@needs_solver
@pytest.mark.parametrize("folds", [3, 0])  # 0: both topics have 100 examples a side, so the estimate serves them
def test_training_with_the_solver_matches_training_with_liblinear(monkeypatch, folds):
    X, Y = _labels(600)
    assert folds or not len(training.refitted_topics(Y, folds))
    ours = training.fit_linear(X, Y, C=0.5, folds=folds)
    monkeypatch.setattr(native, "SOLVER", False)
    theirs = training.fit_linear(X, Y, C=0.5, folds=folds)
    # The same optimum to within the solvers' tolerances: the same decisions on almost every training row.
    agree = ((ours.oof_proba >= ours.thresholds) == (theirs.oof_proba >= theirs.thresholds)).mean()
    assert agree > 0.97
    assert np.corrcoef(ours.coef.ravel(), theirs.coef.ravel())[0, 1] > 0.99


def test_training_without_the_solver_says_so(monkeypatch, caplog):
    # A source checkout run without its built extensions trains another model file: the user must hear why.
    X, Y = _labels(200)
    monkeypatch.setattr(native, "SOLVER", False)
    training._say_no_solver.cache_clear()  # said once a process: another test may have heard it already
    with caplog.at_level("WARNING", logger="topicslib"):
        training.fit_linear(X, Y, C=0.5, folds=2)
        training.fit_linear(X, Y, C=0.5, folds=2)
    assert caplog.text.count("compiled training solver is not available") == 1
    caplog.clear()
    training._say_no_solver.cache_clear()
    with caplog.at_level("WARNING", logger="topicslib"):
        training.fit_linear(X, Y, C=0.5, folds=2, loss="logistic")  # no solver of ours fits that loss anyway
    assert "solver" not in caplog.text


@needs_solver
def test_threads_give_the_serial_model_bit_for_bit():
    X, Y = _labels(500, seed=2)
    serial = training.fit_linear(X, Y, C=0.5, folds=3, n_jobs=1)
    threads = training.fit_linear(X, Y, C=0.5, folds=3, n_jobs=2)
    assert serial.coef.tobytes() == threads.coef.tobytes()
    assert serial.oof_proba.tobytes() == threads.oof_proba.tobytes()


def _leave_one_out(X, y, loss: str, C: float) -> np.ndarray:
    """Each row's margin under the model refitted without it (scikit-learn, bias regularized as ours is)."""
    from sklearn.linear_model import LogisticRegression

    def fit(rows):
        est = (LinearSVC(C=C, tol=1e-8, max_iter=100_000, dual=True) if loss == "svm"
               else LogisticRegression(C=C, solver="liblinear", tol=1e-8, max_iter=10_000))
        return est.fit(X[rows], y[rows])
    out = np.zeros(len(y))
    for i in range(len(y)):
        est = fit(np.delete(np.arange(len(y)), i))
        out[i] = est.decision_function(X[i])[0]
    return out, fit(np.arange(len(y)))


@pytest.mark.parametrize("loss", ["svm", "logistic"])
def test_estimated_out_of_fold_margins_follow_leave_one_out_refits(loss):
    # folds=0: each row's out-of-fold margin without refits. Against true leave-one-out refits it must be
    # far closer than the full model's own margin on the row (what no estimate at all would give).
    X, y = _problem(150, 60, seed=3)
    truth, full = _leave_one_out(X, y, loss, 0.5)
    W = full.coef_.T.astype(np.float32)
    own = full.decision_function(X)
    est = training.estimated_oof_margins(X, y[:, None], W, full.intercept_, lambda t: np.ones(X.shape[1]),
                                         loss=loss, C=0.5, class_weight=None).ravel()
    assert np.abs(est - truth).mean() < 0.35 * np.abs(own - truth).mean()
    assert np.corrcoef(est, truth)[0, 1] > 0.97
    if loss == "svm":  # a row beyond the margin does not move the model: its margin stays, exactly
        beyond = (2 * y - 1) * own > 1 + 1e-6
        assert beyond.any() and np.allclose(est[beyond], own[beyond], atol=1e-5)


@needs_solver
def test_the_compiled_leave_one_out_norms_are_numpys(monkeypatch):
    X, _ = _problem(300, 80, seed=4)
    X = sp.vstack([X[:10], sp.csr_matrix((1, 80), dtype=np.float32), X[10:]], format="csr")  # an empty row
    rng = np.random.default_rng(0)
    scale2, curvature = rng.uniform(0.1, 3.0, (80, 3)), rng.uniform(0.0, 2.0, (301, 3))  # a block of 3 topics
    curvature[rng.random(301) < 0.4] = 0.0  # rows beyond the margin for every topic: they add nothing to the columns'
    every = np.arange(301, dtype=np.int32)
    compiled = training._leave_one_out_norms(X, scale2, curvature, every)
    alone = [training._leave_one_out_norms(X, scale2[:, [j]], curvature[:, [j]], every) for j in range(3)]
    assert compiled.tobytes() == np.hstack(alone).tobytes()  # a topic's norms are the same in a block as alone
    some = np.array([300, 7, 10, 42, 7], np.int32)  # in any order, repeated
    assert training._leave_one_out_norms(X, scale2, curvature, some).tobytes() == compiled[some].tobytes()
    monkeypatch.setattr(native, "SOLVER", False)
    assert np.allclose(compiled, training._leave_one_out_norms(X, scale2, curvature, every), rtol=1e-12, atol=0)
    assert np.allclose(compiled[some], training._leave_one_out_norms(X, scale2, curvature, some), rtol=1e-12, atol=0)
    assert (compiled[10] == 0.0).all() and (compiled[np.diff(X.indptr) > 0] > 0).all()
    with pytest.raises(ValueError, match="between 1 and 10 topics"):  # the solver's blocks never hold more
        native.leave_one_out_norms(X.data, X.indices, X.indptr.astype(np.int64), np.ones((80, 11)), np.ones((301, 11)),
                                   every, np.zeros((301, 11)))


def test_folds_zero_refits_only_topics_with_few_examples_on_a_side(monkeypatch):
    # The estimate serves topics with many examples on each side; a topic with few is judged by folds.
    X, y = _problem(400, 100, seed=5)
    Y = np.stack([y, np.zeros(400, np.int8), np.ones(400, np.int8)], axis=1)
    Y[:30, 1] = 1  # 30 positives: folds
    Y[:40, 2] = 0  # 40 negatives: folds
    refitted = []
    fit_topics = training._fit_topics
    monkeypatch.setattr(training, "_fit_topics", lambda fits, topics, n_jobs, rows, left_out=False: (
        refitted.append(topics.tolist()) if rows is not None else None) or fit_topics(fits, topics, n_jobs, rows, left_out))
    assert min(y.sum(), 400 - y.sum()) >= training._ESTIMATE_MIN_EXAMPLES
    fit = training.fit_linear(X, Y, C=0.5, folds=0)
    assert refitted == [[1, 2]] * training._REFIT_FOLDS
    refitted.clear()
    training.fit_linear(X, Y, C=0.5, folds=3)
    assert refitted == [[0, 1, 2]] * 3
    assert fit.oof_proba.shape == (400, 3) and np.isfinite(fit.oof_proba).all()


@needs_solver
def test_row_margins_are_scipys_product_bit_for_bit_without_copying_the_rows():
    # Folds score their left-out rows in place; the margins must be the ones scipy's product of a copy gives.
    X, _ = _problem(200, 50, seed=6)
    w, rows = np.random.default_rng(1).normal(size=50), np.arange(3, 200, 7, dtype=np.int32)
    out = np.zeros(len(rows))
    native.row_margins(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64), rows, w, 0.25, out)
    assert out.tobytes() == (X[rows] @ w + 0.25).tobytes()
    with pytest.raises(ValueError, match="row number is out of range"):
        native.row_margins(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64), np.array([0, 200], np.int32),
                           w, 0.0, np.zeros(2))
    with pytest.raises(ValueError, match="column index is out of range"):
        native.row_margins(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64), rows, w[:10], 0.0, out)


@needs_solver
def test_compiled_presence_counts_are_numpys(monkeypatch):
    X, y = _problem(300, 60, seed=7)
    X = sp.vstack([X[:5], sp.csr_matrix((1, 60), dtype=np.float32), X[5:]], format="csr")  # an empty row
    picked = np.r_[y[:5], 1, y[5:]].astype(bool)
    compiled = training.presence_counts(X, picked)
    monkeypatch.setattr(native, "SOLVER", False)
    assert compiled.tobytes() == training.presence_counts(X, picked).tobytes() and compiled.sum() > 0
    with pytest.raises(ValueError, match="column index is out of range"):
        native.presence_counts(np.array([0, 9], np.int32), np.array([0, 2], np.int64), np.ones(1, np.int8), np.zeros(5))
    with pytest.raises(ValueError, match="sizes do not agree"):
        native.presence_counts(X.indices, X.indptr.astype(np.int64), np.ones(3, np.int8), np.zeros(60))


@needs_solver
def test_the_compiled_matrix_product_is_scipys_bit_for_bit():
    from topicslib.csr import CSR

    X, _ = _problem(300, 70, seed=8)
    X = sp.vstack([X[:4], sp.csr_matrix((1, 70), dtype=np.float32), X[4:]], format="csr")  # an empty row
    W = np.random.default_rng(2).normal(size=(70, 6)).astype(np.float32)
    ours = CSR.of(X) @ W
    assert ours.dtype == np.float32 and ours.tobytes() == (X @ W).tobytes() and (ours[4] == 0).all()
    with pytest.raises(ValueError, match="column index is out of range"):
        native.matrix_product(X.data, X.indices, X.indptr.astype(np.int64), W[:10], np.zeros((301, 6), np.float32))


@needs_solver
def test_training_with_the_compiled_helpers_imports_no_scipy(tmp_path):
    # scipy.sparse costs 0.08 s of CPU to import, a fortieth of training the default model
    import json
    import subprocess
    import sys

    from .conftest import TINY

    path = tmp_path / "ex.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TINY), encoding="utf-8")
    code = ("import sys, topicslib; topicslib.train(sys.argv[1], min_examples=1); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn')))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_calibration_does_not_hang_on_the_last_bit_of_the_margins():
    # numpy's exp and log take CPU-specific paths (AVX-512 or not) that differ in the last bit; margins one
    # unit in the last place apart, as two machines give them, must give the same calibration parameters
    rng = np.random.default_rng(3)
    Y = (rng.random((2000, 4)) < [0.05, 0.2, 0.5, 0.002]).astype(np.int8)
    margins = rng.normal(size=Y.shape) + 2.0 * Y
    nudged = np.nextafter(margins, np.where(rng.random(Y.shape) < 0.5, -np.inf, np.inf))
    first, second = training.platt_parameters(margins, Y), training.platt_parameters(nudged, Y)
    assert first.shape == (4, 2) and first.tobytes() == second.tobytes()
    assert np.all(first[:3, 0] > 0)


def test_a_model_is_the_same_bytes_whichever_vector_paths_numpy_takes(tmp_path):
    # numpy picks its exp, log and sums by the CPU (AVX-512, AVX2 or neither), and their last bits differ; with those
    # paths switched off the same examples must give the same file (on an AVX-512 machine this compares its paths with
    # the plainest; elsewhere AVX2's)
    lines = [line for f in sorted((ROOT / "examples").glob("*.jsonl"))[:12] for line in f.read_text("utf-8").splitlines()[:50]]
    examples = tmp_path / "ex.jsonl"
    examples.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = "import sys, topicslib; topicslib.train(sys.argv[1], taxonomy=sys.argv[2]).save(sys.argv[3])"
    for name, extra in (("a.npz", {}), ("b.npz", {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR X86_V3"})):
        proc = subprocess.run([sys.executable, "-c", code, str(examples), str(ROOT / "seeds" / "topics.toml"),
                               str(tmp_path / name)], capture_output=True, text=True, env={**os.environ, **extra})
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_intercepts_are_kept_in_single_precision():
    # the solver's intercepts read numpy's logs (naive-Bayes scaling): the file keeps them rounded, as Platt's parameters
    model = topicslib.train(TINY, min_df=1)
    assert model.intercept_.dtype == np.float64
    assert np.array_equal(model.intercept_.astype(np.float32).astype(np.float64), model.intercept_)
