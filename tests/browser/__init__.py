"""Tests that drive JupyterLab in headless Chromium, and the harness they use."""
