"""Run sparc.client 0.4.1's Zinc helper (``sparc.client.zinchelper.ZincHelper``) against the
emulator, or labpanels' with the same calls.

Runs in the side environment with ``sparc-client==0.4.1`` (which brings cmlibs.zinc,
scaffoldmaker, mbfxml2ex, cmlibs.exporter and cmlibs.utils). With ``ZINC_IMPL=labpanels``
the same script runs ``labpanels.sparc.ZincHelper`` instead (``from labpanels.sparc import
ZincHelper``: the import is the only change). Prints one JSON report: the files each call
wrote (the test parses and compares them) and the errors raised.

Environment: ``EMULATOR_URL``, ``WORKDIR``, ``DATA_DIR`` (the seed's XML files, for
``analyse``), ``ZINC_IMPL`` (``sparc`` or ``labpanels``).

Redirects for sparc.client (its hosts are fixed): ``PennsieveService.host_api`` (a class
attribute: the helper makes its own service) for the file search, and the module's
``requests.post`` for zipit. labpanels reads ``PENNSIEVE_HOST``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

REAL_PENNSIEVE = "https://api.pennsieve.io"


def _helper_class(base: str):
    if os.environ.get("ZINC_IMPL", "sparc") == "labpanels":
        os.environ["PENNSIEVE_HOST"] = base
        from labpanels.sparc import ZincHelper

        return ZincHelper
    import requests
    from sparc.client.services import pennsieve as pennsieve_module
    from sparc.client.zinchelper import ZincHelper

    pennsieve_module.PennsieveService.host_api = base
    real_post = requests.post

    def post(url, *args, **kwargs):
        return real_post(url.replace(REAL_PENNSIEVE, base), *args, timeout=60, **kwargs)

    pennsieve_module.requests.post = post
    return ZincHelper


def _files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if p.is_file())


def main() -> int:
    base = os.environ["EMULATOR_URL"]
    work = Path(os.environ["WORKDIR"])
    data = Path(os.environ["DATA_DIR"])
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(work)
    out_stream, sys.stdout = sys.stdout, sys.stderr  # scaffoldmaker prints progress
    ZincHelper = _helper_class(base)
    report: dict = {"impl": os.environ.get("ZINC_IMPL", "sparc"), "outputs": {}, "errors": {}}

    def run(key: str, call, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            call(ZincHelper())  # a fresh helper per call: sparc.client's keeps its region
        except Exception as exc:  # recorded for the test to compare
            report["errors"][key] = [type(exc).__name__, [c.__name__ for c in type(exc).__mro__]]
        report["outputs"][key] = _files(folder)

    for ds, organ in ((207, "heart"), (208, "bladder")):
        out = work / f"{organ}_vtk"
        run(f"{organ}_vtk", lambda z, ds=ds, out=out: z.get_scaffold_as_vtk(ds, str(out)), out)
        out = work / f"{organ}_stl"
        run(f"{organ}_stl", lambda z, ds=ds, out=out: z.get_scaffold_as_stl(ds, str(out)), out)
    for ds, name in ((209, "stomach_segmentation.xml"), (207, "heart_ventricles.xml")):
        out = work / f"mbf_{ds}"
        target = out / (Path(name).stem + ".vtk")
        run(f"mbf_{ds}", lambda z, ds=ds, name=name, t=target: z.get_mbf_vtk(ds, name, str(t)),
            out)
    # a dataset whose only JSON is no scaffold, and one that does not exist
    out = work / "none"
    run("no_scaffold", lambda z: z.get_scaffold_as_vtk(202, str(out)), out)
    run("no_dataset", lambda z: z.get_scaffold_as_vtk(999999, str(out)), out)

    analysed = {}
    for name, organs in (("stomach_segmentation.xml", ["stomach", "esophagus"]),
                         ("heart_ventricles.xml", "heart")):
        shutil.copy(data / name, work / name)
        analysed[name] = ZincHelper().analyse(name, organs)
    analysed["unknown organ"] = ZincHelper().analyse("heart_ventricles.xml", "brain")
    report["analyse"] = analysed
    json.dump(report, out_stream)
    return 0


if __name__ == "__main__":
    sys.exit(main())
