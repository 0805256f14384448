"""Where the panels' JavaScript and CSS live.

The sources are in the repository's ``js/``: one view module per panel, importing shared
helpers from ``js/lib/``. ``npm run build`` (``make js``, or the wheel build) bundles each
view with what it imports into ``labpanels/static/``, which is what a wheel carries.

``asset(name)`` gives ``labpanels/static/<name>`` when it exists and is not older than
its sources (always, in a wheel: there are no sources), else ``js/<name>`` itself, so an
edit in an editable install shows at the next render without a build, as long as the
file imports nothing (anywidget cannot follow an import): a view that imports from
``./lib`` warns until ``make js`` has built it.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

__all__ = ["asset"]

_PACKAGED = Path(__file__).resolve().parent.parent / "static"
_ROOT = Path(__file__).resolve().parent.parent.parent
_SOURCE = _ROOT / "js"
_IMPORT = re.compile(
    r"^\s*(import\s[^;]*?\bfrom\s|import\s*['\"]|export\s[^;]*?\bfrom\s|@import\s)", re.M)


def _sources_of(name: str) -> list[Path]:
    """The source files a built asset is made of: the file and what it may import from
    js/lib (modules for a view, stylesheets for a stylesheet)."""
    files = [_SOURCE / name]
    suffix = Path(name).suffix
    if suffix in (".js", ".css") and (_SOURCE / "lib").is_dir():
        files += list((_SOURCE / "lib").rglob(f"*{suffix}"))
    return files


def asset(name: str) -> Path:
    """The path of a front-end file by name, e.g. ``asset("table.js")``."""
    built = _PACKAGED / name
    source = _SOURCE / name
    if not (source.exists() and (_ROOT / "pyproject.toml").exists()):  # a wheel
        if built.exists():
            return built
        raise FileNotFoundError(f"labpanels front-end file {name!r} is missing from the install")
    if built.exists():
        built_at = built.stat().st_mtime
        if all(p.stat().st_mtime <= built_at for p in _sources_of(name) if p.exists()):
            return built
    if name.endswith((".js", ".css")) and _IMPORT.search(source.read_text(encoding="utf-8")):
        warnings.warn(
            f"labpanels: js/{name} imports other modules and its bundle in labpanels/static "
            "is missing or older than js/: run `make js` (or `npm --prefix js run build`), "
            "or the panel will not load in the browser", stacklevel=2)
    return source
