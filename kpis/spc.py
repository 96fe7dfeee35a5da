"""XmR charts with the NHS Making Data Count rules ("plot the dots").

The maths follows NHSRplotthedots, the NHS-R community's reference implementation
(`ptd_spc_standard`, `ptd_calculate_point_type`, `ptd_calculate_assurance_type`):

- the centre line is the mean of the values;
- the process limits are the mean ± 2.66 × the mean moving range, after moving ranges of
  3.267 × the mean moving range or more are screened out;
- a point is special cause when it is beyond a limit, part of a run of 7 strictly rising
  or falling points, one of 2 (of 3 on the same side of the mean) beyond two thirds of the
  way to a limit, or part of a run of 7 on one side of the mean, checked in that order;
- its direction (above/below, rising/falling) against the KPI's improvement direction makes
  it improvement or concern;
- the variation icon is the type of the latest point; the assurance icon compares the
  target with the limits.

Points are consecutive in the order of their dates, as in the reference: a missing month
does not break a run. One deliberate difference: for a series whose values are all equal
the reference screens out every moving range and returns no limits; here the limits equal
the mean (no variation at all), which is what a reader of the chart expects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import fmean

LIMIT = 2.66
NEAR_LIMIT = 2 * (LIMIT / 3)
SCREEN = 3.267
RUN = 7
# Below this many points the reference warns that the limits are trial limits.
TRIAL_LIMIT_POINTS = 12


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"

    @property
    def sign(self) -> int:
        return 1 if self is Direction.INCREASE else -1


class PointType(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"


class Assurance(StrEnum):
    PASS = "consistent_pass"
    FAIL = "consistent_fail"
    HIT_AND_MISS = "inconsistent"


POINT_TYPE_LABELS = {
    PointType.COMMON_CAUSE: "Common cause variation",
    PointType.IMPROVEMENT: "Special cause variation: improvement",
    PointType.CONCERN: "Special cause variation: concern",
}
ASSURANCE_LABELS = {
    Assurance.PASS: "The target will consistently be met",
    Assurance.FAIL: "The target will consistently be missed",
    Assurance.HIT_AND_MISS: "The target will be hit and missed at random",
}


@dataclass(frozen=True)
class Point:
    date: dt.date
    value: float
    type: PointType
    # Which rule made it special cause, in the reference's words ("Above UCL"), or "".
    rule: str = ""


@dataclass(frozen=True)
class Chart:
    direction: Direction
    target: float | None
    mean: float | None
    lpl: float | None
    upl: float | None
    points: list[Point]
    variation: PointType | None
    assurance: Assurance | None
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "mean": self.mean,
            "lpl": self.lpl,
            "upl": self.upl,
            "direction": str(self.direction),
            "target": self.target,
            "points": [
                {
                    "date": p.date.isoformat(),
                    "value": p.value,
                    "type": str(p.type),
                    "rule": p.rule or None,
                }
                for p in self.points
            ],
            "variation": str(self.variation) if self.variation else None,
            "assurance": str(self.assurance) if self.assurance else None,
            "warnings": self.warnings,
        }


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def mean_moving_range(values: Sequence[float], *, screen_outliers: bool = True) -> float:
    """The mean moving range, with ranges of 3.267 × the first mean or more screened out."""
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    amr = fmean(ranges)
    if screen_outliers:
        kept = [r for r in ranges if r < SCREEN * amr]
        # Only an all-equal series keeps nothing (every range is 0, none is below 0).
        amr = fmean(kept) if kept else 0.0
    return amr


def seven_one_side(relative_to_mean: Sequence[int]) -> list[int]:
    """1 where a point ends a run of 7 on the same side of the mean."""
    v = relative_to_mean
    return [
        int(i >= RUN - 1 and v[i] != 0 and all(v[j] == v[i] for j in range(i - RUN + 1, i)))
        for i in range(len(v))
    ]


def seven_trend(values: Sequence[float]) -> list[int]:
    """1 (or -1) where a point ends a run of 7 strictly rising (or falling) points."""
    out = []
    for i in range(len(values)):
        if i < RUN - 1:
            out.append(0)
            continue
        steps = {_sign(values[j] - values[j - 1]) for j in range(i - RUN + 2, i + 1)}
        out.append(1 if steps == {1} else -1 if steps == {-1} else 0)
    return out


def part_of_run(ends: Sequence[int]) -> list[int]:
    """1 for every point of a run whose last point is marked in `ends`."""
    n = len(ends)
    return [int(any(abs(ends[j]) == 1 for j in range(i, min(i + RUN, n)))) for i in range(n)]


def two_in_three(close: Sequence[int], relative_to_mean: Sequence[int]) -> list[int]:
    """1 where a point lies in a window of 3, all on one side, with 2 or more near a limit."""
    n = len(close)

    def window_hits(start: int) -> bool:
        if start < 0 or start + 3 > n:
            return False  # the reference pads with points on the mean: never a hit
        idx = range(start, start + 3)
        return sum(close[j] for j in idx) >= 2 and abs(sum(relative_to_mean[j] for j in idx)) == 3

    return [int(any(window_hits(i - k) for k in range(3))) for i in range(n)]


def special_cause_rules(
    values: Sequence[float],
    relative_to_mean: Sequence[int],
    close: Sequence[int],
    outside: Sequence[int],
) -> list[str]:
    """The rule that makes each point special cause, in the reference's order, or ""."""
    n = len(values)
    trend = part_of_run(seven_trend(values))
    near = [
        int(t == 1 and c == 1)
        for t, c in zip(two_in_three(close, relative_to_mean), close, strict=True)
    ]
    shift = part_of_run(seven_one_side(relative_to_mean))
    rules = []
    for i in range(n):
        side = "Above" if relative_to_mean[i] > 0 else "Below"
        if outside[i]:
            rules.append("Above UCL" if relative_to_mean[i] == 1 else "Below LCL")
        elif trend[i]:
            # A point inside a trend takes the step after it, the last point the step before.
            if i + 1 < n and trend[i + 1]:
                step = _sign(values[i + 1] - values[i])
            else:
                step = _sign(values[i] - values[i - 1]) if i else 0
            rules.append(f"7 Point Trend ({'In' if step == 1 else 'De'}creasing)")
        elif near[i]:
            rules.append(f"2 in 3 {side} CL")
        elif shift[i]:
            rules.append(f"7 Points {side} CL")
        else:
            rules.append("")
    return rules


