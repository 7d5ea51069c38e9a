"""The lake on an S3-compatible server (moto, started on 127.0.0.1): curated
partitions and raw written and read back through the commit protocol, and
what it promises: a reader never sees a mix of two writes, a crash between
the data files and the commit leaves the previous partition readable, a
rerun of a date gives the same table."""

from __future__ import annotations

import threading

import pyarrow as pa
import pyarrow.fs as pafs
import pytest
from jobmarket.core import objpath
from jobmarket.core.lake import Lake, read_parquet
from jobmarket.core.objpath import ObjectPath

DT = "2026-08-22"


def _keys(lake: Lake) -> list[str]:
    sel = pafs.FileSelector(lake.root.key, recursive=True, allow_not_found=True)
    return sorted(i.path for i in lake.fs.get_file_info(sel) if i.type == pafs.FileType.File)


def test_curated_partition_round_trip_on_s3(s3_lake, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lake = Lake(s3_lake)
    table = pa.table({"posting_id": ["a", "b", "c"], "n": [1, 2, 3]})
    target = lake.write_partition("curated/postings", DT, table)
    assert isinstance(target, ObjectPath) and str(target) == f"{s3_lake}/curated/postings/dt={DT}"
    assert read_parquet(target / "part-0.parquet").equals(table)
    assert lake.partition_dates("curated/postings") == [DT]
    # Published only as an attempt folder plus the pointer; nothing local.
    keys = [k.removeprefix(lake.root.key + "/") for k in _keys(lake)]
    assert keys[0] == f"curated/postings/dt={DT}/_COMMIT.json"
    assert keys[1].startswith(f"curated/postings/dt={DT}/_attempts/") and keys[1].endswith("/part-0.parquet")
    assert list(tmp_path.iterdir()) == []
    # Analysts' readers: a pyarrow dataset with the dt column, and DuckDB over it.
    import duckdb

    ds = lake.dataset("curated/postings")
    assert ds.to_table().num_rows == 3 and "dt" in ds.schema.names
    assert duckdb.sql("select sum(n) from ds").fetchall() == [(6,)]


def test_batches_and_raw_land_on_s3(s3_lake):
    lake = Lake(s3_lake)
    schema = pa.schema([("x", pa.int64())])
    with lake.partition_writer("work/tagged", DT, schema) as writer:
        for i in range(3):
            writer.write_table(pa.table({"x": [i]}, schema=schema))
    assert read_parquet(lake.partition_dir("work/tagged", DT) / "part-0.parquet").column("x").to_pylist() == [0, 1, 2]
    with pytest.raises(RuntimeError), lake.partition_writer("work/tagged", DT, schema) as writer:
        writer.write_table(pa.table({"x": [9]}, schema=schema))
        raise RuntimeError("step failed mid-write")
    assert read_parquet(lake.partition_dir("work/tagged", DT) / "part-0.parquet").column("x").to_pylist() == [0, 1, 2]

    target = lake.raw_dir("greenhouse", "acme", DT)
    lake.land_raw(target, [("page-1", b'{"jobs": [1]}'), ("page-2", b'{"jobs": [2]}')], {"status": "ok", "n": 2})
    assert lake.raw_boards("greenhouse", DT) == [("acme", target)]
    import hashlib

    assert lake.read_manifest(target) == {"status": "ok", "n": 2, "digests": {
        "page-1": hashlib.sha1(b'{"jobs": [1]}').hexdigest(), "page-2": hashlib.sha1(b'{"jobs": [2]}').hexdigest()}}
    assert lake.read_raw(target, "page-2") == b'{"jobs": [2]}'
    # Raw is immutable: a second landing of a complete folder changes nothing.
    lake.land_raw(target, [("page-1", b"other")], {"status": "ok", "n": 1})
    assert lake.read_raw(target, "page-1") == b'{"jobs": [1]}'
    lake.write_json(lake.work_dir("raw_keys", DT) / "greenhouse.json", {"acme": ["id"]})
    assert (lake.work_dir("raw_keys", DT) / "greenhouse.json").read_text().count("acme") == 1


def test_crash_between_data_files_and_commit_keeps_the_previous_partition(s3_lake, monkeypatch):
    lake = Lake(s3_lake)
    old = pa.table({"v": ["run1"] * 5})
    lake.write_partition("curated/market_daily", DT, old)

    def crash(self, dir_key, attempt, files):
        raise KeyboardInterrupt("worker killed after uploading the data files, before the commit")

    monkeypatch.setattr(Lake, "_commit", crash)
    with pytest.raises(KeyboardInterrupt):
        lake.write_partition("curated/market_daily", DT, pa.table({"v": ["run2"] * 7}))
    monkeypatch.undo()
    part = lake.partition_dir("curated/market_daily", DT)
    # The crashed attempt's file is there, uncommitted and invisible to readers.
    attempts = [k for k in _keys(lake) if f"/{objpath.ATTEMPTS}/" in k]
    assert len(attempts) == 2
    assert read_parquet(part / "part-0.parquet").equals(old)
    assert lake.dataset("curated/market_daily").to_table().column("v").unique().to_pylist() == ["run1"]
    # Garbage collection removes the orphan once past the grace period, never the committed one.
    assert len(objpath.collect_attempts(lake.fs, part.key, grace_s=0)) == 1
    assert read_parquet(part / "part-0.parquet").equals(old)


def test_rerun_of_a_date_gives_the_same_table(s3_lake):
    lake = Lake(s3_lake)
    table = pa.table({"posting_id": [f"p{i}" for i in range(100)], "salary": [float(i) for i in range(100)]})
    lake.write_partition("curated/postings", DT, table)
    first = lake.dataset("curated/postings").to_table()
    lake.write_partition("curated/postings", DT, table)
    again = lake.dataset("curated/postings").to_table()
    assert again.equals(first) and again.num_rows == 100  # not 200: the rerun replaced, it did not add


def test_a_reader_never_sees_a_mix_of_two_writes(s3_lake, tmp_path):
    """A writer keeps replacing a two-file folder (each version's files carry
    its number); readers that pin the folder read both files from one version."""
    lake = Lake(s3_lake)
    target = lake.partition_dir("work/normalized", DT)
    stop, seen, errors = threading.Event(), [], []

    def write(version: int) -> None:
        stage = tmp_path / f"v{version}"
        stage.mkdir()
        for part in ("part-0", "part-1"):
            (stage / part).write_text(str(version))
        lake.publish_dir(stage, target)

    def read() -> None:
        while not stop.is_set():
            d = lake.pinned(target)
            try:
                pair = ((d / "part-0").read_text(), (d / "part-1").read_text())
            except Exception as exc:  # noqa: BLE001 - any failure is a broken promise
                errors.append(exc)
                return
            seen.append(pair)

    write(0)
    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    for version in range(1, 8):
        write(version)
    stop.set()
    for t in readers:
        t.join()
    assert not errors
    assert seen and all(a == b for a, b in seen)
    assert len({a for a, _ in seen}) > 1  # the readers did overlap several commits


def test_an_s3_root_passed_on_stays_on_s3(s3_lake):
    from jobmarket.core.settings import Settings

    lake = Lake(s3_lake)
    again = Lake(Settings(lake=lake.root).lake)
    assert again.root == lake.root and not again.is_local
