"""Run a suite through a GX checkpoint on the file project stored with the lake,
and turn the result into quarantine decisions and ``validation_runs`` rows.

The project lives at ``<lake>/gx_project/gx``; each checkpoint run stores its
validation results there (GX's validation results store). The Data Docs site,
``<lake>/gx_project/gx/uncommitted/data_docs/local_site/index.html``, is
built once per night, for all of the night's results together
(``build_night_docs``, called by the night's ``record_run`` and by a
validation step that is about to fail the night), rather than after each
checkpoint: a site build costs about as much as a small validation. On an
object-store lake GX works on a local copy that is pulled before and pushed
after each run (``quality/gx_store.py``).
"""

from __future__ import annotations

import json
import math
import os
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from jobmarket.core.lake import Lake
from jobmarket.quality.suites import ROW, ROW_LEVEL

DATASOURCE = "jobmarket"
BATCH_DEFINITION = "whole_partition"
DATA_DOCS_INDEX = "gx/uncommitted/data_docs/local_site/index.html"


def project_root(lake: Lake) -> Path:
    """The folder GX's file context opens: in the lake on a local lake, this
    machine's working copy of ``<lake>/gx_project`` on an object store."""
    return lake.local_dir("gx_project")


def data_docs_index(lake: Lake) -> str:
    """Where the Data Docs site's index page is: a file path on a local
    lake, the ``s3://`` URI of the synced copy on an object store."""
    if lake.is_local:
        return str(project_root(lake) / DATA_DOCS_INDEX)
    return f"{lake.location.uri}/gx_project/{DATA_DOCS_INDEX}"


def gx_context(lake: Lake):
    """The file data context of the lake (created on first use; on an
    object-store lake, brought up to date from the lake first)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root = project_root(lake)
    root.mkdir(parents=True, exist_ok=True)
    if not lake.is_local:
        from jobmarket.quality.gx_store import pull

        pull(lake, root)
    fresh = _drop_config_variables(root)
    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    if not fresh and _drop_config_variables(root):  # GX has just created the project
        ctx = gx.get_context(mode="file", project_root_dir=str(root))
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


_CONFIG_VARIABLES = re.compile(r"^config_variables_file_path: *\S.*$", re.MULTILINE)


def _drop_config_variables(root: Path) -> bool:
    """Remove ``config_variables_file_path`` from the project's
    ``great_expectations.yml``; whether the file exists without it now.

    GX reads and YAML-parses the config variables file again at every lookup
    of a project variable, about 70 times per checkpoint run (0.1-0.2 CPU s
    each time), and the project has no config variables. The line is edited
    in the text and the file replaced in one rename: GX's own save rewrites
    the file in place from its in-memory config, so a process opening the
    project at that moment (parallel validation tasks on the first night
    after an upgrade) could read half a file, and a stale config could undo
    another process's asset."""
    yml = root / "gx" / "great_expectations.yml"
    try:
        text = yml.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    if _CONFIG_VARIABLES.search(text):
        tmp = yml.with_name(f".{yml.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(_CONFIG_VARIABLES.sub("config_variables_file_path:", text), encoding="utf-8")
        os.replace(tmp, yml)
    return True


def lake_actions(lake: Lake) -> list:
    """A checkpoint's actions: none on a local lake (GX's file context
    stores the results itself); on an object-store lake, upload what the run
    added to the lake's copy of the project."""
    if lake.is_local:
        return []
    from jobmarket.quality.gx_store import sync_actions

    return sync_actions(lake, project_root(lake))


def build_night_docs(lake: Lake, *, run_name: str | None = None, since=None) -> str:
    """Build the Data Docs pages of one night's validation results (those
    stored under ``run_name``, or at or after ``since``, a datetime) and the
    site's index, in one site build; returns where the index is."""
    from datetime import UTC

    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    def aware(t):
        return t if t is None or t.tzinfo is not None else t.replace(tzinfo=UTC)

    since = aware(since)
    ctx = gx_context(lake)
    ids = []
    for key in ctx.validation_results_store.list_keys():
        rid = key.run_id
        if (run_name is not None and rid.run_name == run_name) or (
                since is not None and rid.run_time is not None and aware(rid.run_time) >= since):
            ids.append(key)
    suites = {k.expectation_suite_identifier.name for k in ids}
    if ids:
        ctx.build_data_docs(resource_identifiers=[*ids, *(ExpectationSuiteIdentifier(name=n) for n in sorted(suites))])
    if not lake.is_local:
        from jobmarket.quality.gx_store import push

        push(lake, project_root(lake))
    return data_docs_index(lake)


def dataframe_batch_definition(ctx, asset_name: str):
    source = ctx.data_sources.add_or_update_pandas(DATASOURCE) if DATASOURCE not in ctx.data_sources.all() \
        else ctx.data_sources.get(DATASOURCE)
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(asset_name)
    try:
        return asset.get_batch_definition(BATCH_DEFINITION)
    except (KeyError, LookupError):
        return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)


