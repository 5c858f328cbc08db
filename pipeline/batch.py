"""Batch: run the whole pipeline over a folder of articles.

``ingest -> dedupe -> passages -> relevance filter -> entities -> classify -> store -> outputs``

Articles stream through in bounded batches (``config.BATCH_ARTICLES``); each batch is
processed by a worker that holds the spaCy pipeline and the classifier (loaded once per
worker), and its results are committed to the SQLite run cache in one transaction before
they are appended to the output files. A killed run restarted on the same folder reuses
every committed batch; an unchanged folder is not reprocessed at all; a new model
re-classifies from the cached passages and entities without re-running NER.

Outputs in ``out`` (columns in the README): ``articles``, ``passages``, ``entities``
(Parquet, or CSV with ``fmt="csv"``), ``errors.csv``, ``run.json`` and, unless
``report=False``, the framing report.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from . import config, lexicon, store
from .errors import FramingError
from .ingest import Article, IngestError, iter_articles
from .passages import normalised_hash, split_passages

ENGINES = ("local", "dask")


@dataclass
class RunResult:
    """What a run did: where its outputs are, its counts and its manifest."""

    out: Path
    counts: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # reason kind -> number of failed inputs
    manifest: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # things the user should be told (cache moved aside, ...)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def run(
    input_dir: str | Path,
    out: str | Path,
    *,
    model: str | Path = config.DEFAULT_MODEL,
    fmt: str = "parquet",
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    relevance_filter: bool = True,
    max_bytes: int = config.MAX_BYTES,
    report: bool = True,
    period: str = config.DEFAULT_PERIOD,
    syndicated: str = "once",
    quiet: bool = False,
) -> RunResult:
    """Process every article under ``input_dir`` and write the outputs to ``out``.

    One run at a time per ``out`` (a second one raises at once, naming the first); the
    outputs are written to a staging folder inside ``out`` and swapped in at the end, so a
    run that fails or is interrupted leaves the previous complete set.

    >>> result = run("corpus/articles", "reports/sample")
    >>> result.counts["articles"]
    5
    """
    options = dict(model=model, fmt=fmt, workers=workers, engine=engine, scheduler=scheduler,
                   relevance_filter=relevance_filter, max_bytes=max_bytes, report=report, period=period,
                   syndicated=syndicated, quiet=quiet)
    input_dir, out = Path(input_dir), Path(out)
    if not input_dir.exists():
        raise FramingError(f"input not found: {input_dir}", None, "give a folder (or file) of articles")
    run_id = uuid.uuid4().hex[:12]
    _prepare_output_folder(out)
    stage = None
    try:
        with _output_errors(out), store.output_lock(out, run_id):
            notes = store.recover_staging(out)
            stage = store.new_staging(out, run_id)
            result = _run(input_dir, out, stage=stage, run_id=run_id, notes=notes, **options)
            store.publish_staging(stage, out)
            return result
    except BaseException:
        store.discard_staging(stage)
        if engine == "local":
            _stop_fork_server()  # and with it any worker left: nothing outlives a failed run
        raise


def _run(input_dir: Path, out: Path, *, stage: Path, run_id: str, notes: list, model, fmt, workers, engine,
         scheduler, relevance_filter, max_bytes, report, period, syndicated, quiet) -> RunResult:
    """The run itself: reads previous outputs and the cache in ``out``, writes to ``stage``."""
    if engine not in ENGINES:
        raise FramingError(f"unknown engine {engine!r}", None, f"use one of: {', '.join(ENGINES)}")
    if fmt not in ("parquet", "csv"):
        raise FramingError(f"unknown format {fmt!r}", None, "use parquet or csv")
    workers = workers or os.cpu_count() or 1
    # Checks the model file against its card before any work starts; only the workers unpickle
    # it, so a re-run served from the cache never loads the model.
    card = store.checked_card(model)
    model = Path(model).resolve()
    model_sha = card["model_sha256"]
    nlp_key = _nlp_key(relevance_filter)
    # Labels depend on the model, the filter and the code that turns a passage into features.
    label_key = ":".join([model_sha, str(int(relevance_filter)),
                          *(_source_hash(f) for f in ("features.py", "lexicon.py", "classify.py"))])
    output_key = f"{nlp_key}:{label_key}:{fmt}:{_source_hash('batch.py')}"
    options = dict(engine=engine, workers=workers, fmt=fmt, relevance_filter=relevance_filter, max_bytes=max_bytes)
    started, clock = dt.datetime.now(dt.timezone.utc), time.perf_counter()

    outputs_inside = _OutputFolders(out)
    previous = _previous_manifest(out)
    inputs_stat = _inputs_stat(input_dir, max_bytes, started, exclude=outputs_inside)
    if _outputs_reusable(previous, out, output_key, inputs_stat):
        # Same input files (by path, size and mtime), models, options and code, outputs intact:
        # nothing to read, recompute or rewrite.
        result = RunResult(out=out, counts=Counter(previous["counts"]), errors=Counter(previous["errors_by_reason"]),
                           notes=notes + outputs_inside.notes())
        result.counts["from_cache"] = result.counts["articles"]
        result.manifest = _manifest(input_dir, out, card, model, result, started, time.perf_counter() - clock,
                                    {}, options)
        result.manifest.update({k: previous[k] for k in ("inputs_sha256", "output_key", "outputs")},
                               inputs_stat_sha256=inputs_stat, outputs_reused=True, run_id=run_id,
                               notes=result.notes)
        store.link_into(stage, out, previous["outputs"])  # the kept tables, beside the new run.json
        _finish(stage, out, result.manifest, previous, report, period, syndicated)
        return result

    if engine == "local" and workers > 1:
        _start_fork_server()  # its imports overlap this process's set-up below
    store.remove_stale_temporaries(out)
    result = RunResult(out=out, notes=notes)
    timings = Counter()
    inputs = hashlib.sha256()
    cache, moved = store.open_cache_or_move_aside(out / store.CACHE_FILE)
    if moved:
        result.notes.append(f"the run cache {store.CACHE_FILE} was moved aside to {moved['moved_to']} "
                            f"({moved['reason']}) and rebuilt")
    tables = {
        "articles": store.TableStream(stage / "articles", store.ARTICLE_SCHEMA, fmt),
        "passages": store.TableStream(stage / "passages", store.PASSAGE_SCHEMA, fmt),
        "entities": store.TableStream(stage / "entities", store.ENTITY_SCHEMA, fmt),
        "errors": store.TableStream(stage / "errors", store.ERROR_SCHEMA, "csv"),
    }
    progress = _progress(quiet)
    try:
        items = _fingerprinted(iter_articles(input_dir, max_bytes=max_bytes, exclude=outputs_inside), inputs)
        batches = _batches(items, cache, tables, result, progress)
        tasks = (_task(batch, cache, nlp_key, label_key) for batch in batches)
        executor = _executor(engine, workers, scheduler, str(model), model_sha, relevance_filter)
        with executor as submit_all:
            for batch, computed, batch_timings in submit_all(tasks):
                if computed:
                    store.save_results(cache, nlp_key, label_key, computed, keys=_result_keys(batch))
                timings.update(batch_timings)
                _write_batch(batch, computed, tables, result)
        for table in tables.values():
            table.commit()
    except BaseException:
        for table in tables.values():
            table.abort()
        raise
    finally:
        progress.close()
        cache.close()

    result.manifest = _manifest(input_dir, out, card, model, result, started, time.perf_counter() - clock,
                                timings, options)
    result.notes.extend(outputs_inside.notes())
    result.manifest.update(inputs_sha256=inputs.hexdigest(), output_key=output_key, inputs_stat_sha256=inputs_stat,
                           outputs={t.final.name: store.file_sha256(t.final) for t in tables.values()},
                           run_id=run_id, notes=result.notes, cache_moved_aside=moved)
    _finish(stage, out, result.manifest, previous, report, period, syndicated)
    return result


def _finish(stage: Path, out: Path, manifest: dict, previous: dict | None, report: bool, period: str,
            syndicated: str) -> None:
    """Write run.json and the report into ``stage``. The report in ``out`` is kept (linked
    into ``stage``) when it was built from the same outputs with the same options and code
    and is intact; otherwise it is written anew (from the run.json written first)."""
    store.write_json(stage / "run.json", manifest)
    if report:
        key = _report_key(manifest, period, syndicated)
        kept = (previous or {}).get("report") or {}
        if kept.get("key") == key and _files_intact(out, kept.get("files")):
            store.link_into(stage, out, kept["files"])
            manifest["report"] = {**kept, "reused": True}
        else:
            from .report import write_report

            write_report(stage, stage, period=period, syndicated=syndicated)
            files = ["index.html", "summary.md",
                     *sorted(f"tables/{p.name}" for p in (stage / "tables").iterdir() if p.is_file())]
            manifest["report"] = {"key": key, "run_id": manifest["run_id"],
                                  "files": {name: store.file_sha256(stage / name) for name in files}}
    store.write_json(stage / "run.json", manifest)


# --------------------------------------------------------------------------------------
# The output folder: checked before anything starts; write failures said as users' errors.


def _prepare_output_folder(out: Path) -> None:
    """Create ``out``, or raise a :class:`FramingError` saying why it cannot hold outputs."""
    if out.exists() and not out.is_dir():
        raise FramingError(f"the output folder {out} is a file", "--out", "give a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FramingError(f"cannot create the output folder {out} ({exc.strerror or exc})", "--out",
                           "give a folder you can write to") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise FramingError(f"the output folder {out} is not writable", "--out",
                           "give a folder you can write to, or fix its permissions") from None


@contextlib.contextmanager
def _output_errors(out: Path):
    """Turn a failure to write in ``out`` (disk full, read-only, permissions) into a
    :class:`FramingError` that names the folder and what was not written."""
    import sqlite3

    try:
        yield
    except (OSError, sqlite3.DatabaseError) as exc:
        filename = getattr(exc, "filename", None)
        if filename and not os.path.realpath(filename).startswith(os.path.realpath(out) + os.sep):
            raise FramingError(f"cannot read {filename} ({exc.strerror or exc})", None,
                               "check the file and its permissions") from None
        full = store.is_disk_full(exc)
        if isinstance(exc, sqlite3.DatabaseError) and not full:
            raise FramingError(f"the run cache in {out} failed ({exc}); nothing was replaced", "--out",
                               "run the same command again: a damaged cache is moved aside and rebuilt") from None
        what = Path(filename or "").name or "the outputs"
        why = "no space left on the disk" if full else f"{getattr(exc, 'strerror', None) or exc}"
        raise FramingError(f"cannot write {what} in {out} ({why}); nothing was replaced, the previous outputs "
                           f"there are complete and unchanged", "--out",
                           "free space there (the run needs room for a whole new set of outputs beside the old one) "
                           "or give another --out" if full else "fix the folder's permissions or give another --out",
                           ) from None


class _OutputFolders:
    """A folder the walk must skip: this run's ``out`` (when it lies inside the input) and
    any other folder framing wrote outputs to (it holds ``.framing.lock``). Remembers what
    it skipped, to say it once."""

    def __init__(self, out: Path):
        self.out = os.path.realpath(out)
        self.skipped: set[str] = set()

    def __call__(self, folder) -> bool:
        if os.path.realpath(folder) == self.out or os.path.lexists(os.path.join(folder, store.LOCK_FILE)):
            self.skipped.add(str(folder))
            return True
        return False

    def notes(self) -> list[str]:
        return [f"{folder} holds framing outputs and was not read as input" for folder in sorted(self.skipped)]


# --------------------------------------------------------------------------------------
# Main process: ingest, dedupe, cache look-ups, writing.

@dataclass
class _Batch:
    articles: list  # Article records, unique content, in input order
    hashes: list
    duplicates: list  # (Article, content_hash, first article id) found while this batch filled
    cached: dict = field(default_factory=dict)  # content_hash -> (nlp result, label result)


def _batches(items: Iterable, cache, tables, result: RunResult, progress) -> Iterator[_Batch]:
    """Group (ingest item, content hash) pairs from :func:`_fingerprinted` into batches."""
    batch = _Batch([], [], [])
    # A batch's `seen` rows go in one transaction, committed before the batch is handed on
    # (they are this run's scratch, cleared at the next open: nothing to lose to a crash).
    cache.execute("BEGIN")
    for item, content_hash in items:
        progress.update(1)
        if isinstance(item, IngestError):
            _record_error(tables, result, item.source_path, item.record, item.reason)
            continue
        # Duplicates are found on case- and whitespace-folded text; results are cached on the
        # exact text (content_hash), since passage offsets depend on every character.
        first = store.first_seen(cache, normalised_hash(item.text), item.article_id)
        if first is not None:
            batch.duplicates.append((item, content_hash, first))
        else:
            batch.articles.append(item)
            batch.hashes.append(content_hash)
        if len(batch.articles) >= config.BATCH_ARTICLES:
            cache.execute("COMMIT")
            yield batch
            cache.execute("BEGIN")
            batch = _Batch([], [], [])
    cache.execute("COMMIT")
    if batch.articles or batch.duplicates:
        yield batch


def _fingerprinted(items: Iterable, digest) -> Iterator[tuple]:
    """(ingest item, SHA-256 of an article's exact text, None for an error) for each item,
    feeding everything that shapes the outputs into ``digest`` on the way."""
    for item in items:
        if isinstance(item, IngestError):
            digest.update(json.dumps(["error", item.source_path, item.record, item.reason]).encode("utf-8"))
            yield item, None
        else:
            content_hash = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
            digest.update(json.dumps([item.article_id, item.source_path, item.record, item.title, item.outlet,
                                      item.date, item.url, item.encoding, item.byline, item.section,
                                      item.word_count, item.doc_id]).encode("utf-8"))
            digest.update(bytes.fromhex(content_hash))
            yield item, content_hash


def _previous_manifest(out: Path) -> dict | None:
    try:
        previous = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return previous if isinstance(previous, dict) else None


def _outputs_reusable(previous: dict | None, out: Path, output_key: str, inputs_stat: str | None) -> bool:
    """Whether the outputs in ``out`` are exactly what this run would write: the same input
    files by path, size and modification time (:func:`_inputs_stat`; nothing is read), the
    same models, options and code, and every output file as the last run left it."""
    try:
        outputs = previous["outputs"]
        if (inputs_stat is None or previous.get("inputs_stat_sha256") != inputs_stat
                or previous["output_key"] != output_key or not outputs):
            return False
        return _files_intact(out, outputs)
    except (KeyError, TypeError, AttributeError):
        return False


def _files_intact(out: Path, files) -> bool:
    """Whether every file in ``{relative path: sha256}`` is in ``out`` with that hash."""
    if not isinstance(files, dict) or not files:
        return False
    try:
        return all(store.file_sha256(out / name) == sha for name, sha in files.items())
    except OSError:
        return False


_RACY_NS = 2_000_000_000  # a file modified this close to the run's start may change again unseen


def _inputs_stat(input_dir: Path, max_bytes: int, started, exclude=None) -> str | None:
    """SHA-256 of every file under ``input_dir`` (hidden ones too; folders for which
    ``exclude(path)`` is true left out) as (path, size, mtime), with what decides how they are
    read (``max_bytes``, the ingest code). None when a file was modified within two seconds of
    the run's start, whose mtime cannot be trusted to show a later change, or when the folder
    cannot be walked: the run then reads everything."""
    digest = hashlib.sha256(json.dumps([max_bytes, _source_hash("ingest")]).encode("utf-8"))
    limit = int(started.timestamp() * 1e9) - _RACY_NS
    try:
        if input_dir.is_file():
            entries = [(input_dir.name, input_dir)]
        else:
            entries = []
            for folder, dirs, files in os.walk(input_dir, followlinks=False):
                dirs[:] = sorted(d for d in dirs if exclude is None or not exclude(os.path.join(folder, d)))
                for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
                    path = os.path.join(folder, name)
                    entries.append((os.path.relpath(path, input_dir), path))
        for rel, path in entries:
            try:
                info = os.stat(path)
            except OSError:  # a broken link: its own stat
                info = os.lstat(path)
            if info.st_mtime_ns > limit:
                return None
            digest.update(json.dumps([rel, info.st_size, info.st_mtime_ns, info.st_mode]).encode("utf-8", "surrogateescape"))
    except OSError:
        return None
    return digest.hexdigest()


def _report_key(manifest: dict, period: str, syndicated: str) -> str:
    """Identity of what the report is made of: the output files, the report's options and code."""
    parts = [manifest.get("output_key"), manifest.get("outputs"), period, syndicated,
             _source_hash("report"), _source_hash("aggregate.py"), _source_hash("config.py")]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


def _task(batch: _Batch, cache, nlp_key: str, label_key: str):
    """Attach cached results; return (batch, work for a worker: [(hash, text, cached nlp, title)])."""
    keys = _result_keys(batch)
    nlp_done = store.cached(cache, "nlp", "nlp_key", nlp_key, list(keys.values()))
    labels_done = store.cached(cache, "labels", "label_key", label_key, list(keys.values()))
    work = []
    for article, content_hash in zip(batch.articles, batch.hashes):
        key = keys[content_hash]
        if key in nlp_done and key in labels_done:
            batch.cached[content_hash] = (nlp_done[key], labels_done[key])
        else:
            work.append((content_hash, article.text, nlp_done.get(key), article.title))
    return batch, work


def _result_keys(batch: _Batch) -> dict[str, str]:
    """content hash -> key of its cached results: the relevance filter and the classifier
    read each passage with its article's headline, so the same text under another headline
    is processed anew (without a headline, the key is the content hash)."""
    return {h: h if not a.title else hashlib.sha256(f"{h}\x00{a.title}".encode("utf-8")).hexdigest()
            for a, h in zip(batch.articles, batch.hashes)}


def _write_batch(batch: _Batch, computed: list, tables, result: RunResult) -> None:
    from .aggregate import verdict_of

    results = dict(batch.cached)
    results.update({h: (n, lab) for h, n, lab in computed})
    article_rows, passage_rows, entity_rows = [], [], []
    for article, content_hash in zip(batch.articles, batch.hashes):
        nlp_result, label_result = results[content_hash]
        spans = nlp_result["passages"]
        if not any(kind == "body" for _, _, kind, _ in spans):
            _record_error(tables, result, article.source_path, article.record,
                          "no body text: the article holds only headings or boilerplate")
            continue
        rows = _passage_rows(article, spans, nlp_result["entities"], label_result)
        passage_rows.extend(rows)
        entity_rows.extend(_entity_rows(article, spans, nlp_result["entities"]))
        labels = Counter(r["label"] for r in rows if r["reason"] == "classified")
        verdict = verdict_of(labels["conflates"], labels["distinguishes"])
        article_rows.append(_article_row(article, content_hash, len(spans), "", verdict=verdict))
        result.counts["articles"] += 1
        result.counts["passages"] += len(spans)
        result.counts["classified"] += sum(r["reason"] == "classified" for r in rows)
        result.counts["from_cache"] += content_hash in batch.cached
    for article, content_hash, first in batch.duplicates:
        article_rows.append(_article_row(article, content_hash, 0, first, verdict=""))
        result.counts["duplicates"] += 1
    result.counts["entities"] += len(entity_rows)
    tables["articles"].write(article_rows)
    tables["passages"].write(passage_rows)
    tables["entities"].write(entity_rows)


def _article_row(article: Article, content_hash: str, n_passages: int, duplicate_of: str, verdict: str = "") -> dict:
    return {"article_id": article.article_id, "source_path": article.source_path, "record": article.record,
            "title": article.title, "outlet": article.outlet, "date": article.date, "url": article.url,
            "n_passages": n_passages, "duplicate_of": duplicate_of, "content_hash": content_hash,
            "verdict": verdict, "encoding": article.encoding, "byline": article.byline,
            "section": article.section, "word_count": article.word_count, "doc_id": article.doc_id}


def _passage_rows(article: Article, spans: list, entities: list, labels: list) -> list[dict]:
    topical = {e[0] for e in entities if e[4] in lexicon.GAZETTEER_LABELS}
    rows = []
    for index, ((start, end, kind, _), (label, p_c, p_d, p_n, reason, top, evidence)) in enumerate(zip(spans, labels)):
        rows.append({
            "passage_id": f"{article.article_id}-{index:04d}", "article_id": article.article_id, "index": index,
            "start": start, "end": end, "text": article.text[start:end], "kind": kind, "label": label,
            "p_conflates": p_c, "p_distinguishes": p_d, "p_neither": p_n, "reason": reason,
            "topical": index in topical, "top_features": top, "evidence": evidence,
        })
    return rows


def _entity_rows(article: Article, spans: list, entities: list) -> list[dict]:
    rows = []
    for index, start, end, text, label, canonical in entities:
        offset = spans[index][0]
        rows.append({"passage_id": f"{article.article_id}-{index:04d}", "article_id": article.article_id,
                     "text": text, "label": label, "canonical": canonical, "start": start, "end": end,
                     "article_start": offset + start, "article_end": offset + end})
    return rows


def _record_error(tables, result: RunResult, source_path: str, record, reason: str) -> None:
    tables["errors"].write([{"source_path": source_path, "record": record, "reason": reason}])
    result.errors[_error_kind(reason)] += 1


def _error_kind(reason: str) -> str:
    # The summary groups errors by the reason's leading words ("invalid JSON", "empty file", ...).
    head = reason.split(":", 1)[0].split("(", 1)[0].strip()
    return head if len(head) <= 60 else head[:57] + "..."


# --------------------------------------------------------------------------------------
# Workers: one function processes a batch, wherever it runs (in process, pool, Dask).

_RESOURCES: dict = {}


def _resources(model_path: str, model_sha: str):
    """The spaCy pipeline and classifier of this worker process, loaded once."""
    key = (model_path, model_sha)
    if key not in _RESOURCES:
        from .classify import load_model
        from .entities import load_nlp

        model, card = load_model(model_path)
        if card["model_sha256"] != model_sha:
            raise FramingError("the model file changed during the run", model_path, "run again")
        _RESOURCES.clear()
        _RESOURCES[key] = (load_nlp(), model)
    return _RESOURCES[key]


def process_work(work: list, model_path: str, model_sha: str, relevance_filter: bool) -> tuple[list, dict]:
    """Process [(content_hash, text, cached nlp result or None, headline)] -> ([(hash, nlp, labels)], timings).

    An nlp result is ``{"passages": [[start, end, kind, relevant]], "entities": [[passage index,
    start, end, text, label, canonical]]}``; a label result is one
    ``[label, p_conflates, p_distinguishes, p_neither, reason, top_features, evidence]`` per passage.
    """
    from .classify import predict

    nlp, model = _resources(model_path, model_sha)
    timings = Counter()
    clock = time.perf_counter()
    nlp_results, to_ner = [], []
    for content_hash, text, cached_nlp, title in work:
        if cached_nlp is not None:
            nlp_results.append(cached_nlp)
            continue
        spans = []
        for p in split_passages("", text):
            relevant = lexicon.is_relevant(p.text, title) if relevance_filter else True
            spans.append([p.start, p.end, p.kind, relevant])
            if relevant:
                to_ner.append((p.text, (len(nlp_results), len(spans) - 1)))
        nlp_results.append({"passages": spans, "entities": []})
    timings["segment_s"] += time.perf_counter() - clock

    clock = time.perf_counter()
    for doc, (i, index) in nlp.pipe(to_ner, as_tuples=True, batch_size=config.NLP_BATCH_SIZE):
        nlp_results[i]["entities"].extend(
            [index, e.start_char, e.end_char, e.text, e.label_, e.ent_id_ or e.text] for e in doc.ents)
    timings["ner_s"] += time.perf_counter() - clock
    timings["ner_passages"] += len(to_ner)

    clock = time.perf_counter()
    to_classify = [(i, j, work[i][1][s:e]) for i, r in enumerate(nlp_results)
                   for j, (s, e, kind, relevant) in enumerate(r["passages"]) if kind == "body" and relevant]
    # The classifier's gate (body text passing the filter) was applied just above: not again.
    # Each passage is read with its article's headline, as the codebook reads it.
    predicted = predict(model, [t for _, _, t in to_classify], titles=[work[i][3] for i, _, _ in to_classify],
                        gate=False) if to_classify else None
    labels = [[_unclassified(kind, relevant) for _, _, kind, relevant in r["passages"]] for r in nlp_results]
    if predicted is not None:
        for (i, j, _), row in zip(to_classify, predicted.itertuples(index=False)):
            labels[i][j] = [row.label, float(row.p_conflates), float(row.p_distinguishes), float(row.p_neither),
                            "classified", row.top_features, row.evidence]
    timings["classify_s"] += time.perf_counter() - clock
    timings["classified_passages"] += len(to_classify)
    return [(w[0], n, lab) for w, n, lab in zip(work, nlp_results, labels)], dict(timings)


def _unclassified(kind: str, relevant: bool) -> list:
    reason = "off-topic" if not relevant else ("boilerplate" if kind == "boilerplate" else "heading")
    return ["neither", 0.0, 0.0, 1.0, reason, "[]", "[]"]


# Imported once by the fork server instead of once by every worker. Third-party modules only:
# the server does not get this process's sys.path (Python 3.11), so our own modules must be
# imported by the workers themselves, from the same place as here.
_PRELOAD = ("numpy", "scipy.sparse", "pandas", "pyarrow.parquet", "joblib", "sklearn.calibration",
            "sklearn.feature_extraction.text", "sklearn.pipeline", "sklearn.svm", "spacy", config.SPACY_MODEL)


def _start_fork_server():
    """The forkserver context for the worker pool, its server started now (a no-op if it is
    running) so that its imports overlap the rest of this process's set-up."""
    import multiprocessing
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(_PRELOAD))
    # Started with SIGINT ignored (kept across exec), the server and every worker it forks
    # ignore Ctrl-C: the main process alone handles it and stops them (no traceback from them).
    import signal
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        forkserver.ensure_running()
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    return context


