"""Boards whose raw is byte-identical to the earlier parse are not parsed.

Most boards answer a night with exactly the bytes of the night before. The
object-level reuse (``parse_reuse``) still reads, decompresses and decodes
such a board's JSON and hashes every posting object in it to find that
nothing changed. Here the parse step keys a whole board by what the scrape
recorded at landing (the SHA-1 of every landed body, in the manifest, see
``Lake.land_raw``) plus everything else its rows depend on (family, board,
configured company name, each response's kind, URL and adapter metadata),
and keeps one ledger row per board beside the keys in ``work/parse_boards``:

* ``board_key``: that key (null when the raw has no digests: landed by an
  older release);
* ``first_row`` and ``file_rows``: where the board's rows are in the date's
  normalized partition (a board's rows are contiguous) and how many came
  from each response (their ``fetched_at`` is that response's);
* ``record_keys``: the JSON keys of its raw records (the schema drift gate);
* ``skippable``: every row of the board is reusable (see ``parse_reuse``:
  no row converted pay at the scrape date's rate) and no posting object was
  rejected (a rejected object has no row to carry).

A board of the next night with the same key and a skippable ledger row takes
those rows, their keys and MinHash signatures, and its record keys from that
earlier parse without opening its raw. The ledger is written with the same
pair token as the rows and keys; one that does not match is ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from jobmarket.core.handoffs import BOARDS_STEP
from jobmarket.core.lake import Lake, read_parquet
from jobmarket.incremental.parse_reuse import PAIR_KEY

log = logging.getLogger(__name__)


def board_key(family: str, board: str, manifest: dict[str, Any], parse_files: list[dict[str, Any]]) -> str | None:
    """The key of a landed board, from its manifest alone; None when a
    landed body has no digest."""
    digests = manifest.get("digests") or {}
    landed = list(manifest.get("landed") or [])
    if not landed or any(name not in digests for name in landed):
        return None
    h = hashlib.sha1(f"{family}\x1f{board}\x1f{manifest.get('company') or ''}\x1e".encode())
    for name in landed:
        h.update(f"{name}\x1f{digests[name]}\x1e".encode())
    for f in parse_files:  # what the adapter is told besides the bytes
        h.update(json.dumps([f["name"], f.get("kind", "list"), f.get("final_url") or f.get("url"), f.get("meta")],
                            sort_keys=True, default=str).encode() + b"\x1e")
    return h.hexdigest()


def ledger_schema():
    import pyarrow as pa

    return pa.schema([
        pa.field("family", pa.string(), nullable=False),
        pa.field("board", pa.string(), nullable=False),
        pa.field("board_key", pa.string()),
        pa.field("first_row", pa.int64(), nullable=False),
        pa.field("file_rows", pa.list_(pa.int32()), nullable=False),
        pa.field("record_keys", pa.list_(pa.string())),
        pa.field("skippable", pa.bool_(), nullable=False),
    ])


class Ledger:
    """The board ledger of the earlier parse that ``Reuse`` takes rows from."""

    def __init__(self, lake: Lake, reuse) -> None:
        self.by_board: dict[tuple[str, str], dict[str, Any]] = {}
        if reuse is None or reuse.source_dt is None:
            return
        path = lake.partition_dir(f"work/{BOARDS_STEP}", reuse.source_dt) / "part-0.parquet"
        if not path.is_file():
            return
        table = read_parquet(path)
        if (table.schema.metadata or {}).get(PAIR_KEY) != reuse.pair:
            log.warning("work/%s of %s was not written with its rows; boards are parsed", BOARDS_STEP,
                        reuse.source_dt)
            return
        for row in table.to_pylist():
            if row["skippable"] and row["board_key"]:
                self.by_board[(row["family"], row["board"])] = row

    def lookup(self, family: str, board: str, key: str | None) -> dict[str, Any] | None:
        """The earlier ledger row of a board whose raw is unchanged, or None."""
        if key is None:
            return None
        row = self.by_board.get((family, board))
        return row if row is not None and row["board_key"] == key else None
