"""The programme around a plan's actions.

Each part of the programme keeps its models in its own module; they are gathered here so
Django finds them.
"""

from programme.models.notices import ConditionStatus, Notice, NoticeCondition, NoticeKind
from programme.models.risks import Alignment, Risk, RiskKind, RiskStatus
from programme.models.workstreams import (
    Cadence,
    ProgrammeSettings,
    RootCause,
    Workstream,
    WorkstreamAction,
    WorkstreamNarrative,
)

__all__ = [
    "Alignment",
    "Cadence",
    "ConditionStatus",
    "Notice",
    "NoticeCondition",
    "NoticeKind",
    "ProgrammeSettings",
    "Risk",
    "RiskKind",
    "RiskStatus",
    "RootCause",
    "Workstream",
    "WorkstreamAction",
    "WorkstreamNarrative",
]
