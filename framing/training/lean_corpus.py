"""The ABP corpus as the lean model's training data: the labels, the cleaning (what is stored with
the model and applied to every text it scores, `lean_preprocess`, and what only training can do:
corpus boilerplate lines and bylines), streamed reading, and the count matrix of candidate
n-grams (`vectorize`). Step 1 of `python -m framing.training.lean` (framing/training/lean.py).
"""
from __future__ import annotations

import collections
import gzip
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import scipy.sparse as sp

from ..scoring.text_cleanup import TextPreprocess

__all__ = [
    "LABELS",
    "OUTLET_PHRASES",
    "BOILERPLATE_MARKERS",
    "WIDGET_MARKERS",
    "HOUSE_STYLE_STOP_WORDS",
    "TOKEN_PATTERN",
    "lean_preprocess",
    "iter_articles",
    "raw_text",
    "Corpus",
    "vectorize",
]

LABELS = ("left", "center", "right")
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


def vectorize(path: Path, *, ngram_range: tuple[int, int], min_df: int, boilerplate_min_articles: int, jobs: int,
              log: Any = print) -> Corpus:
    """The count matrix of the corpus (pass 1: repeated lines; pass 2: cleaning and counting;
    see framing/training/lean.py); `jobs` > 1 cleans in jobs - 1 worker processes."""
    from sklearn.feature_extraction.text import CountVectorizer

    t0 = time.time()
    boilerplate = repeated_lines(path, boilerplate_min_articles)
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
        ngram_range=ngram_range,
        token_pattern=TOKEN_PATTERN,
        stop_words=list(HOUSE_STYLE_STOP_WORDS),
        lowercase=True,
        min_df=min_df,  # df over all articles >= df over any training subset
        dtype=np.float32,
    )
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        lines = (line for line in fh if line.strip())
        if jobs > 1:  # JSON parsing and cleaning in workers, counting here; order is kept
            import multiprocessing

            with multiprocessing.get_context().Pool(jobs - 1, initializer=_init_worker, initargs=(boilerplate, preprocess)) as pool:
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
