"""Intake: the quarterly loop with force owners: Excel templates out, returned trackers validated and imported, free-text references matched."""
