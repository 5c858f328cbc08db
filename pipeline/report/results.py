"""A results folder loaded into pandas DataFrames (small folders, notebooks, tests)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import FramingError
from ..store import read_csv
from .source import _read_run


@dataclass(frozen=True)
class Results:
    """The tables and manifest of one results folder."""

    articles: pd.DataFrame
    passages: pd.DataFrame
    entities: pd.DataFrame
    errors: pd.DataFrame
    run: dict
    path: Path

    @property
    def card(self) -> dict | None:
        card = (self.run.get("model") or {}).get("card")
        return card if isinstance(card, dict) else None


def load_results(results_dir: str | Path) -> Results:
    """Read a results folder into pandas (each table as parquet, or csv if there is no parquet),
    with every column the report reads. For notebooks and small folders: everything is loaded
    into memory; :func:`pipeline.report.write_report` never does this."""
    path = Path(results_dir)
    if not path.is_dir():
        raise FramingError(f"results folder {str(path)!r} does not exist", None, "run `framing run <input> --out <folder>` first")
    articles = _read_table(path, "articles", required=True)
    passages = _read_table(path, "passages", required=True)
    entities = _read_table(path, "entities")
    errors = _read_table(path, "errors")
    run = _read_run(path)
    return Results(
        articles=_with_columns(articles, _ARTICLE_COLUMNS),
        passages=_with_columns(passages, _PASSAGE_COLUMNS),
        entities=_with_columns(entities, _ENTITY_COLUMNS),
        errors=_with_columns(errors, {"source_path": "", "record": pd.NA, "reason": ""}),
        run=run,
        path=path,
    )


_ARTICLE_COLUMNS = {
    "article_id": "", "source_path": "", "record": pd.NA, "title": "", "outlet": "", "date": "",
    "url": "", "n_passages": 0, "duplicate_of": "", "content_hash": "",
}
_PASSAGE_COLUMNS = {
    "passage_id": "", "article_id": "", "index": 0, "start": 0, "end": 0, "text": "", "kind": "body",
    "label": "neither", "p_conflates": 0.0, "p_distinguishes": 0.0, "p_neither": 1.0,
    "reason": "classified", "topical": False, "top_features": "[]", "evidence": "[]",
}
_ENTITY_COLUMNS = {
    "passage_id": "", "article_id": "", "text": "", "label": "", "canonical": "", "start": 0, "end": 0,
    "article_start": 0, "article_end": 0,
}


def _read_table(path: Path, name: str, *, required: bool = False) -> pd.DataFrame:
    for suffix in ("parquet", "csv"):
        file = path / f"{name}.{suffix}"
        if file.is_file():
            try:
                return pd.read_parquet(file) if suffix == "parquet" else read_csv(file, keep_default_na=False, na_values=[""])
            except Exception as exc:  # a truncated or foreign file: say which one
                raise FramingError(f"cannot read {file.name} ({exc.__class__.__name__}: {exc})", str(file),
                                   "re-run `framing run` to rewrite the results") from exc
    if required:
        raise FramingError(f"no {name}.parquet or {name}.csv", str(path), "point to a folder written by `framing run`")
    return pd.DataFrame()


def _with_columns(df: pd.DataFrame, defaults: dict) -> pd.DataFrame:
    """Add missing columns with their defaults; blank text columns become ""."""
    df = df.copy()
    for col, default in defaults.items():
        if col not in df:
            df[col] = pd.Series([default] * len(df), index=df.index, dtype=object if isinstance(default, str) else None)
        elif isinstance(default, str):
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str)
    if "topical" in defaults:
        df["topical"] = df["topical"].map(lambda v: str(v).strip().lower() in ("true", "1", "1.0")).astype(bool)
    for col in ("p_conflates", "p_distinguishes", "p_neither"):
        if col in defaults:
            df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0.0).astype(float)
    return df
