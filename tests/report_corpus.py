"""Synthetic articles for the report tests: sentences built from the fixture lexicons
(tests/fixtures/lexicons), combined at random, so no expected output is tuned to real texts."""
from __future__ import annotations

import json
import random
from pathlib import Path

THREAT = [
    "China and Russia coordinate closely as a bloc, an axis of upheaval.",
    "Moscow and Beijing are coordinating their moves in a new bloc.",
]
HOLLOW = [
    "The partnership of Russia and China is a fragile marriage of convenience.",
    "Mistrust runs deep between Moscow and Beijing; the marriage is fragile.",
]
LEGITIMATE = ["Beijing says a multipolar world is a win-win for everyone."]
PRESCRIPTIONS = [
    "Washington should impose sanctions and export controls on Moscow.",
    "Sanctions only push Russia and China closer together.",
    "The United States must pursue diplomacy and talks with Beijing.",
    "Negotiations with Moscow are counterproductive.",
]
STANCES = ["Peace through strength beats appeasement.", "Restraint serves the national interest."]
HEDGED_NEGATED = ["The bloc may not be fragile at all.", "Russia is not coordinating with China, officials said."]
TEMPLATE_LINE = "Copyright 2024 Gazette Media LLC. Reprint permission required; click to subscribe to our newsletters."
TEMPLATE_WORDS = ("copyright", "gazette", "media", "llc", "reprint", "permission", "subscribe", "newsletters")
FILLER = [
    "Officials met in the capital on Tuesday to discuss trade and energy.",
    "The ministers also visited a factory that builds turbines.",
    "Markets were calm after the meeting ended.",
    "Farmers worry about the price of fertiliser this spring.",
]


def write_corpus(path: Path, n: int, *, seed: int = 0, outlets=("Daily Planet", "Gazette", "Courier"), lean: float = 0.5,
                 off_topic: float = 0.0) -> Path:
    """n articles as JSONL (id, title, outlet, date, text); `lean` is the share of threat framing,
    `off_topic` the share of articles about something else (filler only)."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            outlet = outlets[i % len(outlets)]
            frame = THREAT if rng.random() < lean else HOLLOW
            sentences = rng.sample(frame, k=len(frame)) + rng.sample(PRESCRIPTIONS, k=2) + [rng.choice(STANCES)]
            if rng.random() < 0.3:
                sentences += LEGITIMATE
            if rng.random() < 0.4:
                sentences.append(rng.choice(HEDGED_NEGATED))
            sentences += rng.sample(FILLER, k=3)
            if off_topic and rng.random() < off_topic:
                sentences = rng.sample(FILLER, k=4)
            # vocabulary that only one outlet uses, for keyness (in two of every three of its articles:
            # a word in every article of one outlet and nowhere else is its page template)
            if outlet == outlets[0] and i % (3 * len(outlets)) < 2 * len(outlets):
                sentences.append("Shipyards and shipyards again: the shipyards of the north.")
            rng.shuffle(sentences)
            text = "\n\n".join(" ".join(sentences[k:k + 3]) for k in range(0, len(sentences), 3))
            if outlet == outlets[1]:  # the outlet's page template, never what it writes about
                text += f"\n\n{TEMPLATE_LINE}"
            month = 1 + i % 3
            fh.write(json.dumps({"id": f"art-{i:03d}", "title": f"Article {i} from {outlet}", "outlet": outlet,
                                 "date": f"2024-{month:02d}-{1 + i % 27:02d}", "text": text}) + "\n")
    return path


HOSTILE = {
    "id": "../../evil/<script>alert(3)</script>\u0000x",
    "title": "<script>alert(1)</script>",
    "outlet": "<b onmouseover=alert(1)>Evil Outlet</b>",
    "date": "\"><script>alert(2)</script>",
    "text": ("Russia and China <img src=x onerror=alert(1)> coordinate as a bloc. "
             "The <a href=\"javascript:alert(4)\">axis of upheaval</a> should face sanctions. "
             "</span></mark><script>alert(5)</script> Mistrust is fragile {{ 7*7 }} $x^2$ text."),
}


def write_hostile(path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(HOSTILE) + "\n")
    return path
