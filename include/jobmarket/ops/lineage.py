"""Each task's lineage: the datasets it reads and writes, with their facets.

OpenLineage events for the nightly and report DAGs name these datasets
(``jobmarket.ops.ol_extractor`` hands them to the provider). Names are the
lake paths of what a task touches on its date:

* ``raw/source=<family>/dt=<date>``: a source's raw for the date (all its boards),
* ``work/<step>/dt=<date>``: a hand-off between two tasks,
* ``curated/<table>/dt=<date>``: a curated table's partition,
* ``reports/dt=<date>``: the analyst report.

Names follow the OpenLineage naming spec: on a local lake the namespace is
``file`` and names are absolute paths (``<lake root>/<path>``); on an S3 lake
the namespace is ``s3://<bucket>`` and names are keys (``<prefix>/<path>``).
``$JOBMARKET_LINEAGE_NAMESPACE`` overrides the namespace. Datasets with a schema in
``core/schema.py`` carry it as a schema facet (column, type, description);
datasets that passed a Great Expectations suite on the date carry that
suite's batch results as a data-quality assertions facet.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jobmarket.core.lake import Lake, parquet_file, read_parquet
from jobmarket.core.schema import (
    GATE_RESULTS,
    NORMALIZED,
    QUARANTINE,
    RUNS,
    SOURCE_HEALTH,
    TABLES,
    TAGGED,
    VALIDATION_RUNS,
    Table,
)

NAMESPACE_ENV = "JOBMARKET_LINEAGE_NAMESPACE"
CURATED = tuple(t.path for t in TABLES if t.path.startswith("curated/") and t is not RUNS)
_SCHEMAS: dict[str, Table] = {t.path: t for t in TABLES} | {
    "work/normalized": NORMALIZED, "work/validated": NORMALIZED, "work/health": SOURCE_HEALTH,
    "work/quarantine": QUARANTINE, "work/quarantine_tagged": QUARANTINE, "work/tagged": TAGGED,
    "work/tagged_valid": TAGGED, "work/validation_runs": VALIDATION_RUNS, "work/gate_results": GATE_RESULTS,
}
# Which suite's results describe a dataset (the rows in it passed that suite).
_SUITES = {"work/validated": ("normalized_postings",), "work/tagged_valid": ("tagged_postings",),
           "curated/observations": ("normalized_postings", "tagged_postings")}
_PUBLISHED = ("curated/observations", "curated/quarantine", "curated/source_health",
              "curated/validation_runs", "curated/gate_results")
_CURATED_BY_CURATE = ("curated/postings", "curated/skills", "curated/posting_lifecycle", "curated/market_daily")
# task id -> (inputs, outputs): lake paths without the dt=; "raw" means every source's raw of the date.
TASK_IO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "parse": (("raw",), ("work/normalized", "work/health")),
    "validate": (("work/normalized", "work/health"),
                 ("work/validated", "work/quarantine", "work/validation_runs", "work/gate_results")),
    "tag": (("work/validated",), ("work/tagged",)),
    "validate_tagged": (("work/tagged",), ("work/tagged_valid", "work/quarantine_tagged", "work/validation_runs")),
    "publish": (("work/tagged_valid", "work/quarantine", "work/quarantine_tagged", "work/health",
                 "work/validation_runs", "work/gate_results"), _PUBLISHED),
    "curate": (("curated/observations", "work/tagged_valid"), _CURATED_BY_CURATE),
    "check_sources": (("curated/source_health",), ()),
    "check_quality": (("curated/gate_results",), ()),
    "audit_curated": (CURATED, ()),
    "record_run": (CURATED, ("curated/runs",)),
    "build_report": (CURATED, ("reports",)),
    "publish_latest": (("reports",), ("reports/latest",)),
}


@dataclass
class DatasetRef:
    path: str  # lake-relative, with its dt= partition when it has one
    table: Table | None = None
    assertions: list[dict[str, Any]] = field(default_factory=list)
    rows: int | None = None


def raw_families(lake: Lake, dt: date | str) -> list[str]:
    base = lake.root / "raw"
    if not base.is_dir():
        return []
    return sorted(d.name.split("=", 1)[1] for d in base.glob("source=*") if any(d.glob(f"board=*/dt={dt}")))


def _assertion(r: dict[str, Any]) -> dict[str, Any]:
    """One validation_runs row as an OpenLineage assertion: ``<column>:<check>`` names
    (``table:<check>`` for table-level ones), or a GX expectation type with its column."""
    name = r["expectation"]
    m = re.match(r"(\w+)\(([^,()]+)", name)
    column, check = (m.group(2), m.group(1)) if m else name.split(":", 1) if ":" in name else (None, name)
    return {"assertion": check, "success": bool(r["success"]), "column": None if column == "table" else column,
            "name": name, "actual": None if r["unexpected_count"] is None else str(r["unexpected_count"])}


def _assertions(lake: Lake, dt: date | str) -> dict[str, list[dict[str, Any]]]:
    """Batch-level GX results of the date (rows with a null source), by suite."""
    for base in (VALIDATION_RUNS.path, "work/validation_runs"):
        path = lake.partition_dir(base, dt) / "part-0.parquet"
        if path.is_file():
            by_suite: dict[str, list[dict[str, Any]]] = {}
            for r in read_parquet(path).to_pylist():
                if r["source"] is None:
                    by_suite.setdefault(r["suite"], []).append(_assertion(r))
            return by_suite
    return {}


def _rows(lake: Lake, path: str) -> int | None:
    d = lake.pinned(lake.root / path)  # one committed version on an object store
    files = sorted(d.glob("*.parquet")) if d is not None else []
    return sum(parquet_file(f).metadata.num_rows for f in files) if files else None


def task_datasets(task_id: str, dt: date | str, lake: Lake, *, after: bool = True,
                  map_label: str | None = None) -> tuple[list[DatasetRef], list[DatasetRef]]:
    """Inputs and outputs of ``task_id`` (of either DAG) for ``dt``.

    ``after``: the task has run, so the date's data-quality results and row
    counts can be read; at START only names and schemas are known."""
    if task_id.startswith("scrape_"):
        return [], [DatasetRef(f"raw/source={task_id.removeprefix('scrape_')}/dt={dt}")]
    if task_id.startswith("sources_") or task_id not in TASK_IO:
        return [], []
    ins, outs = TASK_IO[task_id]
    if task_id == "build_report" and map_label:
        dt = map_label  # one mapped instance per report date
    suites = _assertions(lake, dt) if after else {}

    def ref(base: str, output: bool) -> list[DatasetRef]:
        if base == "raw":
            return [DatasetRef(f"raw/source={f}/dt={dt}") for f in raw_families(lake, dt)]
        path = base if base == "reports/latest" else f"{base}/dt={dt}"
        r = DatasetRef(path, _SCHEMAS.get(base))
        for suite in _SUITES.get(base, ()):
            r.assertions += suites.get(suite, [])
        if output and after:
            r.rows = _rows(lake, path)
        return [r]

    return ([r for b in ins for r in ref(b, False)], [r for b in outs for r in ref(b, True)])


def namespace(lake: Lake | None = None) -> str:
    if os.environ.get(NAMESPACE_ENV):
        return os.environ[NAMESPACE_ENV]
    if lake is None or lake.is_local:
        return "file"
    return f"{lake.location.scheme}://{lake.location.path.split('/', 1)[0]}"


def dataset_name(lake: Lake, path: str) -> str:
    """A lake path as an OpenLineage dataset name (see the module docstring)."""
    if lake.is_local:
        return str(lake.root / path)
    prefix = lake.location.path.split("/", 1)[1] if "/" in lake.location.path else ""
    return f"{prefix}/{path}" if prefix else path


def to_openlineage(refs: list[DatasetRef], lake: Lake, *, kind: str) -> list[Any]:
    """OpenLineage ``InputDataset``s (kind="input") or ``OutputDataset``s for ``refs``."""
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.generated.data_quality_assertions_dataset import (
        Assertion,
        DataQualityAssertionsDatasetFacet,
    )
    from openlineage.client.generated.documentation_dataset import DocumentationDatasetFacet
    from openlineage.client.generated.output_statistics_output_dataset import (
        OutputStatisticsOutputDatasetFacet,
    )
    from openlineage.client.generated.schema_dataset import (
        SchemaDatasetFacet,
        SchemaDatasetFacetFields,
    )

    out = []
    for r in refs:
        facets: dict[str, Any] = {}
        if r.table is not None:
            facets["schema"] = SchemaDatasetFacet(fields=[
                SchemaDatasetFacetFields(name=c.name, type=c.type, description=c.doc) for c in r.table.columns])
            facets["documentation"] = DocumentationDatasetFacet(description=r.table.doc)
        dq = DataQualityAssertionsDatasetFacet(assertions=[Assertion(**a) for a in r.assertions]) if r.assertions else None
        name = dataset_name(lake, r.path)
        if kind == "input":
            out.append(InputDataset(namespace(lake), name, facets=facets,
                                    inputFacets={"dataQualityAssertions": dq} if dq else {}))
        else:
            if dq:
                facets["dataQualityAssertions"] = dq
            stats = {"outputStatistics": OutputStatisticsOutputDatasetFacet(rowCount=r.rows)} if r.rows is not None else {}
            out.append(OutputDataset(namespace(lake), name, facets=facets, outputFacets=stats))
    return out

