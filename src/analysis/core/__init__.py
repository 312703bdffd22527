"""Core: paths and settings, financial quarters, the force registry, atomic writes. Imports nothing else of the package."""
