"""Read the VTK (legacy ASCII) and STL (ASCII) files the Zinc helpers write: vertex and face
counts and bounds, for comparing two writers' output."""

from __future__ import annotations

from pathlib import Path

__all__ = ["mesh_stats"]


def _bounds(points: list[tuple[float, float, float]]) -> list[float]:
    if not points:
        return []
    return [round(f(p[i] for p in points), 6) for i in range(3) for f in (min, max)]


def _vtk(text: str) -> dict:
    words = text.split()
    points: list[tuple[float, float, float]] = []
    cells = 0
    labels = 0
    i = 0
    while i < len(words):
        word = words[i]
        if word == "POINTS":
            n = int(words[i + 1])
            values = [float(v) for v in words[i + 3 : i + 3 + 3 * n]]
            points = [tuple(values[k : k + 3]) for k in range(0, len(values), 3)]
            i += 3 + 3 * n
            continue
        if word in ("CELLS", "VERTICES"):
            cells = int(words[i + 1])
        if word == "SCALARS":
            labels += 1
        i += 1
    return {"format": "vtk", "points": len(points), "cells": cells, "scalars": labels,
            "bounds": _bounds(points)}


def _stl(text: str) -> dict:
    vertices = []
    facets = 0
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["vertex"]:
            vertices.append(tuple(float(v) for v in parts[1:4]))
        elif parts[:1] == ["facet"]:
            facets += 1
    unique = {tuple(round(c, 6) for c in v) for v in vertices}
    return {"format": "stl", "points": len(unique), "cells": facets, "corners": len(vertices),
            "bounds": _bounds(vertices)}


def mesh_stats(path: Path) -> dict:
    """``{"points", "cells", "bounds": [xmin, xmax, ymin, ymax, zmin, zmax], ...}``."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return _stl(text) if path.suffix.lower() == ".stl" else _vtk(text)
