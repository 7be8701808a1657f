"""Train the political-lean classifier (left / center / right) on the ABP corpus.

    python -m framing.training.lean --corpus ../shared/corpora/abp/articles.jsonl.gz \\
        --out framing/data/models [--card docs/lean-model-card.md]

What it does, with fixed seeds (same data -> byte-identical weights):

1. streams the gzipped JSONL (only the label/split/outlet columns and a sparse count matrix are
   kept in memory): pass 1 finds boilerplate lines (a line repeated, after lower-casing and digit
   folding, in >= 3 training articles: bylines, bios, newsletter prompts); pass 2 cleans each
   article (title + body; drops those lines, the article's own author names, short caption/
   newsletter/copyright lines, gallery/video widget lines, URLs/e-mails/@handles/domains and
   ~190 outlet and programme names; JSON parsing and cleaning run in a worker process) and counts
   word 1-2-grams (letters only; house-style words such as Mr/Mrs/Ms and "ET" are stop words);
2. picks the vocabulary on the training split only: document frequency >= 5 and <= 50%, used
   by >= 3 outlets, no single outlet holding more than half of its documents (drops outlet
   boilerplate and house style), the 100k most frequent;
3. fits sublinear TF-IDF + logistic regression for each (C, class_weight) of a small grid and
   selects on the validation split by macro-F1 with each outlet counting for at most 100
   articles (the validation split is 59% New York Times);
4. fits a temperature on validation (outlet-capped, class-balanced NLL), evaluates on test
   (outlets unseen in training), compares with the majority baseline and with a random
   article-level stratified split of the same size, checks the saved files reproduce the
   in-memory model, and scores the raw test articles (a third pass) with the saved files;
5. writes ``lean.json`` + ``lean.npz`` (an n-gram model, framing.scoring.ngram_model, in the format of framing.io.model_files; no pickle) and the model
   card, and prints the figures.

The corpus text is never written anywhere; only weights, n-gram features and figures.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import json
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from ..scoring.features import TokenNgrams
from ..scoring.ngram_model import NgramBlock, NgramModel, TokenPattern, load_ngram_model, save_ngram_model
from ..scoring.text_cleanup import TextPreprocess

__all__ = [
    "LABELS",
    "OUTLET_PHRASES",
    "BOILERPLATE_MARKERS",
    "WIDGET_MARKERS",
    "HOUSE_STYLE_STOP_WORDS",
    "TOKEN_PATTERN",
    "Config",
    "lean_preprocess",
    "fit_temperature",
    "top_features",
    "main",
]

LABELS = ("left", "center", "right")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"
DEFAULT_OUT = REPO_ROOT / "framing" / "data" / "models"
DEFAULT_CARD = REPO_ROOT / "docs" / "lean-model-card.md"
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"  # words of 2+ letters: no numbers, dates or years
# House style rather than lean: honorifics (NYT, WSJ, Washington Times) and time-zone marks of
# timestamps ("2 p.m. ET"). Stop words: removed before n-grams are formed.
HOUSE_STYLE_STOP_WORDS = ("mr", "mrs", "ms", "et", "est", "edt")

# Outlet names, removed (case-sensitive, whole words) from training and from every text the
# model scores. Ambiguous single words are listed only in unambiguous forms ("Reason magazine",
# "Vice News", "The Week"), so "vice president" or "the reason" stay.
OUTLET_PHRASES = (
    # broadcasters and agencies
    "ABC", "ABC News", "CBS", "CBS News", "NBC", "NBC News", "NBCNews", "MSNBC", "CNN", "CNBC",
    "PBS", "PBS NewsHour", "NPR", "BBC", "BBC News", "Fox", "FOX", "Fox News", "FOX News",
    "FoxNews", "Fox Business", "Fox News Channel", "CBN", "CBN News", "Christian Broadcasting Network",
    "Al Jazeera", "Associated Press", "AP", "Reuters", "Bloomberg", "Bloomberg News", "Newsmax",
    "Newsmax TV", "One America News", "OAN", "C-SPAN",
    # newspapers
    "New York Times", "The New York Times", "NYT", "NYTimes", "The Times", "the Times",
    "Washington Post", "The Washington Post", "the Post", "The Post", "Washington Times",
    "The Washington Times", "Wall Street Journal", "The Wall Street Journal", "WSJ", "the Journal",
    "The Journal", "USA TODAY", "USA Today", "Los Angeles Times", "LA Times", "L.A. Times",
    "Boston Globe", "The Boston Globe", "Chicago Tribune", "Chicago Sun-Times", "Sun-Times",
    "New York Post", "The New York Post", "Daily Mail", "The Guardian", "Guardian",
    "Financial Times", "The Economist", "Christian Science Monitor", "The Christian Science Monitor",
    "Epoch Times", "The Epoch Times", "Washington Examiner", "The Washington Examiner",
    "Washington Free Beacon", "Free Beacon", "Kalamazoo Gazette", "Polish Times",
    # magazines and web outlets
    "Politico", "POLITICO", "Axios", "The Hill", "Vox", "Vox.com", "Salon", "Salon.com", "Slate",
    "The Atlantic", "The New Yorker", "New York Magazine", "New York magazine", "The Intelligencer",
    "The Nation", "Mother Jones", "The Intercept", "Jacobin", "ThinkProgress", "Think Progress",
    "Daily Kos", "HuffPost", "Huffington Post", "The Huffington Post", "HuffPo", "BuzzFeed",
    "BuzzFeed News", "Daily Beast", "The Daily Beast", "Vice News", "VICE", "Vanity Fair",
    "Time magazine", "TIME", "Newsweek", "The Week", "Business Insider", "MarketWatch",
    "International Business Times", "Yahoo", "Yahoo News", "Yahoo! News", "FiveThirtyEight",
    "ProPublica", "RealClearPolitics", "Real Clear Politics", "RealClear", "Media Matters",
    "Democracy Now", "Scientific American", "The Marshall Project", "The Flip Side", "AllSides",
    "Breitbart", "Breitbart News", "The Daily Caller", "Daily Caller", "Daily Wire", "The Daily Wire",
    "Daily Signal", "The Daily Signal", "National Review", "National Review Online", "Townhall",
    "Townhall.com", "TheBlaze", "The Blaze", "Blaze", "Hot Air", "HotAir", "NewsBusters",
    "Media Research Center", "American Spectator", "The American Spectator", "Reason magazine",
    "Reason.com", "The Federalist", "RedState", "PJ Media", "Gateway Pundit", "The Gateway Pundit",
    "InfoWars", "Infowars", "The Weekly Standard", "Weekly Standard", "Washington Monthly",
    "Raw Story", "Talking Points Memo", "Mediaite", "American Enterprise Institute",
    "Yellow Scene Magazine", "the Monitor", "The Monitor",
    # programme names of outlets
    "Morning Edition", "Weekend Edition", "All Things Considered", "Fresh Air", "Political Junkie",
    "Fox & Friends", "Tucker Carlson Tonight", "The Ingraham Angle", "Anderson Cooper 360",
    "Face the Nation", "Meet the Press",
)

# Short lines (<= 200 characters) containing one of these (case-insensitive) are dropped:
# photo captions, newsletter and app prompts, reprint and copyright notes, reporting credits.
BOILERPLATE_MARKERS = (
    "caption", "getty images", "ap photo", "photo:", "photos:", "photo by", "image:",
    "enlarge this image", "click here", "contributed to this report", "contributed reporting",
    "additional reporting by", "reporting by", "editing by", "writing by", "sign up for",
    "newsletter", "subscribe to", "advertisement", "story continued below", "continue reading",
    "read more:", "related:", "watch:", "video:", "listen:", "now watch", "story highlights",
    "copyright", "all rights reserved", "reprint permission", "follow us on", "like us on facebook",
    "this story has been updated", "this article has been updated", "this story was updated",
    "updated at", "read or share this story", "opinions expressed in this", "privacy policy",
    "delivered to your inbox", "stories you care about", "\u00a9",
)


# Lines of any length containing one of these are dropped: photo-gallery and video-playlist
# widgets ("Hide Caption 3 of 19 Photos: ...", "Replay More Videos ... MUST WATCH ...").
WIDGET_MARKERS = ("hide caption", "toggle caption", "replay more videos", "must watch", "enlarge this image")


def lean_preprocess() -> TextPreprocess:
    """The cleaning stored with the model and applied to every text it scores."""
    return TextPreprocess(
        remove_phrases=OUTLET_PHRASES,
        drop_lines_containing=BOILERPLATE_MARKERS,
        drop_lines_max_chars=200,
        drop_any_line_containing=WIDGET_MARKERS,
        remove_urls=True,
    )


@dataclass
class Config:
    min_df: int = 5
    max_df: float = 0.5
    max_features: int = 100_000
    min_outlets: int = 3
    max_outlet_share: float = 0.5
    boilerplate_min_articles: int = 3
    ngram_range: tuple[int, int] = (1, 2)
    grid_C: tuple[float, ...] = (0.25, 1.0, 4.0)
    grid_class_weight: tuple[str | None, ...] = (None, "balanced")
    outlet_cap: int = 100
    seed: int = 13
    jobs: int = 2
    max_iter: int = 3000
    tol: float = 1e-4


# ---------------------------------------------------------------------------------------------
# Reading and cleaning (streamed)
# ---------------------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
_DIGITS_RE = re.compile(r"\d+")


def _line_key(line: str) -> bytes:
    norm = _DIGITS_RE.sub("0", _WS_RE.sub(" ", line.strip().lower()))
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()


def iter_articles(path: Path) -> Iterator[dict[str, Any]]:
    """Stream the JSONL (gzipped or not) one article at a time."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: invalid JSON ({exc})") from None
            yield row


