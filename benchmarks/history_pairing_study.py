"""How should the history marts pair a customer's memberships at two runs? Times the two SQL
shapes on the latest two runs of a warehouse's `customer_segment_memberships` and checks that
they give the same rows:

- `group by`: both runs' rows under `union all`, grouped by customer (and segment, for the
  audiences), the segment at each run picked with `max(case ...)` (the history marts before
  `paired_run_memberships`);
- `full outer join with names`: each run's rows read by their own filter, joined on the
  customer (and segment), the segment names carried through the join;
- `full outer join of ids, names after`: the same join carrying only ids, the names joined
  afterwards from each run's (segment id, name) pairs: what `paired_run_memberships`
  compiles to.

Usage: python benchmarks/history_pairing_study.py WAREHOUSE.duckdb [MEMORY_LIMIT]
e.g. the warehouse of `make bench DATA=cc ROWS=10000000 RUNS=2 BASELINE=no`
(benchmarks/data/runs_cc_10000000_csv/bench.duckdb), attached read-only; the results are written
to a scratch file beside it (removed at the end). DuckDB with two threads and MEMORY_LIMIT
(default 1GB, the project's default), each shape run twice.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

MEMBERSHIPS = "warehouse.marts_build.customer_segment_memberships"

PAIRS = f"""
select
    1 as run_sequence,
    max(run_id) filter (where run_rank = 1) as run_id,
    max(run_id) filter (where run_rank = 2) as previous_run_id
from (
    select run_id, dense_rank() over (order by run_at desc) as run_rank
    from (select distinct run_id, run_at from {MEMBERSHIPS})
)
"""

SIDE = """
select {distinct} pairs.run_sequence, {columns}
from pairs inner join {memberships} as m on pairs.{side} = m.run_id
"""


def side(
    run: str, columns: str = "m.customer_id, m.segment_id, m.segment_name", distinct: bool = False
) -> str:
    """The memberships of one run of the pair (`run`: run_id, the later, or previous_run_id)."""
    keyword = "distinct" if distinct else ""
    return SIDE.format(distinct=keyword, columns=columns, memberships=MEMBERSHIPS, side=run)


def grouped(by_segment: bool) -> str:
    keys = "run_sequence, customer_id" + (", segment_id" if by_segment else "")
    return f"""
select {keys},
    max(case when not is_later_run then segment_id end) as from_segment_id,
    max(case when not is_later_run then segment_name end) as from_segment_name,
    max(case when is_later_run then segment_id end) as to_segment_id,
    max(case when is_later_run then segment_name end) as to_segment_name
from (
    select later.*, true as is_later_run from ({side("run_id")}) as later
    union all
    select previous.*, false from ({side("previous_run_id")}) as previous
)
group by {keys}
"""


def joined(by_segment: bool, names_after: bool) -> str:
    """Full outer join of the two runs' rows; with `names_after` the join carries ids only and
    the names come from each run's (segment id, name) pairs, joined afterwards."""
    columns = "m.customer_id, m.segment_id" + ("" if names_after else ", m.segment_name")
    names = "from_names.segment_name" if names_after else "previous.segment_name"
    later_names = "to_names.segment_name" if names_after else "later.segment_name"
    name_joins = f"""
left join ({side("previous_run_id", "m.segment_id, m.segment_name", distinct=True)}) as from_names
    on previous.run_sequence = from_names.run_sequence
    and previous.segment_id = from_names.segment_id
left join ({side("run_id", "m.segment_id, m.segment_name", distinct=True)}) as to_names
    on later.run_sequence = to_names.run_sequence and later.segment_id = to_names.segment_id
"""
    return f"""
select
    coalesce(later.run_sequence, previous.run_sequence) as run_sequence,
    coalesce(later.customer_id, previous.customer_id) as customer_id,
    {"coalesce(later.segment_id, previous.segment_id) as segment_id," if by_segment else ""}
    previous.segment_id as from_segment_id,
    {names} as from_segment_name,
    later.segment_id as to_segment_id,
    {later_names} as to_segment_name
from ({side("run_id", columns)}) as later
full outer join ({side("previous_run_id", columns)}) as previous
    on later.run_sequence = previous.run_sequence and later.customer_id = previous.customer_id
    {"and later.segment_id = previous.segment_id" if by_segment else ""}
{name_joins if names_after else ""}
"""


SHAPES = {
    "group by": grouped,
    "full outer join with names": lambda by_segment: joined(by_segment, names_after=False),
    "full outer join of ids, names after": lambda by_segment: joined(by_segment, names_after=True),
}


def main(warehouse: str, memory_limit: str = "1GB") -> None:
    # results are written to a scratch database file beside the warehouse (a build writes its
    # tables to the warehouse file; temporary tables would have to fit in memory)
    scratch = Path(f"{warehouse}.study.duckdb")
    scratch.unlink(missing_ok=True)
    con = duckdb.connect(str(scratch))
    con.execute(f"attach '{warehouse}' as warehouse (read_only)")
    con.execute("set threads = 2")
    con.execute("set enable_progress_bar = false")
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"create table pairs as {PAIRS}")
    (n_runs,) = con.execute(f"select count(distinct run_id) from {MEMBERSHIPS}").fetchone()
    print(f"{warehouse}: {n_runs} runs in the memberships; the latest two paired")
    for name, by_segment in (
        ("per customer (transitions, migrations)", False),
        ("per customer and segment (audiences)", True),
    ):
        seconds: dict[str, list[float]] = {shape: [] for shape in SHAPES}
        for _ in range(2):
            for number, (shape, sql) in enumerate(SHAPES.items()):
                started = time.perf_counter()
                try:
                    con.execute(f"create or replace table shape_{number} as {sql(by_segment)}")
                except duckdb.OutOfMemoryException:
                    seconds[shape].append(float("nan"))  # out of memory
                    continue
                seconds[shape].append(time.perf_counter() - started)
        timings = "; ".join(
            f"{shape} " + " / ".join("out of memory" if s != s else f"{s:.2f} s" for s in values)
            for shape, values in seconds.items()
        )
        print(f"{name}: {timings}")
        con.execute("set memory_limit = '4GB'")  # the check is not what is measured
        for number in range(1, len(SHAPES)):
            if any(s != s for s in seconds[list(SHAPES)[number]] + seconds["group by"]):
                continue
            (rows,) = con.execute(f"select count(*) from shape_{number}").fetchone()
            (differing,) = con.execute(
                f"select count(*) from ((from shape_0 except all from shape_{number})"
                f" union all (from shape_{number} except all from shape_0))"
            ).fetchone()
            print(f"  {list(SHAPES)[number]}: {rows:,} rows, {differing} differing from group by")
        con.execute(f"set memory_limit = '{memory_limit}'")
    con.close()
    scratch.unlink()


if __name__ == "__main__":
    main(*sys.argv[1:])
