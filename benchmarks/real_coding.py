"""How the real-text yardstick (framing/data/real/) was coded: prepare, disputes, assemble.

    python benchmarks/real_coding.py prepare  WORKDIR --abp-ids IDS.txt [--batches 4] [--without-debate --code-units]
    python benchmarks/real_coding.py disputes WORKDIR
    python benchmarks/real_coding.py assemble WORKDIR [WORKDIR ...]

`prepare` writes the coders' texts (WORKDIR/batchN.txt: every article of the debate corpus and
the selected ABP articles, split into the engine's own sentences and four-sentence passages,
numbered) and WORKDIR/units.json (the offsets of each unit). The texts stay outside the project.
Two coders then label every batch independently (WORKDIR/coderA/labels_batchN.jsonl and
coderB/...; the format is in framing/data/real/README.md). `disputes` lists every disagreement
between the two codings, per batch, for a third reading (WORKDIR/adjudicate/batchN.txt); the
adjudicator writes one decision and its reason per dispute (adjudicate/decisions_batchN.jsonl).
`assemble` writes framing/data/real/{article,sentence,passage}_codes.jsonl: labels, both codings,
the adjudication and character offsets with digests, no text; and splits the articles by outlet
into `dev` and `test`.

Every sentence and passage of the debate articles is coded; the ABP articles of the first round
only as whole articles. A later round is prepared in its own WORKDIR (`--without-debate`: only
the ABP ids given; `--code-units`: their sentences and passages coded too, as units.json
records per article) and assembled together with the first: `assemble FIRST SECOND`.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from framing.io.real_corpus import REAL_FILE_NAMES, default_abp_path, default_debate_path, span_digest  # noqa: E402
from framing.scoring.classifiers import passages_of  # noqa: E402
from framing.text import iter_sentences  # noqa: E402

OUT = ROOT / "framing" / "data" / "real"
SHUFFLE_SEED = 7
SPLIT_SALT = "framing-real-split-2026"
TEST_SHARE = 1 / 3


# --- prepare --------------------------------------------------------------------------------


def _corpus_articles(abp_ids: list[str]) -> list[dict[str, Any]]:
    arts = []
    with open(default_debate_path(), encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            arts.append(dict(id=f"debate:{r['id']}", source="debate", corpus_id=r["id"], title=r["title"], outlet=r["outlet"],
                             date=r["date"], text=r["text"], complete=bool(r["complete"])))
    want = set(abp_ids)
    found: dict[str, dict[str, Any]] = {}
    with gzip.open(default_abp_path(), "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["id"] in want:
                found[r["id"]] = r
    for i in abp_ids:
        r = found[i]
        arts.append(dict(id=f"abp:{i}", source="abp", corpus_id=i, title=r["title"], outlet=r["source"], date=r["date"], text=r["text"], complete=True))
    return arts


def _coder_id(art: dict[str, Any]) -> str:
    """The id the coders saw: the debate id alone (`d0001`), `abp:<id>` for ABP."""
    return art["corpus_id"] if art["source"] == "debate" else art["id"]


def prepare(workdir: Path, abp_ids: list[str], n_batches: int, *, with_debate: bool = True, code_units: bool = False) -> None:
    arts = [a for a in _corpus_articles(abp_ids) if with_debate or a["source"] == "abp"]
    random.Random(SHUFFLE_SEED).shuffle(arts)
    units: dict[str, list[tuple[int, int, int]]] = {}
    batches = [arts[k::n_batches] for k in range(n_batches)]
    for b, group in enumerate(batches, 1):
        out = []
        for a in group:
            sents = list(iter_sentences(a["text"]))
            units[_coder_id(a)] = [(s.start, s.end, p + 1) for s, p in zip(sents, passages_of(len(sents)))]
            out += _article_block(a, units[_coder_id(a)])
        (workdir / f"batch{b}.txt").write_text("\n".join(out), encoding="utf-8")
    meta = {_coder_id(a): {**{k: a[k] for k in ("id", "source", "corpus_id", "outlet", "date", "complete")},
                           "sentence_coded": a["source"] == "debate" or code_units} for a in arts}
    (workdir / "units.json").write_text(json.dumps({"units": units, "batches": [[_coder_id(a) for a in g] for g in batches], "articles": meta}), encoding="utf-8")


def _article_block(a: dict[str, Any], units: list[tuple[int, int, int]]) -> list[str]:
    out = [f"=== ARTICLE {_coder_id(a)} ===",
           f"outlet: {a['outlet']} | date: {a['date']} | {'complete text' if a['complete'] else 'OPENING ONLY (text cut before the end)'}",
           f"title: {a['title']}"]
    last = 0
    for i, (s, e, p) in enumerate(units, 1):
        if p != last:
            out.append(f"[P{p}]")
            last = p
        out.append(f"S{i}: " + a["text"][s:e].replace("\n", " "))
    out.append(f"=== END {_coder_id(a)} ===\n")
    return out


# --- reading the codings -------------------------------------------------------------------


def _read_coding(path: Path) -> dict[str, dict[str, Any]]:
    out = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out[r["id"]] = r
    return out


def _codings(workdir: Path, coder: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((workdir / f"coder{coder}").glob("labels_batch*.jsonl")):
        out.update(_read_coding(path))
    return out


def _sentence_labels(coding: dict[str, Any], n: int) -> list[tuple[str, tuple[str, ...]]]:
    al = coding.get("sentence_alliance") or {}
    pr = coding.get("sentence_prescriptions") or {}
    return [(al.get(str(i), "none"), tuple(sorted(set(pr.get(str(i), []))))) for i in range(1, n + 1)]


ARTICLE_FIELDS = ("register", "alliance", "ideology", "advocated", "rejected")


def _units_coded(meta: dict[str, Any], cid: str) -> bool:
    """Whether the article's sentences and passages were coded (the first round's units.json
    has no such field: there, the debate articles, whose coder ids start with `d`)."""
    return bool(meta["articles"][cid].get("sentence_coded", cid.startswith("d")))


def _article_value(coding: dict[str, Any], field: str) -> Any:
    value = coding.get(field)
    return tuple(sorted(set(value or []))) if field in ("advocated", "rejected") else value


# --- disputes --------------------------------------------------------------------------------


def disputes(workdir: Path) -> None:
    meta = json.loads((workdir / "units.json").read_text(encoding="utf-8"))
    a_all, b_all = _codings(workdir, "A"), _codings(workdir, "B")
    texts = {}
    for art in _corpus_articles([m["corpus_id"] for m in meta["articles"].values() if m["source"] == "abp"]):
        texts[_coder_id(art)] = art
    (workdir / "adjudicate").mkdir(exist_ok=True)
    totals: Counter = Counter()
    for b, ids in enumerate(meta["batches"], 1):
        out = []
        for cid in ids:
            a, bb = a_all.get(cid), b_all.get(cid)
            if a is None or bb is None:
                raise SystemExit(f"{cid}: not coded by {'A' if a is None else 'B'}")
            # which coding is shown as "coding 1" is drawn per article, so the adjudicator cannot
            # learn to side with one coder; the numbering of the disputes does not depend on it
            first, second = (a, bb) if random.Random(f"adjudication:{cid}").random() < 0.5 else (bb, a)
            items = _article_disputes(cid, first, second, meta["units"][cid], units_coded=_units_coded(meta, cid))
            totals.update(kind for kind, _ in items)
            if not items:
                continue
            out += _article_block(texts[cid], meta["units"][cid])[:-1]
            out.append("DISPUTES:")
            for k, (_, line) in enumerate(items, 1):
                out.append(f"[{k}] {line}")
            out.append(f"=== END {cid} ===\n")
        (workdir / "adjudicate" / f"batch{b}.txt").write_text("\n".join(out), encoding="utf-8")
    print(dict(totals))


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]" if value else "[] (nothing)"
    return str(value)


def _article_disputes(cid: str, a: dict[str, Any], b: dict[str, Any], units: list, *, units_coded: bool) -> list[tuple[str, str]]:
    items = []
    for field in ARTICLE_FIELDS:
        va, vb = _article_value(a, field), _article_value(b, field)
        if va != vb:
            items.append((f"article.{field}", f"article {field}: coding 1 = {_show(va)}; coding 2 = {_show(vb)}"))
    if units_coded:
        n = len(units)
        sa, sb = _sentence_labels(a, n), _sentence_labels(b, n)
        for i, ((aa, pa), (ab, pb)) in enumerate(zip(sa, sb), 1):
            if aa != ab:
                items.append(("sentence.alliance", f"S{i} alliance: coding 1 = {aa}; coding 2 = {ab}"))
            if pa != pb:
                items.append(("sentence.prescriptions", f"S{i} prescriptions: coding 1 = {_show(pa)}; coding 2 = {_show(pb)}"))
        pia, pib = a.get("passage_ideology") or {}, b.get("passage_ideology") or {}
        for p in sorted({u[2] for u in units}):
            if pia.get(str(p)) != pib.get(str(p)):
                items.append(("passage.ideology", f"P{p} ideology: coding 1 = {pia.get(str(p))}; coding 2 = {pib.get(str(p))}"))
    return items


# --- assemble --------------------------------------------------------------------------------


def _outlet_family(outlet: str) -> str:
    """Outlets that are one publisher under several names (`CNN (Web News)`, `CNN - Editorial`,
    `CNN`) are one family, so no publisher is in both splits."""
    s = outlet.lower()
    s = re.sub(r"\(.*?\)", "", s)
    s = re.split(r" - | – |:", s)[0]
    s = re.sub(r"\b(the|online news|web news|news|opinion|editorial|online|business|com)\b", " ", s)
    return re.sub(r"[^a-z0-9]+", " ", s).strip() or outlet.lower()


def split_of(family: str) -> str:
    h = int(hashlib.sha256(f"{SPLIT_SALT}:{family}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if h < TEST_SHARE else "dev"


def _decisions(workdir: Path) -> dict[tuple[str, int], dict[str, Any]]:
    out = {}
    for path in sorted((workdir / "adjudicate").glob("decisions_batch*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out[(r["article"], int(r["item"]))] = r
    return out


def _resolve(kind: str, va: Any, vb: Any, decision: dict[str, Any] | None, where: str) -> tuple[Any, str]:
    if va == vb:
        return va, ""
    if decision is None:
        raise SystemExit(f"{where}: {kind} disputed but not adjudicated")
    value = decision["decision"]
    if isinstance(va, tuple):
        value = tuple(sorted(set(value if isinstance(value, list) else ([] if value in (None, "", "none") else [value]))))
    return value, str(decision.get("reason", "")).strip()


def _span(text: str, units: list, numbers: list[int]) -> list[list[Any]]:
    spans = []
    for k in numbers:
        if isinstance(k, int) and 1 <= k <= len(units):
            s, e, _ = units[k - 1]
            spans.append([s, e, span_digest(text[s:e])])
    return spans


def _evidence_for(field_value: Any, codings: list[dict[str, Any]], key: str) -> list[int]:
    """Sentence numbers for a gold label: from each coder who gave that label, A first."""
    out: list[int] = []
    for c in codings:
        if c.get(key.replace("_sentences", "")) == field_value:
            for k in c.get(key) or []:
                if k not in out:
                    out.append(k)
    return out[:8]


def assemble(workdirs: list[Path], out_dir: Path = OUT) -> None:
    article_rows: list[dict[str, Any]] = []
    sentence_rows: list[dict[str, Any]] = []
    passage_rows: list[dict[str, Any]] = []
    for round_no, workdir in enumerate(workdirs, 1):
        rows = _assembled(workdir)
        for rec in rows[0]:
            rec["round"] = round_no
        seen = {r["id"] for r in article_rows}
        if seen & {r["id"] for r in rows[0]}:
            raise SystemExit(f"{workdir}: articles already coded in an earlier WORKDIR")
        article_rows += rows[0]
        sentence_rows += rows[1]
        passage_rows += rows[2]
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("articles", article_rows), ("sentences", sentence_rows), ("passages", passage_rows)):
        with open(out_dir / REAL_FILE_NAMES[name], "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(article_rows)} articles, {len(sentence_rows)} sentences, {len(passage_rows)} passages;",
          dict(Counter(r["split"] for r in article_rows)), dict(Counter((r["split"], r["source"]) for r in article_rows)))


def _assembled(workdir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The article, sentence and passage rows of one WORKDIR's codings and adjudication."""
    meta = json.loads((workdir / "units.json").read_text(encoding="utf-8"))
    a_all, b_all = _codings(workdir, "A"), _codings(workdir, "B")
    decisions = _decisions(workdir)
    arts = {}
    for art in _corpus_articles([m["corpus_id"] for m in meta["articles"].values() if m["source"] == "abp"]):
        arts[_coder_id(art)] = art
    article_rows, sentence_rows, passage_rows = [], [], []
    for cid in [c for batch in meta["batches"] for c in batch]:
        art, units, units_coded = arts[cid], meta["units"][cid], _units_coded(meta, cid)
        a, b = a_all[cid], b_all[cid]
        items = _article_disputes(cid, a, b, units, units_coded=units_coded)
        item_no = {line: k for k, (_, line) in enumerate(items, 1)}

        def decided(line_prefix: str) -> dict[str, Any] | None:
            for line, k in item_no.items():
                if line.startswith(line_prefix):
                    return decisions.get((cid, k))
            return None

        rec: dict[str, Any] = {"id": art["id"], "source": art["source"], "corpus_id": art["corpus_id"], "outlet": art["outlet"],
                               "outlet_family": _outlet_family(art["outlet"]), "date": art["date"], "complete": art["complete"],
                               "length": len(art["text"]), "sha256": hashlib.sha256(art["text"].encode("utf-8")).hexdigest(),
                               "sentence_coded": units_coded}
        reasons = {}
        for field in ARTICLE_FIELDS:
            va, vb = _article_value(a, field), _article_value(b, field)
            value, why = _resolve(field, va, vb, decided(f"article {field}:"), f"{cid} article {field}")
            rec[field] = list(value) if isinstance(value, tuple) else value
            if why:
                reasons[field] = why
        rec["split"] = split_of(rec["outlet_family"])
        codings = [a, b]
        pres_sentences: dict[str, list[int]] = {}
        for cat in sorted(set(rec["advocated"]) | set(rec["rejected"])):
            nums: list[int] = []
            for c in codings:
                for k in (c.get("prescription_sentences") or {}).get(cat, []):
                    if k not in nums:
                        nums.append(k)
            pres_sentences[cat] = nums[:8]
        rec["evidence"] = {
            "alliance": _span(art["text"], units, _evidence_for(rec["alliance"], codings, "alliance_sentences")),
            "ideology": _span(art["text"], units, _evidence_for(rec["ideology"], codings, "ideology_sentences")),
            "prescriptions": {cat: _span(art["text"], units, nums) for cat, nums in pres_sentences.items()},
        }
        rec["coder_a"] = {f: (list(_article_value(a, f)) if f in ("advocated", "rejected") else a.get(f)) for f in ARTICLE_FIELDS}
        rec["coder_b"] = {f: (list(_article_value(b, f)) if f in ("advocated", "rejected") else b.get(f)) for f in ARTICLE_FIELDS}
        rec["adjudication"] = reasons
        article_rows.append(rec)
        if units_coded:
            n = len(units)
            sa, sb = _sentence_labels(a, n), _sentence_labels(b, n)
            for i, ((s, e, p), (aa, pa), (ab, pb)) in enumerate(zip(units, sa, sb), 1):
                al, why_a = _resolve("alliance", aa, ab, decided(f"S{i} alliance:"), f"{cid} S{i}")
                pr, why_p = _resolve("prescriptions", pa, pb, decided(f"S{i} prescriptions:"), f"{cid} S{i}")
                sentence_rows.append({"article": art["id"], "index": i - 1, "start": s, "end": e, "sha1": span_digest(art["text"][s:e]),
                                      "passage": p, "alliance": al, "prescriptions": list(pr),
                                      "coder_a": {"alliance": aa, "prescriptions": list(pa)}, "coder_b": {"alliance": ab, "prescriptions": list(pb)},
                                      "adjudication": {k: v for k, v in (("alliance", why_a), ("prescriptions", why_p)) if v}})
            pia, pib = a.get("passage_ideology") or {}, b.get("passage_ideology") or {}
            for p in sorted({u[2] for u in units}):
                members = [u for u in units if u[2] == p]
                s, e = members[0][0], members[-1][1]
                va, vb = pia.get(str(p)), pib.get(str(p))
                value, why = _resolve("ideology", va, vb, decided(f"P{p} ideology:"), f"{cid} P{p}")
                passage_rows.append({"article": art["id"], "index": p - 1, "start": s, "end": e, "sha1": span_digest(art["text"][s:e]),
                                     "n_sentences": len(members), "ideology": value, "coder_a": va, "coder_b": vb,
                                     "adjudication": {"ideology": why} if why else {}})
    return article_rows, sentence_rows, passage_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=["prepare", "disputes", "assemble"])
    ap.add_argument("workdir", type=Path, nargs="+", help="one WORKDIR (assemble: one per round, first round first)")
    ap.add_argument("--abp-ids", type=Path, help="prepare: the ABP ids, one a line (benchmarks/real_select_news.py)")
    ap.add_argument("--batches", type=int, default=4)
    ap.add_argument("--without-debate", action="store_true", help="prepare: only the ABP ids given (a later round)")
    ap.add_argument("--code-units", action="store_true", help="prepare: the ABP articles' sentences and passages are coded too")
    ap.add_argument("--out", type=Path, default=OUT, help="assemble: where the yardstick files go (default framing/data/real/)")
    args = ap.parse_args()
    if args.step != "assemble" and len(args.workdir) != 1:
        ap.error(f"{args.step} takes one WORKDIR")
    if args.step == "prepare":
        args.workdir[0].mkdir(parents=True, exist_ok=True)
        ids = [line.strip() for line in args.abp_ids.read_text().splitlines() if line.strip()]
        prepare(args.workdir[0], ids, args.batches, with_debate=not args.without_debate, code_units=args.code_units)
    elif args.step == "disputes":
        disputes(args.workdir[0])
    else:
        assemble(args.workdir, args.out)


if __name__ == "__main__":
    main()
