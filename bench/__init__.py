"""Benchmarks of the approval gate: `make bench` (see BENCHMARKS.md)."""
