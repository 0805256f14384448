"""Benchmarks: labpanels side by side with the official clients on the same local servers."""
