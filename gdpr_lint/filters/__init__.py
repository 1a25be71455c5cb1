"""Filters between the checks and the reporters: suppressions, the baseline, the lines a change touches."""
