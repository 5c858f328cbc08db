"""Throughput and memory of ``framing run`` against a hand-written spaCy NER baseline.

Builds a reproducible synthetic corpus (fixed seed) in ``benchmarks/_work/``: article files of
~400-700 words made of generic news filler (``_filler.py``) and, for about 10% of passages,
the labelled passages of ``corpus/labelled/*.jsonl``. Then measures, in one run, words per
second (whitespace-split words of every passage) for the spaCy tokenizer alone, an NER-only
``nlp.pipe`` baseline, and ``pipeline.batch.run`` end to end, and checks the targets of the
"Speed and scale" issue. The machine may be shared and noisy: compare the ratios, which are
measured side by side, not the absolute figures.

Example:
    .venv/bin/python benchmarks/throughput.py --articles 2000 --workers 2 --out-json /tmp/bench.json
    .venv/bin/python benchmarks/throughput.py --skip-speed --commands --articles 5000 --repeat 3
    .venv/bin/python benchmarks/throughput.py --skip-speed --memory --memory-sizes 2000,20000,200000
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import _filler  # noqa: E402

WORK = HERE / "_work"
SEED = 20240611
CORPUS_VERSION = "1"  # bump when the generator changes, so cached corpora are rebuilt
TOPICAL_ARTICLES = 0.25  # share of articles that carry topical passages ...
TOPICAL_IN_ARTICLE = 0.45  # ... and the share of their body passages that are topical (=> ~10% overall)
NER_BATCH_SIZES = (256, 1000)  # the baseline is the faster of these (spaCy's default is 1000)
TARGETS = {
    "no_filter_vs_script": 0.9,
    "filter_vs_script": 8.0,
    "no_filter_vs_ner": 0.9,
    "filter_vs_ner": 5.0,
    "two_vs_one_worker": 1.6,
    "rerun_fraction": 0.05,
    "cli_rerun_fraction": 0.05,
    "memory_ratio": 1.2,
    "memory_200k_gb": 1.5,
}


# --------------------------------------------------------------------------------------
# Corpus


def build_corpus(n: int, *, seed: int = SEED, work: Path = WORK) -> Path:
    """Write ``n`` distinct articles under ``work/corpus-N-SEED`` (reused if already complete)."""
    folder = work / f"corpus-{n}-{seed}"
    stamp = folder / ".complete"  # hidden: the pipeline's folder walk skips it
    if stamp.is_file() and stamp.read_text() == CORPUS_VERSION:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    rng = random.Random(seed)
    topical = _labelled_texts()
    topics = sorted(_filler.TEMPLATES)
    seen = set()
    for i in range(n):
        while True:
            text = _article(rng, rng.choice(topics), topical)
            key = hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()
            if key not in seen:  # no exact (case/space-folded) duplicates
                seen.add(key)
                break
        path = folder / f"{i // 1000:03d}" / f"a{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    stamp.write_text(CORPUS_VERSION)
    return folder


def _labelled_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "corpus" / "labelled").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"].strip())
    return texts


def _article(rng: random.Random, topic: str, topical: list[str]) -> str:
    carries = rng.random() < TOPICAL_ARTICLES
    target = rng.randint(400, 700)
    blocks, words = [_filler.title(rng, topic)], 0
    while words < target:
        block = rng.choice(topical) if carries and rng.random() < TOPICAL_IN_ARTICLE else _filler.paragraph(rng, topic)
        blocks.append(block)
        words += len(block.split())
    return "\n\n".join(blocks) + "\n"


def corpus_passages(folder: Path) -> tuple[list[str], dict]:
    """Every passage the pipeline would see (ingest + segmentation), and corpus statistics."""
    from pipeline import lexicon
    from pipeline.ingest import Article, iter_articles
    from pipeline.passages import split_passages

    topical = set(_labelled_texts())
    texts, stats = [], {"articles": 0, "passages": 0, "words": 0, "topical_passages": 0, "topical_words": 0,
                        "relevant_passages": 0, "relevant_words": 0, "filler_passages": 0, "filler_relevant": 0}
    for item in iter_articles(folder):
        if not isinstance(item, Article):
            raise RuntimeError(f"corpus file failed to ingest: {item}")
        stats["articles"] += 1
        for p in split_passages("", item.text):
            n, relevant, is_topical = len(p.text.split()), lexicon.is_relevant(p.text), p.text in topical
            texts.append(p.text)
            stats["passages"] += 1
            stats["words"] += n
            stats["topical_passages"] += is_topical
            stats["topical_words"] += n * is_topical
            stats["relevant_passages"] += relevant
            stats["relevant_words"] += n * relevant
            if not is_topical and p.kind == "body":
                stats["filler_passages"] += 1
                stats["filler_relevant"] += relevant
    return texts, stats


# --------------------------------------------------------------------------------------
# Measurements


def time_tokenizer(texts: list[str], exclude: list[str]) -> float:
    """The model's own tokenizer alone, one process: the floor under any spaCy pipeline."""
    import importlib

    from pipeline import config

    nlp = importlib.import_module(config.SPACY_MODEL).load(exclude=exclude)
    clock = time.perf_counter()
    for _ in nlp.tokenizer.pipe(texts, batch_size=1000):
        pass
    return time.perf_counter() - clock


