"""Benchmarks that print numbers (never pass/fail): `python -m bench.help_latency`."""
