"""Figures for `bench/run`'s summary table.

Each benchmark prints its own report; it also calls `record` for its headline figures,
which appends one JSON line to the file named by ``DECKGEN_BENCH_JSON`` when `bench/run`
sets it (and does nothing otherwise).
"""

from __future__ import annotations

import json
import os


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
