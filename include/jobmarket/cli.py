"""``jobmarket``: every pipeline step from the command line, without Airflow.

The subcommands call the same functions the DAG's tasks call. Stable
contracts (acceptance checks use them):

* ``jobmarket parse --source FAMILY FILE``: one JSON object per posting in the
  recorded response FILE, in the normalized schema.
* ``jobmarket tag FILE``: JSON lines in (id, title, description), one JSON
  line out per input with id, archetype, secondary, confidence and more.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _settings(args):
    from jobmarket.core.settings import Settings

    s = Settings.from_env()
    return s.with_lake(args.lake) if getattr(args, "lake", None) else s


def _sources(args):
    from jobmarket.sources.config import load_sources

    return load_sources(getattr(args, "sources", None))


def _print(obj) -> None:
    print(json.dumps(obj, indent=2, default=str, sort_keys=True))


def cmd_scrape(args) -> int:
    from jobmarket.steps.scrape import SourceFailed, scrape_source

    sources = _sources(args)
    rc = 0
    for name in args.source or sources.names:
        try:
            _print(scrape_source(name, args.date, settings=_settings(args), sources=sources, run_id=args.run_id))
        except SourceFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            rc = 1
    return rc


def cmd_parse(args) -> int:
    if args.file:
        from jobmarket.sources import BoardContext, ParseError, get_adapter

        if not args.source:
            print("error: parse FILE needs --source FAMILY", file=sys.stderr)
            return 2
        path = Path(args.file)
        body = sys.stdin.buffer.read() if args.file == "-" else path.read_bytes()
        board = args.board or path.stem.split("_")[0]
        try:
            parsed = get_adapter(args.source).parse_records(body, BoardContext(family=args.source, board=board))
        except (ParseError, KeyError) as exc:
            print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
            return 1
        out = sys.stdout
        for r in parsed.rows:
            out.write(json.dumps(r, default=str, ensure_ascii=False) + "\n")
        for r in parsed.rejected:  # the records that publish still go out; these would be quarantined
            name = r.posting_id or f"{r.family}:{r.board}:<no id>"
            print(f"rejected: {name}: {', '.join(r.reasons)}", file=sys.stderr)
        return 0
    if not args.date:
        print("error: parse needs --date D, or --source FAMILY FILE", file=sys.stderr)
        return 2
    from jobmarket.steps.parse import parse_date

    _print(parse_date(args.date, settings=_settings(args), sources=_sources(args), run_id=args.run_id))
    return 0


def cmd_validate(args) -> int:
    from jobmarket.steps.validate import validate_date

    _print(validate_date(args.date, settings=_settings(args), run_id=args.run_id))
    return 0


def cmd_tag(args) -> int:
    if args.file:
        from jobmarket.tagger.cli import tag_main

        return tag_main([args.file])
    if not args.date:
        print("error: tag needs FILE or --date D", file=sys.stderr)
        return 2
    from jobmarket.steps.tag import tag_date

    _print(tag_date(args.date, settings=_settings(args)))
    return 0


def cmd_evaluate(args) -> int:
    from jobmarket.tagger.cli import evaluate_main

    return evaluate_main([*([args.file] if args.file else []), *args.rest])


def cmd_train(args) -> int:
    from jobmarket.tagger.train import main

    return main(args.rest)


def cmd_publish(args) -> int:
    from jobmarket.steps.publish import publish_date

    _print(publish_date(args.date, settings=_settings(args)))
    return 0


def cmd_quality(args) -> int:
    from jobmarket.steps.check_quality import QualityGateFailed, enforce_gates

    try:
        _print(enforce_gates(args.date, settings=_settings(args)))
    except QualityGateFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_validate_tagged(args) -> int:
    from jobmarket.steps.validate_tagged import validate_tagged_date

    _print(validate_tagged_date(args.date, settings=_settings(args), run_id=args.run_id))
    return 0


def cmd_curate(args) -> int:
    from jobmarket.pipeline import curate

    _print(curate(args.date, settings=_settings(args), sources=_sources(args), run_id=args.run_id))
    return 0


def cmd_run(args) -> int:
    from jobmarket.pipeline import run_date
    from jobmarket.summary import print_summary

    out = run_date(args.date, settings=_settings(args), sources=_sources(args), run_id=args.run_id)
    print_summary(args.date, _settings(args))
    for failure in out["failed_sources"]:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if out["failed_sources"] else 0


def cmd_record_run(args) -> int:
    from jobmarket.steps.record_run import record_run_date

    _print(record_run_date(args.date, run_id=args.run_id, settings=_settings(args)))
    return 0


def cmd_rebuild(args) -> int:
    from datetime import timedelta

    from jobmarket.core.lake import Lake
    from jobmarket.pipeline import raw_dates, rebuild_dates

    settings = _settings(args)
    have = set(raw_dates(Lake(settings.lake)))
    span = [args.start + timedelta(days=i) for i in range((args.end - args.start).days + 1)]
    dates = [d for d in span if d in have]
    if not dates:
        print(f"error: no raw between {args.start} and {args.end} in {settings.lake}", file=sys.stderr)
        return 1
    for row in rebuild_dates(dates, settings=settings, sources=_sources(args), run_id=args.run_id):
        print(json.dumps(row), flush=True)
    return 0


def cmd_summary(args) -> int:
    from jobmarket.summary import print_summary

    print_summary(args.date, _settings(args))
    return 0


def cmd_replay(args) -> int:
    from jobmarket.replay import ReplayServer, all_families_bundle, default_bundle, sources_yaml

    if args.history:
        from jobmarket.replay import SHARED_FIXTURES, history_with_recordings_bundle

        bundle = history_with_recordings_bundle(Path(args.fixtures or SHARED_FIXTURES), args.replay_date)
    else:
        bundle = (all_families_bundle(Path(args.fixtures), args.replay_date) if args.fixtures
                  else default_bundle(args.replay_date))
    server = ReplayServer(bundle, port=args.port, latency=args.latency_ms / 1000.0)
    if args.write_sources:
        Path(args.write_sources).write_text(sources_yaml(bundle, server.url))
    print(f"replaying {sum(len(v) for v in bundle.boards.values())} boards from {bundle.origin} at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_history(args) -> int:
    from jobmarket.history import run_history

    settings = _settings(args)
    out = run_history(settings, Path(args.fixtures) if args.fixtures else None,
                      with_recordings=not args.greenhouse_only)
    for night in out["nights"]:
        print(f"{night['dt']}  open {night['open']}  new {night['new']}  closed {night['closed']}"
              + (f"  failed: {'; '.join(night['failed_sources'])}" if night["failed_sources"] else ""))
    print(f"reports built: {len(out['reports'])}; newest: {settings.lake / 'reports' / 'latest' / 'index.html'}")
    return 0


def cmd_translate(args) -> int:
    import json

    from jobmarket.history import translate, translation_summary

    lake = None if args.no_lake else (args.lake or _settings(args).lake)
    df = translate(lake, [Path(p) for p in args.jsonl], as_of=args.date)
    print(json.dumps(translation_summary(df, args.family, args.archetype), indent=1))
    return 0


def cmd_demo(args) -> int:
    from jobmarket.demo import run_demo

    return run_demo(args.date, use_airflow=not args.no_airflow)


def cmd_docs(args) -> int:
    from jobmarket.docs import write_data_dictionary

    path = write_data_dictionary(Path(args.output))
    print(f"wrote {path}")
    return 0


def cmd_report(args) -> int:
    from jobmarket.report import build_pending, build_report

    if args.pending:
        for p in build_pending(_settings(args)):
            print(p)
        return 0
    if not args.date:
        print("error: report needs --date D or --pending", file=sys.stderr)
        return 2
    print(build_report(args.date, _settings(args)))
    return 0


def cmd_views(args) -> int:
    from jobmarket.report import create_views

    print(create_views(args.lake or _settings(args).lake, args.db))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jobmarket", description=__doc__.split("\n\n")[0])
    p.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    sub = p.add_subparsers(dest="command", required=True)

    def dated(name: str, func, help_: str, date_required: bool = True):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--date", type=_date, required=date_required, help="partition date YYYY-MM-DD")
        sp.add_argument("--lake", help="lake root (default $JOBMARKET_LAKE or ./data)")
        sp.add_argument("--sources", help="sources file (default $JOBMARKET_SOURCES or include/config/sources.yaml)")
        sp.add_argument("--run-id", default="cli", help="provenance label written to rows")
        sp.set_defaults(func=func)
        return sp

    sp = dated("scrape", cmd_scrape, "fetch boards and land raw responses")
    sp.add_argument("--source", action="append", help="only this source (repeatable)")
    sp = dated("parse", cmd_parse, "raw responses to normalized postings", date_required=False)
    sp.add_argument("--source", help="with FILE: the board family of the recorded response")
    sp.add_argument("--board", help="with FILE: board token (default: from the file name)")
    sp.add_argument("file", nargs="?", help="a recorded response: print its postings as JSON lines")
    dated("validate", cmd_validate, "Great Expectations validation and quarantine")
    sp = dated("tag", cmd_tag, "tag postings with role archetypes", date_required=False)
    sp.add_argument("file", nargs="?", help="JSON lines with id, title, description ('-' for stdin)")
    dated("validate-tagged", cmd_validate_tagged, "validate tagged postings (archetype, confidence, tagger_version)")
    dated("quality", cmd_quality, "fail if a data-quality gate failed for the date")
    dated("publish", cmd_publish, "publish the date's observations, quarantine and source_health")
    dated("curate", cmd_curate, "posting versions, skills, lifecycle and market_daily for a date")
    dated("run", cmd_run, "all steps for one date")
    dated("record-run", cmd_record_run, "write the date's curated/runs row from what its run left in the lake")
    dated("summary", cmd_summary, "print what a date's partitions hold")
    sp = dated("report", cmd_report, "build the HTML market report of a date", date_required=False)
    sp.add_argument("--pending", action="store_true", help="every date whose report is missing or stale")
    sp = sub.add_parser("views", help="a DuckDB file of views over the lake, for analysts")
    sp.add_argument("--lake", help="lake root (default $JOBMARKET_LAKE or ./data)")
    sp.add_argument("--db", required=True, help="DuckDB file to write, e.g. jobmarket.duckdb")
    sp.set_defaults(func=cmd_views)

    sp = sub.add_parser("rebuild", help="re-derive all tables of a date range from raw (retag, reparse); never scrapes")
    sp.add_argument("--from", dest="start", type=_date, required=True)
    sp.add_argument("--to", dest="end", type=_date, required=True)
    sp.add_argument("--lake")
    sp.add_argument("--sources")
    sp.add_argument("--run-id", default="rebuild")
    sp.set_defaults(func=cmd_rebuild)

    sp = sub.add_parser(
        "evaluate",
        help="evaluate the tagger on labelled JSON lines, or by grouped cross-validation (--cv, --holdout)",
    )
    sp.add_argument("file", nargs="?")
    sp.add_argument("rest", nargs=argparse.REMAINDER)
    sp.set_defaults(func=cmd_evaluate)

    sp = sub.add_parser("train", help="train the archetype model on every labelled posting")
    sp.add_argument("rest", nargs=argparse.REMAINDER)
    sp.set_defaults(func=cmd_train)

    sp = sub.add_parser("replay", help="serve recorded board responses on 127.0.0.1")
    sp.add_argument("--port", type=int, default=8765)
    sp.add_argument("--fixtures", help="fixtures folder (default ../shared/fixtures, else the sample bundle)")
    sp.add_argument("--replay-date", default="2026-08-22")
    sp.add_argument("--latency-ms", type=float, default=0.0)
    sp.add_argument("--write-sources", help="write a sources file pointing at this server")
    sp.add_argument("--history", action="store_true",
                    help="serve greenhouse-history/dt=<replay-date> plus the other families' recordings")
    sp.set_defaults(func=cmd_replay)

    sp = sub.add_parser("history", help="run the nightly pipeline over every greenhouse-history date, then the "
                                        "reports (make history)")
    sp.add_argument("--lake", help="lake folder (default $JOBMARKET_LAKE or ./data)")
    sp.add_argument("--fixtures", help="fixtures folder (default ../shared/fixtures)")
    sp.add_argument("--greenhouse-only", action="store_true", help="leave out the other families' recordings")
    sp.set_defaults(func=cmd_history)

    sp = sub.add_parser("translate", help="share of a title family's body-read postings in one archetype, with "
                                          "n and a 90%% interval, from a lake and/or JSONL postings")
    sp.add_argument("--lake", help="lake folder (default $JOBMARKET_LAKE or ./data)")
    sp.add_argument("--no-lake", action="store_true", help="JSONL postings only")
    sp.add_argument("--date", type=_date, help="as of this date (default: the lake's newest)")
    sp.add_argument("--jsonl", action="append", default=[], help="postings with bodies (title, company, "
                                                                  "description[, archetype label]); repeatable")
    sp.add_argument("--family", default="Data Scientist")
    sp.add_argument("--archetype", default="data_engineer")
    sp.set_defaults(func=cmd_translate)

    sp = sub.add_parser("demo", help="run the nightly DAG end to end on the replay server (make run)")
    sp.add_argument("--date", type=_date, default=date(2026, 8, 22))
    sp.add_argument("--no-airflow", action="store_true", help="run the steps directly instead of via Airflow")
    sp.set_defaults(func=cmd_demo)

    from jobmarket.boards.cli import add_parser as add_boards

    add_boards(sub, _date, _settings, _sources)

    sp = sub.add_parser("docs", help="regenerate docs/data-dictionary.md from the schemas in code")
    sp.add_argument("--output", default="docs/data-dictionary.md")
    sp.set_defaults(func=cmd_docs)
    return p


# Commands whose options belong to the tagger's own parser (``jobmarket evaluate --cv``).
_FORWARDS = ("evaluate", "train")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if getattr(args, "command", None) not in _FORWARDS:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.rest = [*unknown, *args.rest]
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump a traceback by default
        from jobmarket.core.handoffs import PipelineError, ValidationFailed
        from jobmarket.core.settings import ConfigError
        from jobmarket.report import ReportError

        if isinstance(exc, ConfigError | PipelineError | ValidationFailed | ReportError):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
