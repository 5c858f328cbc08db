"""A seeded synthetic results folder, as `framing run` writes one, for report tests at scale.

Beyond the hand-written fixture of test_report.py it has what only a larger corpus shows:
more articles than the page lists (``HTML_MAX_ARTICLES``), outlets with odd names (blank,
quotes, a pipe), dates that are ISO, ISO with a time, impossible, free text or blank, exact
duplicates, articles without passages, wire stories run by several outlets (some with one word
changed), topical headings, and entities with and without canonical names.

    >>> make_synthetic_results(tmp_path / "results", n_articles=2300)
"""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pandas as pd

OUTLETS = ["Daily Planet", "The Bugle", "Wire Weekly", "", 'The "Quoted" | Piped Times', "Morning Star",
           "Evening Post", "Globe & Mail Online", "Riverside Gazette"]
PRIVATE = [("Sesame Credit", "Sesame Credit"), ("Zhima Credit", "Sesame Credit"), ("Alipay", "Alipay"),
           ("Tencent Credit", "Tencent Credit"), ("Ant Group", "Ant Group"), ("Baihe", "Baihe")]
STATE = [("Social Credit System", "Social Credit System"), ("State Council", "State Council"),
         ("People's Bank of China", "People's Bank of China"), ("Rongcheng", "Rongcheng"),
         ("blacklist of dishonest persons", "blacklist of dishonest persons")]
