"""Writing the report's tables, each as CSV and Parquet, atomically.

Small tables (one row per outlet, period, actor...) are DataFrames; the per-article tables
are streamed from a DuckDB query batch by batch, so their size does not bound memory.
"""
from __future__ import annotations

from pathlib import Path

from ..store import atomic_path, csv_safe_frame, write_table

STREAM_ROWS = 20_000


def write_small(df, path: Path) -> None:
    """``df`` as ``<path>.csv`` and ``<path>.parquet``."""
    for fmt in ("csv", "parquet"):
        write_table(df, path, fmt=fmt)


def write_stream(source, sql: str, path: Path) -> None:
    """The rows of ``sql`` as ``<path>.csv`` and ``<path>.parquet``, written batch by batch.

    Batches go through pandas so that both files read back as the DataFrame-written tables
    did (integer columns with blanks stay integers: ``Int64``)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    def to_pandas(batch: pa.RecordBatch) -> pd.DataFrame:
        return batch.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}.get)

    csv_path, parquet_path = Path(f"{path}.csv"), Path(f"{path}.parquet")
    with atomic_path(csv_path) as csv_tmp, atomic_path(parquet_path) as parquet_tmp:
        reader = source.con.sql(sql).to_arrow_reader(STREAM_ROWS)
        writer, schema, first = None, None, True
        with open(csv_tmp, "w", encoding="utf-8", newline="") as csv_handle:
            for batch in reader:
                df = _plain_columns(to_pandas(batch))
                csv_safe_frame(df).to_csv(csv_handle, index=False, header=first)  # Parquet keeps the exact text
                table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
                if writer is None:
                    schema = table.schema
                    writer = pq.ParquetWriter(parquet_tmp, schema)
                writer.write_table(table)
                first = False
            if first:  # no rows: still a header and a schema
                df = _plain_columns(to_pandas(pa.RecordBatch.from_pylist([], schema=reader.schema)))
                df.to_csv(csv_handle, index=False)
                table = pa.Table.from_pandas(df, preserve_index=False)
                writer = pq.ParquetWriter(parquet_tmp, table.schema)
                writer.write_table(table)
        writer.close()


def _plain_columns(df):
    """Integer columns without blanks as int64, as a DataFrame built in memory would have them."""
    for col in df.columns:
        if str(df[col].dtype) == "Int64" and not df[col].isna().any() and col != "record":
            df[col] = df[col].astype("int64")
    return df