def _spin(n: int) -> float:
    clock, x = time.perf_counter(), 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - clock


def machine_parallelism(workers: int, n: int = 4_000_000) -> float:
    """How many of ``workers`` CPU-bound processes the machine runs at once right now
    (``workers`` on an idle machine; less when other jobs share it)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_spin, [1000] * workers))  # start every worker first
        alone = min(pool.submit(_spin, n).result() for _ in range(2))
        clock = time.perf_counter()
        list(pool.map(_spin, [n] * workers))
        together = time.perf_counter() - clock
    return workers * alone / together


def ner_exclude() -> list[str]:
    """Every component of the model but ``ner`` (its NER has its own tok2vec listener copy)."""
    import importlib

    from pipeline import config

    full = importlib.import_module(config.SPACY_MODEL).load()
    return [name for name in full.component_names if name != "ner"]


def check_ner_only(texts: list[str], exclude: list[str], sample: int = 1000) -> str:
    """Compare NER-only entities with the full pipeline's on a seeded sample of passages."""
    import importlib

    from pipeline import config

    model = importlib.import_module(config.SPACY_MODEL)
    full, ner = model.load(), model.load(exclude=exclude)
    picked = random.Random(SEED).sample(texts, min(sample, len(texts)))

    def ents(nlp):
        return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(picked, batch_size=256)]

    a, b = ents(full), ents(ner)
    differ = [(text, x, y) for text, x, y in zip(picked, a, b) if x != y]
    report = (f"NER-only (exclude={exclude}) vs full pipeline: entities identical on "
              f"{len(picked) - len(differ)}/{len(picked)} passages ({sum(map(len, a))} entities)")
    for text, x, y in differ[:3]:
        only = lambda p, q: [f"{text[s:e]!r} {label}" for s, e, label in p if (s, e, label) not in q]  # noqa: E731
        report += f"\n  differs: full pipeline {only(x, y)}, NER-only {only(y, x)}"
    return report


def same_outputs(a: Path, b: Path) -> bool:
    """Whether two output folders hold identical articles, passages and entities tables."""
    import pandas as pd

    for name in ("articles", "passages", "entities"):
        x, y = pd.read_parquet(a / f"{name}.parquet"), pd.read_parquet(b / f"{name}.parquet")
        if not x.equals(y):
            return False
    return True


