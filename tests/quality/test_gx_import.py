"""GX without the libraries our suites never use (jobmarket.quality.gx_import):
a whole validation and a Data Docs build run without importing scipy.stats
or altair, and code that does use them still gets the real modules."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import json, sys
from datetime import date
import pyarrow as pa
from jobmarket.core.lake import Lake
from jobmarket.core.schema import NORMALIZED
from jobmarket.quality import runner
from jobmarket.quality.config import load_quality
from jobmarket.quality.suites import ROW, build_normalized_suite, normalized_parameters, validation_frame
from jobmarket.sources import BoardContext, get_adapter

d = date(2026, 8, 22)
rows = get_adapter("lever").parse(open(sys.argv[2], "rb").read(), BoardContext(family="lever", board="plaid"))
for r in rows:
    r.update(scraped_date=d, run_id="t")
df = pa.Table.from_pylist(rows, schema=NORMALIZED.arrow_schema()).to_pandas()
df[ROW] = range(len(df))
df = validation_frame(df)
lake = Lake(sys.argv[1])
vr = runner.run_suite(lake, df, lambda: build_normalized_suite(None, load_quality()), "t",
                      parameters=normalized_parameters(d))
index = runner.build_night_docs(lake, run_name="t")
loaded = sorted(m for m in ("scipy.stats._stats_py", "altair.vegalite") if m in sys.modules)
from scipy import stats
import altair
out = {"success": bool(vr.success), "expectations": len(vr.results), "loaded": loaded, "docs": str(index),
       "entropy": float(stats.entropy([0.5, 0.5])), "altair_chart": hasattr(altair, "Chart"),
       "real": type(sys.modules["scipy.stats"]).__name__}
print("RESULT " + json.dumps(out))
"""


def test_validation_and_docs_do_not_import_scipy_stats_or_altair(tmp_path):
    from tests.quality.helpers import LEVER_PLAID

    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "lake"), str(LEVER_PLAID)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))[7:])
    assert out["success"] and out["expectations"] > 30
    assert out["loaded"] == [], "a suite run or the Data Docs build needed a deferred module"
    assert out["docs"].endswith("index.html")
    assert abs(out["entropy"] - 0.6931471805599453) < 1e-12 and out["altair_chart"] and out["real"] == "module"
