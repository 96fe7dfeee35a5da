"""The programme around a plan's actions.

Each part of the programme keeps its models in its own module; they are gathered here so
Django finds them.
"""

from programme.models.workstreams import (
    Cadence,
    ProgrammeSettings,
    RootCause,
    Workstream,
    WorkstreamAction,
    WorkstreamNarrative,
)

__all__ = [
    "Cadence",
    "ProgrammeSettings",
    "RootCause",
    "Workstream",
    "WorkstreamAction",
    "WorkstreamNarrative",
]
