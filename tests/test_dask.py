"""Scale-out: the sample corpus on a real dask.distributed LocalCluster (2 worker processes,
loopback only) gives exactly the outputs of the local engine."""
import pandas as pd
import pytest

from pipeline import config
from pipeline.batch import run

pytestmark = pytest.mark.slow

ARTICLES = config.PROJECT_DIR / "corpus" / "articles"


def _tables(out):
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in ("articles", "passages", "entities")}


def test_dask_cluster_matches_local_engine(tmp_path):
    from distributed import LocalCluster

    local = run(ARTICLES, tmp_path / "local", workers=1, report=False, quiet=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2
        distributed = run(ARTICLES, tmp_path / "dask", engine="dask", scheduler=cluster.scheduler_address,
                          report=False, quiet=True)
    assert distributed.counts == local.counts
    assert distributed.manifest["options"]["engine"] == "dask"
    for name, table in _tables(tmp_path / "local").items():
        pd.testing.assert_frame_equal(_tables(tmp_path / "dask")[name], table)
