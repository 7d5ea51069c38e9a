"""Task ``tag``: archetype, confidence, evidence, skills, seniority and degree
for every validated posting of a date (``work/validated`` to ``work/tagged``).

Only new text is tagged: results are cached by content hash, per tagger
version (``jobmarket.incremental.tag_cache``). A row the parse step took
unchanged from an earlier date takes that date's tags and version id
without its text being read (:func:`_carried`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from typing import Any

from jobmarket.core.handoffs import BATCH_ROWS, TAGGED_STEP, VALIDATED_STEP, input_path
from jobmarket.core.lake import Lake, parquet_file, releases_memory
from jobmarket.core.schema import TAGGED
from jobmarket.core.settings import Settings
from jobmarket.incremental.tag_cache import TagCache, tag_key, tag_names

_VERSION_FIELDS = (
    "posting_id", "title", "description", "location", "workplace_type", "remote", "department",
    "employment_type", "url", "salary_min", "salary_max", "salary_currency", "salary_period", "salary_text",
)


def version_ids(table) -> list[str]:
    """Content hash per row: a posting gets a new version when what it says
    changes, not when the board merely touches ``updated_at``."""
    cols = [table.column(c).to_pylist() for c in _VERSION_FIELDS]
    out = []
    for values in zip(*cols, strict=True):
        h = hashlib.sha1("\x1f".join("" if v is None else str(v) for v in values).encode("utf-8"))
        out.append(h.hexdigest()[:20])
    return out


def _tag_record(res: dict) -> dict[str, Any]:
    skills = res.get("skills") or []
    return {
        "archetype": res["archetype"],
        "secondary": res.get("secondary"),
        "confidence": float(res["confidence"]),
        "title_archetype": res.get("title_archetype"),
        "title_mismatch": bool(res.get("title_mismatch")),
        "seniority": res.get("seniority"),
        "min_years_experience": res.get("min_years_experience"),
        "degree": res.get("degree"),
        "skills": [sk["name"] for sk in skills],
        "skill_categories": [sk["category"] for sk in skills],
        "scores_json": json.dumps(res.get("scores") or {}, sort_keys=True),
        "evidence_json": json.dumps(res.get("evidence") or {}, sort_keys=True, ensure_ascii=False),
        "tag_flags": list(res.get("flags") or []),
        "tagger_version": res["tagger_version"],
    }


def _carried(lake: Lake, dt: date, posting_ids: list, version: str):
    """(tags of the earlier date, {row of today: row there}) for the rows the
    parse step reused unchanged from that date (``work/parse_keys``): the
    same title, description and every field of the version id, so the same
    tags (this tagger version) and the same version id. Only posting ids
    unique on both dates are carried; the rest go through the cache."""
    from jobmarket.core.lake import read_parquet
    from jobmarket.incremental.parse_reuse import reused_ids

    source_dt, reused = reused_ids(lake, dt)
    if source_dt is None:
        return None, {}
    path = lake.partition_dir(f"work/{TAGGED_STEP}", source_dt) / "part-0.parquet"
    if not path.is_file():
        return None, {}
    earlier = read_parquet(path, columns=["posting_id", *tag_names(), "version_id"])
    if set(earlier.column("tagger_version").unique().to_pylist()) != {version}:
        return None, {}
    before_ids = earlier.column("posting_id").to_pylist()
    before = Counter(before_ids)
    at = {p: j for j, p in enumerate(before_ids) if before[p] == 1 and p in reused}
    today = Counter(posting_ids)
    rows = {i: at[p] for i, p in enumerate(posting_ids) if today[p] == 1 and p in at}
    return earlier, rows


@releases_memory
def tag_date(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Tag every validated posting of ``dt`` (only new text is actually tagged).

    Reads and writes in batches of rows, so the descriptions of a large night
    are never all in memory as Python strings.
    """
    import numpy as np
    import pyarrow as pa
    from jobmarket.tagger import TAGGER_VERSION, tag

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    path = input_path(lake, VALIDATED_STEP, dt)
    cache = TagCache(lake, TAGGER_VERSION)
    schema = TAGGED.arrow_schema()
    names = tag_names()
    rows = hits = newly = carried_rows = 0
    archetypes: Counter = Counter()
    pf = parquet_file(path)
    earlier, carried = _carried(lake, dt, pf.read(columns=["posting_id"]).column(0).to_pylist(), TAGGER_VERSION)
    with lake.partition_writer(f"work/{TAGGED_STEP}", dt, schema) as writer:
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            table = pa.Table.from_batches([batch])
            here = [(i, carried.get(rows + i)) for i in range(table.num_rows)]
            mine = [i for i, j in here if j is None]  # rows tagged here (cache or tagger)
            todo = table if len(mine) == table.num_rows else table.take(pa.array(mine, type=pa.int64()))
            refs: list[tuple[int, int]] = []
            fresh: list[dict[str, Any]] = []
            fresh_at: dict[str, int] = {}
            for title, description in zip(
                todo.column("title").to_pylist(), todo.column("description").to_pylist(), strict=True
            ):
                key = tag_key(title, description)
                ref = cache.index.get(key)
                if ref is None:
                    j = fresh_at.get(key)
                    if j is None:
                        j = fresh_at[key] = len(fresh)
                        fresh.append({"key": key, **_tag_record(tag(title, description))})
                    ref = (-1, j)
                elif ref[0] < cache.preexisting:
                    hits += 1
                refs.append(ref)
            if fresh:
                cache.add(pa.Table.from_pylist(fresh, schema=cache.schema))
                newly += len(fresh)
                last = len(cache.tables) - 1
                refs = [(last, j) if ti < 0 else (ti, j) for ti, j in refs]
            tags = cache.columns(refs).select(names)
            tags = tags.append_column("version_id", pa.array(version_ids(todo), type=pa.string()))
            if len(mine) < table.num_rows:  # carried rows' tags from the earlier date, in row order
                old = earlier.take(pa.array([j for _, j in here if j is not None], type=pa.int64()))
                tags = pa.concat_tables([tags, old.select(tags.column_names).cast(tags.schema)])
                is_old = np.array([j is not None for _, j in here])
                order = np.empty(len(here), dtype=np.int64)  # row i of the batch is row order[i] of tags
                order[~is_old] = np.arange(len(mine))
                order[is_old] = len(mine) + np.arange(len(here) - len(mine))
                tags = tags.take(pa.array(order))
                carried_rows += table.num_rows - len(mine)
            for name in (*names, "version_id"):
                table = table.append_column(schema.field(name), tags.column(name))
            writer.write_table(table.select(TAGGED.column_names).cast(schema))
            archetypes.update(tags.column("archetype").to_pylist())
            rows += table.num_rows
    cache.save()
    return {
        "dt": str(dt),
        "tagged": rows,
        "newly_tagged": newly,
        "from_cache": hits,
        "carried": carried_rows,
        "archetypes": dict(archetypes),
    }
