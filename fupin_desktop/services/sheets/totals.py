"""The period-totals sheets' shared part: a table of counts per school or provider, with its sum."""

from __future__ import annotations

from collections.abc import Iterable

from fupin_desktop.export.sheet import Column, Value


def totals_table(series: list[dict[str, int]], also: Iterable[str] = ()) -> tuple[list[list[Value]], list[int]]:
    """One row per name counted in any series, and per name of ``also`` (“（未填）” and the like last), with its
    count in each series; and the column sums."""
    rows: list[list[Value]] = []
    totals = [0] * len(series)
    for name in sorted(set(also).union(*series), key=lambda n: (n.startswith("（"), n)):
        counts = [s.get(name, 0) for s in series]
        rows.append([len(rows) + 1, name, *counts])
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return rows, totals


def number_columns(labels: list[str], width: float = 7) -> list[Column]:
    return [Column(f"n{i}", label, width, "int") for i, label in enumerate(labels, start=1)]
