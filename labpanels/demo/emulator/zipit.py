"""The Pennsieve zipit service (``POST /zipit/discover``, ``POST /zipit/``).

As the real service: every answer is HTTP 200.  One file comes back raw
(``application/octet-stream``), several files or a folder as a stored (uncompressed) zip
stream; failures come back as a file named ``!ERROR.txt`` (``text/plain``) whose body is
``{"status": 400|422|500, "error": "...", "info": "..."}`` pretty-printed with two spaces.
Files that cannot be read mid-stream are listed in a ``!ERROR.txt`` entry inside the zip.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from .common import Settings, zip_date, zip_stream
from .pennsieve import DiscoverService

__all__ = ["ZipitService", "error_file"]

REQUEST_INVALID = "the request was invalid"
UNKNOWN = "there was an error creating the zip, please check the logs"
DATA_EMPTY = "no data to download"
SIZE_TOO_LARGE = "archive is too big to download"
ERROR_FILE = "!ERROR.txt"


def _status(error: str) -> int:
    return {REQUEST_INVALID: 400, SIZE_TOO_LARGE: 422}.get(error, 500)


def error_file(error: str, info: str = "") -> Response:
    body = json.dumps({"status": _status(error), "error": error, "info": info}, indent=2)
    return Response(
        body.encode(),
        status_code=200,
        media_type="text/plain",
        headers={"content-disposition": f'attachment; filename="{ERROR_FILE}"'},
    )


def _disposition(name: str, extension: str) -> str:
    return f'attachment; filename="{quote(name, safe="/;,?:@&=+$-_.!~*()#")}{extension}"'


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
            return True
        except ValueError:
            return False
    return False


class ZipitService:
    def __init__(self, discover: DiscoverService, settings: Settings):
        self.discover = discover
        self.settings = settings

    async def _body(self, request: Request) -> dict | None:
        ctype = request.headers.get("content-type", "")
        raw = await request.body()
        if not raw:
            return {}
        try:
            if "application/x-www-form-urlencoded" in ctype or "multipart/form-data" in ctype:
                form = await request.form()
                data = form.get("data")
                return {"data": json.loads(data) if isinstance(data, str) else data}
            return json.loads(raw)
        except ValueError:
            return None

    def _validate(self, body) -> tuple[dict | None, str]:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return None, "body.data is a required field"
        problems = []
        for key in ("datasetId", "version"):
            value = data.get(key)
            if value is None:
                problems.append(f"body.data.{key} is a required field")
            elif not _is_number(value):
                problems.append(
                    f"body.data.{key} must be a `number` type, but the final value was: `NaN` "
                    f"(cast from the value `{json.dumps(value)}`)."
                )
        paths = data.get("paths")
        if paths is None:
            problems.append("body.data.paths is a required field")
        elif not isinstance(paths, list):
            problems.append("body.data.paths must be a `array` type")
        elif len(paths) == 0:
            problems.append("body.data.paths field must have at least 1 items")
            problems.append("body.data.paths is a required field")
        elif data.get("archiveName") is not None and len(paths) < 2:
            problems.append(
                "body.data.archiveName can only be specified when multiple paths are specified"
            )
        if problems:
            return None, ",\n".join(problems)
        return data, ""

    async def discover_download(self, request: Request) -> Response:
        body = await self._body(request)
        data, info = self._validate(body)
        if data is None:
            return error_file(REQUEST_INVALID, info)
        dataset_id, version = int(float(data["datasetId"])), int(float(data["version"]))
        paths = [str(p) for p in data["paths"]]
        manifest_body = {"paths": paths}
        if data.get("rootPath") is not None:
            manifest_body["rootPath"] = data["rootPath"]
        status, manifest = self.discover.build_manifest(request, dataset_id, version, manifest_body)
        if status != 200:
            return error_file(UNKNOWN, f"Request failed with status code {status}")
        header, items = manifest["header"], manifest["data"]
        if header["count"] == 0 or not items:
            return error_file(DATA_EMPTY)
        if header["size"] >= self.settings.max_archive_bytes:
            return error_file(SIZE_TOO_LARGE)
        _, dv = self.discover._version(dataset_id, version)
        files = self.discover.manifest_files(dv, paths)
        if header["count"] == 1:
            node = files[0]
            return StreamingResponse(
                node.chunks(),
                media_type="application/octet-stream",
                headers={
                    "content-disposition": _disposition(items[0]["fileName"], ""),
                    "content-length": str(node.size),
                },
            )
        single_selection = len(paths) == 1
        archive = (items[0]["path"][0] if single_selection and items[0]["path"] else None) or (
            data.get("archiveName") or "pennsieve-data"
        )

        def entries():
            existing: dict[str, int] = {}
            for item, node in zip(items, files, strict=True):
                key = "/".join([*item["path"], item["fileName"]])
                n = existing.get(key, 0)
                existing[key] = n + 1
                name = key
                if n:
                    stem, dot, ext = item["fileName"].rpartition(".")
                    fname = f"{stem} ({n}).{ext}" if dot else f"{item['fileName']} ({n})"
                    name = "/".join([*item["path"], fname])
                yield name, node.size, node.chunks, zip_date(node.created_at)

        return StreamingResponse(
            zip_stream(entries(), deflate=False),
            media_type="application/zip",
            headers={"content-disposition": _disposition(archive, ".zip")},
        )

    async def platform_download(self, request: Request) -> Response:
        body = await self._body(request)
        api_key = request.query_params.get("api_key") or (body or {}).get("api_key")
        if not api_key:
            return error_file(
                REQUEST_INVALID, "api_key must be provided in query string or request body"
            )
        data = (body or {}).get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("nodeIds"):
            return error_file(REQUEST_INVALID, "body.data.nodeIds is a required field")
        # the emulator hosts no private workspace: the manifest request fails like an invalid key
        return error_file(UNKNOWN, "Request failed with status code 401")

    def routes(self) -> list[Route]:
        return [
            Route("/zipit/discover", self.discover_download, methods=["POST"]),
            Route("/zipit/", self.platform_download, methods=["POST"]),
            Route("/zipit", self.platform_download, methods=["POST"]),
        ]