def _stop_fork_server() -> None:
    """Stop the fork server this process started, and every process it forked: a worker
    caught half-started (waiting for data this process will never send) keeps the server
    alive, and the server would keep the workers' memory, after the run is gone."""
    import signal
    from multiprocessing import forkserver

    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return
    for child in _child_processes(pid):
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        server._stop()  # closes our end of its pipes and reaps it


def _child_processes(pid: int) -> list[int]:
    """Ids of the processes whose parent is ``pid`` (Linux /proc; empty elsewhere)."""
    children = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry))
    return children


class _LocalExecutor:
    """Runs batches in this process (workers=1) or in a process pool, results in input order,
    with at most ``2 * workers`` batches in flight so memory stays bounded."""

    def __init__(self, workers: int, args: tuple):
        self.workers, self.args, self.pool = workers, args, None

    def __enter__(self):
        if self.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(self.workers, mp_context=_start_fork_server())
        return self.submit_all

    def __exit__(self, exc_type, *exc):
        if self.pool is not None:
            if exc_type is not None:
                # Failing or interrupted: stop the workers now rather than wait for their batches
                # (waiting could hang on a worker caught half-started; run() stops the rest).
                for process in list((self.pool._processes or {}).values()):
                    process.kill()
                self.pool.shutdown(wait=False, cancel_futures=True)
            else:
                self.pool.shutdown(cancel_futures=True)

    def submit_all(self, tasks):
        if self.pool is None:
            for batch, work in tasks:
                computed, timings = process_work(work, *self.args) if work else ([], {})
                yield batch, computed, timings
            return
        yield from _windowed(tasks, lambda work: self.pool.submit(process_work, work, *self.args),
                             lambda fut: fut.result(), 2 * self.workers, self.workers)


