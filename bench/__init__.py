"""Benchmarks of myportal (not tests): data generator, load runs, micro-benchmarks, RESULTS.md."""
