"""On-demand benchmarks (run as `python -m tests.benchmarks.bench_<name>`; pytest never collects them)."""
