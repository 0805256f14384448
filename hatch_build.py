"""Hatch build hook: the panels' JavaScript is built before a wheel or an sdist is made.

The views in ``js/`` import shared helpers from ``js/lib/``; anywidget loads one file per
view and cannot follow an import, so ``npm run build`` (esbuild, pinned in
``js/package-lock.json``) bundles each view into ``labpanels/static/``. That folder is a
build output (ignored by git) and this hook puts it into the wheel and the sdist, so
``pip install`` of either needs no Node. Node and npm are needed only where the assets
are built: when ``labpanels/static`` is missing or older than its sources. An editable
install builds nothing: ``make js`` does, and ``labpanels.widgets.assets`` then serves
the bundles (or the sources while they are newer).
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

STATIC = "labpanels/static"


def _sources(js: Path) -> list[Path]:
    """Every file whose change changes the built assets."""
    files = [p for p in js.iterdir() if p.suffix in (".js", ".css", ".mjs") and p.is_file()]
    if (js / "lib").is_dir():
        files += [p for p in (js / "lib").rglob("*") if p.suffix in (".js", ".css")]
    files += [p for p in (js / "package.json", js / "package-lock.json") if p.exists()]
    return files


def _outputs(js: Path, static: Path) -> list[Path]:
    """The built files: one per view module and per stylesheet in js/."""
    return [static / p.name for p in js.iterdir() if p.suffix in (".js", ".css") and p.is_file()]


def stale(js: Path, static: Path) -> bool:
    """True when an output is missing or older than the newest source."""
    outputs = _outputs(js, static)
    if not outputs or not all(p.exists() for p in outputs):
        return True
    newest_source = max(p.stat().st_mtime for p in _sources(js))
    return min(p.stat().st_mtime for p in outputs) < newest_source


def build_assets(root: Path) -> None:
    """``npm ci`` (when node_modules is missing or older than the lockfile), then
    ``npm run build``; raises with a readable message when that cannot be done."""
    js = root / "js"
    static = root / STATIC
    if not (js / "package.json").exists():  # an sdist carries static/ already built
        if not any(static.glob("*.js")):
            raise RuntimeError(f"labpanels: neither {js}/package.json nor built assets in {static}")
        return
    if not stale(js, static):
        return
    npm = shutil.which("npm")
    if npm is None:
        if any(static.glob("*.js")):
            warnings.warn(
                f"labpanels: {STATIC} is older than js/ and npm is not on PATH: "
                "packaging the assets built earlier", stacklevel=1)
            return
        raise RuntimeError(
            "labpanels: building the panels' JavaScript needs Node.js (>= 18) and npm, "
            f"and npm is not on PATH; no built assets in {STATIC} either. Install Node.js "
            "and npm (Debian: apt-get install nodejs npm) or build from an sdist or a wheel, "
            "which carry the built assets.")
    installed = js / "node_modules" / ".package-lock.json"
    lock = js / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        _run([npm, "ci", "--no-audit", "--no-fund"], js)
    _run([npm, "run", "build"], js)
    if stale(js, static):
        raise RuntimeError(f"labpanels: `npm run build` did not write every file of {STATIC}")


def _run(command: list[str], cwd: Path) -> None:
    try:
        subprocess.run(command, cwd=cwd, check=True)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(
            f"labpanels: `{' '.join(command[1:])}` failed in {cwd} (exit {exc.returncode}); "
            "see its output above") from exc


class JsBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return  # served from the work tree: `make js` builds, assets.py chooses
        root = Path(self.root)
        build_assets(root)
        build_data["force_include"][str(root / STATIC)] = STATIC
