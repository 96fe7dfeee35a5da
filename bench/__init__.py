"""The performance benchmark of the plan page and "My actions" (``make bench``)."""
