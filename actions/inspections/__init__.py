"""A new inspection report: its ratings, its findings imported from the trust's own
spreadsheet, and each finding mapped onto the open actions that already answer it (seed 001).
"""
