"""The simulator's PNG: six panels of simulated timings, human figures drawn as dashed lines.

Matplotlib is imported lazily with the Agg backend selected first: no display is needed, and
importing it costs nothing to the commands that never plot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from randomatch_bot.simulate.report import SPECS, Report, percentile

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_report"]

_SIM_COLOR = "#2a7ab0"
_SIM_COLOR_2 = "#e08a1e"
_HUMAN_COLOR = "#c0392b"


def plot_report(report: Report, path: Path) -> Path:
    """Draw the report's distributions into a PNG at `path` and return it."""
    import matplotlib

    # Before pyplot is imported: no GUI backend, no display, no warning about one.
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = report.values
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    try:
        params = report.parameters
        _reply_delay(axes[0][0], values, report.human_values.get("reply_delay", []))
        _histogram(axes[0][1], values.get("thinking", []), "thinking")
        _configured(axes[0][1], "bounds", params, "min_thinking_delay", "max_thinking_delay")
        _reading(axes[0][2], values.get("reading_wpm", []))
        _histogram(axes[1][0], values.get("typing_speed", []), "typing_speed")
        _configured(axes[1][0], "TYPING_SPEED_CPS", params, "typing_speed_cps")
        _parts(axes[1][1], values.get("parts_per_reply", []))
        _histogram(axes[1][2], values.get("part_words", []), "part_words", integer=True)
        fig.suptitle(
            f"Simulated conversations: {params.get('conversations')} x "
            f"{params.get('turns')} turns, {report.counts.get('replies', 0)} replies "
            f"({params.get('llm')}); dashed red: published human figures, "
            "dotted grey: configured values",
            fontsize=12,
        )
        fig.tight_layout(rect=(0.0, 0.0, 1.0, 0.96))
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def _references(ax: Axes, key: str) -> None:
    for x, label in SPECS[key].references:
        ax.axvline(x, color=_HUMAN_COLOR, linestyle="--", linewidth=1.2, label=label)


def _configured(ax: Axes, label: str, params: Mapping[str, Any], *keys: str) -> None:
    """Dotted grey lines at configured values: what the model aims at, not a human figure."""
    for index, key in enumerate(keys):
        value = params.get(key)
        if isinstance(value, int | float):
            name = f"configured {label} {value:g}" if index == 0 else f"{value:g}"
            ax.axvline(value, color="grey", linestyle=":", linewidth=1.5, label=name)
    ax.legend(fontsize=8)


def _median_line(ax: Axes, values: Sequence[float]) -> None:
    if values:
        median = percentile(values, 50)
        ax.axvline(median, color="black", linewidth=1.2, label=f"simulated median {median:.3g}")


def _histogram(ax: Axes, values: Sequence[float], key: str, *, integer: bool = False) -> None:
    spec = SPECS[key]
    if values:
        if integer:
            top = int(max(values))
            bins: int | list[float] = [b - 0.5 for b in range(1, top + 2)]
        else:
            bins = 30
        ax.hist(values, bins=bins, color=_SIM_COLOR, alpha=0.8, label="simulated")
    _median_line(ax, values)
    _references(ax, key)
    ax.set_title(f"{spec.label}\nhuman: {spec.human}", fontsize=9.5)
    ax.set_xlabel(spec.unit)
    ax.set_ylabel("count")
    ax.legend(fontsize=8)


def _ecdf(ax: Axes, values: Sequence[float], label: str, color: str) -> None:
    ordered = sorted(v for v in values if v > 0)
    if ordered:
        fractions = [(i + 1) / len(ordered) for i in range(len(ordered))]
        ax.step(ordered, fractions, where="post", color=color, label=label)


def _reply_delay(ax: Axes, values: Mapping[str, Sequence[float]], humans: Sequence[float]) -> None:
    last, first = values.get("reply_delay_last", []), values.get("reply_delay_first", [])
    _ecdf(ax, last, "bot, from the turn's last message", _SIM_COLOR)
    _ecdf(ax, first, "bot, from the turn's first message", _SIM_COLOR_2)
    # The scripted humans' own delays, drawn from log-normals: the shape to compare with.
    _ecdf(ax, humans, "scripted humans' delays (input)", "grey")
    _references(ax, "reply_delay_last")
    if last:
        ax.axhline(0.5, color="grey", linewidth=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("seconds (log scale)")
    ax.set_ylabel("fraction of replies")
    ax.set_title(
        "Reply delay (ECDF)\nhuman: heavy-tailed, log-normal (Stouffer 2006; Pielot 2014)",
        fontsize=9.5,
    )
    ax.legend(fontsize=8, loc="lower right")


def _reading(ax: Axes, values: Sequence[float]) -> None:
    ax.axvspan(175.0, 300.0, color=_HUMAN_COLOR, alpha=0.08, label="most adults: 175-300 WPM")
    _histogram(ax, values, "reading_wpm")
    if values and not math.isnan(percentile(values, 50)):
        ax.set_xlim(0, max(320.0, max(values) * 1.05))


def _parts(ax: Axes, values: Sequence[float]) -> None:
    spec = SPECS["parts_per_reply"]
    counts = {n: sum(1 for v in values if int(v) == n) for n in sorted({int(v) for v in values})}
    total = max(len(values), 1)
    ax.bar(
        [str(n) for n in counts],
        [c / total for c in counts.values()],
        color=_SIM_COLOR,
        alpha=0.8,
        label="simulated",
    )
    for index, count in enumerate(counts.values()):
        ax.annotate(f"{count / total:.0%}", (index, count / total), ha="center", va="bottom")
    ax.set_ylim(0, 1.1)
    ax.set_title(f"{spec.label}\nhuman: {spec.human}", fontsize=9.5)
    ax.set_xlabel("parts")
    ax.set_ylabel("fraction of replies")
    ax.legend(fontsize=8)
