#!/usr/bin/env python3
"""The ad-hoc corpus natively: ours beside DuckDB and SQLite (issue 28, point 6).

    python3 bench/adhoc.py DIR

DIR holds the generator's files (`bi-platform generate --out DIR --tenants 100
--campaigns-per-tenant 10000 --targets-csv`; `make bench-adhoc` writes them once). For
each query of bench/adhoc.sql (a `-- name: <id>` line before each statement):

- ours: criterion's median (`cargo bench --bench adhoc`, benches/adhoc.rs: the three
  files loaded once into one warehouse, then `sql::run` per query), read from
  `<criterion home>/adhoc/<name>/new/estimates.json`;
- DuckDB (PyPI `duckdb`, its native engine, default threads): the median of ADHOC_RUNS
  (default 5) runs of `execute` after one warm-up; `execute` materialises the whole
  answer inside DuckDB, the Python rows are built outside the clock (ours is timed to
  its rows too, without printing them);
- SQLite (Python's sqlite3): the same, `execute` + `fetchall` (SQLite runs as rows are
  fetched), each run cut off after ADHOC_SQLITE_TIMEOUT seconds (default 20); ADHOC_SQLITE=0
  leaves it out.

DuckDB and SQLite load the same files: campaigns.csv, sales_targets.csv (the workbook's
rows as CSV; ours reads sales_targets.xlsx) and customers.json, with the derived
columns of SPEC section 5 computed in a CREATE TABLE AS. Money is DECIMAL(18,6) in
DuckDB (fixed point, as ours), REAL in SQLite; the campaign date is a DATE in DuckDB
(its own type: the corpus compares it with 'YYYY-MM-DD' literals, which DuckDB casts).

Answers are checked: ours (`bi-platform sql --json -f bench/adhoc.sql`) against
DuckDB's, row by row in order: text exactly, integers exactly, money (a DECIMAL in
DuckDB) to the cent, other numbers to 1e-9 relative. A difference prints MISMATCH with
the query and the first differing row, and the script exits 1 at the end. SQLite's
answers are checked the same way and a difference is printed as a note.

Environment: ADHOC_RUNS, ADHOC_SQLITE, ADHOC_SQLITE_TIMEOUT, ADHOC_SKIP_CARGO=1 (reuse
criterion's last results), BI_PLATFORM (the CLI; default <target>/release/bi-platform),
CARGO_TARGET_DIR, CRITERION_HOME.

Output on stdout: a markdown table, the totals and the machine.
"""

import datetime
import decimal
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "adhoc.sql"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
CRITERION = Path(os.environ.get("CRITERION_HOME", TARGET / "criterion"))
BIN = Path(os.environ.get("BI_PLATFORM", TARGET / "release" / "bi-platform"))
RUNS = int(os.environ.get("ADHOC_RUNS", "5"))
WITH_SQLITE = os.environ.get("ADHOC_SQLITE", "1") != "0"
SQLITE_TIMEOUT = float(os.environ.get("ADHOC_SQLITE_TIMEOUT", "20"))


def say(*args):
    print("==>", *args, file=sys.stderr, flush=True)


def corpus(text):
    """[(name, sql)]: the text after each `-- name: <id>` line up to the next one."""
    queries = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("-- name:"):
            queries.append([stripped[len("-- name:"):].strip(), ""])
        elif queries:
            queries[-1][1] += line + "\n"
    return [(n, q.strip().rstrip(";").strip()) for n, q in queries]


# ---- loading the peers ----

