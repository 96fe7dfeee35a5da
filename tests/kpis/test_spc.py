"""The Making Data Count rules, against answers published by the reference (NHSRplotthedots).

Where a test says "reference", the input and the expected answer are taken from the
reference package's own tests and snapshots (tests/testthat in NHSRplotthedots); the rest
are series small enough to check by hand, with the arithmetic in the docstring.
"""

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kpis.series import SeriesError, read_series_csv
from kpis.spc import (
    Assurance,
    PointType,
    part_of_run,
    seven_one_side,
    seven_trend,
    two_in_three,
    xmr_chart,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "spc"
REFERENCE_CSV = FIXTURES / "reference-rnorm-seed-123.csv"


def days(values, start=dt.date(2024, 1, 1)):
    return [(start + dt.timedelta(days=i), v) for i, v in enumerate(values)]


def months(values, start_year=2023, start_month=1, skip=()):
    out, i, k = [], 0, 0
    while len(out) < len(values):
        year, month = divmod(start_month - 1 + k, 12)
        k += 1
        if (start_year + year, month + 1) in skip:
            continue
        out.append((dt.date(start_year + year, month + 1, 1), values[i]))
        i += 1
    return out


def reference_series():
    return read_series_csv(REFERENCE_CSV.read_bytes())


# The rule functions, with the reference's own unit-test vectors ------------------------


def test_seven_points_one_side_of_the_mean_matches_the_reference():
    assert seven_one_side([]) == []
    assert seven_one_side([1] * 6) == [0] * 6
    assert seven_one_side([1] * 6 + [-1]) == [0] * 7
    assert seven_one_side([1] * 8 + [-1]) == [0, 0, 0, 0, 0, 0, 1, 1, 0]
    assert seven_one_side([-1] * 8 + [1]) == [0, 0, 0, 0, 0, 0, 1, 1, 0]
    assert seven_one_side([-1] + [1] * 8 + [-1]) == [0, 0, 0, 0, 0, 0, 0, 1, 1, 0]
    assert seven_one_side([0] * 9) == [0] * 9, "points on the mean are on neither side"


def test_part_of_a_run_flags_the_six_points_before_its_end():
    assert part_of_run([]) == []
    assert part_of_run([0] * 6) == [0] * 6
    assert part_of_run([0, 0, 0, 0, 0, 0, 1, 1, 0]) == [1, 1, 1, 1, 1, 1, 1, 1, 0]
    assert part_of_run([0] * 6 + [-1]) == [1] * 7, "a falling trend counts as well"


def test_seven_point_trend_matches_the_reference():
    assert seven_trend([]) == []
    assert seven_trend([1, 2, 3, 4, 5, 6]) == [0] * 6
    assert seven_trend([1, 2, 3, 3, 4, 5, 6]) == [0] * 7, "a tie breaks the trend"
    assert seven_trend([1, 2, 3, 4, 5, 6, 7]) == [0, 0, 0, 0, 0, 0, 1]
    assert seven_trend([2, 1, 2, 3, 4, 5, 6, 7, 3]) == [0, 0, 0, 0, 0, 0, 0, 1, 0]
    assert seven_trend([7, 6, 5, 4, 3, 2, 1]) == [0, 0, 0, 0, 0, 0, -1]
    assert seven_trend([2, 7, 6, 5, 4, 3, 2, 1, 3]) == [0, 0, 0, 0, 0, 0, 0, -1, 0]


def test_two_in_three_matches_the_reference():
    same_side = [1] * 7
    assert two_in_three([], []) == []
    assert two_in_three([0, 0, 0], [1, 1, 1]) == [0, 0, 0]
    for close in ([1, 0, 1], [0, 1, 1], [1, 1, 0]):
        assert two_in_three(close, [1, 1, 1]) == [1, 1, 1]
    assert two_in_three([0, 0, 1, 0, 1, 0, 0], same_side) == [0, 0, 1, 1, 1, 0, 0]
    assert two_in_three([0, 0, 1, 1, 0, 0, 0], same_side) == [0, 1, 1, 1, 1, 0, 0]
    assert two_in_three([1, 0, 0, 1], [1, 1, 1, 1]) == [0, 0, 0, 0]


def test_two_near_a_limit_on_opposite_sides_are_common_cause_as_in_the_reference():
    """Reference: 1, -1 repeated, then 5.5 and -5.5 as the last two points."""
    values = [1, -1] * 8
    values[14], values[15] = 5.5, -5.5
    chart = xmr_chart(days(values))
    assert [p.type for p in chart.points[-2:]] == [PointType.COMMON_CAUSE] * 2


# Whole series with published answers -------------------------------------------------


def test_reference_series_has_the_published_mean_and_limits():
    """Reference snapshot for rnorm(20) with set.seed(123): mean 0.142, limits -3.01 to 3.29."""
    chart = xmr_chart(reference_series())
    assert round(chart.mean, 3) == 0.142
    assert round(chart.lpl, 2) == -3.01
    assert round(chart.upl, 2) == 3.29
    assert {p.type for p in chart.points} == {PointType.COMMON_CAUSE}
    assert len(chart.points) == 20
    assert chart.variation == PointType.COMMON_CAUSE
    assert chart.assurance is None


@pytest.mark.parametrize(
    ("part", "mean", "lpl", "upl"),
    [(slice(0, 10), 0.0746, -2.60, 2.75), (slice(10, 20), 0.209, -3.28, 3.70)],
)
def test_reference_series_in_two_halves_has_the_published_limits(part, mean, lpl, upl):
    """Reference snapshot with a facet splitting the same 20 values into two groups of 10."""
    chart = xmr_chart(reference_series()[part])
    assert round(chart.mean, len(str(mean).split(".")[1])) == mean
    assert (round(chart.lpl, 2), round(chart.upl, 2)) == (lpl, upl)
    assert any("trial limits" in w for w in chart.warnings)


def test_reference_series_with_a_target_between_the_limits_is_hit_and_miss():
    """Reference snapshot "summary with a target": target 0.5, increase, limits -3.01 to 3.29."""
    chart = xmr_chart(reference_series(), target=0.5)
    assert chart.assurance == Assurance.HIT_AND_MISS


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("increase", [Assurance.FAIL, Assurance.PASS, Assurance.HIT_AND_MISS]),
        ("decrease", [Assurance.PASS, Assurance.FAIL, Assurance.HIT_AND_MISS]),
    ],
)
def test_assurance_matches_the_reference(direction, expected):
    """Reference: limits (1, 3), (5, 7), (1, 5) against a target of 4."""
    from kpis.spc import assurance

    got = [
        assurance(target=4, lpl=lpl, upl=upl, direction=direction)
        for lpl, upl in ((1, 3), (5, 7), (1, 5))
    ]
    assert got == [Assurance(e) for e in expected]


