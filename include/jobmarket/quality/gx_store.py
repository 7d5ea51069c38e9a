"""The GX project and its Data Docs on an object-store lake.

GX's file data context reads and writes a local folder; it cannot open
``s3://``. On an object-store lake each worker therefore works on a local
copy (``Lake.local_dir("gx_project")``), and the lake's
``<lake>/gx_project/`` is the shared truth:

* ``pull`` before a context is opened: objects missing locally, or of
  another size, are downloaded (so a worker that never validated before sees
  the suites, checkpoints, results and Data Docs of every earlier night);
* ``push`` after each checkpoint run, as the checkpoint's last action
  (``SyncToLakeAction``): every local file created or changed since the last
  pull or push is uploaded.

Validation results have unique names (suite, run, time), so two workers
never overwrite each other's results. The Data Docs site is built once per
night, by the night's ``record_run`` after every other task, on a copy that
has pulled every worker's results (``runner.build_night_docs`` pushes it).
Each object is one PUT, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Literal

from great_expectations.checkpoint import ValidationAction

from jobmarket.core.lake import Lake

log = logging.getLogger(__name__)

PREFIX = "gx_project"
STATE = ".lake-sync.json"  # per copy: (size, mtime) of each file as last pulled or pushed


def remote_key(lake: Lake) -> str:
    return f"{lake.location.path}/{PREFIX}"


def _local_files(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and p.name != STATE:
            st = p.stat()
            out[p.relative_to(root).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def _read_state(root: Path) -> dict[str, list[int]]:
    try:
        return json.loads((root / STATE).read_text())
    except (OSError, ValueError):
        return {}


def _write_state(root: Path, state: dict) -> None:
    tmp = root / f"{STATE}.tmp"
    tmp.write_text(json.dumps(state, sort_keys=True))
    os.replace(tmp, root / STATE)


def pull(lake: Lake, root: Path) -> int:
    """Download the lake's GX project objects that ``root`` lacks (or holds
    at another size); returns how many were downloaded."""
    import pyarrow.fs as pafs

    base = remote_key(lake)
    infos = lake.fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
    root.mkdir(parents=True, exist_ok=True)
    state = _read_state(root)
    n = 0
    for info in infos:
        if info.type != pafs.FileType.File:
            continue
        rel = info.path[len(base) + 1:]
        local = root / rel
        if local.is_file() and local.stat().st_size == info.size:
            continue
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_name(f".{local.name}.part")
        with lake.fs.open_input_stream(info.path) as src, open(tmp, "wb") as dst:
            dst.write(src.read())
        os.replace(tmp, local)
        st = local.stat()
        state[rel] = [st.st_size, st.st_mtime_ns]
        n += 1
    _write_state(root, state)
    if n:
        log.info("GX project: pulled %d files from %s://%s", n, lake.location.scheme, base)
    return n


def push(lake: Lake, root: Path) -> int:
    """Upload the files of ``root`` created or changed since the last pull
    or push; returns how many were uploaded."""
    state = _read_state(root)
    base = remote_key(lake)
    n = 0
    for rel, stamp in sorted(_local_files(root).items()):
        if state.get(rel) == list(stamp):
            continue
        with open(root / rel, "rb") as src, lake.fs.open_output_stream(f"{base}/{rel}") as dst:
            dst.write(src.read())
        state[rel] = list(stamp)
        n += 1
    _write_state(root, state)
    if n:
        log.info("GX project: pushed %d files to %s://%s", n, lake.location.scheme, base)
    return n


def move_remote(lake: Lake, root: Path, moves: list[tuple[str, str]]) -> None:
    """Files moved in the local copy (``(old, new)`` paths under ``root``),
    moved in the lake too: ``push`` uploads the new paths before the old
    objects are deleted, so a crash between the two leaves a copy, never
    none. Without this, the next ``pull`` would bring the old paths back."""
    push(lake, root)
    state = _read_state(root)
    base = remote_key(lake)
    for old, _new in moves:
        try:
            lake.fs.delete_file(f"{base}/{old}")
        except FileNotFoundError:
            pass  # never pushed (a copy that had not synced yet)
        state.pop(old, None)
    _write_state(root, state)


class SyncToLakeAction(ValidationAction):
    """The last action of a checkpoint on an object-store lake: upload what
    the run added to the local project (results, Data Docs pages) to the lake."""

    type: Literal["jobmarket_sync_to_lake"] = "jobmarket_sync_to_lake"
    lake: str
    project_root: str

    def run(self, checkpoint_result, action_context=None) -> dict:
        return {"pushed": push(Lake(self.lake), Path(self.project_root))}


def sync_actions(lake: Lake, root: Path) -> list[ValidationAction]:
    """The actions a checkpoint adds to keep the lake's project current
    (none on a local lake, where the project already lives in the lake)."""
    if lake.is_local:
        return []
    return [SyncToLakeAction(name="sync_to_lake", lake=lake.location.uri, project_root=str(root))]