class _DaskExecutor:
    """Runs batches on a dask.distributed cluster: ``scheduler`` address, or a LocalCluster."""

    def __init__(self, workers: int, scheduler: str | None, args: tuple):
        self.workers, self.scheduler, self.args = workers, scheduler, args

    def __enter__(self):
        from distributed import Client, LocalCluster

        if self.scheduler:
            self.cluster, self.client = None, Client(self.scheduler)
        else:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, host="127.0.0.1")
            self.client = Client(self.cluster)
        self.n = max(1, len(self.client.scheduler_info().get("workers", {})) or self.workers)
        return self.submit_all

    def __exit__(self, *exc):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def submit_all(self, tasks):
        yield from _windowed(tasks, lambda work: self.client.submit(process_work, work, *self.args, pure=False),
                             lambda fut: fut.result(), 2 * self.n, self.n)


def _windowed(tasks, submit, result, window: int, parts: int):
    """Submit (batch, work) tasks with at most ``window`` batches in flight; yield
    (batch, computed, timings) in input order. A batch's work goes out in up to ``parts``
    pieces that run side by side, so that no worker idles while another finishes the last batch."""
    from collections import deque

    pending = deque()
    for batch, work in tasks:
        pending.append((batch, [submit(piece) for piece in _pieces(work, parts)]))
        while len(pending) >= window:
            yield _gathered(*pending.popleft(), result)
    while pending:
        yield _gathered(*pending.popleft(), result)


