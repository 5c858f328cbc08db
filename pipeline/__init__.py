"""framing: measure how news coverage conflates private scoring pilots with China's
state Social Credit System, passage by passage.

The public API, one function per job (nothing heavy is imported until it is used)::

    import pipeline
    result = pipeline.run("corpus/articles", out="reports/sample")       # batch job
    card = pipeline.train(["corpus/labelled/authored.jsonl"], out="models/m.joblib")
    pipeline.report("reports/sample", out="reports/sample")             # framing report
"""
from __future__ import annotations

__version__ = "0.1.0"

_API = {
    "run": ("pipeline.batch", "run"),
    "train": ("pipeline.classify", "train"),
    "evaluate": ("pipeline.classify", "evaluate"),
    "load_model": ("pipeline.classify", "load_model"),
    "report": ("pipeline.report", "write_report"),
    "iter_articles": ("pipeline.ingest", "iter_articles"),
    "fetch": ("pipeline.ingest.fetch", "fetch"),
    "split_passages": ("pipeline.passages", "split_passages"),
}


def __getattr__(name: str):
    # Lazy so that `import pipeline` stays cheap and loads no model (STYLE: nothing at import time).
    if name in _API:
        import importlib

        module, attr = _API[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


__all__ = list(_API) + ["__version__"]
