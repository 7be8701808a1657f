"""The Dask engine gives exactly the local engine's output (skipped when Dask is not installed)."""
from __future__ import annotations

import pytest

from batch_helpers import read_outputs, write_corpus
from framing.errors import ConfigError
from framing.batch import run_batch

distributed = pytest.importorskip("distributed")


def test_dask_cluster_output_equals_the_local_engine(tmp_path, fixture_scorer):
    corpus = tmp_path / "news.jsonl"
    write_corpus(corpus, 40, seed=4)
    local = run_batch([corpus], tmp_path / "local", scorer=fixture_scorer, cache=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        result = run_batch([corpus], tmp_path / "dask", scorer=fixture_scorer, cache=False, engine="dask",
                           scheduler=cluster.scheduler_address, chunk_size=8)
    assert result.manifest["run"]["engine"] == "dask" and result.manifest["run"]["jobs"] == 2
    assert result.n_articles == local.n_articles == 40
    assert read_outputs(tmp_path / "dask") == read_outputs(tmp_path / "local")


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, fixture_scorer):
    corpus = tmp_path / "news.jsonl"
    write_corpus(corpus, 2)
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        run_batch([corpus], tmp_path / "o", scorer=fixture_scorer, engine="dask", scheduler="tcp://127.0.0.1:9")
