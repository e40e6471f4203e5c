#!/usr/bin/env python3
"""What each index of the `events` table costs SQLite, and what other layouts would cost.

Inserts the first N events of an NDJSON fleet file (DriftwatchBench generate) into a
fresh WAL database (synchronous NORMAL, one transaction per batch, as `serve` does)
under several layouts and prints rows/s for each. Python's sqlite3 adds a fixed
per-row cost (≈ 4 µs here), so compare the layouts with each other, not with the
Swift store; `DriftwatchBench store` measures the real one.

    python3 Benchmarks/store_layouts.py FLEET.ndjson [--rows 400000] [--batch 4096]

Layouts:
  none              rowid table only
  autoincrement     + AUTOINCREMENT (what the schema uses)
  call_id           + UNIQUE (agent, call_id) WHERE call_id IS NOT NULL
  agent_ts          + (agent, ts_ns)
  session_ts        + (session, ts_ns) WHERE session IS NOT NULL
  schema            all three, as in Schema.swift v1
  sorted_moves      no indexes on `events`; every --segment rows the new rows' keys are
                    copied, sorted, into WITHOUT ROWID index tables
  segments          a table per --segment rows, its three indexes built by CREATE INDEX
                    when it is sealed (dedupe across segments not modelled)
"""
import argparse
import json
import os
import sqlite3
import tempfile
import time

COLUMNS = ("ts_ns, received_ns, agent, session, call_id, type, tool, args, status, cost_usd, "
           "tokens_in, tokens_out, latency_ms, model, reasoning, labels")
TABLE = """CREATE TABLE {name} (seq INTEGER PRIMARY KEY {auto}, ts_ns INTEGER NOT NULL, received_ns INTEGER NOT NULL,
  agent TEXT NOT NULL, session TEXT, call_id TEXT, type TEXT NOT NULL, tool TEXT, args TEXT, status TEXT NOT NULL,
  cost_usd REAL, tokens_in INTEGER, tokens_out INTEGER, latency_ms REAL, model TEXT, reasoning TEXT, labels TEXT) STRICT"""
INDEXES = {
    "call_id": "CREATE UNIQUE INDEX {t}_call_id ON {t} (agent, call_id) WHERE call_id IS NOT NULL",
    "agent_ts": "CREATE INDEX {t}_agent_ts ON {t} (agent, ts_ns)",
    "session_ts": "CREATE INDEX {t}_session_ts ON {t} (session, ts_ns) WHERE session IS NOT NULL",
}


def load(path, n):
    rows = []
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if i >= n:
                break
            e = json.loads(line)
            args = json.dumps(e["args"], sort_keys=True, separators=(",", ":")) if "args" in e else None
            rows.append((i, 1, e["agent"], e.get("session"), e.get("call_id"), e.get("type", "tool_call"), e.get("tool"),
                         args, e.get("status", "ok"), e.get("cost_usd"), e.get("tokens_in"), e.get("tokens_out"),
                         e.get("latency_ms"), e.get("model"), e.get("reasoning"), None))
    return rows


def run(layout, rows, batch, segment, directory):
    path = os.path.join(directory, f"{layout}.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    insert = f"INSERT INTO {{t}} ({COLUMNS}) VALUES ({', '.join('?' * 16)}) ON CONFLICT DO NOTHING"
    if layout in ("segments",):
        current = 0
        db.execute(TABLE.format(name="events_0", auto=""))
    else:
        db.execute(TABLE.format(name="events", auto="" if layout == "none" else "AUTOINCREMENT"))
        wanted = {"call_id": ["call_id"], "agent_ts": ["agent_ts"], "session_ts": ["session_ts"],
                  "schema": list(INDEXES)}.get(layout, [])
        for k in wanted:
            db.execute(INDEXES[k].format(t="events"))
    if layout == "sorted_moves":
        db.execute("CREATE TABLE by_agent (agent TEXT NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL, "
                   "PRIMARY KEY (agent, ts_ns, seq)) WITHOUT ROWID")
        db.execute("CREATE TABLE by_session (session TEXT NOT NULL, ts_ns INTEGER NOT NULL, seq INTEGER NOT NULL, "
                   "PRIMARY KEY (session, ts_ns, seq)) WITHOUT ROWID")
        db.execute("CREATE TABLE call_ids (agent TEXT NOT NULL, call_id TEXT NOT NULL, PRIMARY KEY (agent, call_id)) WITHOUT ROWID")
    commits = []
    moved = 0
    start = time.perf_counter()
    for k in range(0, len(rows), batch):
        t = time.perf_counter()
        table = f"events_{current}" if layout == "segments" else "events"
        db.execute("BEGIN IMMEDIATE")
        db.executemany(insert.format(t=table), rows[k:k + batch])
        db.execute("COMMIT")
        commits.append(time.perf_counter() - t)
        done = k + batch
        if layout == "sorted_moves" and (done - moved >= segment or done >= len(rows)):
            db.execute("BEGIN IMMEDIATE")
            r = (moved + 1, done + 1)  # seq is 1-based
            db.execute("INSERT INTO by_agent SELECT agent, ts_ns, seq FROM events WHERE seq >= ? AND seq < ? ORDER BY 1, 2, 3", r)
            db.execute("INSERT INTO by_session SELECT session, ts_ns, seq FROM events WHERE seq >= ? AND seq < ? "
                       "AND session IS NOT NULL ORDER BY 1, 2, 3", r)
            db.execute("INSERT OR IGNORE INTO call_ids SELECT agent, call_id FROM events WHERE seq >= ? AND seq < ? "
                       "AND call_id IS NOT NULL ORDER BY 1, 2", r)
            db.execute("COMMIT")
            moved = done
        if layout == "segments" and done - moved >= segment:
            db.execute("BEGIN IMMEDIATE")
            for sql in INDEXES.values():
                db.execute(sql.format(t=table))
            current += 1
            db.execute(TABLE.format(name=f"events_{current}", auto=""))
            db.execute("COMMIT")
            moved = done
    elapsed = time.perf_counter() - start
    commits.sort()
    db.close()
    return len(rows) / elapsed, commits[int(len(commits) * 0.99)] * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("fleet")
    p.add_argument("--rows", type=int, default=400_000)
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--segment", type=int, default=65_536)
    p.add_argument("--layouts", default="none,autoincrement,call_id,agent_ts,session_ts,schema,sorted_moves,segments")
    a = p.parse_args()
    rows = load(a.fleet, a.rows)
    print(f"{len(rows):,} rows from {a.fleet}, batches of {a.batch:,}, segment {a.segment:,}, SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory() as d:
        for layout in a.layouts.split(","):
            rate, p99 = run(layout, rows, a.batch, a.segment, d)
            print(f"  {layout:14s} {rate:10,.0f} rows/s   commit p99 {p99:6.1f} ms")


if __name__ == "__main__":
    main()