REGISTERED = ".jobmarket-checkpoints.json"  # checkpoint name -> fingerprint of what was registered


def checkpoint_for(ctx, suite, batch_definition, name: str, *, lake: Lake, complete: bool = True):
    """A checkpoint running ``suite``; its result is stored (GX's file
    context does it) and, on an object-store lake, uploaded. Data Docs are
    built later, once for the night (``build_night_docs``).

    Registering a suite, a validation definition and a checkpoint rewrites
    and re-reads their JSON (about 0.2-0.3 CPU s a checkpoint); when the
    project already holds exactly this checkpoint (same fingerprint of
    suite, batch, result format and actions) the stored one is used."""
    import hashlib

    import great_expectations as gx

    result_format: dict[str, Any] = (
        {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW], "return_unexpected_index_query": False}
        if complete
        else {"result_format": "SUMMARY"}
    )
    actions = lake_actions(lake)
    fingerprint = hashlib.sha256(json.dumps([
        suite.to_json_dict(), batch_definition.data_asset.name, batch_definition.name, name, result_format,
        [a.dict() for a in actions],
    ], sort_keys=True, default=str).encode()).hexdigest()
    registry_path = project_root(lake) / REGISTERED
    try:
        registry = json.loads(registry_path.read_text())
    except (OSError, ValueError):
        registry = {}
    if registry.get(name) == fingerprint:
        try:
            stored = ctx.checkpoints.get(name)
        except Exception:  # noqa: BLE001 - missing or unreadable: register it again below
            stored = None
        # On an object-store lake the project is shared: another worker may have
        # registered this checkpoint since, with its own local copy in the sync
        # action, and this copy pulled that file. Its push would then write from
        # a folder this worker does not have.
        if stored is not None and [a.dict() for a in stored.actions] == [a.dict() for a in actions]:
            return stored
    suite = ctx.suites.add_or_update(suite)
    vd = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite)
    )
    checkpoint = ctx.checkpoints.add_or_update(
        gx.Checkpoint(name=name, validation_definitions=[vd], actions=actions, result_format=result_format)
    )
    registry[name] = fingerprint
    tmp = registry_path.with_name(f"{REGISTERED}.tmp")
    tmp.write_text(json.dumps(registry, indent=1, sort_keys=True))
    tmp.replace(registry_path)
    return checkpoint


def run_suite(lake: Lake, df, build_suite, run_name: str, ctx=None, parameters: dict | None = None):
    """Validate ``df`` (which has the ``_row`` column) with the suite that
    ``build_suite()`` returns, through a checkpoint, with the expectation
    ``parameters`` the suite asks for. Returns the suite's
    ExpectationSuiteValidationResult."""
    import great_expectations as gx

    ctx = gx_context(lake) if ctx is None else ctx
    suite = build_suite()
    batch_def = dataframe_batch_definition(ctx, suite.name)
    checkpoint = checkpoint_for(ctx, suite, batch_def, f"nightly_{suite.name}", lake=lake)
    result = checkpoint.run(batch_parameters={"dataframe": df}, expectation_parameters=parameters,
                            run_id=gx.RunIdentifier(run_name=run_name))
    (vr,) = result.run_results.values()
    return vr


