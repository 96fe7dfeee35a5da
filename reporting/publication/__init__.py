"""Public publication of a plan: a dated, redacted snapshot served without sign-in (seed 002)."""
