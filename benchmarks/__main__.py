"""Run every benchmark: ``python -m benchmarks``."""

from benchmarks import vantage6

vantage6.main()
