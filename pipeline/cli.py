"""The ``framing`` command line. It only parses options and calls the Python API; users'
mistakes (:class:`~pipeline.errors.FramingError`) print as ``Error: ...`` with exit status 1.
"""
from __future__ import annotations

import os
import signal
import sys


def _exit_at_once(signum, frame):  # pragma: no cover - only while the command starts up
    os.write(2, f"Interrupted ({signal.Signals(signum).name}) while starting: nothing was done.\n".encode())
    os._exit(128 + signum)


if __name__ == "__main__" or os.path.basename(sys.argv[0] if sys.argv else "") == "framing":
    # Run as the command: from the first moment (the imports below take a while), Ctrl-C and
    # SIGTERM end it with one line; main() takes over once it can clean up.
    signal.signal(signal.SIGINT, _exit_at_once)
    signal.signal(signal.SIGTERM, _exit_at_once)

import contextlib
import functools
import json
import warnings
from pathlib import Path

import click

from . import __version__, config
from .errors import FramingError, FramingWarning


def _user_errors(func):
    """Turn FramingError into click's ``Error: <what>, <where>, <how to fix>`` (exit 1)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with _warnings_shown():
                return func(*args, **kwargs)
        except FramingError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper


@contextlib.contextmanager
def _warnings_shown():
    """Print each :class:`FramingWarning` raised inside as one ``Warning: ...`` line (stderr)."""
    with warnings.catch_warnings():  # restores showwarning and the filters on the way out
        warnings.simplefilter("always", FramingWarning)
        others = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, FramingWarning):
                click.echo(f"Warning: {message}", err=True)
            else:
                others(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="framing")
def cli():
    """Measure how news coverage conflates private scoring pilots (Sesame Credit and
    others) with China's state Social Credit System, passage by passage.

    \b
    Example:
        framing run corpus/articles --out reports/sample
        framing train corpus/labelled/*.jsonl --out models/conflation.joblib
        framing report reports/sample --period quarter
    """


@cli.command("run")
@click.argument("input_dir", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True, help="Output folder (created).")
@click.option("--model", "-m", type=click.Path(path_type=Path), default=config.DEFAULT_MODEL, show_default=True,
              help="Classifier (joblib) with its model card beside it.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True,
              help="File format of the articles/passages/entities tables.")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores). Each loads the models once.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine; dask: a dask.distributed cluster.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="With --engine dask: an existing scheduler (default: start a LocalCluster).")
@click.option("--no-filter", is_flag=True, help="Run NER and the classifier on every passage, even off-topic ones.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=config.MAX_BYTES, show_default=True,
              help="Skip (and report) input files larger than this.")
@click.option("--no-report", is_flag=True, help="Do not write the framing report.")
@click.option("--period", type=click.Choice(["month", "quarter", "year"]), default=config.DEFAULT_PERIOD,
              show_default=True, help="Report period.")
@click.option("--syndicated", type=click.Choice(["once", "per-outlet"]), default="once", show_default=True,
              help="Report: count a wire story once, or once per outlet that ran it.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any input could not be read.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@_user_errors
def run_cmd(input_dir, out, model, fmt, workers, engine, scheduler, no_filter, max_bytes, no_report, period,
            syndicated, strict, quiet):
    """Process every article under INPUT_DIR (.txt .md .html .json .jsonl .csv, Nexis, Factiva
    and ProQuest exports, .docx .rtf .pdf and .zip, recursively; formats are recognised by content).

    Writes articles, passages and entities tables, errors.csv, run.json and the framing
    report to --out. Re-running reuses cached results: only new or changed articles are
    processed, and a new --model re-classifies without re-running NER.

    \b
    Example:
        framing run corpus/articles --out reports/sample
        framing run ~/archive --out results --workers 2 --format csv
        framing run ~/archive --out results --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from .batch import run

    result = run(input_dir, out, model=model, fmt=fmt, workers=workers, engine=engine, scheduler=scheduler,
                 relevance_filter=not no_filter, max_bytes=max_bytes, report=not no_report, period=period,
                 syndicated=syndicated, quiet=quiet)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    if not quiet:
        counts = result.counts
        click.echo(f"{counts['articles']} articles ({counts['duplicates']} duplicates skipped), "
                   f"{counts['passages']} passages, {counts['classified']} classified, "
                   f"{counts['from_cache']} articles from cache -> {result.out}", err=True)
        if result.failed:
            reasons = ", ".join(f"{n} {reason}" for reason, n in result.errors.most_common())
            click.echo(f"{result.failed} input(s) failed ({reasons}); see {result.out / 'errors.csv'}", err=True)
    if strict and result.failed:
        raise click.ClickException(f"{result.failed} input(s) could not be read (--strict), "
                                   f"listed in {result.out / 'errors.csv'}")


@cli.command("fetch")
@click.argument("url_list", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True,
              help="Output folder: pages/ (+ metadata.csv) for framing run, errors.csv, the fetch cache.")
@click.option("--delay", type=click.FloatRange(min=0), default=config.FETCH_DELAY, show_default=True,
              help="Seconds between two requests to one host (a longer robots.txt Crawl-delay wins).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=config.FETCH_TIMEOUT, show_default=True,
              help="Seconds for one request.")
@click.option("--retries", type=click.IntRange(min=0), default=config.FETCH_RETRIES, show_default=True,
              help="Further attempts after a timeout, connection error, 429 or 5xx (with backoff).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=config.MAX_BYTES, show_default=True,
              help="Skip (and report) pages larger than this.")
@click.option("--contact", default=None, metavar="EMAIL", help="Contact put in the user agent, for site owners.")
@click.option("--retry-failed", is_flag=True, help="Try again the URLs that failed for good last time (404, robots.txt).")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no summary.")
@_user_errors
def fetch_cmd(url_list, out, delay, timeout, retries, max_bytes, contact, retry_failed, quiet):
    """Download the pages of URL_LIST (a Media Cloud CSV, a GDELT ArtList JSON or GKG file, or
    one URL a line) politely: robots.txt honoured, requests to a host spaced, retries with
    backoff, a timeout and a size cap. Re-running resumes: pages already saved are kept.

    \b
    Example:
        framing fetch mc-onlinenews-content.csv --out pages_out --contact me@uni.example
        framing run pages_out/pages --out results
    """
    from .ingest.fetch import PAGES_DIR, fetch

    def progress(done, total):
        if not quiet and (done == total or done % 25 == 0):
            click.echo(f"{done}/{total} URLs", err=True)

    result = fetch(url_list, out, delay=delay, timeout=timeout, retries=retries, max_bytes=max_bytes,
                   contact=contact, retry_failed=retry_failed, progress=progress)
    if not quiet:
        counts = result.counts
        click.echo(f"{counts['urls']} URLs: {counts['fetched']} fetched, {counts['cached']} already saved, "
                   f"{counts['failed']} failed (see {result.out / 'errors.csv'}); next: "
                   f"framing run {result.out / PAGES_DIR} --out RESULTS", err=True)


@cli.command("train")
@click.argument("labelled", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True, help="Model file to write (.joblib).")
@click.option("--seed", type=int, default=config.RANDOM_STATE, show_default=True, help="Random seed.")
@click.option("--folds", type=click.IntRange(min=2), default=config.CV_FOLDS, show_default=True,
              help="Cross-validation folds for the model card.")
@click.option("--group-by", metavar="FIELD", default=None,
              help="Keep passages with the same value of FIELD (e.g. article_id, outlet) in one fold.")
@click.option("--real", "real", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Labelled real coverage (repeatable): trained on, weighted --real-weight, and cross-validated "
                   f"by {config.REAL_GROUP_FIELD} for the card's headline figure.")
@click.option("--real-weight", type=click.FloatRange(min=0, min_open=True), default=config.REAL_WEIGHT,
              show_default=True, help="Weight of one real passage against one written for the project.")
@click.option("--allow-mixed-codebooks", is_flag=True, help="Pool files labelled under different codebook versions.")
@_user_errors
def train_cmd(labelled, out, seed, folds, group_by, real, real_weight, allow_mixed_codebooks):
    """Train the classifier on LABELLED files and write it with its model card.

    Accepts the project's JSONL ({"text", "label"}), Prodigy textcat JSONL, Doccano JSONL
    and CSV with text,label columns. Bad lines are listed and training does not start.

    \b
    Example:
        framing train corpus/labelled/seed.jsonl corpus/labelled/authored.jsonl --out models/conflation.joblib
        framing train corpus/labelled/seed.jsonl corpus/labelled/authored.jsonl \\
            --real corpus/labelled/real.jsonl --group-by article_id --out models/conflation.joblib
        framing train my_labels.jsonl --group-by article_id --out models/mine.joblib
    """
    from .classify import card_path, train

    card = train(list(labelled), out, real=list(real), random_state=seed, cv_folds=folds, group_by=group_by,
                 real_weight=real_weight, allow_mixed_codebooks=allow_mixed_codebooks)
    cv = card["cv"]
    grouped = f" grouped by {group_by}" if group_by else ""
    click.echo(f"trained on {card['n']} passages {card['label_counts']} -> {out} (+ {card_path(out).name})")
    if card["real_coverage"]:
        rc = card["real_coverage"]
        click.echo(f"real coverage ({rc['n']} passages, {rc['articles']} articles, {folds}-fold CV by "
                   f"{rc['grouped_by']}): macro-F1 {rc['macro_f1']:.3f}, conflates-vs-rest P/R/F1 "
                   f"{rc['binary']['precision']:.3f}/{rc['binary']['recall']:.3f}/{rc['binary']['f1']:.3f}, Brier "
                   f"{rc['brier']:.3f}, article verdicts {rc['article_verdicts']['agreement']:.3f}")
    click.echo(f"in-distribution ({folds}-fold CV{grouped} over every file, flattering): macro-F1 "
               f"{cv['macro_f1']:.3f}, conflates-vs-rest P/R/F1 {cv['binary']['precision']:.3f}/"
               f"{cv['binary']['recall']:.3f}/{cv['binary']['f1']:.3f}")


@cli.command("evaluate")
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("labelled", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "json_out", type=click.Path(path_type=Path), default=None, help="Write the figures as JSON.")
@click.option("--errors", "errors_out", type=click.Path(path_type=Path), default=None,
              help="CSV of misclassified passages (default: misclassified.csv beside --json, else none).")
@_user_errors
def evaluate_cmd(model, labelled, json_out, errors_out):
    """Score MODEL on LABELLED files: per-class and binary figures, confusion, Brier and a
    reliability table, bootstrap intervals, and article-verdict agreement when the lines carry
    article ids.

    \b
    Example:
        framing evaluate models/conflation.joblib corpus/labelled/seed.jsonl --json eval.json --errors wrong.csv
    """
    from .classify import evaluate

    if errors_out is None and json_out is not None:
        errors_out = Path(json_out).with_name("misclassified.csv")
    figures = evaluate(model, list(labelled), misclassified=errors_out, json_out=json_out)
    click.echo(_format_figures(figures))
    if errors_out:
        click.echo(f"misclassified passages: {errors_out}")


@cli.command("report")
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None, help="Report folder (default: RESULTS_DIR).")
@click.option("--period", type=click.Choice(["month", "quarter", "year"]), default=config.DEFAULT_PERIOD,
              show_default=True, help="Period for the over-time tables and charts.")
@click.option("--syndicated", type=click.Choice(["once", "per-outlet"]), default="once", show_default=True,
              help="Count a wire story once, or once per outlet that ran it.")
@_user_errors
def report_cmd(results_dir, out, period, syndicated):
    """Write the framing report (index.html, summary.md, tables/) for a run's RESULTS_DIR.

    \b
    Example:
        framing report reports/sample --period quarter --syndicated per-outlet
    """
    from .report import write_report

    path = write_report(results_dir, out or results_dir, period=period, syndicated=syndicated)
    click.echo(f"report: {path}")


@cli.command("suggest")
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option("--n", "n", type=click.IntRange(min=1), default=50, show_default=True, help="How many passages.")
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True, help="JSONL file to write.")
@click.option("--strategy", type=click.Choice(["uncertainty", "per-outlet"]), default="uncertainty",
              show_default=True, help="uncertainty: least sure, diverse; per-outlet: stratified random sample.")
@click.option("--seed", type=int, default=config.RANDOM_STATE, show_default=True, help="Random seed (per-outlet).")
@_user_errors
def suggest_cmd(results_dir, n, out, strategy, seed):
    """Pick passages from a run's RESULTS_DIR to label next, as JSONL for Prodigy, Doccano
    or Label Studio ({"text", "meta": {passage_id, article_id, ...}}).

    \b
    Example:
        framing suggest reports/sample --n 50 --out to_label.jsonl
        framing suggest results --strategy per-outlet --n 200 --out validation.jsonl
    """
    from .classify import suggest, write_suggestions

    frame = suggest(results_dir, n=n, strategy=strategy, random_state=seed)
    write_suggestions(frame, out)
    click.echo(f"{len(frame)} passages -> {out}")


@cli.command("check-labels")
@click.argument("labelled", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.6, show_default=True,
              help="Only list passages whose predicted label is at least this probable.")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None, help="Write the list as CSV.")
@click.option("--top", type=click.IntRange(min=1), default=25, show_default=True, help="How many to print.")
@click.option("--group-by", metavar="FIELD", default=None,
              help="Keep passages with the same value of FIELD (e.g. article, outlet) in one fold.")
@_user_errors
def check_labels_cmd(labelled, min_confidence, out, top, group_by):
    """List likely label errors in LABELLED files: passages whose cross-validated prediction
    confidently disagrees with their label, most suspicious first.

    \b
    Example:
        framing check-labels corpus/labelled/*.jsonl --out suspects.csv
    """
    from .classify import check_labels
    from .store import write_csv

    suspects = check_labels(list(labelled), min_confidence=min_confidence, group_by=group_by)
    for row in suspects.head(top).itertuples(index=False):
        click.echo(f"{row.file}:{row.line}  labelled {row.label}, predicted {row.predicted} "
                   f"({row.p_predicted:.2f})  {row.text[:100]!r}")
    click.echo(f"{len(suspects)} suspect label(s)")
    if out:
        write_csv(suspects, out)


def _format_figures(figures: dict) -> str:
    lines = [f"n={figures['n']}  macro-F1={figures['macro_f1']:.3f}  "
             f"conflates-vs-rest P/R/F1={figures['binary']['precision']:.3f}/{figures['binary']['recall']:.3f}/"
             f"{figures['binary']['f1']:.3f}  Brier={figures['brier']:.3f}"]
    for label, row in figures["per_class"].items():
        lines.append(f"  {label:<14} P={row['precision']:.3f} R={row['recall']:.3f} F1={row['f1']:.3f} "
                     f"support={row['support']}")
    intervals = figures.get("intervals")
    if intervals:
        def span(pair):
            return "n/a" if pair is None else f"{pair[0]:.3f}-{pair[1]:.3f}"

        binary = intervals["binary"]
        lines.append(f"  95% bootstrap intervals ({intervals['samples']} resamples of the passages): macro-F1 "
                     f"{span(intervals['macro_f1'])}, conflates-vs-rest P {span(binary['precision'])} "
                     f"R {span(binary['recall'])} F1 {span(binary['f1'])}")
    labels = figures["confusion"]["labels"]
    lines.append("  confusion (rows true, columns predicted): " + json.dumps(dict(zip(labels, figures["confusion"]["matrix"]))))
    verdicts = figures.get("article_verdicts")
    if verdicts:
        lines.append(f"  article verdicts: {verdicts['agree']} of {verdicts['articles']} articles agree with the "
                     f"verdicts of the gold labels ({verdicts['agreement']:.3f})")
    if figures.get("reliability"):
        lines.append("  calibration of p_conflates (bin: passages, mean predicted -> observed share): " + "; ".join(
            f"{r['bin'][0]:.1f}-{r['bin'][1]:.1f}: {r['n']}, {r['mean_predicted']:.2f} -> {r['observed']:.2f}"
            for r in figures["reliability"]))
    return "\n".join(lines)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` swallows it; not a KeyboardInterrupt, which click would turn into
    "Aborted!"."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signum)


def _on_signal(signum, frame):
    # Once: later signals while the run stops its workers and cleans up are ignored, so a
    # second Ctrl-C cannot interrupt the clean-up with a traceback.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def _interrupted_line(signum: int, command: str | None) -> str:
    name = signal.Signals(signum).name
    if command == "run":
        return (f"Interrupted ({name}): no output was replaced; run the same command again to resume "
                f"(a run keeps every batch it finished in its cache).")
    return f"Interrupted ({name}): no output was replaced; run the same command again."


def main(argv=None):
    """Console-script entry point: SIGINT and SIGTERM end the command (its workers too) with
    one line and exit status 130 or 143, never a traceback."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_signal)
    try:
        return cli.main(args=argv, prog_name="framing")
    except Interrupted as exc:
        args = sys.argv[1:] if argv is None else list(argv)
        command = next((a for a in args if not a.startswith("-")), None)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        click.echo(_interrupted_line(exc.signum, command), err=True)
        sys.exit(128 + exc.signum)


if __name__ == "__main__":
    sys.exit(main())