def time_ner_baseline(texts: list[str], exclude: list[str], workers: int, batch_size: int) -> tuple[float, int]:
    """What a user would write: load NER-only, ``nlp.pipe(..., n_process=W)``, read the entities."""
    import importlib

    from pipeline import config

    gc.collect()
    clock = time.perf_counter()
    nlp = importlib.import_module(config.SPACY_MODEL).load(exclude=exclude)
    n = 0
    for doc in nlp.pipe(texts, n_process=workers, batch_size=batch_size):
        n += len([(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents])
    return time.perf_counter() - clock, n


def time_cli(corpus: Path, out: Path, *, workers: int, fresh: bool = True):
    """``framing run`` as a user types it (filter on, no report): a new process, imports included."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    command = [str(Path(sys.executable).with_name("framing")), "run", str(corpus), "--out", str(out),
               "--workers", str(workers), "--no-report"]
    clock = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - clock, None


def time_run(corpus: Path, out: Path, *, workers: int, relevance_filter: bool, fresh: bool = True):
    """``pipeline.batch.run`` end to end (no report), cold: models are loaded inside the timing."""
    from pipeline import batch

    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    batch._RESOURCES.clear()
    gc.collect()
    clock = time.perf_counter()
    result = batch.run(corpus, out, workers=workers, relevance_filter=relevance_filter, report=False, quiet=True)
    seconds = time.perf_counter() - clock
    batch._RESOURCES.clear()
    return seconds, result


# --------------------------------------------------------------------------------------
# Memory: each size in its own process; peak RSS of the whole tree (main + pool workers).


def measure_memory(n: int, workers: int, relevance_filter: bool) -> dict:
    """Peak memory of a whole ``framing run`` command over ``n`` articles, report included,
    sampled every 0.1 s over the whole process tree (main, fork server, workers). The target
    is the largest single process (RSS); the tree's RSS counts pages shared between the
    processes once per process, its PSS shares them out. (ru_maxrss is no use here: the pool's
    workers are children of the fork server, and a child's ru_maxrss starts from its fork.)"""
    import psutil

    corpus = build_corpus(n)
    out = WORK / f"mem-out-{n}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [_framing(), "run", str(corpus), "--out", str(out), "--workers", str(workers), "--quiet"] + (
        [] if relevance_filter else ["--no-filter"])
    clock = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    parent, peak = psutil.Process(proc.pid), {"rss": 0, "pss": 0, "main": 0, "worker": 0, "largest": 0}
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            mem = [p.memory_full_info() for p in tree]
        except psutil.Error:
            continue
        peak["rss"] = max(peak["rss"], sum(m.rss for m in mem))
        peak["pss"] = max(peak["pss"], sum(m.pss for m in mem))
        peak["main"] = max(peak["main"], mem[0].rss)
        peak["worker"] = max([peak["worker"], *(m.rss for m in mem[1:])])
        peak["largest"] = max([peak["largest"], *(m.rss for m in mem)])
        time.sleep(0.1)
    if proc.returncode:
        raise RuntimeError(f"memory run failed: {cmd}")
    manifest = json.loads((out / "run.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    return {"articles": n, "seconds": time.perf_counter() - clock, **{f"peak_{k}_mb": v / 2**20 for k, v in peak.items()},
            "counts": manifest["counts"]}


def _framing() -> str:
    return str(Path(sys.executable).with_name("framing"))


# --------------------------------------------------------------------------------------
# Whole commands: `framing run` (report included) against the plain spaCy script, each a new process.


def _timed(command: list[str]) -> float:
    clock = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - clock


def commands(args) -> dict:
    """Rounds of: the plain script, `framing run --no-filter` (on ``--nofilter-articles``),
    then on ``--articles``: the plain script, `framing run`, and the same command again
    (unchanged input). Ratios are taken within each round; their median is compared with the
    targets."""
    W = args.workers
    small, large = build_corpus(args.nofilter_articles), build_corpus(args.articles)
    work = WORK / "commands"
    work.mkdir(parents=True, exist_ok=True)
    script = [sys.executable, str(HERE / "plain_ner.py")]
    framing = [_framing(), "run", "--workers", str(W), "--quiet"]
    rounds = []
    for round_ in range(args.repeat):
        r = {}
        for key, corpus, out, command in (
            ("script_small", small, work / "script-small.csv", None),
            ("nofilter", small, work / "nofilter", ["--no-filter"]),
            ("script_large", large, work / "script-large.csv", None),
            ("filter", large, work / "filter", []),
            ("rerun", large, work / "filter", "again"),
        ):
            if command is None:
                r[key] = _timed([*script, str(corpus), str(out), "--workers", str(W)])
            else:
                if command != "again":
                    shutil.rmtree(out, ignore_errors=True)
                r[key] = _timed([*framing, str(corpus), "--out", str(out), *([] if command == "again" else command)])
            print(f"  round {round_ + 1}: {key} {r[key]:.2f} s", flush=True)
        manifest = json.loads((work / "filter" / "run.json").read_text())
        assert manifest.get("outputs_reused") and manifest["report"].get("reused"), "the re-run recomputed"
        rounds.append(r)
    per_round = [{"no_filter_vs_script": r["script_small"] / r["nofilter"],
                  "filter_vs_script": r["script_large"] / r["filter"],
                  "rerun_fraction": r["rerun"] / r["filter"]} for r in rounds]
    ratios = {k: statistics.median(p[k] for p in per_round) for k in per_round[0]}
    timings = json.loads((work / "filter" / "run.json").read_text())
    print()
    print(f"whole commands, {W} workers; --no-filter on {args.nofilter_articles:,} articles, the rest on "
          f"{args.articles:,} articles (~10% of passages topical)")
    print(_table([[k, *(f"{r[k]:.2f}" for r in rounds), f"{statistics.median(r[k] for r in rounds):.2f}"]
                  for k in rounds[0]], ["seconds", *(f"round {i + 1}" for i in range(len(rounds))), "median"]))
    print(_table([[k, *(f"{p[k]:.3f}" for p in per_round), f"{ratios[k]:.3f}"] for k in ratios],
                 ["ratio", *(f"round {i + 1}" for i in range(len(rounds))), "median"]))
    return {"rounds": rounds, "ratios_per_round": per_round, "ratios": ratios}


# --------------------------------------------------------------------------------------
# Report


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def speed(args) -> dict:
    corpus = build_corpus(args.articles)
    texts, stats = corpus_passages(corpus)
    words, W = stats["words"], args.workers
    print(f"corpus: {corpus} - {stats['articles']} articles, {stats['passages']} passages, {words} words; "
          f"topical {stats['topical_passages'] / stats['passages']:.1%} of passages "
          f"({stats['topical_words'] / words:.1%} of words); relevance filter passes "
          f"{stats['relevant_passages'] / stats['passages']:.1%} of passages "
          f"({stats['relevant_words'] / words:.1%} of words), "
          f"{stats['filler_relevant'] / max(1, stats['filler_passages']):.1%} of off-topic body passages",
          flush=True)
    exclude = ner_exclude()
    check = check_ner_only(texts, exclude)
    print(check, flush=True)

    work = WORK / f"speed-{args.articles}"
    measures = {
        "tokenizer": lambda: (time_tokenizer(texts, exclude), None),
        **{f"ner_b{size}": (lambda size=size: time_ner_baseline(texts, exclude, W, size)) for size in NER_BATCH_SIZES},
        "run_nofilter": lambda: time_run(corpus, work / "nofilter", workers=W, relevance_filter=False),
        "rerun_nofilter": lambda: time_run(corpus, work / "nofilter", workers=W, relevance_filter=False, fresh=False),
        "run_filter": lambda: time_run(corpus, work / "filter", workers=W, relevance_filter=True),
        "rerun_filter": lambda: time_run(corpus, work / "filter", workers=W, relevance_filter=True, fresh=False),
        "run_nofilter_w1": lambda: time_run(corpus, work / "w1", workers=1, relevance_filter=False),
        "cli_run_filter": lambda: time_cli(corpus, work / "cli", workers=W),
        "cli_rerun_filter": lambda: time_cli(corpus, work / "cli", workers=W, fresh=False),
    }
    if W != 2:
        measures["run_nofilter_w2"] = lambda: time_run(corpus, work / "w2", workers=2, relevance_filter=False)
    # Rounds rather than back-to-back repeats, so that a busy spell on a shared machine
    # hits every measure alike; each measure keeps its fastest round.
    figures, parallelism, rounds = {}, [machine_parallelism(W)], []
    for round_ in range(args.repeat):
        this_round = {}
        for key, measure in measures.items():
            seconds, value = measure()
            this_round[key] = seconds
            if key not in figures or seconds < figures[key][0]:
                figures[key] = (seconds, value)
            print(f"  round {round_ + 1}: {key} {seconds:.1f} s", flush=True)
        rounds.append(this_round)
        parallelism.append(machine_parallelism(W))
    if W == 2:
        figures["run_nofilter_w2"] = figures["run_nofilter"]
    for key in ("rerun_nofilter", "rerun_filter"):
        assert figures[key][1].counts["from_cache"] == figures[key][1].counts["articles"], "re-run reprocessed"
    same = same_outputs(work / "w1", work / ("nofilter" if W == 2 else "w2"))
    print(f"outputs of 1 and 2 workers identical: {same}")
    print(f"machine parallelism ({W} spinning processes, before/after each round): "
          + ", ".join(f"{p:.2f}" for p in parallelism))

    ner_key = min((f"ner_b{s}" for s in NER_BATCH_SIZES), key=lambda k: figures[k][0])
    ner_s = figures[ner_key][0]
    rate = lambda key: words / figures[key][0]  # noqa: E731
    rows = [
        ["spaCy tokenizer only (1 process)", "tokenizer"],
        *[[f"NER-only nlp.pipe, n_process={W}, batch_size={s}" + (" (baseline)" if f"ner_b{s}" == ner_key else ""),
           f"ner_b{s}"] for s in NER_BATCH_SIZES],
        [f"framing run --no-filter, {W} workers", "run_nofilter"],
        [f"framing run (filter on), {W} workers", "run_filter"],
        ["framing run --no-filter, 1 worker", "run_nofilter_w1"],
        *([] if W == 2 else [["framing run --no-filter, 2 workers", "run_nofilter_w2"]]),
        ["re-run, unchanged corpus (filter on)", "rerun_filter"],
        ["re-run, unchanged corpus (--no-filter)", "rerun_nofilter"],
        ["`framing run` command (filter on), new process", "cli_run_filter"],
        ["`framing run` command re-run, unchanged corpus", "cli_rerun_filter"],
    ]
    notes = {
        "tokenizer": "floor, single process",
        "run_nofilter_w1": f"2 workers are {figures['run_nofilter_w1'][0] / figures['run_nofilter_w2'][0]:.2f}x faster",
        "rerun_filter": f"{figures['rerun_filter'][0] / figures['run_filter'][0]:.1%} of the first run",
        "rerun_nofilter": f"{figures['rerun_nofilter'][0] / figures['run_nofilter'][0]:.1%} of the first run",
        "cli_rerun_filter": f"{figures['cli_rerun_filter'][0] / figures['cli_run_filter'][0]:.1%} of the first command",
    }
    table = [[label, f"{figures[k][0]:.2f}", f"{rate(k):,.0f}", f"{ner_s / figures[k][0]:.2f}", notes.get(k, "")]
             for label, k in rows]
    print()
    print(f"{args.articles} articles, {words:,} words, {W} workers, fastest of {args.repeat} round(s)")
    print(_table(table, ["measure", "seconds", "words/s", "x NER-only", ""]))

    # The targets compare measures taken side by side in the same round (a busy spell on a shared
    # machine then hits both sides), and take the median over rounds.
    def paired(r: dict) -> dict:
        ner = min(r[f"ner_b{s}"] for s in NER_BATCH_SIZES)
        return {
            "no_filter_vs_ner": ner / r["run_nofilter"],
            "filter_vs_ner": ner / r["run_filter"],
            "two_vs_one_worker": r["run_nofilter_w1"] / r.get("run_nofilter_w2", r["run_nofilter"]),
            "rerun_fraction": r["rerun_filter"] / r["run_filter"],
            "cli_rerun_fraction": r["cli_rerun_filter"] / r["cli_run_filter"],
        }

    per_round = [paired(r) for r in rounds]
    results = {key: statistics.median(p[key] for p in per_round) for key in per_round[0]}
    print()
    print("targets' ratios in each round (side by side), and their median")
    print(_table([[key, *(f"{p[key]:.3f}" for p in per_round), f"{results[key]:.3f}"] for key in results],
                 ["ratio", *(f"round {i + 1}" for i in range(len(per_round))), "median"]))
    timings = {k: figures[k][1].manifest["timings"] for k in figures if k.startswith(("run", "rerun"))}
    print()
    print("time in each worker stage, summed over workers (run.json timings)")
    print(_table([[k, *(f"{timings[k].get(s, 0):.1f}" for s in ("segment_s", "ner_s", "classify_s")),
                   f"{timings[k].get('ner_passages', 0)}", f"{timings[k].get('classified_passages', 0)}"]
                  for k in ("run_nofilter", "run_filter", "run_nofilter_w1")],
                 ["run", "segment+filter s", "NER s", "classify s", "NER passages", "classified passages"]))
    return {"articles": args.articles, "workers": W, "corpus": stats, "ner_check": check, "baseline": ner_key,
            "parallelism": parallelism, "same_outputs_w1_w2": same,
            "seconds": {k: v[0] for k, v in figures.items()}, "words_per_s": {k: rate(k) for k in figures},
            "ratios": results, "ratios_per_round": per_round, "rounds": rounds, "run_timings": timings,
            "table": table}


def targets(results: dict) -> str:
    spec = [
        ("no_filter_vs_script", "`framing run --no-filter` vs the plain spaCy script, whole commands", ">="),
        ("filter_vs_script", "`framing run` (filter on, ~10% topical) vs the plain script, whole commands", ">="),
        ("no_filter_vs_ner", "end to end --no-filter vs NER-only baseline (words/s)", ">="),
        ("filter_vs_ner", "end to end, filter on, vs NER-only baseline", ">="),
        ("two_vs_one_worker", "2 workers vs 1 worker (--no-filter)", ">="),
        ("rerun_fraction", "re-run time / first run time (filter on)", "<="),
        ("cli_rerun_fraction", "the same, as `framing run` commands (imports included)", "<="),
        ("memory_ratio", "peak RSS of the largest process at large N / at small N", "<="),
        ("memory_200k_gb", "peak RSS of the largest process at the one-off size, GB", "<="),
    ]
    rows = []
    for key, label, op in spec:
        if key not in results:
            continue
        value, target = results[key], TARGETS[key]
        ok = value >= target if op == ">=" else value <= target
        rows.append([label, f"{value:.3f}", f"{op} {target}", "PASS" if ok else "FAIL"])
    return _table(rows, ["target", "measured", "wanted", ""])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("Example:")[1], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000, help="corpus size for the speed figures")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (NER baseline n_process too)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every speed measure; each keeps its fastest round")
    parser.add_argument("--commands", action="store_true",
                        help="time whole commands (report included) against the plain spaCy script")
    parser.add_argument("--nofilter-articles", type=int, default=1000, help="corpus size of the --no-filter command")
    parser.add_argument("--memory", action="store_true", help="also measure peak memory of whole runs")
    parser.add_argument("--memory-sizes", default="2000,20000", help="sizes: small,large[,one-off]")
    parser.add_argument("--skip-speed", action="store_true", help="skip the in-process speed figures")
    parser.add_argument("--out-json", type=Path, help="write every figure as JSON here")
    args = parser.parse_args(argv)

    report, ratios = {}, {}
    if not args.skip_speed:
        report["speed"] = speed(args)
        ratios.update(report["speed"]["ratios"])
    if args.commands:
        report["commands"] = commands(args)
        ratios.update(report["commands"]["ratios"])
    if args.memory:
        sizes = [int(s) for s in args.memory_sizes.split(",")]
        mem = [measure_memory(n, args.workers, relevance_filter=True) for n in sizes]
        ratios["memory_ratio"] = mem[1]["peak_largest_mb"] / mem[0]["peak_largest_mb"]
        if len(mem) > 2:
            ratios["memory_200k_gb"] = mem[2]["peak_largest_mb"] / 1024
        report["memory"] = mem
        print()
        print(f"peak memory, whole `framing run` commands (filter on, report included), {args.workers} workers, "
              f"one process tree per size (sampled every 0.1 s)")
        print(_table([[f"{m['articles']:,}", f"{m['seconds']:.0f}", f"{m['peak_largest_mb']:.0f}", f"{m['peak_main_mb']:.0f}",
                       f"{m['peak_worker_mb']:.0f}", f"{m['peak_rss_mb']:.0f}", f"{m['peak_pss_mb']:.0f}"] for m in mem],
                     ["articles", "seconds", "largest process RSS MB", "main RSS MB", "largest other RSS MB",
                      "tree RSS MB", "tree PSS MB"]))
        print(f"ratio {sizes[1]:,} / {sizes[0]:,} articles, largest process: {ratios['memory_ratio']:.3f}")
    report["ratios"] = ratios
    print()
    print(targets(ratios))
    if args.out_json:
        args.out_json.write_text(json.dumps(report, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