def load_duckdb(con, data):
    """The star schema of ours in DuckDB, from the generator's files."""
    con.execute(f"""
        CREATE TABLE campaigns_raw AS SELECT * FROM read_csv('{data}/campaigns.csv',
          header = true, columns = {{
            'tenant_id': 'VARCHAR', 'campaign_id': 'VARCHAR', 'campaign_name': 'VARCHAR',
            'date': 'DATE', 'impressions': 'BIGINT', 'clicks': 'BIGINT',
            'conversions': 'BIGINT', 'spend': 'DECIMAL(18,6)', 'revenue': 'DECIMAL(18,6)',
            'region': 'VARCHAR', 'product': 'VARCHAR'}})""")
    # SPEC section 5. Ratios are doubles of the exact operands (BIGINT / BIGINT is a
    # DOUBLE in DuckDB); profit and the category are exact, in DECIMAL.
    con.execute("""
        CREATE TABLE fact_campaigns AS SELECT
          tenant_id, campaign_id, campaign_name, date, impressions, clicks, conversions,
          spend, revenue, region, product,
          CASE WHEN strpos(campaign_name, ' - ') > 0
               THEN regexp_extract(campaign_name, '^.* - (.*)$', 1)
               ELSE 'Unknown' END AS channel,
          clicks / NULLIF(impressions, 0) AS ctr,
          conversions / NULLIF(clicks, 0) AS conversion_rate,
          CAST(revenue - spend AS DOUBLE) / NULLIF(CAST(spend AS DOUBLE), 0) AS roi,
          CAST(revenue AS DOUBLE) / NULLIF(CAST(spend AS DOUBLE), 0) AS roas,
          CAST(spend AS DOUBLE) / NULLIF(clicks, 0) AS cpc,
          CAST(spend AS DOUBLE) / NULLIF(conversions, 0) AS cpa,
          revenue - spend AS profit,
          CASE WHEN spend = 0 THEN 'Unknown'
               WHEN revenue - spend > 2 * spend THEN 'Excellent'
               WHEN revenue - spend > spend THEN 'Good'
               WHEN revenue > spend THEN 'Break Even'
               ELSE 'Loss' END AS performance_category
        FROM campaigns_raw""")
    con.execute("DROP TABLE campaigns_raw")
    con.execute(f"""
        CREATE TABLE dim_sales_targets AS SELECT
          tenant_id, region, product, year, month, target_revenue, target_conversions,
          target_spend,
          CAST(target_revenue - target_spend AS DOUBLE)
            / NULLIF(CAST(target_spend AS DOUBLE), 0) AS target_roi,
          CAST(target_revenue AS DOUBLE) / NULLIF(CAST(target_spend AS DOUBLE), 0)
            AS target_roas
        FROM read_csv('{data}/sales_targets.csv', header = true, columns = {{
          'tenant_id': 'VARCHAR', 'region': 'VARCHAR', 'product': 'VARCHAR',
          'month': 'BIGINT', 'year': 'BIGINT', 'target_revenue': 'DECIMAL(18,6)',
          'target_conversions': 'BIGINT', 'target_spend': 'DECIMAL(18,6)'}})""")
    con.execute(f"""
        CREATE TABLE dim_customers AS SELECT
          tenant_id, customer_id, customer_name, region, product_preference, total_spent,
          total_orders,
          CAST(total_spent AS DOUBLE) / NULLIF(total_orders, 0) AS avg_order_value
        FROM read_json('{data}/customers.json', format = 'array', columns = {{
          'tenant_id': 'VARCHAR', 'customer_id': 'VARCHAR', 'customer_name': 'VARCHAR',
          'region': 'VARCHAR', 'product_preference': 'VARCHAR',
          'total_spent': 'DECIMAL(18,6)', 'total_orders': 'BIGINT'}})""")
    # The dimensions as ours's catalog describes them (`bi-platform sql --schema`).
    con.execute("""
        CREATE TABLE dim_date AS SELECT DISTINCT date, year(date) AS year,
          quarter(date) AS quarter, month(date) AS month, weekofyear(date) AS iso_week,
          isodow(date) AS weekday
        FROM fact_campaigns ORDER BY date""")
    con.execute("CREATE TABLE dim_tenant AS SELECT DISTINCT tenant_id FROM fact_campaigns")
    con.execute("""CREATE TABLE dim_region AS SELECT region FROM fact_campaigns
        UNION SELECT region FROM dim_sales_targets UNION SELECT region FROM dim_customers""")
    con.execute("""CREATE TABLE dim_product AS SELECT product FROM fact_campaigns
        UNION SELECT product FROM dim_sales_targets
        UNION SELECT product_preference FROM dim_customers""")
    con.execute("CREATE TABLE dim_channel AS SELECT DISTINCT channel FROM fact_campaigns")
    con.execute("""CREATE TABLE dim_campaign AS SELECT DISTINCT tenant_id, campaign_id,
        campaign_name, channel FROM fact_campaigns""")


