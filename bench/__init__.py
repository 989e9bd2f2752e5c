"""Benchmarks: slow scale runs kept out of the test suite; each prints ratios against a baseline."""