def _point_type(rule: str, direction: Direction) -> PointType:
    if not rule:
        return PointType.COMMON_CAUSE
    high = "Above" in rule or "Increasing" in rule
    return PointType.IMPROVEMENT if (1 if high else -1) == direction.sign else PointType.CONCERN


def assurance(
    *, target: float | None, lpl: float, upl: float, direction: Direction | str
) -> Assurance | None:
    """Whether the target is beyond the limits (always met or missed) or between them."""
    if target is None:
        return None
    direction = Direction(direction)
    if target > upl:
        return Assurance.FAIL if direction is Direction.INCREASE else Assurance.PASS
    if target < lpl:
        return Assurance.PASS if direction is Direction.INCREASE else Assurance.FAIL
    return Assurance.HIT_AND_MISS


def missing_months(dates: Sequence[dt.date]) -> list[str]:
    """Months with no value inside a monthly series (one value a month), as YYYY-MM."""
    months = [(d.year, d.month) for d in dates]
    if len(months) < 2 or len(set(months)) != len(months):
        return []
    index = [y * 12 + m - 1 for y, m in months]
    present = set(index)
    return [
        f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index[0], index[-1]) if i not in present
    ]


def xmr_chart(
    series: Sequence[tuple[dt.date, float]],
    *,
    direction: Direction | str = Direction.INCREASE,
    target: float | None = None,
    screen_outliers: bool = True,
) -> Chart:
    """The XmR chart of a series of (date, value), in the NHS Making Data Count conventions."""
    direction = Direction(direction)
    if not series:
        raise ValueError("There are no values to chart.")
    ordered = sorted(series, key=lambda p: p[0])
    dates = [d for d, _ in ordered]
    if len(set(dates)) != len(dates):
        raise ValueError("Two values have the same date: keep one value per date.")
    values = [float(v) for _, v in ordered]
    warnings = []
    gaps = missing_months(dates)
    if gaps:
        warnings.append(
            "No value for " + ", ".join(gaps) + ": the points either side are read as adjacent."
        )
    if len(values) < 2:
        warnings.append("At least 2 values are needed for process limits.")
        points = [Point(d, v, PointType.COMMON_CAUSE) for d, v in zip(dates, values, strict=True)]
        return Chart(direction, target, values[0], None, None, points, None, None, warnings)
    if len(values) < TRIAL_LIMIT_POINTS:
        warnings.append(
            f"Only {len(values)} values: with fewer than {TRIAL_LIMIT_POINTS} these are trial "
            "limits, which will change as values are added."
        )

    mean = fmean(values)
    amr = mean_moving_range(values, screen_outliers=screen_outliers)
    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    near_lower, near_upper = mean - NEAR_LIMIT * amr, mean + NEAR_LIMIT * amr
    outside = [int(v > upl or v < lpl) for v in values]
    relative = [_sign(v - mean) for v in values]
    close = [
        int(not o and (v < near_lower or v > near_upper))
        for v, o in zip(values, outside, strict=True)
    ]

    rules = special_cause_rules(values, relative, close, outside)
    points = [
        Point(d, v, _point_type(rule, direction), rule)
        for d, v, rule in zip(dates, values, rules, strict=True)
    ]
    return Chart(
        direction=direction,
        target=target,
        mean=mean,
        lpl=lpl,
        upl=upl,
        points=points,
        variation=points[-1].type,
        assurance=assurance(target=target, lpl=lpl, upl=upl, direction=direction),
        warnings=warnings,
    )