def load_sqlite(con, duck):
    """Every DuckDB table copied into SQLite: DECIMAL as REAL, DATE as TEXT."""
    tables = [r[0] for r in duck.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
    for table in tables:
        cols = duck.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()
        decl, select = [], []
        for name, ty in cols:
            if ty.startswith("DECIMAL") or ty in ("DOUBLE", "FLOAT"):
                decl.append(f"{name} REAL")
                select.append(f"CAST({name} AS DOUBLE)")
            elif ty in ("BIGINT", "INTEGER", "HUGEINT"):
                decl.append(f"{name} INTEGER")
                select.append(name)
            else:
                decl.append(f"{name} TEXT")
                select.append(f"CAST({name} AS VARCHAR)")
        con.execute(f"CREATE TABLE {table} ({', '.join(decl)})")
        result = duck.execute(f"SELECT {', '.join(select)} FROM {table}")
        marks = ", ".join("?" * len(cols))
        while batch := result.fetchmany(100_000):
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
    con.commit()


# ---- timing ----

def median_ms(run):
    run()  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Timeout(Exception):
    pass


def sqlite_run(con, sql):
    """SQLite's answer and its median in ms; (None, None) when a run takes longer than
    SQLITE_TIMEOUT. The first run is the warm-up; after a slow one (over 2 s) a second
    says as much as a median would."""
    deadline = [0.0]
    con.set_progress_handler(lambda: time.perf_counter() > deadline[0], 100_000)

    def run():
        deadline[0] = time.perf_counter() + SQLITE_TIMEOUT
        try:
            return con.execute(sql).fetchall()
        except sqlite3.OperationalError as e:
            if "interrupted" in str(e):
                raise Timeout from e
            raise

    try:
        start = time.perf_counter()
        rows = run()
        once = (time.perf_counter() - start) * 1000
        if once > 2000:
            start = time.perf_counter()
            run()
            return rows, (time.perf_counter() - start) * 1000
        return rows, median_ms(run)
    except Timeout:
        return None, None
    finally:
        con.set_progress_handler(None, 0)


def ours_ms(names, data):
    if os.environ.get("ADHOC_SKIP_CARGO") != "1":
        say("cargo bench --bench adhoc (ours: the files loaded once, then each query)")
        env = dict(os.environ, BI_ADHOC_DIR=str(data), BI_ADHOC_SQL=str(CORPUS),
                   CRITERION_HOME=str(CRITERION))
        subprocess.run(["cargo", "bench", "--bench", "adhoc"], cwd=ROOT, env=env,
                       check=True, stdout=sys.stderr)
    times = {}
    for name in names:
        path = CRITERION / "adhoc" / name / "new" / "estimates.json"
        if path.exists():
            times[name] = json.loads(path.read_text())["median"]["point_estimate"] / 1e6
    return times


# ---- answers ----

def plain(v):
    """A DuckDB or SQLite value as ours's JSON carries it."""
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return v


def same(ours, peer):
    """Whether ours's value matches the peer's: see the module docs for the rules."""
    if ours is None or peer is None:
        return ours is None and peer is None
    if isinstance(peer, str) or isinstance(ours, str):
        return ours == plain(peer) if isinstance(ours, str) else False
    if isinstance(ours, bool) or isinstance(peer, bool):
        return ours == peer
    if isinstance(ours, int) and isinstance(peer, int):
        return ours == peer
    a, b = float(ours), float(peer)
    if isinstance(peer, decimal.Decimal):
        return abs(a - b) < 0.005
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) or abs(a - b) < 1e-300


def compare(name, ours, peer):
    """None when the answers agree, else what differs."""
    if "error" in ours:
        return f"ours failed: {ours['error']}"
    rows = ours["rows"]
    if len(rows) != len(peer):
        return f"{len(rows)} rows in ours, {len(peer)} in the peer"
    for i, (a, b) in enumerate(zip(rows, peer)):
        if len(a) != len(b) or not all(same(x, y) for x, y in zip(a, b)):
            return (f"row {i + 1}: ours {a}, peer {[plain(v) for v in b]}"
                    f" (columns {ours['columns']})")
    return None


def run_ours_answers(queries, data):
    files = [data / "campaigns.csv", data / "sales_targets.xlsx", data / "customers.json"]
    out = subprocess.run(
        [str(BIN), "sql", "--json", "-f", str(CORPUS), *map(str, files)],
        capture_output=True, text=True)
    if out.returncode not in (0, 3):
        sys.exit(f"{BIN} sql failed ({out.returncode}): {out.stderr}")
    answers = json.loads(out.stdout)
    if len(answers) != len(queries):
        sys.exit(f"ours ran {len(answers)} statements, the corpus has {len(queries)}")
    return answers


# ---- the report ----

