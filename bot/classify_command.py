"""`lapor-bot classify`: the triage of a text, or of JSON lines from standard input."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any, TextIO

from bot.settings import Settings
from ingest.normalise import clean_text
from ingest.routing import RoutingTable
from ingest.triage import Triage, triage_text, warm_up

# Lines a worker process triages at a time: large enough that passing them costs little.
CHUNK_LINES = 200
WINDOW_CHUNKS = 8  # chunks in flight per worker
DEFAULT_WORKERS = 8  # at most, by default: each process holds its own copy of what it touches


def add_command(commands: Any) -> None:
    """Register `classify` on the CLI's subparsers."""
    parser = commands.add_parser("classify", help="triage a text: language, kind, category, region, agency, flags")
    parser.add_argument("text", nargs="?", help="the text (omit with --jsonl)")
    parser.add_argument("--lang", help="X's lang tag, if known (e.g. in, en, und)")
    parser.add_argument("--json", action="store_true", help="print the triage as JSON")
    parser.add_argument("--jsonl", action="store_true",
                        help='read lines {"id": ..., "text": ..., "lang": optional} from stdin, write one JSON line each')
    parser.add_argument("--workers", type=_workers, default=0,
                        help="processes triaging --jsonl lines in parallel (default: one per CPU, at most 8; 1: no extra process)")
    parser.set_defaults(handler=classify_command)


def classify_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print the triage of the text, or of every JSON line on stdin."""
    from bot.wiring import load_routing_table

    routing = load_routing_table(settings)
    if args.jsonl:
        workers = args.workers or min(os.cpu_count() or 1, DEFAULT_WORKERS)
        return classify_lines(sys.stdin, sys.stdout, routing, workers=workers)
    if not args.text:
        print("lapor-bot: give a text, or --jsonl to read JSON lines from standard input", file=sys.stderr)
        return 2
    triage = triage_text(clean_text(args.text), args.lang, routing=routing)
    print(json.dumps(triage_dict(triage), ensure_ascii=False, indent=2) if args.json else triage_report(triage))
    return 0


def _workers(value: str) -> int:
    try:
        workers = int(value)
    except ValueError:
        workers = -1
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to 64, not {value!r}")
    return workers


def classify_lines(source: TextIO, out: TextIO, routing: RoutingTable, *, workers: int = 1) -> int:
    """Triage each JSON line of `source`, in order; a bad line gets an error object, never stops the run.

    With `workers` > 1 and more than CHUNK_LINES lines, the lines are triaged by that many
    processes, CHUNK_LINES at a time; the output is the same, line for line, as with one.
    """
    chunks = _chunks(enumerate(source, start=1))
    first = next(chunks, [])
    second = next(chunks, None)
    ahead = [first] if second is None else [first, second]
    bad = 0
    if workers <= 1 or second is None:  # a few lines are quicker without starting processes
        for lines, failed in (_triage_lines(chunk, routing) for chunk in chain(ahead, chunks)):
            out.writelines(lines)
            bad += failed
    else:
        warm_up()  # loaded once here: forked workers share it
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pending = chain(ahead, chunks)
        with context.Pool(workers, initializer=_start_worker, initargs=(routing,)) as pool:
            # A window of chunks at a time: standard input is never read far ahead of the output.
            while window := list(islice(pending, workers * WINDOW_CHUNKS)):
                for lines, failed in pool.imap(_triage_in_worker, window):
                    out.writelines(lines)
                    bad += failed
    if bad:
        print(f"lapor-bot: {bad} line(s) could not be read (see their \"error\")", file=sys.stderr)
    return 1 if bad else 0


def _chunks(numbered: Iterable[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    iterator = iter(numbered)
    while chunk := list(islice(iterator, CHUNK_LINES)):
        yield chunk


_WORKER_ROUTING: RoutingTable | None = None


def _start_worker(routing: RoutingTable) -> None:
    global _WORKER_ROUTING
    _WORKER_ROUTING = routing


def _triage_in_worker(chunk: list[tuple[int, str]]) -> tuple[list[str], int]:
    assert _WORKER_ROUTING is not None
    return _triage_lines(chunk, _WORKER_ROUTING)


def _triage_lines(chunk: list[tuple[int, str]], routing: RoutingTable) -> tuple[list[str], int]:
    """Return the output lines of numbered input lines, and how many could not be read."""
    lines, bad = [], 0
    for number, line in chunk:
        if not line.strip():
            continue
        item: Any = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a string "text"')
            lang = item.get("lang") if isinstance(item.get("lang"), str) else None
            result = {"id": item.get("id"), **triage_dict(triage_text(clean_text(item["text"]), lang, routing=routing))}
        except ValueError as exc:
            bad += 1
            result = {"id": item.get("id") if isinstance(item, dict) else None,
                      "line": number, "error": f"line {number}: {exc}"}
        lines.append(json.dumps(result, ensure_ascii=False) + "\n")
    return lines, bad


def triage_dict(triage: Triage) -> dict[str, Any]:
    """Return a triage as plain JSON-ready values."""
    region, agency = triage.region, triage.agency
    return {
        "language": triage.language,
        "kind": triage.kind,
        "category": triage.category,
        "region_code": region.code if region else None,
        "region": region.name if region else None,
        "agency_id": agency.agency_id if agency else None,
        "agency": agency.agency_name if agency else None,
        "flags": list(triage.flags),
        "confidence": {
            "kind": triage.kind_confidence,
            "category": triage.category_confidence,
            "region": region.confidence if region else None,
            "agency": agency.confidence if agency else None,
        },
        "needs_review": triage.needs_review,
        "personal_data": [{"kind": s.kind, "start": s.start, "end": s.end} for s in triage.personal_data],
        "reasons": list(triage.reasons),
    }


def triage_report(triage: Triage) -> str:
    """Return a triage as readable text."""
    data = triage_dict(triage)
    confidence = data["confidence"]
    lines = [
        f"language: {data['language']}",
        f"kind:     {data['kind']} (confidence {confidence['kind']:.2f})",
        f"category: {data['category']} (confidence {confidence['category']:.2f})",
        f"region:   {data['region'] or '-'} ({data['region_code'] or 'not named'}"
        + (f", confidence {confidence['region']:.2f})" if data["region"] else ")"),
        f"agency:   {data['agency'] or '-'}" + (f" (confidence {confidence['agency']:.2f})" if data["agency"] else ""),
        f"flags:    {', '.join(data['flags']) or 'none'}",
        f"review:   {'yes' if data['needs_review'] else 'no'}",
        "why:",
        *(f"  - {reason}" for reason in data["reasons"]),
    ]
    return "\n".join(lines)
