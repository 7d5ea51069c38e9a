"""Realistic benchmark inputs resampled from the real recordings.

Titles, locations, ids, dates and metadata come from the 390-board Greenhouse
crawl (../shared/fixtures/greenhouse-crawl) or the 22-board history; the
descriptions come from the recorded boards and the labelled postings
(``jobmarket.tagger.corpus``), because the crawl was recorded without
``content``. Each synthetic posting gets one of those bodies, chosen by a hash
of its board and id (so a posting keeps its body from night to night, as on a
real board), opened with a sentence naming the company, title and location
(so no two postings share a body, as in real life, and the tag cache only hits
on postings seen before), and entity-escaped the way Greenhouse sends it.

Raw is landed with ``Lake.land_raw`` exactly as the scrape step lands it
(gzip body + manifest), one Greenhouse list response per board. Above the
crawl's 20,246 postings the boards are replicated (``<board>-r2``, ...) with
fresh ids, so 200,000 postings are about 3,900 boards.
"""

from __future__ import annotations

import copy
import html
import json
import random
import zlib
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
CRAWL_DT = "2026-08-22"
CRAWL = FIXTURES / "greenhouse-crawl" / f"dt={CRAWL_DT}"
HISTORY = FIXTURES / "greenhouse-history"
FAMILY = "greenhouse"


def crawl_jobs(src: Path = CRAWL) -> list[tuple[str, dict]]:
    """(board, job) for every posting of one recorded night, in file order."""
    out = []
    for f in sorted(src.glob("*.json")):
        for job in json.loads(f.read_bytes())["jobs"]:
            out.append((f.stem, job))
    return out


def history_dates() -> list[str]:
    return sorted(p.name.split("=", 1)[1] for p in HISTORY.glob("dt=*"))


_POOL: list[str] | None = None


def description_pool() -> list[str]:
    """Every recorded description (HTML or text), de-duplicated, in a fixed order."""
    global _POOL
    if _POOL is None:
        from jobmarket.tagger.corpus import BENCH_SOURCES, iter_board_postings

        seen: dict[str, None] = {}
        for p in iter_board_postings(FIXTURES, BENCH_SOURCES):
            seen.setdefault(p["description"], None)
        dev = FIXTURES / "postings" / "labelled_dev.jsonl"
        if dev.exists():
            for line in dev.read_text(encoding="utf-8").splitlines():
                d = json.loads(line).get("description")
                if d:
                    seen.setdefault(d, None)
        _POOL = list(seen)
    return _POOL


def _content(board: str, job: dict, pool: list[str], salt: str = "") -> str:
    body = pool[zlib.crc32(f"{board}/{job['id']}".encode()) % len(pool)]
    loc = (job.get("location") or {}).get("name") or "our offices"
    intro = (
        f"<p><strong>{html.escape(job.get('company_name') or board)}</strong> is hiring a "
        f"{html.escape(job['title'])} ({html.escape(loc)}).{html.escape(salt)}</p>\n"
    )
    if "<" not in body:  # plain-text bodies: keep their paragraphs
        body = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
    return html.escape(intro + body, quote=False)


def _replica(board: str, job: dict, r: int) -> tuple[str, dict]:
    if r == 0:
        return board, job
    j = copy.copy(job)
    name = f"{board}-r{r + 1}"
    j["id"] = int(job["id"]) * 100 + r
    j["absolute_url"] = f"https://boards.greenhouse.io/{name}/jobs/{j['id']}"
    return name, j


def night(jobs: list[tuple[str, dict]], n: int, seed: int = 0) -> dict[str, list[dict]]:
    """``n`` postings resampled from ``jobs`` (replicating boards above len(jobs)),
    grouped by board; descriptions are added by :func:`land`."""
    reps = -(-n // len(jobs))
    rng = random.Random(seed)
    picks = sorted(rng.sample(range(len(jobs) * reps), n))
    boards: dict[str, list[dict]] = defaultdict(list)
    for i in picks:
        board, job = _replica(*jobs[i % len(jobs)], i // len(jobs))
        boards[board].append(job)  # content is added when landed (keeps memory flat)
    return boards


def mutate(boards: dict[str, list[dict]], jobs: list[tuple[str, dict]], share: float, seed: int = 1,
           ) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """The next night of the same boards: ``share`` of the postings changed,
    added or removed (a third each). Changed postings get a new sentence in
    their body and a later ``updated_at``; added ones are postings of the
    crawl's other boards' replicas moved onto these boards with fresh ids."""
    pool = description_pool()
    rng = random.Random(seed)
    out = {b: list(js) for b, js in boards.items()}
    flat = [(b, i) for b, js in out.items() for i in range(len(js))]
    k = int(len(flat) * share / 3)
    chosen = rng.sample(flat, 2 * k)
    changed, removed = chosen[:k], set(chosen[k:])
    for b, i in changed:
        j = dict(out[b][i])
        j["content"] = _content(b, j, pool, salt=" We have updated this role's scope.")
        j["updated_at"] = "2026-08-23T09:00:00-04:00"
        out[b][i] = j
    for b in {b for b, _ in removed}:
        out[b] = [j for i, j in enumerate(out[b]) if (b, i) not in removed]
    names = sorted(out)
    for t in range(k):
        _, job = jobs[rng.randrange(len(jobs))]
        b = names[rng.randrange(len(names))]
        j = dict(job, id=9_000_000_000_000 + t, first_published="2026-08-23T08:00:00-04:00")
        j["absolute_url"] = f"https://boards.greenhouse.io/{b}/jobs/{j['id']}"
        j["content"] = _content(b, j, pool)
        out[b].append(j)
    return out, {"changed": k, "removed": len(removed), "added": k}


def with_content(board: str, jobs: list[dict]) -> list[dict]:
    pool = description_pool()
    return [j if "content" in j else dict(j, content=_content(board, j, pool)) for j in jobs]


def land(lake, board: str, dt: date | str, jobs: list[dict]) -> int:
    """Land one board's list response as the scrape step would; returns bytes."""
    jobs = with_content(board, jobs)
    body = json.dumps({"jobs": jobs, "meta": {"total": len(jobs)}}).encode()
    url = f"http://127.0.0.1:1/{FAMILY}/v1/boards/{board}/jobs?content=true"
    manifest = {
        "source": FAMILY, "family": FAMILY, "board": board, "company": None, "dt": str(dt),
        "run_id": "bench", "status": "ok",
        "files": [{"name": "page-0001", "kind": "list", "url": url, "final_url": url,
                   "fetched_at": f"{dt}T00:30:00+00:00", "status": 200}],
        "landed": ["page-0001"], "requests": 1, "retries": 0, "bytes": len(body),
        "status_counts": {"200": 1}, "duration_s": 0.05, "error": None,
    }
    lake.land_raw(lake.raw_dir(FAMILY, board, dt), [("page-0001", body)], manifest)
    return len(body)


def land_night(lake, dt: date | str, boards: dict[str, list[dict]]) -> dict[str, int]:
    nbytes = sum(land(lake, b, dt, js) for b, js in sorted(boards.items()))
    return {"boards": len(boards), "postings": sum(map(len, boards.values())), "bytes": nbytes}


def sources_doc(boards: list[str]) -> dict:
    return {
        "http": {"contact": "bench@example.invalid"},
        "sources": {FAMILY: {"family": FAMILY, "base_url": f"http://127.0.0.1:1/{FAMILY}",
                             "options": {"replay": True}, "boards": sorted(boards)}},
    }


def write_sources(path: Path, boards: list[str]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(sources_doc(boards)))
    return path
