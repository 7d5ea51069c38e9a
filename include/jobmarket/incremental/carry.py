"""Row verdicts carried over from an earlier date, so a night validates what changed.

Row-level expectations judge one row at a time, and the parse step reuses an
earlier date's row, byte for byte, for a raw object that did not change
(``jobmarket.incremental.parse_reuse``). Such a row passed or failed that suite on the earlier
date and would do the same today, with one date-dependent exception: the
"not in the future" bound only moves later with the partition date, so a
row that passed on an earlier date passes today. Its verdict is carried when
all of these hold; otherwise the row goes through Great Expectations again:

* the row was reused from date E by the parse step (``work/parse_keys``);
* E's validated output holds the row's ``posting_id``, validated by a suite
  with the same fingerprint (``jobmarket.incremental.version``: suite code,
  quality configuration code, currency list, this module, plus the parts the
  step adds), stored in that partition's metadata;
* its ``posting_id`` is unique today and was unique on E (uniqueness is the
  one row-level check that depends on other rows).

Table-level expectations and batch gates always see today's whole batch
(GX gets at least the first row of every source, so column set and types are
checked on real rows every night).
"""

from __future__ import annotations

from datetime import date

from jobmarket.core.lake import Lake, read_parquet, read_parquet_schema
from jobmarket.incremental.parse_reuse import reused_ids
from jobmarket.incremental.version import package_files, version_of

FINGERPRINT_KEY = b"jobmarket.suite_fingerprint"


def fingerprint(*parts: str) -> str:
    """Hash of the suite code, the quality config code, the currency list and extra parts."""
    code = package_files("quality/suites.py", "quality/currencies.py", "quality/config.py", "incremental/carry.py")
    return version_of(code, data=package_files("core/iso4217.txt"), parts=parts, length=16)


def with_fingerprint(table, fp: str):
    return table.replace_schema_metadata({**(table.schema.metadata or {}), FINGERPRINT_KEY: fp.encode()})


def carried_mask(lake: Lake, dt: date, posting_ids: list, valid_step: str, fp: str, input_step: str) -> list[bool]:
    """Per row of today's batch (``posting_ids``, in order): True when its
    verdict can be carried from the earlier date (see the module doc).

    ``valid_step`` is the work step holding the earlier date's rows that
    passed; ``input_step`` the step that suite read (for uniqueness on E).
    """
    from collections import Counter


    n = len(posting_ids)
    source_dt, reused = reused_ids(lake, dt)
    if source_dt is None:
        return [False] * n
    valid_path = lake.partition_dir(f"work/{valid_step}", source_dt) / "part-0.parquet"
    input_path = lake.partition_dir(f"work/{input_step}", source_dt) / "part-0.parquet"
    if not (valid_path.is_file() and input_path.is_file()):
        return [False] * n
    meta = read_parquet_schema(valid_path).metadata or {}
    if meta.get(FINGERPRINT_KEY, b"").decode() != fp:
        return [False] * n
    passed = set(read_parquet(valid_path, columns=["posting_id"]).column("posting_id").to_pylist())
    before = Counter(read_parquet(input_path, columns=["posting_id"]).column("posting_id").to_pylist())
    today = Counter(posting_ids)
    return [
        p is not None and p in reused and today[p] == 1 and before.get(p) == 1 and p in passed
        for p in posting_ids
    ]


def gx_subset(sources: list, carried: list[bool]) -> list[int]:
    """Rows Great Expectations evaluates: every row not carried, plus the
    first row of each source so table-level checks always see real rows."""
    seen: set = set()
    out = []
    for i, (s, c) in enumerate(zip(sources, carried, strict=True)):
        if not c or s not in seen:
            out.append(i)
        seen.add(s)
    return out
