"""Command-line entry points: ``jobmarket tag FILE`` and ``jobmarket evaluate FILE``.

Also runnable without the project CLI: ``python -m jobmarket.tagger.cli tag FILE``.
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys

from jobmarket.hygiene import json_text

from .core import tag
from .evaluation import evaluate, format_report, load_rows


def _byte_lines(path: str):
    if path == "-":
        yield from sys.stdin.buffer
        return
    with open(path, "rb") as fh:
        yield from fh


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def tag_main(argv: list[str]) -> int:
    """One JSON line out per JSON line in (blank lines skipped). Input that is
    not UTF-8 JSON objects stops the run with a one-line error naming the
    line (counting every line of the file), exit code 2; the lines before it
    have been written. A UTF-8 byte order mark is allowed."""
    ap = argparse.ArgumentParser(
        prog="jobmarket tag", description="Tag JSON-lines postings (id, title, description)."
    )
    ap.add_argument("file", help="JSON-lines file, or - for stdin")
    args = ap.parse_args(argv)
    out = sys.stdout
    try:
        for n, raw in enumerate(_byte_lines(args.file), 1):
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.rstrip(b"\r\n").decode("utf-8"))
            except UnicodeDecodeError as exc:
                return _error(f"line {n}: not UTF-8 ({exc.reason} at byte {exc.start})")
            except (ValueError, RecursionError) as exc:
                return _error(f"line {n}: not valid JSON ({str(exc).splitlines()[0][:200]})")
            if not isinstance(row, dict):
                return _error(f"line {n}: not a JSON object")
            result = tag(row.get("title"), row.get("description"))
            out.write(json_text({"id": row.get("id"), **result}) + "\n")  # an id may hold a lone surrogate
    except OSError as exc:
        return _error(f"cannot read {args.file}: {exc.strerror or exc}")
    return 0


def evaluate_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="jobmarket evaluate", description="Score the tagger on labelled JSON-lines postings."
    )
    ap.add_argument(
        "file", nargs="?", help="JSON lines with id, title, description, archetype, acceptable"
    )
    ap.add_argument(
        "--cv",
        action="store_true",
        help="grouped (leave one source out) cross-validation over every labelled posting",
    )
    ap.add_argument(
        "--holdout",
        action="store_true",
        help="fit on the cv split, score the holdout split once",
    )
    ap.add_argument(
        "--split",
        choices=["all", "tune", "holdout"],
        default="all",
        help="evaluate on a stable half of the rows (split by id hash)",
    )
    ap.add_argument("--errors", action="store_true", help="also list the misclassified postings")
    args = ap.parse_args(argv)
    if args.cv or args.holdout:
        from .crossval import cv_report, holdout_report

        print(cv_report() if args.cv else holdout_report())
        return 0
    if not args.file:
        ap.error("FILE, --cv or --holdout is required")
    rows = load_rows(args.file, args.split)
    if not rows:
        print("no labelled rows", file=sys.stderr)
        return 2
    res = evaluate(rows)
    print(
        f"file={args.file} split={args.split} tagger_version={res['tagged'][0]['tagger_version']}"
    )
    print(format_report("tagger", res["tagger"]))
    print(format_report("lexicon alone", res["lexicon"]))
    print(format_report("title-only baseline", res["title_baseline"]))
    if args.errors:
        print("misclassified:")
        for r, t, ok in zip(rows, res["tagged"], res["tagger"]["right"], strict=True):
            if not ok:
                print(
                    f"  {r.get('id')}: gold={'/'.join(r.get('acceptable') or [])} pred={t['archetype']}"
                    f" conf={t['confidence']:.2f} title={r.get('title', '')[:60]!r}"
                )
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"tag": tag_main, "evaluate": evaluate_main}
    if not argv or argv[0] not in commands:
        print(
            "usage: python -m jobmarket.tagger.cli {tag,evaluate} FILE [options]", file=sys.stderr
        )
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
