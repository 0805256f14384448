"""The wheel built from a clean clone carries the bundled views and works without Node;
installed with the ``demo`` extra, ``labpanels demo`` runs from an empty folder.

The repository's committed state is cloned into a temporary folder (no ``node_modules``,
no ``labpanels/static``), a wheel is built from it (the build hook runs ``npm ci`` and
esbuild there), and the wheel is installed with its dependencies into a new virtual
environment. There, with ``PATH`` holding only that environment's ``bin`` (no node, no
npm), every panel is made and its view and stylesheet are read: they must be the bundles
from the wheel, with no import left that a browser would have to follow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs the git repository")

#: run inside the new environment: every panel, its view and stylesheet, where they came from
CHECK = r"""
import json, re, sys
import labpanels, labpanels.widgets as widgets
from labpanels.widgets.base import Panel
from labpanels.widgets import assets
from labpanels.vantage6 import Vantage6Session

panels = [getattr(widgets, n) for n in widgets.__all__]
panels = [c for c in panels if isinstance(c, type) and issubclass(c, Panel) and c is not Panel]
session = Vantage6Session("http://127.0.0.1:9/api", live=False)
made = widgets.LoginPanel(session)
report = {
    "package": labpanels.__file__,
    "static": str(assets.asset("login.js")),
    "panels": sorted(c.__name__ for c in panels),
    "imports_left": sorted(c.__name__ for c in panels
                           if re.search(r"^\s*import\s.*\bfrom\s*['\"]\./", str(c._esm), re.M)),
    "unbundled_css": sorted(c.__name__ for c in panels if "@import" in str(c._css)),
    "login_view_chars": len(str(made._esm)),
}
made.close()
session.close()
print(json.dumps(report))
"""


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, (f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n"
                                  f"{done.stderr[-3000:]}")
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, a new environment with it installed)."""
    folder = tmp_path_factory.mktemp("wheel")
    clone = folder / "clone"
    _run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)])
    assert not (clone / "labpanels" / "static").exists()  # nothing built yet
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder / "dist"),
          str(clone)], timeout=900)
    wheel = next((folder / "dist").glob("labpanels-*.whl"))
    env = folder / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    _run([str(env / "bin" / "python"), "-m", "pip", "install", "-q",
          "--disable-pip-version-check", str(wheel)], timeout=900)
    return wheel, env


def test_the_wheel_carries_one_bundle_per_view(built):
    wheel, _env = built
    views = sorted(p.name for p in (REPO / "js").iterdir()
                   if p.suffix in (".js", ".css") and p.is_file())
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        static = sorted(n.split("/")[-1] for n in names if n.startswith("labpanels/static/"))
        assert static == views
        for name in views:
            text = archive.read(f"labpanels/static/{name}").decode("utf-8")
            assert "from \"./lib/" not in text and "@import" not in text, name
    assert not any(n.startswith(("js/", "tests/", "node_modules/")) for n in names)
    # the workshop notebooks, the license and the typing marker travel with it
    notebooks = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    assert sorted(n.split("/")[-1] for n in names
                  if n.startswith("labpanels/notebooks/")) == notebooks
    assert "labpanels/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_installed_wheel_works_without_node(built):
    _wheel, env = built
    clean = {"PATH": str(env / "bin"), "HOME": os.environ.get("HOME", "/tmp"),
             "LANG": "C.UTF-8"}
    assert subprocess.run(["/bin/sh", "-c", "command -v node || command -v npm"], env=clean,
                          capture_output=True).returncode != 0  # no Node here
    done = _run([str(env / "bin" / "python"), "-c", CHECK], env=clean, cwd=env, timeout=300)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["package"].startswith(str(env)), report  # the wheel, not the work tree
    assert report["static"].startswith(str(env)) and "/labpanels/static/" in report["static"]
    assert len(report["panels"]) >= 12, report
    assert report["imports_left"] == [] and report["unbundled_css"] == [], report
    assert report["login_view_chars"] > 1000


def _clean_env(env: Path) -> dict[str, str]:
    """Only the new environment on PATH; the labpanels cache (the vantage6 server's
    environment, built once) as usual."""
    return {"PATH": f"{env / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            **{k: v for k, v in os.environ.items() if k in ("LABPANELS_CACHE", "XDG_CACHE_HOME")}}


@pytest.mark.platform
def test_installed_with_the_demo_extra_the_demo_runs_from_an_empty_folder(built, tmp_path):
    """``pip install "labpanels[demo]"``, then ``labpanels demo`` in an empty folder: the
    platform is ready and the notebooks are there. Without the extra, the command says
    which extra to install instead of a traceback."""
    wheel, env = built
    clean = _clean_env(env)
    labpanels = str(env / "bin" / "labpanels")
    empty = tmp_path / "empty"
    empty.mkdir()
    without = subprocess.run([labpanels, "demo", "--no-lab"], env=clean, cwd=empty,
                             capture_output=True, text=True, timeout=120)
    assert without.returncode == 2, without.stderr
    assert 'pip install "labpanels[demo]"' in without.stderr
    assert "Traceback" not in without.stderr and not any(empty.iterdir())

    _run([str(env / "bin" / "python"), "-m", "pip", "install", "-q",
          "--disable-pip-version-check", f"{wheel}[demo]"], timeout=900, env=clean)
    info = tmp_path / "info.json"
    demo = subprocess.Popen([labpanels, "demo", "--no-lab", "--info", str(info)], env=clean,
                            cwd=empty, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not info.exists() and demo.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert info.exists(), demo.stderr.read()[-3000:] if demo.poll() is not None else ""
        ready = json.loads(demo.stdout.readline())
        described = json.loads(info.read_text())
        assert described == ready
        assert described["folder"].startswith("/") and Path(described["folder"]).is_dir()
        v6 = described["vantage6"]
        assert requests.get(f"{v6['api_url']}/version", timeout=10).json() == {
            "version": "4.15.2"}
        sparc = described["sparc"]
        assert requests.get(f"{sparc['pennsieve_url']}/datasets", timeout=10).ok
        copied = sorted(p.name for p in (empty / "labpanels-notebooks").glob("*.ipynb"))
        assert copied == sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
        # a notebook's first cell, in that environment, finds this demo
        found = _run([str(env / "bin" / "python"), "-c",
                      "from labpanels.demo import connection; "
                      "print(connection()['vantage6']['api_url'])"],
                     env={**clean, "LABPANELS_DEMO_INFO": described["connection_file"]},
                     cwd=empty / "labpanels-notebooks", timeout=60)
        assert found.stdout.strip() == v6["api_url"]
        os.killpg(demo.pid, signal.SIGINT)
        assert demo.wait(30) == 0
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(10)
    assert not info.exists() and not Path(described["connection_file"]).exists()
