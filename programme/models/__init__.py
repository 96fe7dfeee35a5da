"""The programme around a plan's actions.

Each part of the programme keeps its models in its own module; they are gathered here so
Django finds them.
"""

from programme.models.workstreams import Cadence, RootCause, Workstream, WorkstreamAction

__all__ = ["Cadence", "RootCause", "Workstream", "WorkstreamAction"]