def repeated_lines(path: Path, min_articles: int) -> set[bytes]:
    """Keys of body lines that occur in >= min_articles different *training* articles."""
    counts: collections.Counter[bytes] = collections.Counter()
    for row in iter_articles(path):
        if row.get("split") != "train":
            continue
        counts.update({_line_key(p) for p in str(row.get("text") or "").split("\n") if p.strip()})
    return {k for k, n in counts.items() if n >= min_articles}


def _author_names(authors: str) -> list[str]:
    """Full names from the byline field ("A B, C D"): two or more words, 5-40 characters."""
    names = []
    for part in re.split(r",|\band\b", authors or ""):
        name = part.strip().strip('"').strip()
        if 5 <= len(name) <= 40 and " " in name and not any(ch.isdigit() for ch in name):
            names.append(name)
    return sorted(set(names), key=lambda s: (-len(s), s))


class Cleaner:
    """Training-time cleaning: corpus boilerplate lines and the article's bylines, then the
    stored inference cleaning (`lean_preprocess`)."""

    def __init__(self, boilerplate: set[bytes], preprocess: TextPreprocess) -> None:
        self.boilerplate = boilerplate
        self.preprocess = preprocess

    def __call__(self, row: dict[str, Any]) -> tuple[str, int, int]:
        """(cleaned text, body lines, body lines dropped as repeated boilerplate)."""
        lines = [p for p in str(row.get("text") or "").split("\n") if p.strip()]
        kept = [p for p in lines if _line_key(p) not in self.boilerplate]
        text = str(row.get("title") or "") + "\n\n" + "\n".join(kept)
        for name in _author_names(str(row.get("authors") or "")):
            text = text.replace(name, " ")
        return self.preprocess.apply(text), len(lines), len(lines) - len(kept)


_WORKER_CLEANER: Cleaner | None = None


def _init_worker(boilerplate: set[bytes], preprocess: dict[str, Any]) -> None:
    global _WORKER_CLEANER
    _WORKER_CLEANER = Cleaner(boilerplate, TextPreprocess.from_dict(preprocess))


