"""Validate step: Great Expectations suites defined in code, run by checkpoints,
then per-source batch gates against the lake's trailing history.

* Row-level expectations quarantine the rows that fail them (with the names
  of the failed expectations and the offending values); the good rows go on.
* Table-level expectations (column set, types) failing, or a source_health
  partition that breaks its suite, mean something systemic broke: the step
  raises :class:`ValidationFailed` after recording the results.
* Batch gates (``jobmarket.quality.gates``) compare each source with its
  history. A ``fail`` gate holds the source's rows back: they are
  quarantined with the gate's name (``gate:volume_drop``) instead of being
  published, while other sources' rows go on. The step itself succeeds so the
  healthy sources publish; :func:`jobmarket.steps.check_quality.enforce_gates`
  (the DAG's ``check_quality`` task, ``jobmarket quality --date D``) then
  fails the run naming the source, the gate and the numbers.

Nothing is dropped silently: validated + quarantined = parsed, checked here.

The GX project is file-based and lives with the lake; every run adds its
validation results and rebuilds the Data Docs site at
``<lake>/gx_project/gx/uncommitted/data_docs/local_site/index.html``.
``great_expectations`` takes seconds to import: it is imported inside the
functions, never at module or DAG-file top level.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from typing import Any

from jobmarket.core.handoffs import (
    BATCH_ROWS,
    GATE_RESULTS_STEP,
    HEALTH_STEP,
    NORMALIZED_STEP,
    QUARANTINE_STEP,
    VALIDATED_STEP,
    VALIDATION_RUNS_STEP,
    ValidationFailed,
    input_path,
)
from jobmarket.core.lake import Lake, parquet_file, read_parquet, releases_memory
from jobmarket.core.schema import GATE_RESULTS, NORMALIZED, QUARANTINE, VALIDATION_RUNS
from jobmarket.core.settings import Settings
from jobmarket.incremental import carry
from jobmarket.incremental.raw_keys import raw_keys
from jobmarket.quality.quarantine import quarantine_rows
from jobmarket.quality.rejects import read_rejected
from jobmarket.quality.runner import build_night_docs, data_docs_index
from jobmarket.quality.suites import (
    DESCRIPTION_CHARS,
    NORMALIZED_SUITE,
    ROW,
    SOURCE_HEALTH_SUITE,
)

log = logging.getLogger(__name__)

SUITE_NAME = NORMALIZED_SUITE


def validate_frame(df, dt: date, lake: Lake, run_name: str, *, quality=None, health=None,
                   run_id: str = "cli", gate_df=None, records=None, carried_by_source=None,
                   total_rows: int | None = None, rejected_by_source=None) -> dict[str, Any]:
    """Validate a normalized DataFrame (and this date's source_health rows).

    Returns a dict with ``good`` (DataFrame), ``quarantine`` (rows),
    ``runs`` (validation_runs rows), ``gates`` (GateResult list),
    ``held_back`` ({source or source/board: rows}) and ``systemic``
    (table-level failures, in words: the caller records the results, then
    raises ValidationFailed).

    Incremental mode (the validate step): ``df`` holds only the rows GX must
    evaluate, with ``_row`` set to their position in the whole batch;
    ``gate_df`` is the whole batch (the columns the gates read, plus
    ``_row``), ``records(rows)`` returns whole records for quarantine,
    ``carried_by_source`` counts the rows whose verdict was carried over and
    ``total_rows`` is the batch size. ``good`` is then None: the caller keeps
    every row not in ``bad``. ``rejected_by_source`` counts the posting
    objects rejected at parse (not in ``df``) for the quarantine_rate gate.
    """
    from jobmarket.quality import gates as gates_mod
    from jobmarket.quality import runner, suites
    from jobmarket.quality.config import load_quality

    cfg = quality or load_quality()
    df = suites.validation_frame(df)  # the suite checks the description's length, not its text
    subset = ROW in df.columns
    if subset:
        df = df.set_axis(df[ROW].to_numpy())  # rows are addressed by their place in the whole batch
    else:
        df = df.reset_index(drop=True)
        df[ROW] = range(len(df))
    gdf = gate_df.set_axis(gate_df[ROW].to_numpy()) if gate_df is not None else df
    total = total_rows if total_rows is not None else len(gdf)
    carried = dict(carried_by_source or {})
    ctx = runner.gx_context(lake)
    vr = runner.run_suite(lake, df, lambda: suites.build_normalized_suite(None, cfg), run_name, ctx,
                          parameters=suites.normalized_parameters(dt))
    found = runner.interpret(vr, df, NORMALIZED_SUITE, dt, run_id)
    for r in found.runs:
        r["rows_carried"] = carried.get(r["source"], 0) if r["source"] is not None else sum(carried.values())
    runs = list(found.runs)
    systemic = [f"{NORMALIZED_SUITE}: {s}" for s in found.systemic]

    health_rows: list[dict[str, Any]] = []
    if health is not None:
        hdf = health.reset_index(drop=True)
        hdf[ROW] = range(len(hdf))
        hvr = runner.run_suite(lake, hdf, suites.build_source_health_suite, run_name, ctx)
        hfound = runner.interpret(hvr, hdf, SOURCE_HEALTH_SUITE, dt, run_id, source_col="family")
        runs += hfound.runs
        for i, names in sorted(hfound.failures.items()):
            systemic.append(f"{SOURCE_HEALTH_SUITE}: row {i} ({hdf.at[i, 'family']}/{hdf.at[i, 'board']}) "
                            f"failed {names}: {hfound.offending.get(i)}")
        systemic += [f"{SOURCE_HEALTH_SUITE}: {s}" for s in hfound.systemic]
        health_rows = hdf.drop(columns=[ROW]).to_dict(orient="records")

    reasons = {i: list(v) for i, v in found.failures.items()}
    offending = {i: dict(v) for i, v in found.offending.items()}
    results: list = []
    held: dict[str, int] = {}
    if not systemic:
        bad_by_source = Counter(gdf.loc[list(reasons), "source"]) if reasons else Counter()
        results = gates_mod.evaluate(lake, dt, cfg, df=gdf, health=health_rows, bad_by_source=bad_by_source,
                                     raw_keys=lambda family, d: raw_keys(lake, family, d),
                                     rejected_by_source=rejected_by_source)
        for g in results:
            if g.outcome != "fail":
                continue
            mask = gdf["source"] == g.source
            if g.board:
                mask &= gdf["board"] == g.board
            rows = gdf.loc[mask, ROW].tolist()
            g.held_back_rows = len(rows)
            held[f"{g.source}/{g.board}" if g.board else g.source] = len(rows)
            label = f"gate:{g.gate}"
            for i in rows:
                reasons.setdefault(i, []).append(label)
                offending.setdefault(i, {})[label] = {
                    "observed": g.observed, "baseline": g.baseline, "threshold": g.threshold,
                }
    quarantine = quarantine_rows(df, reasons, offending, dt, records=records)
    good = None if subset else df.drop(index=sorted(reasons)).drop(columns=[ROW]).reset_index(drop=True)
    n_good = total - len(reasons)
    if n_good + len(quarantine) != total:
        raise AssertionError(f"{dt}: {n_good} valid + {len(quarantine)} quarantined != {total} parsed")
    return {
        "good": good,
        "bad": set(reasons),
        "valid": n_good,
        "quarantine": quarantine,
        "runs": runs,
        "gates": results,
        "held_back": held,
        "systemic": systemic,
        "row_failures": len(found.failures),
    }


@releases_memory
def validate_date(dt: date, *, settings: Settings | None = None, run_id: str = "cli",
                  quality=None) -> dict[str, Any]:
    """Validate the normalized partition of ``dt``; write good rows, quarantine,
    validation_runs and gate_results to work/. Returns a summary dict."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from jobmarket.quality.config import load_quality

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    cfg = quality or load_quality()
    path = input_path(lake, NORMALIZED_STEP, dt)
    # The descriptions are most of the batch: read without them, and take
    # their lengths (all the suite checks) from the column read alone.
    pf = parquet_file(path)
    light = pf.read(columns=[c for c in pf.schema_arrow.names if c != "description"])
    lengths = pc.cast(pc.utf8_length(pf.read(columns=["description"]).column(0)), pa.float64())
    n = light.num_rows
    hpath = lake.partition_dir(f"work/{HEALTH_STEP}", dt) / "part-0.parquet"
    health = read_parquet(hpath).to_pandas() if hpath.is_file() else None

    # Rows unchanged since an earlier date where they passed keep that verdict
    # (jobmarket.incremental.carry); GX evaluates the others. Gates see every row.
    fp = carry.fingerprint(repr(cfg))
    ids = light.column("posting_id").to_pylist()
    sources = light.column("source").to_pylist()
    carried = carry.carried_mask(lake, dt, ids, VALIDATED_STEP, fp, NORMALIZED_STEP)
    rows = carry.gx_subset(sources, carried)
    take = pa.array(rows, type=pa.int64())
    df = _gx_frame(light.take(take), lengths.take(take))
    df[ROW] = rows
    gate_df = _gate_frame(light, lengths, cfg)
    carried_by_source = Counter(s for s, c, in_gx in zip(sources, carried, _flags(n, rows), strict=True)
                                if c and not in_gx)

    def records(idx: list[int]) -> list[dict[str, Any]]:
        return Lake.take_rows(path, idx).to_pylist()

    # The posting objects the parse step could not make into records: counted
    # by the quarantine_rate gate, and added to the quarantine below.
    rejected = read_rejected(lake, dt)
    out = validate_frame(df, dt, lake, run_name=f"{dt}__{run_id}", quality=cfg, health=health, run_id=run_id,
                         gate_df=gate_df, records=records, carried_by_source=carried_by_source, total_rows=n,
                         rejected_by_source=Counter(rejected.column("source").to_pylist()))
    del df, gate_df

    lake.write_partition(f"work/{VALIDATION_RUNS_STEP}", dt,
                         pa.Table.from_pylist(out["runs"], schema=VALIDATION_RUNS.arrow_schema()))
    lake.write_partition(f"work/{GATE_RESULTS_STEP}", dt, pa.Table.from_pylist(
        [g.row(dt, run_id) for g in out["gates"]], schema=GATE_RESULTS.arrow_schema()))
    if out["systemic"]:
        # The night stops here: its Data Docs show the failure now (the
        # night's record_run builds them again with everything that ran).
        build_night_docs(lake, run_name=f"{dt}__{run_id}")
        raise ValidationFailed(f"validation of {dt} failed at batch level: " + "; ".join(out["systemic"]))

    bad = out["bad"]
    schema = NORMALIZED.arrow_schema()
    schema = schema.with_metadata({**(schema.metadata or {}), carry.FINGERPRINT_KEY: fp.encode()})
    n_good = lake.write_without(path, f"work/{VALIDATED_STEP}", dt, schema, bad, len(out["quarantine"]),
                                batch_size=BATCH_ROWS)
    # The rejected posting objects join the quarantine here, beside the rows
    # that failed expectations.
    lake.write_partition(f"work/{QUARANTINE_STEP}", dt, pa.concat_tables([
        pa.Table.from_pylist(out["quarantine"], schema=QUARANTINE.arrow_schema()), rejected]))
    failed = sorted({r["expectation"] for r in out["runs"] if r["source"] is None and not r["success"]})
    gate_outcomes = Counter(g.outcome for g in out["gates"])
    return {
        "dt": str(dt),
        "parsed": n,
        "valid": n_good,
        "evaluated_by_gx": len(rows),
        "carried": sum(carried_by_source.values()),
        "quarantined": len(out["quarantine"]) + rejected.num_rows,
        "rejected_at_parse": rejected.num_rows,
        "row_failures": out["row_failures"],
        "held_back": out["held_back"],
        "failed_expectations": failed,
        "gates": dict(gate_outcomes),
        "gate_warnings": [g.message for g in out["gates"] if g.outcome == "warn"],
        "gate_failures": [f"{g.gate}: {g.message}" for g in out["gates"] if g.outcome == "fail"],
        "data_docs": str(data_docs_index(lake)),
    }


def _flags(n: int, rows: list[int]) -> list[bool]:
    flags = [False] * n
    for i in rows:
        flags[i] = True
    return flags


def _gx_frame(light, lengths):
    """The rows GX evaluates, as pandas, with the description's length instead of its text."""
    from jobmarket.quality.suites import to_gx_pandas, validation_columns

    return to_gx_pandas(light.append_column(DESCRIPTION_CHARS, lengths).select(validation_columns()))


def _gate_frame(light, lengths, cfg):
    """The columns the batch gates read, for every row, as pandas: long text
    columns become a marker with the same nulls (the gates only count nulls)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = ["source", "board"]
    for c in cfg.gates["null_rate_jump"].columns:
        cols.append(c)
    for o in cfg.overrides.values():
        if "null_rate_jump" in o:
            cols += list(o["null_rate_jump"].columns)
    out = {}
    for c in dict.fromkeys(cols):
        if c == "description":  # only its nulls matter here
            col = lengths
        elif c in light.column_names:
            col = light.column(c)
        else:
            continue
        if c not in ("source", "board") and pa.types.is_string(col.type):
            col = pc.if_else(pc.is_valid(col), pa.scalar("x"), pa.scalar(None, pa.string()))
        out[c] = col
    df = pa.table(out).to_pandas()
    df[ROW] = range(len(df))
    return df


__all__ = ["ValidationFailed", "data_docs_index", "validate_date", "validate_frame"]
