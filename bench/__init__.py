"""`make bench`: a large deterministic database (bench.generate) and the pages timed on it
(bench.measure), on SQLite and PostgreSQL. Figures are printed and written to
bench/results.json; nothing here is asserted (tests/unit/test_bench_generate.py checks the
generator only)."""