def _clean_line(line: str) -> tuple[Any, ...] | None:
    """One JSONL line -> (split, bias, source, id, cleaned text, lines, dropped), or None."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return ("error", str(exc))
    bias, split = row.get("bias"), row.get("split")
    if bias not in LABELS or split not in ("train", "valid", "test"):
        return None
    assert _WORKER_CLEANER is not None
    text, n_lines, n_dropped = _WORKER_CLEANER(row)
    return (split, bias, str(row.get("source") or ""), str(row.get("id") or ""), text, n_lines, n_dropped)


def raw_text(row: dict[str, Any]) -> str:
    """What a user would give the model: title and body."""
    return str(row.get("title") or "") + "\n\n" + str(row.get("text") or "")


@dataclass
class Corpus:
    counts: sp.csr_matrix  # articles x candidate terms (raw counts, float32)
    terms: np.ndarray  # candidate terms, column order
    split: np.ndarray
    label: np.ndarray
    source: np.ndarray
    ids: list[str]
    check_texts: list[tuple[int, str]]  # (row, cleaned text) of a few test articles
    lines_total: int = 0
    lines_dropped: int = 0
    n_boilerplate_keys: int = 0


def vectorize(path: Path, cfg: Config, log: Any = print) -> Corpus:
    from sklearn.feature_extraction.text import CountVectorizer

    t0 = time.time()
    boilerplate = repeated_lines(path, cfg.boilerplate_min_articles)
    log(f"  pass 1: {len(boilerplate):,} repeated boilerplate lines ({time.time() - t0:.0f}s)")
    preprocess = lean_preprocess().to_dict()
    split: list[str] = []
    label: list[str] = []
    source: list[str] = []
    ids: list[str] = []
    check: list[tuple[int, str]] = []
    stats = {"lines": 0, "dropped": 0}

    def texts(results: Iterable[tuple[Any, ...] | None]) -> Iterator[str]:
        for n, res in enumerate(results, 1):
            if res is None:
                continue
            if res[0] == "error":
                raise SystemExit(f"{path}: article {n}: invalid JSON ({res[1]})")
            sp_, bias, src, id_, text, n_lines, n_dropped = res
            if sp_ == "test" and len(check) < 200:
                check.append((len(split), text))
            split.append(sp_)
            label.append(bias)
            source.append(src)
            ids.append(id_)
            stats["lines"] += n_lines
            stats["dropped"] += n_dropped
            yield text

    cv = CountVectorizer(
        ngram_range=cfg.ngram_range,
        token_pattern=TOKEN_PATTERN,
        stop_words=list(HOUSE_STYLE_STOP_WORDS),
        lowercase=True,
        min_df=cfg.min_df,  # df over all articles >= df over any training subset
        dtype=np.float32,
    )
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        lines = (line for line in fh if line.strip())
        if cfg.jobs > 1:  # JSON parsing and cleaning in workers, counting here; order is kept
            import multiprocessing

            with multiprocessing.get_context().Pool(cfg.jobs - 1, initializer=_init_worker, initargs=(boilerplate, preprocess)) as pool:
                X = cv.fit_transform(texts(pool.imap(_clean_line, lines, chunksize=64))).tocsr()
        else:
            _init_worker(boilerplate, preprocess)
            X = cv.fit_transform(texts(map(_clean_line, lines))).tocsr()
    log(f"  pass 2: {X.shape[0]:,} articles x {X.shape[1]:,} candidate n-grams ({time.time() - t0:.0f}s)")
    return Corpus(
        counts=X,
        terms=cv.get_feature_names_out(),
        split=np.array(split),
        label=np.array(label),
        source=np.array(source),
        ids=ids,
        check_texts=check,
        lines_total=stats["lines"],
        lines_dropped=stats["dropped"],
        n_boilerplate_keys=len(boilerplate),
    )


# ---------------------------------------------------------------------------------------------
# Features, fitting, metrics
# ---------------------------------------------------------------------------------------------


def select_vocabulary(X: sp.csr_matrix, sources: np.ndarray, cfg: Config) -> tuple[np.ndarray, dict[str, int]]:
    """Columns kept, from the training rows only (see the module docstring)."""
    n = X.shape[0]
    B = X.copy()
    B.data[:] = 1.0
    df = np.asarray(B.sum(axis=0)).ravel()
    keep = (df >= cfg.min_df) & (df <= cfg.max_df * n)
    stats = {"frequency": int(keep.sum())}
    outlets, inv = np.unique(sources, return_inverse=True)
    O = sp.csr_matrix((np.ones(n, dtype=np.float32), (inv, np.arange(n))), shape=(len(outlets), n))
    per = (O @ B).tocsc()  # outlets x terms: documents of each outlet using each term
    per.eliminate_zeros()
    n_outlets = np.diff(per.indptr)
    top_share = np.asarray(per.max(axis=0).todense()).ravel() / np.maximum(df, 1)
    keep &= n_outlets >= cfg.min_outlets
    stats["spread over outlets"] = int(keep.sum())
    keep &= top_share <= cfg.max_outlet_share
    stats["no dominant outlet"] = int(keep.sum())
    idx = np.flatnonzero(keep)
    if len(idx) > cfg.max_features:
        order = np.lexsort((idx, -df[idx]))  # most frequent first, ties by term order
        idx = np.sort(idx[order[: cfg.max_features]])
    stats["kept"] = int(len(idx))
    return idx, stats


def smooth_idf(X: sp.csr_matrix) -> np.ndarray:
    """sklearn's smooth idf: ln((1 + n) / (1 + df)) + 1."""
    n = X.shape[0]
    df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def tfidf(X: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf x idf, L2-normalised rows (float64): what the shipped model computes with float64 products."""
    from sklearn.preprocessing import normalize

    X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    X.sort_indices()
    np.log(X.data, X.data)
    X.data += 1.0
    X.data *= idf[X.indices]
    return sp.csr_matrix(normalize(X, norm="l2", copy=False))


def fit_logreg(X: sp.csr_matrix, y: np.ndarray, C: float, class_weight: str | None, cfg: Config) -> Any:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, class_weight=class_weight, max_iter=cfg.max_iter, tol=cfg.tol, random_state=cfg.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf


def outlet_weights(sources: np.ndarray, cap: int) -> np.ndarray:
    counts = collections.Counter(sources.tolist())
    return np.array([min(1.0, cap / counts[s]) for s in sources])


def metrics(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(LABELS)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0, sample_weight=weights)
    return {
        "macro_f1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0, sample_weight=weights)),
        "accuracy": float(accuracy_score(y, pred, sample_weight=weights)),
        "per_class": {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(np.sum(y == c))} for i, c in enumerate(labels)},
        "confusion": confusion_matrix(y, pred, labels=labels).tolist(),
        "n": int(len(y)),
    }


def proba_metrics(y: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """Log-loss, Brier score and top-label expected calibration error (10 bins)."""
    col = {c: i for i, c in enumerate(classes)}
    yi = np.array([col[c] for c in y])
    p_true = np.clip(proba[np.arange(len(y)), yi], 1e-12, 1.0)
    onehot = np.eye(len(classes))[yi]
    conf = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == yi).astype(float)
    bins = np.minimum((conf * 10).astype(int), 9)
    ece = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return {
        "log_loss": float(-np.log(p_true).mean()),
        "brier": float(((proba - onehot) ** 2).sum(axis=1).mean()),
        "ece": float(ece),
    }


def majority_baseline(y_train: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    major = collections.Counter(y_train.tolist()).most_common(1)[0][0]
    out = metrics(y_test, np.full(len(y_test), major))
    out["label"] = major
    return out


def reorder(clf: Any) -> tuple[np.ndarray, np.ndarray]:
    """coef / intercept rows in LABELS order."""
    pos = [list(clf.classes_).index(c) for c in LABELS]
    return np.asarray(clf.coef_)[pos], np.asarray(clf.intercept_)[pos]


def fit_temperature(logits: Any, y: Any, sample_weight: Any = None, *, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """Temperature T minimising the weighted NLL of softmax(logits / T); `y` are column indices."""
    import math

    from scipy.optimize import minimize_scalar

    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if z.ndim != 2 or y.shape != (z.shape[0],) or z.shape[0] == 0:
        raise ValueError("logits must be (n, k) and y (n,) with n > 0")
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w / w.sum()
    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        s = z / math.exp(log_t)
        s = s - s.max(axis=1, keepdims=True)
        logp = s[rows, y] - np.log(np.exp(s).sum(axis=1))
        return float(-(w * logp).sum())

    res = minimize_scalar(nll, bounds=(math.log(bounds[0]), math.log(bounds[1])), method="bounded", options={"xatol": 1e-6})
    return float(math.exp(res.x))


def top_features(model: NgramModel, k: int = 25) -> dict[str, list[tuple[str, float]]]:
    """The `k` n-grams with the largest weight towards each class (`<analyzer>:<term>`, ties by column)."""
    names = [f"{b.analyzer.kind}:{t}" for b in model.blocks for t in b.terms]
    coef = np.asarray(model.coef, dtype=np.float64)[:, : len(names)]
    out: dict[str, list[tuple[str, float]]] = {}
    for i, cls in enumerate(model.classes):
        order = np.lexsort((np.arange(coef.shape[1]), -coef[i]))[:k]
        out[str(cls)] = [(names[j], float(coef[i, j])) for j in order]
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class SplitResult:
    name: str
    vocab_stats: dict[str, int]
    grid: list[dict[str, Any]] = field(default_factory=list)
    chosen: dict[str, Any] = field(default_factory=dict)
    temperature: float = 1.0
    valid: dict[str, Any] = field(default_factory=dict)
    test: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


def _fit_one(args: tuple) -> tuple[np.ndarray, np.ndarray, list[str]]:
    X, y, C, cw, cfg = args
    clf = fit_logreg(X, y, C, cw, cfg)
    return np.asarray(clf.coef_), np.asarray(clf.intercept_), [str(c) for c in clf.classes_]


def run_split(
    name: str,
    corpus: Corpus,
    train: np.ndarray,
    valid: np.ndarray | None,
    test: np.ndarray,
    cfg: Config,
    *,
    fixed: dict[str, Any] | None = None,
    log: Any = print,
) -> tuple[SplitResult, dict[str, Any]]:
    """Vocabulary + TF-IDF from `train`, grid on `valid` (or `fixed` hyperparameters), test."""
    t0 = time.time()
    X = corpus.counts
    idx, vstats = select_vocabulary(X[train], corpus.source[train], cfg)
    Xtr_counts = X[train][:, idx]
    idf = smooth_idf(Xtr_counts)
    Xtr = tfidf(Xtr_counts, idf)
    Xte = tfidf(X[test][:, idx], idf)
    ytr, yte = corpus.label[train], corpus.label[test]
    res = SplitResult(name=name, vocab_stats=vstats, sizes={"train": int(train.sum()), "test": int(test.sum())})
    log(f"  [{name}] vocabulary {len(idx):,} n-grams ({time.time() - t0:.0f}s)")
    grid = [{"C": C, "class_weight": cw} for C in cfg.grid_C for cw in cfg.grid_class_weight] if fixed is None else [fixed]
    jobs = [(Xtr, ytr, g["C"], g["class_weight"], cfg) for g in grid]
    if cfg.jobs > 1 and len(jobs) > 1:
        from joblib import Parallel, delayed

        fitted = Parallel(n_jobs=cfg.jobs)(delayed(_fit_one)(j) for j in jobs)
    else:
        fitted = [_fit_one(j) for j in jobs]
    Xva = None
    if valid is not None:
        Xva = tfidf(X[valid][:, idx], idf)
        yva = corpus.label[valid]
        wva = outlet_weights(corpus.source[valid], cfg.outlet_cap)
        res.sizes["valid"] = int(valid.sum())
    best = 0
    for gi, (g, (coef, intercept, classes)) in enumerate(zip(grid, fitted)):
        row = dict(g)
        if Xva is not None:
            pred = np.array(classes)[np.argmax(np.asarray(Xva @ coef.T) + intercept, axis=1)]
            m_plain = metrics(yva, pred)
            m_capped = metrics(yva, pred, wva)
            row.update({"valid_macro_f1": m_plain["macro_f1"], "valid_macro_f1_outlet_capped": m_capped["macro_f1"], "valid_accuracy": m_plain["accuracy"]})
            log(f"  [{name}] C={g['C']:<5} class_weight={str(g['class_weight']):<8} valid macro-F1 {m_plain['macro_f1']:.3f} (outlet-capped {m_capped['macro_f1']:.3f}) acc {m_plain['accuracy']:.3f}")
            if gi == 0 or m_capped["macro_f1"] > res.grid[best]["valid_macro_f1_outlet_capped"]:
                best = gi  # ties keep the earlier (smaller C, unweighted) setting
        res.grid.append(row)
    coef, intercept, classes = fitted[best]
    res.chosen = dict(grid[best])
    pos = [classes.index(c) for c in LABELS]
    coef, intercept = coef[pos], intercept[pos]
    if Xva is not None:
        zva = np.asarray(Xva @ coef.T) + intercept
        yi = np.array([LABELS.index(c) for c in yva])
        w = wva.copy()
        for k in range(len(LABELS)):  # class-balanced: each class the same total weight
            m = yi == k
            if m.any():
                w[m] *= 1.0 / w[m].sum()
        res.temperature = fit_temperature(zva, yi, w)
        pva = LABELS_ARRAY[np.argmax(zva, axis=1)]
        res.valid = metrics(yva, pva)
        res.valid["macro_f1_outlet_capped"] = metrics(yva, pva, wva)["macro_f1"]
    zte = np.asarray(Xte @ coef.T) + intercept
    pte = LABELS_ARRAY[np.argmax(zte, axis=1)]
    res.test = metrics(yte, pte)
    res.baseline = majority_baseline(ytr, yte)
    res.calibration = {
        "uncalibrated": proba_metrics(yte, softmax(zte), LABELS),
        "calibrated": proba_metrics(yte, softmax(zte / res.temperature), LABELS),
    }
    log(f"  [{name}] test macro-F1 {res.test['macro_f1']:.3f} accuracy {res.test['accuracy']:.3f} "
        f"(majority '{res.baseline['label']}': {res.baseline['macro_f1']:.3f} / {res.baseline['accuracy']:.3f}) ({time.time() - t0:.0f}s)")
    state = {"idx": idx, "idf": idf, "coef": coef, "intercept": intercept, "test_pred": pte, "test_logits": zte}
    return res, state


LABELS_ARRAY = np.array(LABELS)


def random_split(labels: np.ndarray, n_train: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Article-level split stratified by label, with the media split's train and test sizes."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    rest, test_idx = train_test_split(idx, test_size=n_test, stratify=labels, random_state=seed)
    train_idx, _ = train_test_split(rest, train_size=n_train, stratify=labels[rest], random_state=seed)
    train = np.zeros(len(labels), dtype=bool)
    test = np.zeros(len(labels), dtype=bool)
    train[train_idx] = True
    test[test_idx] = True
    return train, test


# ---------------------------------------------------------------------------------------------
# The model card
# ---------------------------------------------------------------------------------------------


def _f(x: float) -> str:
    return f"{x:.3f}"


def _confusion_table(cm: list[list[int]]) -> list[str]:
    lines = ["| true \\ predicted | " + " | ".join(LABELS) + " |", "|---|" + "---:|" * len(LABELS)]
    for c, row in zip(LABELS, cm):
        lines.append(f"| {c} | " + " | ".join(str(v) for v in row) + " |")
    return lines


def write_card(path: Path, info: dict[str, Any]) -> None:
    media: SplitResult = info["media"]
    rnd: SplitResult = info["random"]
    cfg: Config = info["config"]
    L: list[str] = []
    add = L.append
    add("# Model card: political lean classifier (`lean`)")
    add("")
    add("<!-- Generated by `python -m framing.training.lean`; do not edit by hand. -->")
    add("")
    add("Estimates whether a news article reads like the output of a **left**, **center** or **right** "
        "US outlet (AllSides media-bias ratings). Output columns: `lean.left`, `lean.center`, "
        "`lean.right` (calibrated probabilities summing to 1) and `lean.label` (the most probable).")
    add("")
    add("## Headline figures (media-based test split: outlets unseen in training)")
    add("")
    add("| | macro-F1 | accuracy |")
    add("|---|---:|---:|")
    add(f"| **this model** | **{_f(media.test['macro_f1'])}** | **{_f(media.test['accuracy'])}** |")
    add(f"| majority class ('{media.baseline['label']}') | {_f(media.baseline['macro_f1'])} | {_f(media.baseline['accuracy'])} |")
    add(f"| same pipeline, random article-level split | {_f(rnd.test['macro_f1'])} | {_f(rnd.test['accuracy'])} |")
    add(f"| majority class, random split ('{rnd.baseline['label']}') | {_f(rnd.baseline['macro_f1'])} | {_f(rnd.baseline['accuracy'])} |")
    inf = info["inference"]
    add(f"| shipped files on raw test text (title + body, inference cleaning only) | {_f(inf['macro_f1'])} | {_f(inf['accuracy'])} |")
    add("")
    add(f"Test: {media.test['n']:,} articles. The gap between the random split and the media split "
        "is what outlet recognition is worth: with a random split, articles of the same outlets are in "
        "training and test, and the model can score well by recognising each outlet's topics and house "
        "style rather than lean. Only the media-split figure says anything about articles from outlets "
        "the model has not seen.")
    add("")
    add("## Data")
    add("")
    add("ABP (Article-Bias-Prediction; Baly et al., EMNLP 2020, \"We Can Detect Your Bias\"): "
        "29,561 English news articles, 2012-2020, 400+ outlets, read from "
        "`../shared/corpora/abp/articles.jsonl.gz` (never copied into the repository). Labels are "
        "AllSides ratings. The split is the dataset's media-based split.")
    add("")
    add("| split | articles | left | center | right | outlets |")
    add("|---|---:|---:|---:|---:|---:|")
    for s in ("train", "valid", "test"):
        c = info["counts"][s]
        add(f"| {s} | {sum(c['labels'].values()):,} | {c['labels'].get('left', 0):,} | {c['labels'].get('center', 0):,} | {c['labels'].get('right', 0):,} | {c['outlets']} |")
    add("")
    add(f"The validation split is dominated by one outlet ({info['valid_top_outlet']}), so model "
        f"selection uses macro-F1 with each outlet counting for at most {cfg.outlet_cap} articles.")
    add("")
    add("## Preprocessing (to keep the model from recognising outlets)")
    add("")
    add(f"- Title + body. Body lines repeated (after lower-casing and digit folding) in >= "
        f"{cfg.boilerplate_min_articles} training articles are dropped: "
        f"{info['n_boilerplate_keys']:,} distinct lines, {info['lines_dropped']:,} of "
        f"{info['lines_total']:,} body lines ({100 * info['lines_dropped'] / max(1, info['lines_total']):.1f}%) "
        "(bylines, author bios, newsletter/app prompts, reprint notes). Training only: this needs the corpus.")
    add("- The article's own author names (from its byline field) are removed. Training only.")
    add(f"- Stored with the model and applied to every text it scores: {len(OUTLET_PHRASES)} outlet "
        "names (case-sensitive whole words, e.g. `CNN`, `Fox News`, `Breitbart`, `the Times`; "
        "ambiguous words only in unambiguous forms such as `Reason magazine`, `Vice News`); short "
        f"lines (<= 200 characters) containing one of {len(BOILERPLATE_MARKERS)} caption/newsletter/"
        "copyright markers; lines of any length containing a photo-gallery or video-playlist widget "
        "marker (`Hide Caption`, `Replay More Videos`, `MUST WATCH`, ...); URLs, e-mail addresses, "
        "@handles and domains.")
    add(f"- Tokens: words of two or more letters (no numbers, so no years or dates), lower-cased; "
        f"the house-style words {', '.join(HOUSE_STYLE_STOP_WORDS)} (honorifics used by a few outlets, "
        "time-zone marks of timestamps) are stop words.")
    vs = media.vocab_stats
    add(f"- Vocabulary (training split only): word 1-2-grams with document frequency >= {cfg.min_df} "
        f"and <= {int(cfg.max_df * 100)}% ({vs['frequency']:,}), used by >= {cfg.min_outlets} outlets "
        f"({vs['spread over outlets']:,}), no outlet holding more than "
        f"{int(cfg.max_outlet_share * 100)}% of the documents using it ({vs['no dominant outlet']:,}); "
        f"the {cfg.max_features:,} most frequent are kept ({vs['kept']:,}).")
    add("")
    add("## Model and hyperparameters")
    add("")
    add(f"Sublinear TF-IDF (smooth idf, L2 rows) + multinomial logistic regression (lbfgs, tol "
        f"{cfg.tol:g}, seed {cfg.seed}). Grid, fitted on train, selected on valid by outlet-capped macro-F1:")
    add("")
    add("| C | class_weight | valid macro-F1 | valid macro-F1 (outlet-capped) | valid accuracy |")
    add("|---:|---|---:|---:|---:|")
    for row in media.grid:
        mark = " **(chosen)**" if row["C"] == media.chosen["C"] and row["class_weight"] == media.chosen["class_weight"] else ""
        add(f"| {row['C']} | {row['class_weight']}{mark} | {_f(row['valid_macro_f1'])} | {_f(row['valid_macro_f1_outlet_capped'])} | {_f(row['valid_accuracy'])} |")
    add("")
    add(f"Calibration: temperature scaling fitted on valid (outlet-capped, class-balanced negative "
        f"log-likelihood): **T = {media.temperature:.3f}**, stored in `lean.json`. On test:")
    add("")
    add("| | log-loss | Brier | ECE (10 bins) |")
    add("|---|---:|---:|---:|")
    for k in ("uncalibrated", "calibrated"):
        c = media.calibration[k]
        add(f"| {k} (T = {1.0 if k == 'uncalibrated' else media.temperature:.3f}) | {_f(c['log_loss'])} | {_f(c['brier'])} | {_f(c['ece'])} |")
    add("")
    before, after = media.calibration["uncalibrated"], media.calibration["calibrated"]
    if after["log_loss"] <= before["log_loss"] and after["ece"] <= before["ece"]:
        add("The temperature fitted on the validation outlets also improves calibration on the test outlets.")
    else:
        add("The temperature fitted on the validation outlets does **not** carry over to the test outlets "
            "(test log-loss and/or ECE are worse with it than with T = 1): calibration fitted on one set of "
            "outlets transfers poorly to others. It is kept as fitted, since choosing T on the test split "
            "would tune on test; read the probabilities as "
            + ("softened" if media.temperature > 1 else "sharpened") + " relative scores rather than exact frequencies.")
    add("")
    add("## Test results (media split)")
    add("")
    add("| class | precision | recall | F1 | support |")
    add("|---|---:|---:|---:|---:|")
    for c in LABELS:
        pc = media.test["per_class"][c]
        add(f"| {c} | {_f(pc['precision'])} | {_f(pc['recall'])} | {_f(pc['f1'])} | {pc['support']} |")
    add("")
    add("Confusion matrix (rows: true, columns: predicted):")
    add("")
    L.extend(_confusion_table(media.test["confusion"]))
    add("")
    add("Per test outlet (an outlet's articles all carry its rating; `train articles` counts the "
        "training articles with the same source name: a few outlets, CNN above all, also appear "
        "in training):")
    add("")
    add("| outlet | label | test articles | train articles | accuracy | predicted left / center / right |")
    add("|---|---|---:|---:|---:|---|")
    for row in info["per_outlet"]:
        add(f"| {row['source']} | {row['label']} | {row['n']} | {row['n_train']} | {_f(row['accuracy'])} | {row['pred']['left']} / {row['pred']['center']} / {row['pred']['right']} |")
    add("")
    unseen = info["unseen"]
    add(f"On the {unseen['n']:,} test articles whose outlet has no training article: macro-F1 "
        f"{_f(unseen['macro_f1'])}, accuracy {_f(unseen['accuracy'])}.")
    add("")
    add("## Random-split comparison")
    add("")
    add(f"Same pipeline and the hyperparameters chosen above, on an article-level split stratified "
        f"by label (seed {cfg.seed}) with the media split's sizes ({rnd.sizes['train']:,} train, "
        f"{rnd.sizes['test']:,} test; vocabulary {rnd.vocab_stats['kept']:,} n-grams):")
    add("")
    add("| split | macro-F1 | accuracy | majority macro-F1 | majority accuracy |")
    add("|---|---:|---:|---:|---:|")
    add(f"| media-based (unseen outlets) | {_f(media.test['macro_f1'])} | {_f(media.test['accuracy'])} | {_f(media.baseline['macro_f1'])} | {_f(media.baseline['accuracy'])} |")
    add(f"| random, article-level | {_f(rnd.test['macro_f1'])} | {_f(rnd.test['accuracy'])} | {_f(rnd.baseline['macro_f1'])} | {_f(rnd.baseline['accuracy'])} |")
    add("")
    L.extend(_confusion_table(rnd.test["confusion"]))
    add("")
    add("## Top 25 features per class")
    add("")
    add("Largest weights towards each class in the shipped model (multinomial weights are relative "
        "to the other classes). They show what the model keys on: partly vocabulary that differs "
        "with political lean, partly topics and style that differ between the training outlets.")
    add("")
    for c, feats in info["top_features"].items():
        add(f"**{c}**: " + ", ".join(f"`{t.split(':', 1)[1]}` ({w:.2f})" for t, w in feats))
        add("")
    add("## Limitations")
    add("")
    add("- **Labels are outlet-level.** Every article inherits its outlet's AllSides rating, so the "
        "model learns what distinguishes outlets, of which political lean is only part (topic mix, "
        "house style, section). An individual article, an op-ed or a wire story republished by a "
        "partisan outlet can read differently from its outlet's rating.")
    add("- **Domain: 2012-2020 US political news.** Names, events and vocabulary are of that period "
        "(Obama, Trump, Clinton, Obamacare, impeachment). The training data is not about the "
        "CRINK topic (China, Russia, Iran, North Korea alignment); lean scores on foreign-policy "
        "op-eds are **out of domain** and should be read as weak, exploratory signals, never as a "
        "verdict on an author or outlet.")
    add("- **Outlet leakage is reduced, not removed.** Outlet names, bylines and boilerplate are "
        "removed and outlet-specific n-grams filtered, but topic selection and style still differ "
        "between outlets; the media-split figures above are the honest estimate for unseen outlets.")
    add("- Three coarse classes on one US left-right axis; non-US framings of left and right do not "
        "map onto it. Texts much shorter than a news article (a paragraph) give noisy estimates.")
    add("- Calibration was fitted on the validation outlets (mostly the New York Times); probabilities "
        "on other outlets and other kinds of text are approximate (see Calibration above).")
    add("")
    add("## Reproduce")
    add("")
    add("```")
    add("python -m framing.training.lean --corpus ../shared/corpora/abp/articles.jsonl.gz --out framing/data/models")
    add("```")
    add("")
    add(f"Seeds are fixed (seed {cfg.seed}); the same data and library versions give byte-identical "
        f"files. This run: {info['runtime_s']:.0f} s wall-clock with {info['cpus']} processes; {info['versions']}.")
    add("")
    add("| file | bytes | sha256 |")
    add("|---|---:|---|")
    for f in info["files"]:
        add(f"| `{f['name']}` | {f['bytes']:,} | `{f['sha256']}` |")
    add("")
    add(f"Loading the shipped files takes {info['load_s'] * 1000:.0f} ms (JSON + NPZ, no pickle; "
        "checked sha256, format, shapes and dtypes).")
    add("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Config]:
    ap = argparse.ArgumentParser(prog="python -m framing.training.lean", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="ABP articles.jsonl.gz")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for lean.json + lean.npz")
    ap.add_argument("--card", type=Path, default=DEFAULT_CARD, help="model card to write (markdown)")
    ap.add_argument("--name", default="lean", help="model file name stem")
    ap.add_argument("--jobs", type=int, default=2, help="parallel fits")
    ap.add_argument("--min-df", type=int, default=Config.min_df)
    ap.add_argument("--min-outlets", type=int, default=Config.min_outlets)
    ap.add_argument("--max-outlet-share", type=float, default=Config.max_outlet_share)
    ap.add_argument("--max-features", type=int, default=Config.max_features)
    ap.add_argument("--boilerplate-min-articles", type=int, default=Config.boilerplate_min_articles)
    ap.add_argument("--grid-c", default=",".join(str(c) for c in Config.grid_C), help="comma-separated C values")
    ap.add_argument("--seed", type=int, default=Config.seed)
    args = ap.parse_args(argv)
    cfg = Config(
        min_df=args.min_df,
        min_outlets=args.min_outlets,
        max_outlet_share=args.max_outlet_share,
        max_features=args.max_features,
        boilerplate_min_articles=args.boilerplate_min_articles,
        grid_C=tuple(float(c) for c in args.grid_c.split(",") if c.strip()),
        seed=args.seed,
        jobs=max(1, args.jobs),
    )
    return args, cfg


def main(argv: Sequence[str] | None = None) -> int:
    args, cfg = _parse_args(argv)
    t_start = time.time()
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    if not args.corpus.is_file():
        print(f"{args.corpus}: corpus not found (expected the ABP articles.jsonl.gz)", file=sys.stderr)
        return 2
    log(f"Reading {args.corpus} (streamed)")
    corpus = vectorize(args.corpus, cfg, log)
    split = corpus.split
    train, valid, test = split == "train", split == "valid", split == "test"
    counts = {}
    for s, m in (("train", train), ("valid", valid), ("test", test)):
        counts[s] = {"labels": dict(collections.Counter(corpus.label[m].tolist())), "outlets": int(len(set(corpus.source[m].tolist())))}
    valid_top = collections.Counter(corpus.source[valid].tolist()).most_common(1)
    valid_top_outlet = f"{valid_top[0][0]}, {valid_top[0][1]:,} of {int(valid.sum()):,} articles" if valid_top else "none"

    log("Media-based split: select on valid, evaluate on test")
    media, state = run_split("media", corpus, train, valid, test, cfg, log=log)
    log(f"  chosen C={media.chosen['C']} class_weight={media.chosen['class_weight']}, temperature {media.temperature:.3f}")

    log("Random article-level split (stratified, same sizes, same hyperparameters)")
    r_train, r_test = random_split(corpus.label, int(train.sum()), int(test.sum()), cfg.seed)
    rnd, _ = run_split("random", corpus, r_train, None, r_test, cfg, fixed=media.chosen, log=log)

    # per-outlet test figures and unseen-outlet subset
    train_sources = collections.Counter(corpus.source[train].tolist())
    te_src, te_y, te_pred = corpus.source[test], corpus.label[test], state["test_pred"]
    per_outlet = []
    for s, n in collections.Counter(te_src.tolist()).most_common():
        m = te_src == s
        c = collections.Counter(te_pred[m].tolist())
        per_outlet.append({
            "source": s, "label": collections.Counter(te_y[m].tolist()).most_common(1)[0][0], "n": int(n),
            "n_train": int(train_sources.get(s, 0)), "accuracy": float((te_pred[m] == te_y[m]).mean()),
            "pred": {k: int(c.get(k, 0)) for k in LABELS},
        })
    unseen_mask = np.array([train_sources.get(s, 0) == 0 for s in te_src])
    unseen = metrics(te_y[unseen_mask], te_pred[unseen_mask]) if unseen_mask.any() else {"n": 0, "macro_f1": 0.0, "accuracy": 0.0}

    # the shipped model
    idx = state["idx"]
    block = NgramBlock(TokenNgrams("word", tuple(cfg.ngram_range)), [str(t) for t in corpus.terms[idx]], np.asarray(state["idf"], dtype=np.float64))
    import sklearn

    versions = f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, numpy {np.__version__}"
    metadata = {
        "task": "political lean of a news article: AllSides rating (left / center / right) of its outlet",
        "training_data": "ABP (Baly et al. 2020, Article-Bias-Prediction), media-based split; 2012-2020 US news",
        "card": "docs/lean-model-card.md",
        "input": "title and body of one article as one text",
        "training_only_cleaning": "dropped body lines repeated in >= %d training articles; removed the article's author names" % cfg.boilerplate_min_articles,
        "hyperparameters": {
            "ngram_range": list(cfg.ngram_range), "min_df": cfg.min_df, "max_df": cfg.max_df,
            "min_outlets": cfg.min_outlets, "max_outlet_share": cfg.max_outlet_share,
            "max_features": cfg.max_features, "sublinear_tf": True, "C": media.chosen["C"],
            "class_weight": media.chosen["class_weight"], "seed": cfg.seed,
            "selection": f"valid macro-F1, each outlet capped at {cfg.outlet_cap} articles",
            "calibration": "temperature, valid, outlet-capped class-balanced NLL",
        },
        "figures": {
            "test_macro_f1": round(media.test["macro_f1"], 4),
            "test_accuracy": round(media.test["accuracy"], 4),
            "test_majority_macro_f1": round(media.baseline["macro_f1"], 4),
            "test_majority_accuracy": round(media.baseline["accuracy"], 4),
            "random_split_macro_f1": round(rnd.test["macro_f1"], 4),
            "random_split_accuracy": round(rnd.test["accuracy"], 4),
            "valid_macro_f1": round(media.valid["macro_f1"], 4),
            "valid_macro_f1_outlet_capped": round(media.valid["macro_f1_outlet_capped"], 4),
        },
        "trained_with": versions,
    }
    # float64 products: the features exactly as `tfidf` computed them in training (scikit-learn's order)
    model = NgramModel(
        dimension=args.name, classes=list(LABELS), blocks=[block], lexicon_features=[],
        coef=np.asarray(state["coef"], dtype=np.float64), intercept=np.asarray(state["intercept"], dtype=np.float64),
        temperature=media.temperature, metadata=metadata, tokens=TokenPattern(TOKEN_PATTERN, True, HOUSE_STYLE_STOP_WORDS),
        preprocess=lean_preprocess(), products="float64",
    )
    json_path, npz_path = save_ngram_model(model, Path(args.out) / args.name)
    t0 = time.time()
    shipped = load_ngram_model(json_path)
    load_s = time.time() - t0

    # the saved files reproduce the in-memory model on cleaned test texts
    rows = [r for r, _ in corpus.check_texts]
    if rows:
        z_mem = state["test_logits"][np.searchsorted(np.flatnonzero(test), rows)]
        p_mem = softmax(z_mem / media.temperature)
        p_file = shipped.predict_proba_texts([t for _, t in corpus.check_texts])
        diff = float(np.abs(p_mem - p_file).max())
        log(f"  saved model vs in-memory on {len(rows)} cleaned test articles: max |dp| = {diff:.2e}")
        if diff > 1e-3:
            print(f"error: the saved model does not reproduce the trained one (max |dp| {diff:.3g})", file=sys.stderr)
            return 1

    # realistic use: raw test text, inference cleaning only
    raw_y, raw_texts = [], []
    for row in iter_articles(args.corpus):
        if row.get("split") == "test" and row.get("bias") in LABELS:
            raw_y.append(row["bias"])
            raw_texts.append(raw_text(row))
    inference = metrics(np.array(raw_y), np.array(shipped.predict_texts(raw_texts))) if raw_texts else {"macro_f1": 0.0, "accuracy": 0.0}
    del raw_texts

    files = [{"name": p.name, "bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in (json_path, npz_path)]
    info = {
        "media": media, "random": rnd, "config": cfg, "counts": counts, "valid_top_outlet": valid_top_outlet,
        "n_boilerplate_keys": corpus.n_boilerplate_keys, "lines_dropped": corpus.lines_dropped,
        "lines_total": corpus.lines_total, "per_outlet": per_outlet, "unseen": unseen,
        "top_features": top_features(shipped, 25), "inference": inference, "files": files,
        "runtime_s": time.time() - t_start, "cpus": cfg.jobs, "versions": versions, "load_s": load_s,
    }
    write_card(args.card, info)

    total = sum(f["bytes"] for f in files)
    log("")
    log("Political lean model (media-based split: test outlets unseen in training)")
    log(f"  test macro-F1 {media.test['macro_f1']:.3f}  accuracy {media.test['accuracy']:.3f}  (n={media.test['n']})")
    log(f"  majority baseline ('{media.baseline['label']}'): macro-F1 {media.baseline['macro_f1']:.3f}  accuracy {media.baseline['accuracy']:.3f}")
    log(f"  test outlets with no training article: macro-F1 {unseen['macro_f1']:.3f}  accuracy {unseen['accuracy']:.3f}  (n={unseen['n']})")
    log(f"  shipped files on raw test text: macro-F1 {inference['macro_f1']:.3f}  accuracy {inference['accuracy']:.3f}")
    log(f"  random article-level split: macro-F1 {rnd.test['macro_f1']:.3f}  accuracy {rnd.test['accuracy']:.3f}  (majority {rnd.baseline['macro_f1']:.3f} / {rnd.baseline['accuracy']:.3f})")
    for c in LABELS:
        pc = media.test["per_class"][c]
        log(f"  {c:<6} P {pc['precision']:.3f}  R {pc['recall']:.3f}  F1 {pc['f1']:.3f}  n={pc['support']}")
    log(f"  confusion (rows true {'/'.join(LABELS)}): {media.test['confusion']}")
    log(f"  temperature {media.temperature:.3f}; test log-loss {media.calibration['uncalibrated']['log_loss']:.3f} -> {media.calibration['calibrated']['log_loss']:.3f}, ECE {media.calibration['uncalibrated']['ece']:.3f} -> {media.calibration['calibrated']['ece']:.3f}")
    for c, feats in info["top_features"].items():
        log(f"  top {c}: " + ", ".join(t.split(":", 1)[1] for t, _ in feats[:12]))
    log(f"Wrote {json_path} and {npz_path} ({total / 1e6:.2f} MB; loads in {load_s * 1000:.0f} ms) and {args.card}")
    log(f"Done in {time.time() - t_start:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
