"""Run every benchmark: ``python -m benchmarks``."""

from benchmarks import download, node_table, vantage6

vantage6.main()
download.main()
node_table.main()