# Series checked by hand ---------------------------------------------------------------


def shift_then_outlier():
    """10, 11 five times each then 10, then 30.

    Mean (60 + 55 + 30) / 12 = 12.083. Moving ranges: ten of 1 and one of 19, mean
    29 / 11 = 2.64; 19 is over 3.267 x 2.64 = 8.6, so it is screened out and the mean moving
    range is 1: limits 12.083 ± 2.66 = 9.42 to 14.74. 30 is above the upper limit. Two thirds
    of the way to the lower limit is 12.083 - 1.773 = 10.31: every 10 is beyond it, two in
    each window of three below the mean (that rule comes first); the 11s between them are
    part of a run of 11 points below the mean.
    """
    return [10, 11] * 5 + [10, 30]


def test_a_point_beyond_a_limit_and_a_shift_below_the_mean():
    chart = xmr_chart(days(shift_then_outlier()), direction="increase")
    assert round(chart.mean, 3) == 12.083
    assert (round(chart.lpl, 3), round(chart.upl, 3)) == (9.423, 14.743)
    rules = [p.rule for p in chart.points]
    assert rules == ["2 in 3 Below CL", "7 Points Below CL"] * 5 + ["2 in 3 Below CL", "Above UCL"]
    types = [p.type for p in chart.points]
    assert types == [PointType.CONCERN] * 11 + [PointType.IMPROVEMENT]
    assert chart.variation == PointType.IMPROVEMENT


def test_the_same_series_read_the_other_way_round_swaps_improvement_and_concern():
    chart = xmr_chart(days(shift_then_outlier()), direction="decrease")
    types = [p.type for p in chart.points]
    assert types == [PointType.IMPROVEMENT] * 11 + [PointType.CONCERN]
    assert chart.variation == PointType.CONCERN


def test_without_screening_the_outlier_widens_the_limits():
    screened = xmr_chart(days(shift_then_outlier()))
    unscreened = xmr_chart(days(shift_then_outlier()), screen_outliers=False)
    assert unscreened.upl - unscreened.lpl > screened.upl - screened.lpl


def test_seven_rising_points_are_all_flagged_with_the_trend_direction():
    """Mean 10.78, mean moving range 22 / 15 = 1.47, limits 6.88 to 14.68: nothing beyond."""
    values = [10, 12, 10, 12, 10, 12, 9, 9.5, 10, 10.5, 11, 11.5, 12, 10, 12, 10]
    chart = xmr_chart(days(values), direction="increase")
    flagged = [i for i, p in enumerate(chart.points) if p.rule]
    assert flagged == list(range(6, 13))
    assert {chart.points[i].rule for i in flagged} == {"7 Point Trend (Increasing)"}
    assert {chart.points[i].type for i in flagged} == {PointType.IMPROVEMENT}
    down = xmr_chart(days(values), direction="decrease")
    assert {down.points[i].type for i in flagged} == {PointType.CONCERN}


def test_seven_falling_points_are_concern_when_higher_is_better():
    values = [10, 12, 10, 12, 10, 12, 12, 11.5, 11, 10.5, 10, 9.5, 9, 12, 10, 12]
    chart = xmr_chart(days(values), direction="increase")
    flagged = [i for i, p in enumerate(chart.points) if p.rule]
    assert flagged == list(range(6, 13))
    assert {chart.points[i].rule for i in flagged} == {"7 Point Trend (Decreasing)"}
    assert {chart.points[i].type for i in flagged} == {PointType.CONCERN}


