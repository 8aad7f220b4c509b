"""Sum up the dbt invocations of the last pytest run (target/pytest/invocations.jsonl):
how many, how many paid a full parse, wall seconds, by test module and by command.

    python tests/integration/invocations.py [path]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "target" / "pytest" / "invocations.jsonl"


def main(path: Path = DEFAULT) -> None:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    by_module: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for record in records:
        module = record["test"].split("::")[0] or "(fixture)"
        row = by_module[module]
        row[0] += 1
        row[1] += record["full_parse"]
        row[2] += record["seconds"]
    total = [sum(r[i] for r in by_module.values()) for i in range(3)]
    print(f"{'module':60} {'calls':>5} {'full':>5} {'seconds':>8}")
    for module, (calls, full, seconds) in sorted(by_module.items(), key=lambda kv: -kv[1][2]):
        print(f"{module:60} {calls:5d} {full:5d} {seconds:8.1f}")
    print(f"{'total':60} {total[0]:5d} {total[1]:5d} {total[2]:8.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
