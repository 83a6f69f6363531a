"""Shared fixtures: the repository's paths, a small trained model, and the shared data folder."""

from __future__ import annotations

import pickle
import signal
from pathlib import Path

import pytest

import topicslib
from topicslib import scoring
from topicslib.files import STOP_SIGNALS

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
DEV_REAL = SHARED_DATA / "dev_real" / "dev.jsonl"

# A tiny corpus with its own label set: enough to train in well under a second.
TINY = [
    {"text": "Exports of coffee and flowers rose under the trade agreement.", "topics": ["econ"]},
    {"text": "Tariffs on steel imports were lowered to boost commerce.", "topics": ["econ"]},
    {"text": "Investment in ports and small businesses grew last year.", "topics": ["econ"]},
    {"text": "The central bank reported strong economic growth and new jobs.", "topics": ["econ"]},
    {"text": "A new loan will finance exporters and supply chains.", "topics": ["econ"]},
    {"text": "Thousands of migrants crossed the border seeking asylum.", "topics": ["people"]},
    {"text": "Refugees and displaced families arrived at the shelter.", "topics": ["people"]},
    {"text": "The asylum office registered new migrants and refugees.", "topics": ["people"]},
    {"text": "Border officials processed families of migrants at the crossing.", "topics": ["people"]},
    {"text": "Displaced people asked for temporary protection and asylum.", "topics": ["people"]},
    {"text": "Migrant workers send remittances that lift exports and growth.", "topics": ["econ", "people"]},
    {"text": "Refugees found jobs with small businesses in the border town.", "topics": ["econ", "people"]},
    {"text": "Share this page | Print", "topics": []},
    {"text": "Photo credit: Embassy staff", "topics": []},
    {"text": "Subscribe to our newsletter for updates.", "topics": []},
]


@pytest.fixture(autouse=True, scope="session")
def _ignored_stops_not_passed_on():
    """The commands these tests start get the stop signals as a terminal gives them, even when the suite runs under
    ``nohup`` (SIGHUP ignored) or as a background job (SIGINT ignored): an ignored signal is inherited across exec,
    so a command's own handling of it went untested, and the tests that send it failed. A handler that does nothing
    keeps ignoring it here, and is not inherited (exec resets a handled signal to its default)."""
    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, lambda signum, frame: None)


@pytest.fixture(autouse=True)
def _stop_signals_restored():
    """Each test ends with the stop signals handled as before it: tests that run the command line in this process
    (``cli.main``) install its handlers, which would otherwise turn a later Ctrl-C or SIGTERM into its own."""
    handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    yield
    for sig, handler in handlers.items():
        if handler is not None:
            signal.signal(sig, handler)


@pytest.fixture(scope="session")
def tiny_model() -> topicslib.TopicModel:
    return topicslib.train(TINY, min_df=1, folds=3)


@pytest.fixture(scope="session")
def default_model() -> topicslib.TopicModel:
    return topicslib.default_model()


# The two ways a model scores texts: the compiled scorer (topicslib/_scorer.c) and numpy.
ENGINES = ("compiled", "numpy")


def on_engine(model: topicslib.TopicModel, engine: str) -> topicslib.TopicModel:
    """A copy of ``model`` (with its own, empty caches) that scores through ``engine``."""
    copy = pickle.loads(pickle.dumps(model))
    if engine == "numpy":
        copy._scorer = copy._numpy = scoring.build(copy.features_, copy.coef_, copy.intercept_, copy.multi_label_,
                                                   compiled=False)
    elif is_numpy(copy):
        pytest.skip("topicslib was built without its compiled scorer")
    return copy


def is_numpy(model: topicslib.TopicModel) -> bool:
    """Whether ``model`` scores through numpy (not the compiled scorer)."""
    return isinstance(model._scorer, scoring.NumpyScorer)


def status_kib(field: str) -> str:
    """Python source, for a child process's script, of a /proc/self/status figure in KiB (VmRSS, VmHWM)."""
    return f"int(next(l for l in open('/proc/self/status') if l.startswith('{field}:')).split()[1])"


# A child's own peak resident memory. getrusage's ru_maxrss would not do: Linux carries it across fork
# and exec, so a child of a large pytest process starts at the parent's size.
PEAK_KIB = status_kib("VmHWM")
needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peak memory from /proc (Linux)")