def test_two_of_three_near_the_upper_limit():
    """0 and 1 alternating (mean 0.5 before the end; mean moving range about 1) then 2.6, 2.6.

    With 14 alternating values and two of 2.6: mean 10.2 / 16 = 0.6375, moving ranges thirteen
    of 1, one of 1.6 and one of 0: mean 14.6 / 15 = 0.973. Limits 0.6375 ± 2.589 (to 3.23);
    two thirds of the way is 0.6375 + 1.726 = 2.36: both 2.6 points are beyond it, inside
    the limit, on the same side as the point before them.
    """
    values = [0, 1] * 7 + [2.6, 2.6]
    chart = xmr_chart(days(values))
    assert chart.upl > 2.6
    assert [p.rule for p in chart.points[-2:]] == ["2 in 3 Above CL"] * 2
    assert [p.type for p in chart.points[-2:]] == [PointType.IMPROVEMENT] * 2
    assert {p.rule for p in chart.points[:-2]} == {""}


def test_equal_values_are_all_common_cause_with_limits_on_the_mean():
    chart = xmr_chart(days([7.0] * 15), target=8)
    assert chart.mean == chart.lpl == chart.upl == 7.0
    assert {p.type for p in chart.points} == {PointType.COMMON_CAUSE}
    assert chart.assurance == Assurance.FAIL, "a target above a flat line is never met"


def test_a_single_value_has_no_limits():
    chart = xmr_chart(days([3.0]), target=2)
    assert (chart.mean, chart.lpl, chart.upl) == (3.0, None, None)
    assert chart.points[0].type == PointType.COMMON_CAUSE
    assert chart.variation is None and chart.assurance is None
    assert any("At least 2 values" in w for w in chart.warnings)


def test_short_series_get_trial_limits_and_no_run_rules():
    chart = xmr_chart(days([1, 2, 3, 4, 5, 6]))
    assert chart.lpl is not None
    assert {p.type for p in chart.points} == {PointType.COMMON_CAUSE}
    assert any("Only 6 values" in w for w in chart.warnings)


def test_a_missing_month_is_reported_and_its_neighbours_read_as_adjacent():
    values = [10, 11] * 5 + [10, 30]
    chart = xmr_chart(months(values, skip={(2023, 3)}))
    assert any("2023-03" in w for w in chart.warnings)
    full = xmr_chart(days(values))
    assert (chart.mean, chart.lpl, chart.upl) == (full.mean, full.lpl, full.upl)
    assert [p.rule for p in chart.points] == [p.rule for p in full.points]


def test_values_are_charted_in_date_order_and_two_on_one_date_are_refused():
    series = days(shift_then_outlier())
    chart = xmr_chart(list(reversed(series)))
    assert chart.points[-1].value == 30
    with pytest.raises(ValueError, match="same date"):
        xmr_chart(series + [series[0]])


# Reading files and the command ----------------------------------------------------------


def test_reading_a_series_lists_every_bad_row():
    data = b"date,value\n2024-01-01,3\n31/02/2024,4\n2024-03-01,four\n2024-04,5%\n"
    with pytest.raises(SeriesError) as error:
        read_series_csv(data)
    assert error.value.problems == [
        "Row 3: '31/02/2024' is not a date (use 2025-04-30).",
        "Row 4: 'four' is not a number.",
    ]
    assert read_series_csv(b"\xef\xbb\xbfValue,Date\n1.5,2024-04\n") == [(dt.date(2024, 4, 1), 1.5)]


def test_a_file_without_the_two_columns_is_refused():
    with pytest.raises(SeriesError, match="date and value"):
        read_series_csv(b"month,count\n2024-01-01,3\n")


def test_spc_command_prints_the_chart_as_json():
    out = StringIO()
    call_command("spc", str(REFERENCE_CSV), "--json", "--target", "0.5", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) >= {"mean", "lpl", "upl", "points", "variation", "assurance"}
    assert round(result["mean"], 3) == 0.142
    assert (round(result["lpl"], 2), round(result["upl"], 2)) == (-3.01, 3.29)
    assert result["points"][0] == {
        "date": "2020-01-02",
        "value": -0.56047565,
        "type": "common_cause",
        "rule": None,
    }
    assert result["variation"] == "common_cause"
    assert result["assurance"] == "inconsistent"


def test_spc_command_reads_the_direction(tmp_path):
    path = tmp_path / "falls.csv"
    path.write_text("date,value\n" + "".join(f"{d},{v}\n" for d, v in days(shift_then_outlier())))
    out = StringIO()
    call_command("spc", str(path), "--direction", "decrease", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["points"][-1]["type"] == "special_cause_concern"
    assert result["variation"] == "special_cause_concern"
    assert result["assurance"] is None


def test_spc_command_explains_a_bad_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,value\n2024-01-01,x\n")
    with pytest.raises(CommandError, match="Row 2: 'x' is not a number"):
        call_command("spc", str(path), "--json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("spc", str(tmp_path / "missing.csv"))
