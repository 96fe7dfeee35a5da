"""Downloads of the plan as the PMO filtered it: Excel (.xlsx) or CSV."""