def expectation_name(cfg) -> str:
    name = (cfg.meta or {}).get("name")
    if name:
        return name
    kwargs = cfg.kwargs
    cols = kwargs.get("column") or ",".join(str(kwargs.get(k)) for k in ("column_A", "column_B") if kwargs.get(k))
    return f"{cfg.type}({cols})" if cols else cfg.type


def _jsonable(value: Any) -> Any:
    if value is None or type(value).__name__ == "NAType":  # pd.NA, from Arrow-backed columns
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return _jsonable(value.item())
        except (ValueError, AttributeError):
            pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass
class Findings:
    """What one suite found, in row terms."""

    suite: str
    failures: dict[int, list[str]] = field(default_factory=dict)  # row -> expectation names
    offending: dict[int, dict[str, Any]] = field(default_factory=dict)  # row -> {column: value}
    systemic: list[str] = field(default_factory=list)  # table-level failures, in words
    runs: list[dict[str, Any]] = field(default_factory=list)  # validation_runs rows

    def bad_rows(self) -> list[int]:
        return sorted(self.failures)


def interpret(vr, df, suite_name: str, dt: date, run_id: str, source_col: str | None = "source") -> Findings:
    """Map a suite result back to rows (by ``_row``) and sources."""
    f = Findings(suite=suite_name)
    sources = df[source_col].tolist() if source_col and source_col in df.columns else None
    per_source_total = Counter(sources) if sources is not None else Counter()
    source_of = dict(zip(df.index, sources, strict=True)) if sources is not None else {}  # by _row
    for r in vr.results:
        cfg = r.expectation_config
        name = expectation_name(cfg)
        res = r.result or {}
        observed = res.get("observed_value")
        row_level = cfg.type in ROW_LEVEL
        idx: list[int] = []
        if row_level and not r.success:
            idx = [int(item[ROW]) for item in res.get("unexpected_index_list") or []]
            if cfg.type == "expect_column_values_to_be_unique":
                # Keep the first occurrence of a duplicated id; the repeats go.
                col = cfg.kwargs["column"]
                dup = df.loc[idx, [ROW, col]].sort_values(ROW)
                idx = dup.loc[dup.duplicated(subset=[col], keep="first"), ROW].astype(int).tolist()
            cols = [c for c in (cfg.kwargs.get("column"), cfg.kwargs.get("column_A"), cfg.kwargs.get("column_B")) if c]
            for i in idx:
                f.failures.setdefault(i, []).append(name)
                off = f.offending.setdefault(i, {})
                for c in cols:
                    off[c] = _jsonable(df.at[i, c])
        elif not r.success:
            f.systemic.append(f"{name}: observed {json.dumps(_jsonable(observed), default=str)}")
        base = {
            "scraped_date": dt,
            "run_id": run_id,
            "suite": suite_name,
            "expectation": name,
        }
        f.runs.append({
            **base,
            "source": None,
            "success": bool(r.success),
            "element_count": res.get("element_count", len(df)),
            "unexpected_count": len(idx) if row_level and not r.success else res.get("unexpected_count"),
            "observed_value": json.dumps(_jsonable(observed), default=str, sort_keys=True)
            if "observed_value" in res else None,
        })
        if row_level and sources is not None:
            bad = Counter(source_of[i] for i in idx)
            for src, total in sorted(per_source_total.items(), key=lambda kv: str(kv[0])):
                f.runs.append({
                    **base,
                    "source": src,
                    "success": bad.get(src, 0) == 0,
                    "element_count": total,
                    "unexpected_count": bad.get(src, 0),
                    "observed_value": None,
                })
    return f