def ms(x):
    if x is None:
        return "-"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    model = sh("lscpu | grep 'Model name' | sed 's/.*: *//'")
    rustc = sh("rustc --version")
    commit = sh(f"git -C {ROOT} rev-parse --short HEAD")
    return (f"{sh('nproc')} cores ({model}), {platform.system()} {platform.release()}; "
            f"ours {commit} ({rustc}, release, one thread), DuckDB {duckdb.__version__} "
            f"(Python {platform.python_version()}, threads {os.cpu_count()}), "
            f"SQLite {sqlite3.sqlite_version}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = Path(sys.argv[1]).resolve()
    queries = corpus(CORPUS.read_text())
    names = [n for n, _ in queries]
    assert len(set(names)) == len(names), "query names repeat"

    say(f"DuckDB {duckdb.__version__}: loading {data}")
    duck = duckdb.connect()
    duck.execute("SET enable_progress_bar = false")
    load_duckdb(duck, data)
    rows = duck.execute("SELECT COUNT(*) FROM fact_campaigns").fetchone()[0]
    lite = None
    if WITH_SQLITE:
        say("SQLite: copying the tables from DuckDB")
        lite = sqlite3.connect(":memory:")
        load_sqlite(lite, duck)

    say("ours: answers (bi-platform sql --json)")
    answers = run_ours_answers(queries, data)

    mismatches, notes, duck_t, lite_t = [], [], {}, {}
    for (name, sql), ours in zip(queries, answers):
        say(f"{name}: DuckDB" + (" and SQLite" if lite else ""))
        peer = duck.execute(sql).fetchall()
        diff = compare(name, ours, peer)
        if diff:
            mismatches.append(name)
            print(f"MISMATCH {name}: {diff}", file=sys.stderr)
        duck_t[name] = median_ms(lambda: duck.execute(sql))
        if lite:
            lite_rows, lite_t[name] = sqlite_run(lite, sql)
            d = compare(name, ours, lite_rows) if lite_rows is not None else None
            if d:
                notes.append(f"SQLite differs on {name}: {d}")

    ours_t = ours_ms(names, data)

    print(f"\nAd-hoc corpus (bench/adhoc.sql), {rows:,} campaign rows, "
          f"median of {RUNS} runs (ours: criterion's median)\n")
    print("| query | ours ms | DuckDB ms | DuckDB/ours | SQLite ms |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        o, d, s = ours_t.get(name), duck_t[name], lite_t.get(name)
        ratio = f"{d / o:.2f}" if o else "-"
        sq = ms(s) if s is not None else (f"> {SQLITE_TIMEOUT * 1000:.0f}" if lite else "-")
        print(f"| {name} | {ms(o)} | {ms(d)} | {ratio} | {sq} |")
    total_o = sum(ours_t.get(n, 0) for n in names)
    total_d = sum(duck_t.values())
    timed_out = [n for n in names if lite and lite_t.get(n) is None]
    total_s = sum(v for v in lite_t.values() if v is not None)
    sq_total = (f"{'> ' if timed_out else ''}{ms(total_s + len(timed_out) * SQLITE_TIMEOUT * 1000)}"
                if lite else "-")
    print(f"| **total** | {ms(total_o)} | {ms(total_d)} | "
          f"{total_d / total_o if total_o else 0:.2f} | {sq_total} |")
    print()
    if total_o:
        behind = total_o / total_d
        worst = max(names, key=lambda n: ours_t.get(n, 0) / duck_t[n])
        print(f"Ours' total is {behind:.2f}x DuckDB's (goal: at most 1.5x); "
              f"slower than DuckDB on {sum(1 for n in names if ours_t.get(n, 0) > duck_t[n])} "
              f"of {len(names)} queries, at most "
              f"{ours_t.get(worst, 0) / duck_t[worst]:.1f}x ({worst}).")
        if lite:
            print(f"SQLite's total is {(total_s + len(timed_out) * SQLITE_TIMEOUT * 1000) / total_o:.1f}x ours"
                  + (f" (at least: {', '.join(timed_out)} cut off at {SQLITE_TIMEOUT:.0f} s)"
                     if timed_out else "") + ".")
    print(f"\nMachine: {machine()}.")
    for note in notes:
        print(f"note: {note}")
    if mismatches:
        print(f"\nMISMATCH in {len(mismatches)} queries: {', '.join(mismatches)}")
        sys.exit(1)
    print("\nAnswers: ours and DuckDB agree on every query.")


if __name__ == "__main__":
    main()
