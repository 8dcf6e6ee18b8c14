"""Charts drawn on the server as SVG geometry (no script, no external library): the ops page's
nominations per day by stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

STAGE_COLOURS = {
    "submitted": "#7a8ca5",
    "district": "#0b5cad",
    "city": "#a15c00",
    "national": "#c8102e",
    "signing": "#6b4fa0",
    "decided": "#1b7f3b",
}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    rects: list[Rect]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    top: int
    total: int


def stacked_days(
    per_day: list[dict[str, Any]], stages: list[tuple[str, str]], *, width: int = 720, height: int = 220, left: int = 36
) -> BarChart:
    """One bar per day, a segment per stage (entries into that stage that day)."""
    bottom = 24
    plot_w, plot_h = width - left - 8, height - bottom - 8
    totals = [sum(int(d.get(code, 0)) for code, _ in stages) for d in per_day]
    top = max([*totals, 1])
    top = _nice(top)
    step = plot_w / max(len(per_day), 1)
    rects: list[Rect] = []
    labels: list[tuple[float, str]] = []
    for i, day in enumerate(per_day):
        x = left + i * step + step * 0.15
        y = 8.0 + plot_h
        when = date.fromisoformat(day["date"])
        for code, label in stages:
            n = int(day.get(code, 0))
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            rects.append(
                Rect(
                    round(x, 1), round(y, 1), round(step * 0.7, 1), round(h, 1), STAGE_COLOURS[code], f"{when:%d/%m}: {label} {n}"
                )
            )
        if i % 5 == 0 or i == len(per_day) - 1:
            labels.append((round(left + i * step + step / 2, 1), f"{when:%d/%m}"))
    ticks = [(round(8 + plot_h - plot_h * v / top, 1), v) for v in (0, top // 2, top)]
    return BarChart(width, height, rects, labels, ticks, top, sum(totals))


def _nice(n: int) -> int:
    """A round upper bound for the axis: 1, 2, 5, 10, 20, 50…"""
    bound = 1
    while True:
        for m in (1, 2, 5):
            if bound * m >= n:
                return bound * m
        bound *= 10
