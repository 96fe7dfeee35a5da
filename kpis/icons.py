"""The NHS Making Data Count icons of a KPI, drawn as our own small SVG badges.

Variation (the latest point): common cause; special cause improvement, high or low;
special cause concern, high or low. Assurance (the target against the process limits):
consistently pass, consistently fail, hit and miss. Each comes with its words: the icon is
decoration beside a text label, never the only way the meaning is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import spc

GREY, BLUE, ORANGE = "#768692", "#005eb8", "#d86000"
# The little series drawn inside each variation icon: x,y in a 40×40 box.
FLAT = "9,22 15,18 21,23 27,19 33,21"
HIGH = "9,26 15,25 21,24 27,15 33,12"
LOW = "9,14 15,15 21,16 27,25 33,28"


@dataclass(frozen=True)
class Icon:
    kind: str  # a class modifier and the test's handle: "improvement-high", "pass"…
    label: str  # the words said beside it
    colour: str
    letter: str = ""
    points: str = ""  # a polyline of dots inside the circle
    target: bool = False  # draw a dashed target line across


def _is_high(point: spc.Point) -> bool:
    return "Above" in point.rule or "Increasing" in point.rule


def variation_icon(chart: spc.Chart | None) -> Icon | None:
    """The icon of the latest point's variation, or None before there are limits."""
    if chart is None or chart.variation is None:
        return None
    if chart.variation is spc.PointType.COMMON_CAUSE:
        return Icon("common-cause", spc.POINT_TYPE_LABELS[chart.variation], GREY, "", FLAT)
    high = _is_high(chart.points[-1])
    word = "higher" if high else "lower"
    if chart.variation is spc.PointType.IMPROVEMENT:
        colour, kind = BLUE, "improvement"
    else:
        colour, kind = ORANGE, "concern"
    return Icon(
        f"{kind}-{'high' if high else 'low'}",
        f"{spc.POINT_TYPE_LABELS[chart.variation]} ({word} values)",
        colour,
        "H" if high else "L",
        HIGH if high else LOW,
    )


def assurance_icon(chart: spc.Chart | None) -> Icon | None:
    """The assurance icon, or None without a target (or before there are limits)."""
    if chart is None or chart.assurance is None:
        return None
    label = spc.ASSURANCE_LABELS[chart.assurance]
    if chart.assurance is spc.Assurance.PASS:
        return Icon("pass", label, BLUE, "P", target=True)
    if chart.assurance is spc.Assurance.FAIL:
        return Icon("fail", label, ORANGE, "F", target=True)
    return Icon("hit-and-miss", label, GREY, "?", FLAT, target=True)
