#!/usr/bin/env python3
"""Merge the peers' bench.sh tables into one (stdlib only; bench/peers/run.sh calls it).

    merge.py MAIN_TABLE [SQL_TABLE ...] [--title TEXT] [--note TEXT ...]

MAIN_TABLE is results/<ts>/table.md of the full matrix run (every server, RUNS runs, SQL counted on the
peers' database peer_data in run 1). Each SQL_TABLE is the table.md of a run restricted to servers of one
other database (DB=simpul_peer ...): their SQL/req and new-connection columns replace the main run's (which
counted peer_data, where those servers run nothing). Req/s and p99 always come from MAIN_TABLE.
Prints markdown: one row per (query, server), then Simpul's ratios.
"""
from __future__ import annotations

import re
import sys
from collections import OrderedDict

PEERS = ("postgraphile", "django", "django-cached", "floor")
COLUMNS = ("server", "query", "rps", "p50", "p99", "sql_all", "sql_data", "conns", "bytes", "check", "errors", "load1")


def rows(path: str):
    """(server, run, cells) for each data row of a bench.sh table.md."""
    for line in open(path, encoding="utf-8"):
        if not line.startswith("| ") or line.startswith("| server ") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != len(COLUMNS):
            continue
        cell = dict(zip(COLUMNS, cells))
        m = re.fullmatch(r"(.+?) \(run (\d+)\)", cell["server"])
        server, run = (m.group(1), int(m.group(2))) if m else (cell["server"], 1)
        yield server, run, cell


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def main(argv: list[str]) -> int:
    title, notes, files = None, [], []
    it = iter(argv)
    for arg in it:
        if arg == "--title":
            title = next(it)
        elif arg == "--note":
            notes.append(next(it))
        else:
            files.append(arg)
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    main_table, sql_tables = files[0], files[1:]

    cells: "OrderedDict[tuple[str, str], dict]" = OrderedDict()  # (query, server) -> merged
    runs = 1
    for server, run, cell in rows(main_table):
        runs = max(runs, run)
        entry = cells.setdefault((cell["query"], server), {"runs": {}, "sql": None})
        entry["runs"][run] = cell
        if run == 1:
            entry["sql"] = cell
    for path in sql_tables:
        for server, run, cell in rows(path):
            entry = cells.get((cell["query"], server))
            if entry is not None and run == 1:
                entry["sql"] = cell
                entry["sql_from"] = path

    # The peers' answer per query: the hash they agree on (postgraphile first).
    peer_hash: dict[str, str] = {}
    for (query, server), entry in cells.items():
        if server in PEERS and query not in peer_hash:
            check = entry["runs"].get(1, {}).get("check", "")
            if check.startswith("ok "):
                peer_hash[query] = check

    # Load average around the matrix (the box is shared: a busy neighbour shows here).
    uptime = [line.split("load average:")[-1].strip() for line in open(main_table, encoding="utf-8")
              if line.startswith("- uptime at ") and "load average:" in line]
    if len(uptime) == 2:
        notes.append(f"load average (1, 5, 15 min) at the start of the matrix: {uptime[0]}; at its end: {uptime[1]}")

    out = []
    if title:
        out += [f"# {title}", ""]
    out += [f"- {n}" for n in notes]
    if notes:
        out.append("")
    head = ["query", "server"] + [f"req/s run {r}" for r in range(1, runs + 1)] + \
        [f"p99 ms run {r}" for r in range(1, runs + 1)] + \
        ["SQL/req (data)", "SQL/req (all)", "new DB conns", "result check", "vs peers", "errors"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---", "---"] + ["---:"] * (2 * runs + 3) + ["---", "---", "---"]) + "|")
    means: dict[tuple[str, str], float] = {}
    for (query, server), entry in sorted(cells.items(), key=lambda kv: kv[0][0]):
        rps = [entry["runs"].get(r, {}).get("rps", "-") for r in range(1, runs + 1)]
        p99 = [entry["runs"].get(r, {}).get("p99", "-") for r in range(1, runs + 1)]
        values = [v for v in map(number, rps) if v is not None]
        if values:
            means[(query, server)] = sum(values) / len(values)
        sql = entry["sql"] or {}
        check = entry["runs"].get(1, {}).get("check", "-")
        same = "-" if query not in peer_hash else ("same" if check == peer_hash[query] else "DIFFERS")
        errors = sorted({entry["runs"][r]["errors"] for r in entry["runs"]} - {"-"})
        out.append("| " + " | ".join([query, server, *rps, *p99, sql.get("sql_data", "-"), sql.get("sql_all", "-"),
                                      sql.get("conns", "-"), check, same, ",".join(errors) or "-"]) + " |")

    # Simpul's ratios on mean req/s over the runs.
    servers = {s for _, s in cells}
    pairs = [(a, b) for a, b in (("simpul", "simpul-baseline"), ("simpul-staff", "simpul-baseline-staff"),
                                 ("simpul", "simpul-interp"), ("simpul-staff", "simpul-interp-staff"),
                                 ("simpul", "postgraphile"), ("simpul", "django"), ("simpul", "floor"))
             if a in servers and b in servers]
    if pairs:
        queries = sorted({q for q, _ in cells})
        out += ["", f"Ratios of mean req/s over {runs} run(s) (x > 1: the first is faster):", ""]
        out.append("| query | " + " | ".join(f"{a} / {b}" for a, b in pairs) + " |")
        out.append("|---|" + "---:|" * len(pairs))
        for q in queries:
            ratio = []
            for a, b in pairs:
                x, y = means.get((q, a)), means.get((q, b))
                ratio.append(f"{x / y:.2f}x" if x and y else "-")
            out.append(f"| {q} | " + " | ".join(ratio) + " |")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
