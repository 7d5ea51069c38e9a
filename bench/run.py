"""The performance benchmark: every stage on realistic inputs, one table.

    .venv/bin/python bench/run.py [--quick] [--full] [--only transform,scrape,...]

Inputs are built from the real recordings (bench/synth.py): the 390-board
Greenhouse crawl resampled to N postings with real descriptions. Each big
stage runs in its own process (bench/stage.py), so the peak RSS reported is
that stage's (os.wait4 rusage of the child). Every stage is compared with a
floor measured in the same run:

* transform (parse, HTML to text, normalize, validate, tag, publish) at 20,000
  and 200,000 postings; floor: the same raw read with json, each description
  turned into text with lxml, the rows written with pyarrow (bench/stage.py
  floor). Target: within 4x the floor, cost linear in postings.
* incremental night: the 20,000-posting night again with 3% of postings
  changed, added or removed; target under 15% of the full night. Then the
  night after with nothing changed (byte-identical raw): the fixed cost of a
  night, reported against the full night.
* backfill: 30 dates of the 22-board history (bench/stage.py history) from
  raw, in one process; postings per second against the floor's rate.
* scrape: bench/bench_scrape.py on one host with the configured
  max_concurrency (2) and 50 ms per request; floor requests x latency /
  concurrency, target 1.5x. The configured rate (1 request/s) is lifted so the
  concurrency floor is what is measured; ``--full`` also runs the configured
  rate, whose floor is (requests - burst) / rate.
* memory: peak RSS of the 200,000-posting transform, target under 2 GB.
* analyst queries: a year of generated curated partitions (bench/analyst.py),
  the report's queries in DuckDB under 1 s each, before and after compacting
  small files per month (bench/compact.py).

``--quick`` runs 2,000 and 20,000 postings, 10 backfill dates, 60 days of
analyst data and 100 scrape boards (about 5 minutes). CPU seconds are the
figure to compare across runs on a shared machine; wall seconds are printed
with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
TRANSFORM_STEPS = ("parse", "validate", "tag", "validate_tagged", "publish", "data_docs")
NIGHT_STEPS = (*TRANSFORM_STEPS, "curate")
GB = 1024


def child(args: list[str], log: Path) -> dict:
    """Run one stage in a subprocess; its JSON plus wall, CPU and peak RSS
    (os.wait4 rusage of that child alone)."""
    t0 = time.perf_counter()
    with open(log, "a") as err:
        err.write(f"\n$ {' '.join(args)}\n")
        err.flush()
        proc = subprocess.Popen([PY, *args], stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT)
        out = proc.stdout.read()
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"stage failed ({proc.returncode}): {' '.join(args)}; see {log}")
    line = next((x for x in out.splitlines() if x.startswith("BENCH-JSON ")), None)
    data = json.loads(line[len("BENCH-JSON "):]) if line else {}
    data["_proc"] = {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_mb": ru.ru_maxrss / 1024}
    return data


def steps_sum(res: dict, names, key: str, dt: str | None = None) -> float:
    return sum(s[key] for s in res["steps"] if s["step"] in names)


def add_step_rows(table, res: dict) -> None:
    """One indented row per night step of a pipeline stage's result."""
    for name in NIGHT_STEPS:
        st = next(x for x in res["steps"] if x["step"] == name)
        table.add(f"  {name}", "", f"{st['wall']:.1f}", f"{st['cpu']:.1f}", "", "", "", "", "", "")


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "affinity": len(os.sched_getaffinity(0))}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Table:
    HEAD = ("stage", "input", "wall s", "CPU s", "peak RSS MB", "throughput", "floor (CPU s)", "ratio",
            "target", "holds")

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, *cells) -> None:
        self.rows.append(tuple("" if c is None else str(c) for c in cells))

    def render(self) -> str:
        w = [max(len(h), *(len(r[i]) for r in self.rows)) if self.rows else len(h) for i, h in enumerate(self.HEAD)]
        lines = ["| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(self.HEAD)) + " |",
                 "|" + "|".join("-" * (x + 2) for x in w) + "|"]
        lines += ["| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |" for r in self.rows]
        return "\n".join(lines)


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (about 5 minutes)")
    ap.add_argument("--full", action="store_true", help="also scrape at the configured rate (+7 minutes)")
    ap.add_argument("--sizes", help="transform sizes, comma-separated (default 20000,200000)")
    ap.add_argument("--only", help="comma-separated: transform,incremental,outside,backfill,scrape,analyst")
    ap.add_argument("--backfill-days", type=int)
    ap.add_argument("--backfill-scale", type=int, default=1)
    ap.add_argument("--analyst-days", type=int)
    ap.add_argument("--analyst-open", type=int)
    ap.add_argument("--profile", action="store_true", help="write pyinstrument profiles of the transforms")
    ap.add_argument("--workdir", type=Path, help="keep inputs and lakes here (default: a temp dir, removed)")
    ap.add_argument("--json", type=Path, help="write all figures to this file")
    args = ap.parse_args()
    sizes = [int(x) for x in (args.sizes or ("2000,20000" if args.quick else "20000,200000")).split(",")]
    bdays = args.backfill_days or (10 if args.quick else 30)
    adays = args.analyst_days or (60 if args.quick else 365)
    aopen = args.analyst_open or (20_000 if args.quick else 100_000)
    only = set(args.only.split(",")) if args.only else {"transform", "incremental", "outside", "backfill", "scrape",
                                                        "analyst"}
    work = args.workdir or Path(tempfile.mkdtemp(prefix="jobmarket-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    t_start = time.perf_counter()
    results: dict = {"machine": machine(), "load_start": load(), "sizes": sizes}
    print(f"bench: work dir {work}; load average {results['load_start']}; "
          f"{results['machine'].get('cpu')} x{results['machine']['cpus']}", flush=True)
    table = Table()
    crawl_dt = "2026-08-22"
    try:
        night_ref = None
        floors: dict[int, tuple[Path, dict]] = {}  # size -> (lake, floor stage) for the outside runs
        if "transform" in only or "incremental" in only or "analyst" in only or "outside" in only:
            per_posting = {}
            for n in sizes if ("transform" in only or "outside" in only) else [sizes[0]]:
                lake = work / f"lake-{n}"
                shutil.rmtree(lake, ignore_errors=True)
                landed = child(["bench/stage.py", "land", "--lake", str(lake), "--n", str(n)], log)
                floor = child(["bench/stage.py", "floor", "--lake", str(lake)], log)
                prof = ["--profile", str(work / f"profile-{n}.txt")] if args.profile else []
                res = child(["bench/stage.py", "pipeline", "--lake", str(lake), *prof], log)
                results[f"transform_{n}"] = {"landed": landed, "floor": floor, "pipeline": res, "load": load()}
                floors[n] = (lake, floor)
                wall, cpu = steps_sum(res, TRANSFORM_STEPS, "wall"), steps_sum(res, TRANSFORM_STEPS, "cpu")
                fw, fc = floor["steps"][0]["wall"], floor["steps"][0]["cpu"]
                rss = res["_proc"]["maxrss_mb"]
                per_posting[n] = cpu / n
                inp = f"{n:,} postings, {landed['boards']:,} boards, {landed['bytes'] / 1e6:.0f} MB JSON"
                table.add(f"floor {n:,} (json+lxml+pyarrow)", inp, f"{fw:.1f}", f"{fc:.1f}",
                          f"{floor['_proc']['maxrss_mb']:.0f}", f"{n / fc:,.0f}/CPU s", "", "1.00", "", "")
                table.add(f"transform {n:,}", inp, f"{wall:.1f}", f"{cpu:.1f}", f"{rss:.0f}",
                          f"{n / cpu:,.0f}/CPU s", f"{fc:.1f}", f"{cpu / fc:.2f}", "<= 4x", yes(cpu / fc <= 4))
                for s in TRANSFORM_STEPS + ("curate",):
                    st = next(x for x in res["steps"] if x["step"] == s)
                    table.add(f"  {s}", "", f"{st['wall']:.1f}", f"{st['cpu']:.1f}", f"{st['hwm_mb']:.0f}",
                              f"{n / max(st['cpu'], 1e-9):,.0f}/CPU s", "", f"{st['cpu'] / fc:.2f}", "", "")
                nw, nc = steps_sum(res, NIGHT_STEPS, "wall"), steps_sum(res, NIGHT_STEPS, "cpu")
                table.add(f"night {n:,} (transform+curate)", inp, f"{nw:.1f}", f"{nc:.1f}", f"{rss:.0f}",
                          f"{n / nc:,.0f}/CPU s", f"{fc:.1f}", f"{nc / fc:.2f}", "", "")
                if n == max(sizes) and "transform" in only:
                    # High-water mark after the last transform step (parse to publish), and of the
                    # whole process with curate: one process runs them all, as `jobmarket run` does.
                    t_rss = next(x for x in res["steps"] if x["step"] == TRANSFORM_STEPS[-1])["hwm_mb"]
                    table.add(f"memory: transform {n:,}", inp, "", "", f"{t_rss:.0f}", "",
                              f"RSS {floor['_proc']['maxrss_mb']:.0f} MB",
                              f"{t_rss / floor['_proc']['maxrss_mb']:.1f}", "< 2048 MB", yes(t_rss < 2 * GB))
                    table.add(f"memory: night {n:,} (with curate)", inp, "", "", f"{rss:.0f}", "",
                              "", "", "", "")
                if night_ref is None:
                    night_ref = (n, lake, res)
                print(table.render().splitlines()[-1], flush=True)
            if len(per_posting) >= 2:
                lo, hi = min(per_posting), max(per_posting)
                r = per_posting[hi] / per_posting[lo]
                table.add("linearity", f"{lo:,} -> {hi:,} postings", "", "", "", "", "",
                          f"{r:.2f}", "CPU/posting ratio <= 1.2", yes(r <= 1.2))
                results["linearity"] = r

        if "incremental" in only and night_ref:
            n, lake, full = night_ref
            nxt = str(date.fromisoformat(crawl_dt) + timedelta(days=1))
            mut = child(["bench/stage.py", "mutate", "--lake", str(lake), "--from-dt", crawl_dt, "--dt", nxt,
                         "--share", "0.03"], log)
            prof = ["--profile", str(work / "profile-incremental.txt")] if args.profile else []
            inc = child(["bench/stage.py", "pipeline", "--lake", str(lake), "--dt", nxt, *prof], log)
            results["incremental"] = {"mutate": mut, "pipeline": inc, "load": load()}
            fw, fc = steps_sum(full, NIGHT_STEPS, "wall"), steps_sum(full, NIGHT_STEPS, "cpu")
            iw, ic = steps_sum(inc, NIGHT_STEPS, "wall"), steps_sum(inc, NIGHT_STEPS, "cpu")
            inp = (f"{mut['postings']:,} postings: {mut['changed']} changed, {mut['added']} added, "
                   f"{mut['removed']} removed")
            table.add("incremental night", inp, f"{iw:.1f}", f"{ic:.1f}", f"{inc['_proc']['maxrss_mb']:.0f}",
                      f"{mut['postings'] / ic:,.0f}/CPU s", f"full night {fc:.1f}", f"{ic / fc:.2f}",
                      "< 0.15 of full", yes(ic / fc < 0.15))
            add_step_rows(table, inc)
            print(table.render().splitlines()[-1], flush=True)
            # The night after, with nothing changed: every board's raw is
            # byte-identical, so this is what a night costs whatever changed
            # (reading the earlier outputs, GX runs, writing the date's tables).
            # No target of its own: it is the floor under the incremental one.
            still = str(date.fromisoformat(nxt) + timedelta(days=1))
            child(["bench/stage.py", "mutate", "--lake", str(lake), "--from-dt", nxt, "--dt", still, "--share", "0"],
                  log)
            unch = child(["bench/stage.py", "pipeline", "--lake", str(lake), "--dt", still], log)
            results["unchanged"] = {"pipeline": unch, "load": load()}
            uw, uc = steps_sum(unch, NIGHT_STEPS, "wall"), steps_sum(unch, NIGHT_STEPS, "cpu")
            table.add("unchanged night (fixed cost)", f"{mut['postings']:,} postings, none changed", f"{uw:.1f}",
                      f"{uc:.1f}", f"{unch['_proc']['maxrss_mb']:.0f}", "", f"full night {fc:.1f}", f"{uc / fc:.2f}",
                      "report", "")
            add_step_rows(table, unch)
            # What the 3% of changes themselves cost: the incremental night less the unchanged one.
            table.add("changes alone (incremental - unchanged)", inp, "", f"{ic - uc:.1f}", "", "",
                      f"full night {fc:.1f}", f"{(ic - uc) / fc:.2f}", "report", "")
            print(table.render().splitlines()[-1], flush=True)

        if "outside" in only and floors:
            # The nightly command itself, as an operator runs it: whole processes
            # (imports, the scrape step finding the landed raw, record_run), CPU and
            # peak RSS from os.wait4. The floor is its whole process too.
            exe = str(Path(PY).with_name("jobmarket"))
            for n, (src, floor) in sorted(floors.items()):
                olake = work / f"outside-{n}"
                shutil.rmtree(olake, ignore_errors=True)
                shutil.copytree(src / "raw", olake / "raw",
                                ignore=lambda d, names: [x for x in names if x.startswith("dt=") and x != f"dt={crawl_dt}"])
                shutil.copy(src / "sources.yaml", olake / "sources.yaml")
                cmd = ["run", "--lake", str(olake), "--sources", str(olake / "sources.yaml")]
                first = child([exe, *cmd, "--date", crawl_dt], log)["_proc"]
                fc = floor["_proc"]["cpu"]
                results[f"outside_{n}"] = {"run": first, "floor": floor["_proc"]}
                inp = f"{n:,} postings, `jobmarket run` whole process"
                table.add(f"outside: night {n:,}", inp, f"{first['wall']:.1f}", f"{first['cpu']:.1f}",
                          f"{first['maxrss_mb']:.0f}", f"{n / first['cpu']:,.0f}/CPU s", f"{fc:.1f} (process)",
                          f"{first['cpu'] / fc:.2f}", "< 2048 MB" if n >= 200_000 else "",
                          yes(first["maxrss_mb"] < 2 * GB) if n >= 200_000 else "")
                print(table.render().splitlines()[-1], flush=True)
                if n == min(floors):
                    nxt = str(date.fromisoformat(crawl_dt) + timedelta(days=1))
                    mut = child(["bench/stage.py", "mutate", "--lake", str(olake), "--from-dt", crawl_dt, "--dt", nxt,
                                 "--share", "0.03"], log)
                    second = child([exe, *cmd, "--date", nxt], log)["_proc"]
                    results[f"outside_{n}"]["next"] = second
                    table.add("outside: incremental night", f"{mut['changed']} changed, {mut['added']} added, "
                              f"{mut['removed']} removed", f"{second['wall']:.1f}", f"{second['cpu']:.1f}",
                              f"{second['maxrss_mb']:.0f}", "", f"full {first['cpu']:.1f}",
                              f"{second['cpu'] / first['cpu']:.2f}", "< 0.15 of full",
                              yes(second["cpu"] / first["cpu"] < 0.15))
                    print(table.render().splitlines()[-1], flush=True)
                shutil.rmtree(olake, ignore_errors=True)

        if "backfill" in only:
            lake = work / "lake-backfill"
            shutil.rmtree(lake, ignore_errors=True)
            hist = child(["bench/stage.py", "history", "--lake", str(lake), "--days", str(bdays),
                          "--scale", str(args.backfill_scale)], log)
            end = date.fromisoformat(hist["last"])
            dts = ",".join(str(end - timedelta(days=i)) for i in range(bdays - 1, -1, -1))
            bf = child(["bench/stage.py", "pipeline", "--lake", str(lake), "--dt", dts], log)
            results["backfill"] = {"history": hist, "pipeline": bf, "load": load()}
            w, c = steps_sum(bf, NIGHT_STEPS, "wall"), steps_sum(bf, NIGHT_STEPS, "cpu")
            p = hist["postings"]
            floor_rate = None
            ref = results.get(f"transform_{sizes[0]}")
            if ref:
                floor_rate = sizes[0] / ref["floor"]["steps"][0]["cpu"]
            per_date = [s for s in bf["steps"] if s["step"] == "curate"]
            inp = f"{bdays} dates x {p // bdays:,} postings ({hist['boards']} boards) = {p:,}"
            table.add("backfill", inp, f"{w:.1f}", f"{c:.1f}", f"{bf['_proc']['maxrss_mb']:.0f}",
                      f"{p / w:,.0f}/s wall, {p / c:,.0f}/CPU s",
                      f"{p / floor_rate:.1f}" if floor_rate else "",
                      f"{c / (p / floor_rate):.2f}" if floor_rate else "", "report", "")
            table.add("  curate, first -> last date", "", f"{per_date[0]['wall']:.1f} -> {per_date[-1]['wall']:.1f}",
                      f"{per_date[0]['cpu']:.1f} -> {per_date[-1]['cpu']:.1f}", "", "", "", "", "", "")
            print(table.render().splitlines()[-1], flush=True)

        if "scrape" in only:
            runs = [("scrape (concurrency 2, rate lifted)", ["--rate", "1000", "--burst", "2"])]
            if args.full:
                runs.append(("scrape (configured: 1 req/s, burst 2)", ["--rate", "1", "--burst", "2"]))
            for label, extra in runs:
                out = work / "scrape.json"
                boards = ["--boards", "100"] if args.quick else []
                with open(log, "a") as err:
                    t0 = time.perf_counter()
                    subprocess.run([PY, "bench/bench_scrape.py", "--hosts", "1", "--latency", "0.05",
                                    "--concurrency", "2", *extra, *boards, "--json", str(out)],
                                   cwd=ROOT, stdout=err, stderr=err, check=True)
                    wall = time.perf_counter() - t0
                sc = json.loads(out.read_text())
                h = sc["hosts"][0]
                floor = max(h["conc_floor"], h["rate_floor"])
                results.setdefault("scrape", []).append({"label": label, **sc, "process_wall": wall})
                table.add(label, f"{sc['boards']} boards, {h['requests']} requests, 50 ms each",
                          f"{h['span']:.1f}", "", "", f"{h['requests'] / h['span']:.1f} req/s",
                          f"{floor:.1f} (wall)", f"{h['span'] / floor:.2f}", "<= 1.5x", yes(h["span"] / floor <= 1.5))
                print(table.render().splitlines()[-1], flush=True)

        if "analyst" in only and night_ref:
            alake = work / "lake-analyst"
            shutil.rmtree(alake, ignore_errors=True)
            an = child(["bench/analyst.py", "--lake", str(alake), "--rows-from", str(night_ref[1]),
                        "--days", str(adays), "--open", str(aopen)], log)
            results["analyst"] = an
            g = an["generate"]
            inp = f"{adays} days x {g['avg_open']:,.0f} open = {g['observation_rows'] / 1e6:.1f} M rows"
            fl = an["queries_daily"]["floor: scan archetype"]["best"]
            for name, q in an["queries_daily"].items():
                qm = an["queries_monthly"][name]
                if name.startswith("floor"):
                    table.add(f"query floor: {name[7:]} (daily files)", inp, f"{q['best']:.3f}", "", "", "", "",
                              "1.00", "", "")
                    continue
                table.add(f"query: {name}", "daily files -> monthly", f"{q['best']:.3f} -> {qm['best']:.3f}",
                          "", "", "", f"{fl:.3f} (wall)", f"{q['best'] / fl:.1f}", "< 1 s", yes(q["best"] < 1))
            st = an["stats"]
            nb = sum(v["files"] for k, v in st.items() if k.startswith("curated/"))
            sb = sum(v["bytes"] for k, v in st.items() if k.startswith("curated/"))
            na = sum(v["files"] for k, v in st.items() if k.startswith("compacted/"))
            sa = sum(v["bytes"] for k, v in st.items() if k.startswith("compacted/"))
            table.add("lake files / size", f"{adays} days, 5 tables", f"compaction {an['compaction_s']:.0f} s", "",
                      f"{an['_proc']['maxrss_mb']:.0f}", f"{nb} -> {na} files", f"{sb / 1e9:.2f} -> {sa / 1e9:.2f} GB",
                      "", "", "")
            print(table.render().splitlines()[-1], flush=True)
    finally:
        results["load_end"] = load()
        results["total_s"] = time.perf_counter() - t_start
        results["table"] = table.render()
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str))
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    m = results["machine"]
    print(f"\njobmarket benchmark ({'quick' if args.quick else 'standard'}"
          f") on {m.get('cpu')} x{m['cpus']} cores, "
          f"{m.get('ram_gb')} GB RAM, Python {m['python']}; load average {results['load_start']} at start, "
          f"{results['load_end']} at end; total {results['total_s'] / 60:.1f} min\n")
    print(table.render())
    print("\nratio: CPU seconds of the stage / CPU seconds of its floor measured in this run "
          "(wall/wall for scrape and queries). CPU is the stable figure on a shared machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
