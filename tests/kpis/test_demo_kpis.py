"""The demo plan comes with KPIs that show each kind of Making Data Count icon."""

from django.test import override_settings

from demo.seed import demo_seed
from kpis.selectors import kpi_summaries


def test_the_demo_kpis_show_improvement_concern_and_each_assurance(db):
    with override_settings(DEBUG=True):
        plan = demo_seed()
        demo_seed()  # again: nothing is duplicated

    summaries = {s.kpi.ref: s for s in kpi_summaries(plan)}

    assert len(summaries) == 5
    assert all(len(s.values) == 12 for s in summaries.values())
    assert summaries["K1"].variation.kind == "improvement-high"
    assert summaries["K2"].variation.kind == "concern-high"
    assert summaries["K3"].assurance.kind == "hit-and-miss"
    assert summaries["K4"].assurance.kind == "pass"
    assert summaries["K5"].assurance.kind == "fail"
    assert summaries["K1"].values[-1].entered_by.username == "lead"