def _pieces(work: list, parts: int) -> list[list]:
    size = max(1, -(-len(work) // parts))
    return [work[i:i + size] for i in range(0, len(work), size)]


def _gathered(batch, futures: list, result) -> tuple:
    computed, timings = [], Counter()
    for future in futures:
        piece, piece_timings = result(future)
        computed.extend(piece)
        timings.update(piece_timings)
    return batch, computed, dict(timings)


def _executor(engine: str, workers: int, scheduler, model_path: str, model_sha: str, relevance_filter: bool):
    args = (model_path, model_sha, relevance_filter)
    if engine == "dask":
        return _DaskExecutor(workers, scheduler, args)
    return _LocalExecutor(workers, args)


# --------------------------------------------------------------------------------------

def _nlp_key(relevance_filter: bool) -> str:
    """Identity of everything that shapes passages and entities (cached NLP results)."""
    # Versions from package metadata: a re-run served from the cache never imports spaCy.
    parts = [importlib.metadata.version("spacy"), config.SPACY_MODEL, importlib.metadata.version(config.SPACY_PACKAGE),
             ",".join(config.SPACY_EXCLUDE), str(config.MAX_PASSAGE_CHARS), str(config.MIN_BODY_WORDS),
             json.dumps(lexicon.GAZETTEER_LABELS, sort_keys=True), _source_hash("entities.py"),
             lexicon.RELEVANCE_KEY, str(int(relevance_filter)), _source_hash("passages.py")]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:16]


def _source_hash(name: str) -> str:
    # Code decides outputs (segmentation rules, readers, the report): a change to it must
    # invalidate what was cached. ``name`` is a module file or a package folder.
    path = config.PACKAGE_DIR / name
    if not path.exists() and not name.endswith(".py"):
        path = config.PACKAGE_DIR / f"{name}.py"
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
    for file in files:
        digest.update(file.relative_to(config.PACKAGE_DIR).as_posix().encode("utf-8") + b"\x00" + file.read_bytes())
    return digest.hexdigest()[:16] if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _progress(quiet: bool):
    from tqdm import tqdm

    return tqdm(unit=" articles", desc="framing", disable=quiet or not sys.stderr.isatty(), smoothing=0.1)


def _shown_path(path) -> str:
    """``path`` relative to the working directory when it lies inside it (the shipped model,
    found beside the package, is recorded as ``models/conflation.joblib``, not as this
    machine's absolute path); otherwise as given."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _manifest(input_dir, out, card, model_path, result, started, seconds, timings, options) -> dict:
    return {
        "run_id": uuid.uuid4().hex[:12],
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "input": str(input_dir),
        "output": str(out),
        "options": options,
        "counts": dict(result.counts),
        "errors": result.failed,
        "errors_by_reason": dict(result.errors),
        "model": {"path": _shown_path(model_path), "sha256": card["model_sha256"],
                  "card_sha256": store.file_sha256(store.card_path(model_path)),
                  "card": card},
        "labelled_data_sha256": card.get("data_sha256"),
        "codebook_sha256": store.codebook_sha256(),
        "versions": {**store.versions(), "spacy_model": importlib.metadata.version(config.SPACY_PACKAGE)},
        "defaults": config.defaults(),
        "timings": {"total_s": round(seconds, 3), **{k: round(v, 3) for k, v in timings.items()}},
    }
