"""Run a workshop notebook headless (nbclient) against the test platform; read its outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def write_connection(info: dict, path: Path) -> Path:
    """Write what `labpanels demo` would write, for the notebooks' kernels to find."""
    path.write_text(json.dumps(info))
    return path


def execute_notebook(name: str, connection: Path, workdir: Path, timeout: int = 300,
                     store_widget_state: bool = False) -> nbformat.NotebookNode:
    """Execute every cell of ``notebooks/<name>`` in ``workdir``, its kernel finding the
    platform through ``connection``; return the notebook with its outputs (and, with
    ``store_widget_state``, its widgets' state, as a saved notebook has it)."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    previous = os.environ.get("LABPANELS_DEMO_INFO")
    os.environ["LABPANELS_DEMO_INFO"] = str(connection)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       store_widget_state=store_widget_state,
                       resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        if previous is None:
            os.environ.pop("LABPANELS_DEMO_INFO", None)
        else:
            os.environ["LABPANELS_DEMO_INFO"] = previous
    return nb


def cell_texts(nb: nbformat.NotebookNode) -> list[str]:
    """The text output (streams and text/plain) of each code cell, in order."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
            elif "data" in output and "text/plain" in output["data"]:
                parts.append(output["data"]["text/plain"])
        texts.append("".join(parts))
    return texts


def run_notebook(name: str, connection: Path, workdir: Path, timeout: int = 300) -> list[str]:
    """Execute every cell; return the text output of each code cell (in order)."""
    return cell_texts(execute_notebook(name, connection, workdir, timeout))