OTHER = [("Beijing", "GPE"), ("Reuters", "ORG"), ("Li Wei", "PERSON"), ("Tuesday", "DATE")]
WORDS = ("market city council report plan court bank company citizen score rating data rule law policy "
         "official region trade loan credit survey app phone travel ticket school rent deposit review "
         "system public private record office village province sector growth budget vote study").split()


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _date(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return ""
    if roll < 0.11:
        return rng.choice(["March 2018", "2019-02-30", "2021-13-01", "yesterday", "15/04/2020"])
    y, m, d = rng.randint(2014, 2024), rng.randint(1, 12), rng.randint(1, 28)
    return f"{y:04d}-{m:02d}-{d:02d}" + ("T10:30:00Z" if roll < 0.16 else "")


def _passage(rng: random.Random, kind: str, topical: bool) -> tuple[str, list]:
    """A passage text and its entities [(surface, label, canonical, start)]."""
    parts, ents, pos = [], [], 0

    def add(text: str, ent=None):
        nonlocal pos
        if parts:
            pos += 1
        if ent is not None:
            ents.append((ent[0], ent[1], ent[2], pos))
        parts.append(text)
        pos += len(text)

    if kind == "body":
        add(_sentence(rng, rng.randint(8, 22)))
    else:
        add(_sentence(rng, rng.randint(2, 5)))
    if topical:
        surface, canonical = rng.choice(PRIVATE)
        if rng.random() < 0.85:
            add(surface, (surface, "PRIVATE_PILOT", canonical))
        surface, canonical = rng.choice(STATE)
        if rng.random() < 0.9:
            add(surface, (surface, "STATE_SYSTEM", canonical))
    if rng.random() < 0.4:
        surface, label = rng.choice(OTHER)
        add(surface, (surface, label, surface if rng.random() < 0.5 else ""))
    if kind == "body":
        add(_sentence(rng, rng.randint(6, 18)))
    return " ".join(parts), ents


def _article_passages(rng: random.Random) -> list[dict]:
    """Passage specs of one article: kind, text, entities, reason, label, probabilities."""
    specs = []
    n = rng.randint(2, 9)
    for i in range(n):
        kind = "heading" if i == 0 else ("boilerplate" if rng.random() < 0.08 else "body")
        topical = rng.random() < (0.35 if kind == "body" else 0.15)
        text, ents = _passage(rng, kind, topical)
        relevant = topical or rng.random() < 0.05
        reason = "classified" if kind == "body" and relevant else (kind if kind != "body" else "off-topic")
        if reason == "classified":
            label = rng.choices(["conflates", "distinguishes", "neither"], [0.3, 0.2, 0.5])[0]
            top = rng.uniform(0.4, 0.99)
            rest = 1 - top
            split = rng.uniform(0, rest)
            probs = {label: top}
            others = [lab for lab in ("conflates", "distinguishes", "neither") if lab != label]
            probs[others[0]], probs[others[1]] = split, rest - split
        else:
            label, probs = "neither", {"conflates": 0.0, "distinguishes": 0.0, "neither": 1.0}
        specs.append({"kind": kind, "text": text, "ents": ents, "reason": reason, "label": label, "probs": probs})
    return specs


def make_synthetic_results(root: Path, *, n_articles: int = 2300, seed: int = 20261206, fmt: str = "parquet") -> Path:
    """Write articles, passages, entities, errors.csv and run.json under ``root``; return it."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    articles, passages, entities = [], [], []
    bodies: list[tuple[str, list[dict]]] = []  # (article id, passage specs) of earlier articles
    for i in range(n_articles):
        aid = hashlib.sha256(f"{seed}-{i}".encode()).hexdigest()[:16]
        outlet, date = rng.choice(OUTLETS), _date(rng)
        roll = rng.random()
        duplicate_of, specs = "", []
        if roll < 0.02 and bodies:
            duplicate_of = rng.choice(bodies)[0]
        elif roll < 0.03:
            specs = []  # read, but no passages (e.g. rows written by an older run)
        elif roll < 0.09 and bodies:
            specs = [dict(s) for s in rng.choice(bodies)[1]]  # a wire story run again
            if rng.random() < 0.5:
                for s in specs:
                    if s["kind"] == "body" and not s["ents"]:
                        s["text"] = s["text"].replace(".", " indeed.", 1)
                        break
        else:
            specs = _article_passages(rng)
        if specs and not duplicate_of:
            bodies.append((aid, specs))
        start = 0
        for index, s in enumerate(specs):
            pid = f"{aid}-{index:04d}"
            text = s["text"]
            passages.append({
                "passage_id": pid, "article_id": aid, "index": index, "start": start, "end": start + len(text),
                "text": text, "kind": s["kind"], "label": s["label"], "p_conflates": round(s["probs"]["conflates"], 6),
                "p_distinguishes": round(s["probs"]["distinguishes"], 6), "p_neither": round(s["probs"]["neither"], 6),
                "reason": s["reason"], "topical": any(e[1] in ("PRIVATE_PILOT", "STATE_SYSTEM") for e in s["ents"]),
                "top_features": json.dumps([{"feature": rng.choice(WORDS), "weight": round(rng.uniform(-2, 2), 3)}])
                if s["reason"] == "classified" else "[]",
                "evidence": json.dumps([{"kind": "private_pilot", "text": e[0], "start": e[3], "end": e[3] + len(e[0])}
                                        for e in s["ents"] if e[1] == "PRIVATE_PILOT"]) if s["label"] != "neither" else "[]",
            })
            for surface, label, canonical, at in s["ents"]:
                entities.append({"passage_id": pid, "article_id": aid, "text": surface, "label": label,
                                 "canonical": canonical, "start": at, "end": at + len(surface),
                                 "article_start": start + at, "article_end": start + at + len(surface)})
            start += len(text) + 2
        articles.append({
            "article_id": aid, "source_path": f"{i // 500:02d}/a{i:05d}.txt", "record": i % 3 if i % 7 == 0 else None,
            "title": f"Story {i}: {_sentence(rng, 4)[:-1]}" if rng.random() < 0.93 else "", "outlet": outlet,
            "date": date, "url": f"https://news.example/{i}" if rng.random() < 0.8 else "javascript:alert(1)",
            "n_passages": len(specs), "duplicate_of": duplicate_of,
            "content_hash": hashlib.sha256(aid.encode()).hexdigest(), "verdict": "", "encoding": "utf-8",
        })
    tables = {
        "articles": pd.DataFrame(articles).astype({"record": "Int64"}),
        "passages": pd.DataFrame(passages),
        "entities": pd.DataFrame(entities),
    }
    for name, df in tables.items():
        if fmt == "parquet":
            df.to_parquet(root / f"{name}.parquet", index=False)
        else:
            df.to_csv(root / f"{name}.csv", index=False)
    errors = [{"source_path": f"bad/{k}.pdf", "record": None, "reason": "unsupported file type .pdf"} for k in range(230)]
    pd.DataFrame(errors).to_csv(root / "errors.csv", index=False)
    card = {"model_sha256": "d4" * 32, "data_sha256": "e5" * 32, "codebook_sha256": "f6" * 32, "n": 900,
            "label_counts": {"conflates": 200, "distinguishes": 150, "neither": 550},
            "cv": {"folds": 5, "macro_f1": 0.8, "brier": 0.1,
                   "binary": {"precision": 0.85, "recall": 0.8, "f1": 0.82, "tpr": 0.8, "fpr": 0.06,
                              "positives": 200, "negatives": 700}}}
    run = {"run_id": "synthetic-0001", "started": "2026-12-06T00:00:00+00:00", "finished": "2026-12-06T00:10:00+00:00",
           "input": "synthetic", "counts": {"articles": len(articles), "passages": len(passages)}, "errors": len(errors),
           "model": {"path": "models/synthetic.joblib", "sha256": card["model_sha256"], "card": card},
           "labelled_data_sha256": card["data_sha256"], "codebook_sha256": card["codebook_sha256"],
           "versions": {"framing": "0.1.0"}, "defaults": {"bootstrap_samples": 2000, "random_state": 13}}
    (root / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return root
