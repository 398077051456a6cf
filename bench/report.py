"""What the benchmarks share: a timed deckgen process, and the figures for `bench/run`'s
summary table.

Each benchmark prints its own report; it also calls `record` for its headline figures,
which appends one JSON line to the file named by ``DECKGEN_BENCH_JSON`` when `bench/run`
sets it (and does nothing otherwise).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_process(cmd: list[str], cwd: Path) -> float:
    """Wall-clock seconds of a command run with this checkout's deckgen first on the path;
    a failure stops the benchmark with the command's output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def record(
    measure: str,
    value: float,
    unit: str,
    *,
    peer: str = "",
    peer_value: float | None = None,
    target: str = "",
    ok: bool | None = None,
    runs: int = 1,
) -> None:
    """One row: what was measured, deckgen's figure, the peer's in the same run (ratio
    computed by the table), the target and whether it was met."""
    path = os.environ.get("DECKGEN_BENCH_JSON")
    if not path:
        return
    row = {
        "measure": measure,
        "value": value,
        "unit": unit,
        "peer": peer,
        "peer_value": peer_value,
        "target": target,
        "ok": ok,
        "runs": runs,
    }
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
