"""The monthly board highlight report: its figures, charts and PDF."""
