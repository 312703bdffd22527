"""Compute: statistics, key measures, tracker progress and the report model (plain data, no HTML, no figures)."""
