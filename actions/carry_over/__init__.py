"""A new plan year: the open actions carried into a new plan, the closed ones left behind."""
