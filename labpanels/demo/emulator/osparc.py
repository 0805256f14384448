"""The o²S²PARC public API v0 (``/v0/...``), as ``osparc-api-openapi.json`` (0.13.0) states it.

Both client generations work against it: osparc 0.5.0 (one multipart ``PUT /v0/files/content``)
and osparc 0.8.5 (``GET /v0/files:search`` -> ``POST /v0/files/content`` -> part ``PUT``s on
presigned URLs answering a *quoted* ``ETag`` -> ``POST /v0/files/{id}:complete``).
HTTP Basic auth with the configured key/secret on everything but ``/v0/meta``; errors use
``ErrorGet`` (``{"errors": [...], "support_id": null}``), validation errors 422 with
``{"errors": [{"loc", "msg", "type"}]}``.  File and log downloads answer 307 to the fake
object store under ``/s3/...``.  Studies (``/v0/studies``) are served by :mod:`.studies`;
a few finished solver jobs of the past are seeded (:func:`.jobs.seed_past_jobs`) so that a
solver's job listing has a history from the start.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import os
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import quote, unquote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from .common import Settings, Signer, base_url, s3_error
from .jobs import (
    SOLVERS,
    FileStore,
    Job,
    JobRunner,
    Port,
    Run,
    Solver,
    cancel_all,
    log_name,
    seed_past_jobs,
)

__all__ = ["OsparcService"]

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
SHA256 = re.compile(r"^[a-fA-F0-9]{64}$")
FILES_BUCKET = "simcore-api-files"
UPLOADS_BUCKET = "simcore-api-uploads"
LOGS_BUCKET = "simcore-api-logs"
STUDY_LOGS_BUCKET = "simcore-api-study-logs"


def error(status: int, *messages: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(
        {"errors": list(messages), "support_id": None}, status_code=status, headers=headers
    )


def invalid(loc: list, msg: str, typ: str = "value_error") -> JSONResponse:
    return JSONResponse({"errors": [{"loc": loc, "msg": msg, "type": typ}]}, status_code=422)


class Problem(Exception):
    def __init__(self, response: Response):
        self.response = response


def _semver_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


class OsparcService:
    def __init__(self, settings: Settings, signer: Signer):
        self.settings = settings
        self.signer = signer
        self.store = FileStore(settings.data_dir)
        self.runner = JobRunner(settings, self.store)
        self.solvers: list[Solver] = list(SOLVERS)
        self.faults: list[dict] = []
        self.streaming: set[str] = set()  # jobs whose log stream is being read
        from .studies import StudyService, seed_studies  # studies.py imports this module

        self.studies = StudyService(self, self.runner)
        for study in seed_studies(self.store, self.solvers):
            self.studies.add(study)
        seed_past_jobs(self.runner, self.solvers)
        self.profile = {
            "id": 1,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "login": "ada.lovelace@example.org",
            "role": "USER",
            "groups": {
                "me": {"gid": "3", "label": "ada.lovelace", "description": "primary group"},
                "organizations": [
                    {"gid": "2", "label": "labpanels", "description": "demo organization"}
                ],
                "all": {"gid": "1", "label": "Everyone", "description": "all users"},
            },
            "gravatar_id": hashlib.md5(b"ada.lovelace@example.org").hexdigest(),
        }

    # ------------------------------------------------------------------ plumbing
    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.settings.api_key) and hmac.compare_digest(
            password, self.settings.api_secret
        )

    def _fault(self, request: Request) -> Response | None:
        for fault in self.faults:
            if request.url.path.startswith(fault["path"]) and fault["times"] > 0:
                fault["times"] -= 1
                headers = (
                    {"Retry-After": str(fault["retry_after"])}
                    if fault.get("retry_after") is not None
                    else None
                )
                return error(
                    fault["status"], fault.get("message") or "injected fault", headers=headers
                )
        return None

    def _guard(self, fn, *, auth: bool = True):
        async def endpoint(request: Request) -> Response:
            injected = self._fault(request)
            if injected is not None:
                return injected
            if auth and not self._authorised(request):
                return error(
                    401,
                    "Unauthorized: invalid API key or secret",
                    headers={"WWW-Authenticate": "Basic"},
                )
            try:
                return await fn(request)
            except Problem as p:
                return p.response

        return endpoint

    @staticmethod
    async def _json(request: Request):
        try:
            return await request.json()
        except ValueError:
            raise Problem(invalid(["body"], "JSON decode error", "json_invalid")) from None

    async def _body_object(self, request: Request, name: str) -> dict:
        """The object under ``name`` in the JSON body (a 422 answer when it is missing)."""
        body = await self._json(request)
        value = body.get(name) if isinstance(body, dict) else None
        if not isinstance(value, dict):
            raise Problem(invalid(["body", name], "Field required", "missing"))
        return value

    async def stop_all(self) -> None:
        """Stop every solver job and study job that still runs (when the server stops)."""
        await cancel_all([*self.runner.jobs.values(), *self.studies.jobs.values()])

    @staticmethod
    def _page_params(request: Request, default: int = 20) -> tuple[int, int]:
        try:
            limit = int(request.query_params.get("limit", default))
            offset = int(request.query_params.get("offset", 0))
        except ValueError:
            raise Problem(
                invalid(["query", "limit"], "Input should be a valid integer", "int_parsing")
            ) from None
        if not 1 <= limit <= 50:
            raise Problem(
                invalid(["query", "limit"], "Input should be between 1 and 50", "less_than_equal")
            )
        if offset < 0:
            raise Problem(
                invalid(
                    ["query", "offset"],
                    "Input should be greater than or equal to 0",
                    "greater_than_equal",
                )
            )
        return limit, offset

    @staticmethod
    def _page(request: Request, items: list, limit: int, offset: int) -> dict:
        base = base_url(request) + request.url.path
        other = [
            (k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")
        ]

        def link(off: int) -> str:
            return f"{base}?{urlencode([*other, ('limit', limit), ('offset', off)])}"

        total = len(items)
        last = max(0, (math.ceil(total / limit) - 1) * limit) if total else 0
        return {
            "items": items[offset : offset + limit],
            "total": total,
            "limit": limit,
            "offset": offset,
            "links": {
                "first": link(0),
                "last": link(last),
                "self": link(offset),
                "next": link(offset + limit) if offset + limit < total else None,
                "prev": link(max(0, offset - limit)) if offset > 0 else None,
            },
        }

    # ------------------------------------------------------------------ meta / profile
    async def meta(self, request: Request) -> Response:
        base = base_url(request)
        return JSONResponse(
            {
                "name": "simcore_service_api_server",
                "version": "0.13.0",
                "released": {"v0": "0.13.0"},
                "docs_url": f"{base}/doc",
                "docs_dev_url": f"{base}/dev/doc",
            }
        )

    async def me(self, request: Request) -> Response:
        if request.method == "PUT":
            body = await self._json(request)
            if not isinstance(body, dict):
                return invalid(["body"], "Input should be a valid dictionary", "dict_type")
            for key in ("first_name", "last_name"):
                if key in body:
                    self.profile[key] = body[key]
        return JSONResponse(self.profile)

    # ------------------------------------------------------------------ files
    def file_download_url(self, request: Request, file_id: str, filename: str) -> str:
        return self.signer.url(base_url(request), FILES_BUCKET, f"{file_id}/{filename}")

    async def files_endpoint(self, request: Request) -> Response:
        rest = request.path_params["rest"]
        method = request.method
        if rest == "" and method == "GET":
            return JSONResponse([f.dto() for f in self.store.files.values()])
        if rest == ":search" and method == "GET":
            return self._search_files(request)
        if rest == "/page" and method == "GET":
            limit, offset = self._page_params(request)
            return JSONResponse(
                self._page(request, [f.dto() for f in self.store.files.values()], limit, offset)
            )
        if rest == "/content" and method == "PUT":
            return await self._upload_multipart(request)
        if rest == "/content" and method == "POST":
            return await self._upload_links(request)
        m = re.fullmatch(r"/([^/:]+)(:complete|:abort|/content)?", rest)
        if not m:
            return error(404, f"Not found: {request.url.path}")
        file_id, action = m.group(1), m.group(2)
        try:
            uuid.UUID(file_id)
        except ValueError:
            return invalid(["path", "file_id"], "Input should be a valid UUID", "uuid_parsing")
        if action == ":complete" and method == "POST":
            return await self._complete(request, file_id)
        if action == ":abort" and method == "POST":
            self.store.uploads.pop(file_id, None)
            return JSONResponse({})
        stored = self.store.files.get(file_id)
        if stored is None:
            return error(404, f"File with identifier {file_id} not found")
        if action == "/content" and method == "GET":
            return RedirectResponse(
                self.file_download_url(request, file_id, stored.filename), status_code=307
            )
        if action is None and method == "GET":
            return JSONResponse(stored.dto())
        if action is None and method == "DELETE":
            del self.store.files[file_id]
            return JSONResponse({})
        return error(405, "Method Not Allowed")

    def _search_files(self, request: Request) -> Response:
        q = request.query_params
        sha = q.get("sha256_checksum")
        fid = q.get("file_id")
        if sha is not None and not SHA256.match(sha):
            return invalid(
                ["query", "sha256_checksum"],
                "String should match pattern '^[a-fA-F0-9]{64}$'",
                "string_pattern_mismatch",
            )
        limit, offset = self._page_params(request)
        hits = [
            f.dto()
            for f in self.store.files.values()
            if (sha is None or f.sha256 == sha.lower()) and (fid is None or f.id == fid)
        ]
        return JSONResponse(self._page(request, hits, limit, offset))

    async def _upload_multipart(self, request: Request) -> Response:
        form = await request.form(max_part_size=1 << 40)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return invalid(["body", "file"], "Field required", "missing")
        file_id = str(uuid.uuid4())
        path = os.path.join(self.store._dir(file_id), "content")
        with open(path, "wb") as fh:
            while chunk := await upload.read(1 << 20):
                fh.write(chunk)
        await form.close()
        stored = self.store.register(file_id, upload.filename or "file", path)
        return JSONResponse(stored.dto())

    async def _upload_links(self, request: Request) -> Response:
        body = await self._json(request)
        client_file = body.get("client_file", body) if isinstance(body, dict) else None
        if not isinstance(client_file, dict):
            return invalid(["body"], "Field required", "missing")
        filename, size, sha = (
            client_file.get("filename"),
            client_file.get("filesize"),
            client_file.get("sha256_checksum"),
        )
        if not isinstance(filename, str) or not filename:
            return invalid(["body", "filename"], "Field required", "missing")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            return invalid(["body", "filesize"], "Input should be a valid integer >= 0", "int_type")
        if not isinstance(sha, str) or not SHA256.match(sha):
            return invalid(
                ["body", "sha256_checksum"],
                "String should match pattern '^[a-fA-F0-9]{64}$'",
                "string_pattern_mismatch",
            )
        file_id = str(uuid.uuid4())
        chunk = self.settings.upload_chunk_size
        n_parts = max(1, math.ceil(size / chunk))
        base = base_url(request)
        urls = [
            self.signer.url(base, UPLOADS_BUCKET, f"{file_id}/{n}", method="PUT")
            for n in range(1, n_parts + 1)
        ]
        self.store.uploads[file_id] = {
            "filename": filename,
            "size": size,
            "sha256": sha.lower(),
            "parts": {},
            "n_parts": n_parts,
        }
        return JSONResponse(
            {
                "file_id": file_id,
                "upload_schema": {
                    "chunk_size": chunk,
                    "urls": urls,
                    "links": {
                        "abort_upload": f"/v0/files/{file_id}:abort",
                        "complete_upload": f"/v0/files/{file_id}:complete",
                    },
                },
            }
        )

    async def upload_part(self, request: Request, key: str) -> Response:
        m = re.fullmatch(r"([0-9a-f-]{36})/(\d+)", key)
        pending = self.store.uploads.get(m.group(1)) if m else None
        if pending is None:
            return Response(
                s3_error("NoSuchUpload", "The specified upload does not exist.", key),
                status_code=404,
                media_type="application/xml",
            )
        part = int(m.group(2))
        path = self.store.new_upload_path(m.group(1), part)
        md5 = hashlib.md5()
        with open(path, "wb") as fh:
            async for chunk in request.stream():
                fh.write(chunk)
                md5.update(chunk)
        pending["parts"][part] = (path, md5.hexdigest())
        return Response(b"", status_code=200, headers={"ETag": f'"{md5.hexdigest()}"'})

    async def _complete(self, request: Request, file_id: str) -> Response:
        body = await self._json(request)
        pending = self.store.uploads.get(file_id)
        if pending is None:
            if file_id in self.store.files:
                return JSONResponse(self.store.files[file_id].dto())
            return error(404, f"File with identifier {file_id} not found")
        parts = (body.get("uploaded_parts") or {}).get("parts") if isinstance(body, dict) else None
        if not isinstance(parts, list):
            return invalid(["body", "uploaded_parts", "parts"], "Field required", "missing")
        numbers = sorted(int(p.get("number", 0)) for p in parts)
        expected = math.ceil(pending["size"] / self.settings.upload_chunk_size)
        if numbers != list(range(1, expected + 1)):
            return error(409, f"Expected parts 1..{expected}, got {numbers}")
        for p in parts:
            got = pending["parts"].get(int(p["number"]))
            if got is None or str(p.get("e_tag", "")).strip('"') != got[1]:
                return error(
                    409, f"Part {p.get('number')} was not uploaded or its e_tag does not match"
                )
        final = os.path.join(self.store._dir(file_id), "content")
        with open(final, "wb") as out:
            for n in numbers:
                with open(pending["parts"][n][0], "rb") as src:
                    while data := src.read(1 << 20):
                        out.write(data)
                os.remove(pending["parts"][n][0])
        if len(numbers) <= 1:
            e_tag = pending["parts"][1][1] if numbers else hashlib.md5(b"").hexdigest()
        else:  # S3 multipart ETag: md5 of the parts' md5 digests, "-N"
            digest = hashlib.md5(b"".join(bytes.fromhex(pending["parts"][n][1]) for n in numbers))
            e_tag = f"{digest.hexdigest()}-{len(numbers)}"
        stored = self.store.register(file_id, pending["filename"], final, e_tag=e_tag)
        del self.store.uploads[file_id]
        if stored.sha256 != pending["sha256"] or stored.size != pending["size"]:
            del self.store.files[file_id]
            return error(409, "Uploaded content does not match the announced size/sha256_checksum")
        return JSONResponse(stored.dto())

    # ------------------------------------------------------------------ solvers
    def solver_dto(self, request: Request, s: Solver) -> dict:
        return {
            "id": s.key,
            "version": s.version,
            "title": s.title,
            "description": s.description,
            "maintainer": s.maintainer,
            "url": f"{base_url(request)}/v0/solvers/{quote(s.key, safe='')}/releases/{s.version}",
            "version_display": s.version_display,
        }

    def _latest(self) -> list[Solver]:
        best: dict[str, Solver] = {}
        for s in self.solvers:
            if s.key not in best or _semver_key(s.version) > _semver_key(best[s.key].version):
                best[s.key] = s
        return list(best.values())

    def _releases(self, key: str) -> list[Solver]:
        found = sorted(
            (s for s in self.solvers if s.key == key), key=lambda s: _semver_key(s.version)
        )
        if not found:
            raise Problem(error(404, f"Solver {key} not found"))
        return found

    def _solver(self, key: str, version: str) -> Solver:
        if not SEMVER.match(version):
            raise Problem(
                invalid(
                    ["path", "version"],
                    "String should match a semantic version pattern",
                    "string_pattern_mismatch",
                )
            )
        for s in self._releases(key):
            if s.version == version:
                return s
        raise Problem(error(404, f"Solver {key}:{version} not found"))

    def job_dto(self, request: Request, job: Job) -> dict:
        qkey = quote(job.solver.key, safe="")
        runner = f"solvers/{qkey}/releases/{job.solver.version}"
        url = f"{base_url(request)}/v0/{runner}"
        return {
            "id": job.id,
            "name": f"{runner}/jobs/{job.id}",
            "inputs_checksum": self._checksum(job.inputs),
            "created_at": job.created_at,
            "runner_name": runner,
            "url": f"{url}/jobs/{job.id}",
            "runner_url": url,
            "outputs_url": f"{url}/jobs/{job.id}/outputs",
        }

    @staticmethod
    def _checksum(inputs: dict) -> str:
        return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()

    def _coerce(self, port: Port, value, loc: list):
        if value is None:
            return None
        if port.is_file:
            if not isinstance(value, dict) or not isinstance(value.get("id"), str):
                raise Problem(
                    invalid(
                        loc, "Input should be a File (an object with id and filename)", "model_type"
                    )
                )
            stored = self.store.files.get(value["id"])
            if stored is None:
                raise Problem(error(404, f"File with identifier {value['id']} not found"))
            return stored.dto()
        kind = port.type
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, int | float) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.lower() in ("true", "false", "0", "1"):
                return value.lower() in ("true", "1")
            raise Problem(invalid(loc, "Input should be a valid boolean", "bool_type"))
        if kind == "integer":
            if isinstance(value, bool):
                raise Problem(invalid(loc, "Input should be a valid integer", "int_type"))
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
                return int(value)
            raise Problem(invalid(loc, "Input should be a valid integer", "int_type"))
        if kind == "number":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
            raise Problem(invalid(loc, "Input should be a valid number", "float_type"))
        if kind == "string":
            if isinstance(value, str):
                return value
            raise Problem(invalid(loc, "Input should be a valid string", "string_type"))
        return value

    async def solvers_endpoint(self, request: Request) -> Response:
        rest = request.path_params["rest"].strip("/")
        parts = [p for p in rest.split("/") if p] if rest else []
        method = request.method
        if not parts:
            return JSONResponse([self.solver_dto(request, s) for s in self._latest()])
        if parts == ["releases"]:
            return JSONResponse([self.solver_dto(request, s) for s in self.solvers])
        if parts == ["page"]:
            limit, offset = self._page_params(request)
            return JSONResponse(
                self._page(
                    request, [self.solver_dto(request, s) for s in self._latest()], limit, offset
                )
            )
        if parts[-1] == "latest" and "releases" not in parts:
            key = "/".join(parts[:-1])
            return JSONResponse(self.solver_dto(request, self._releases(key)[-1]))
        if "releases" not in parts:
            return error(404, f"Not found: {request.url.path}")
        i = parts.index("releases")
        key, tail = "/".join(parts[:i]), parts[i + 1 :]
        if not tail:
            return JSONResponse([self.solver_dto(request, s) for s in self._releases(key)])
        version, tail = tail[0], tail[1:]
        if key == "-" or version == "-":  # "my jobs" across solvers/releases
            if tail == ["jobs"] and method == "GET":
                return self._list_jobs(request, key, version, paged=False)
            if tail == ["jobs", "page"] and method == "GET":
                return self._list_jobs(request, key, version, paged=True)
            return error(404, f"Not found: {request.url.path}")
        solver = self._solver(key, version)
        if not tail:
            return JSONResponse(self.solver_dto(request, solver))
        if tail == ["ports"]:
            items = [
                {"key": p.key, "kind": p.kind, "content_schema": p.content_schema()}
                for p in [*solver.inputs, *solver.outputs]
            ]
            return JSONResponse({"total": len(items), "items": items})
        if tail == ["pricing_plan"]:
            return error(404, f"No pricing plan for {key}:{version}")
        if tail[0] != "jobs":
            return error(404, f"Not found: {request.url.path}")
        tail = tail[1:]
        if not tail:
            if method == "POST":
                return await self._create_job(request, solver)
            return self._list_jobs(request, key, version, paged=False)
        if tail == ["page"]:
            return self._list_jobs(request, key, version, paged=True)
        job_id, _, action = tail[0].partition(":")
        job = self._job(solver, job_id)
        sub = tail[1:]
        if action:
            if method != "POST" or sub:
                return error(405, "Method Not Allowed")
            return await self.job_action(job, action, lambda: self.runner.start(job))
        if not sub:
            if method == "DELETE":
                await job.cancel()
                del self.runner.jobs[job.id]
                return Response(status_code=204)
            return JSONResponse(self.job_dto(request, job))
        if sub == ["outputs"]:
            return self._outputs(job)
        if sub == ["outputs", "logfile"]:
            if not job.done or job.log_zip is None:
                return error(
                    404,
                    f"Log for {job.id} not found. Note that these logs are only available "
                    "after the job is completed.",
                )
            url = self.signer.url(
                base_url(request), LOGS_BUCKET, f"{job.id}/{log_name(job)}.zip"
            )
            return RedirectResponse(url, status_code=307)
        if sub == ["logstream"]:
            return self._logstream(job)
        if sub == ["metadata"]:
            if method == "PATCH":
                job.metadata = await self._body_object(request, "metadata")
            url = f"{self.job_dto(request, job)['url']}/metadata"
            return JSONResponse({"job_id": job.id, "metadata": job.metadata, "url": url})
        return error(404, f"Not found: {request.url.path}")

    def _job(self, solver: Solver, job_id: str) -> Job:
        try:
            uuid.UUID(job_id)
        except ValueError:
            raise Problem(
                invalid(["path", "job_id"], "Input should be a valid UUID", "uuid_parsing")
            ) from None
        job = self.runner.jobs.get(job_id)
        if job is None or job.solver.key != solver.key or job.solver.version != solver.version:
            raise Problem(error(404, f"Job {job_id} does not exist"))
        return job

    async def _create_job(self, request: Request, solver: Solver) -> Response:
        values = await self._body_object(request, "values")
        ports = {p.key: p for p in solver.inputs}
        inputs = {}
        for key, value in values.items():
            if key not in ports:
                return invalid(
                    ["body", "values", key], f"{solver.key}:{solver.version} has no input '{key}'"
                )
            inputs[key] = self._coerce(ports[key], value, ["body", "values", key])
        for p in solver.inputs:
            if p.key not in inputs and p.default is not None:
                inputs[p.key] = p.default
        job = self.runner.create(solver, inputs)
        return JSONResponse(self.job_dto(request, job), status_code=201)

    @staticmethod
    async def job_action(job: Run, action: str, start: Callable[[], None]) -> Response:
        """``:start`` (202; 200 when started already), ``:inspect`` and ``:stop`` of a solver
        job or a study job: each answers its ``JobStatus``."""
        if action == "start":
            if job.state != "NOT_STARTED":
                return JSONResponse(job.status(), status_code=200)
            start()
            return JSONResponse(job.status(), status_code=202)
        if action == "inspect":
            return JSONResponse(job.status())
        if action == "stop":
            await job.cancel()
            return JSONResponse(job.status())
        return error(404, f"Unknown action: {action}")

    def _outputs(self, job: Job) -> Response:
        if job.state != "SUCCESS" or job.outputs is None:
            return error(409, f"Job {job.id} has no outputs: its state is {job.state}")
        results = {}
        for port in job.solver.outputs:
            value = job.outputs.get(port.key)
            if isinstance(value, dict) and value.get("id") in self.store.files:
                value = self.store.files[value["id"]].dto()
            results[port.key] = value
        return JSONResponse({"job_id": job.id, "results": results})

    def _list_jobs(self, request: Request, key: str, version: str, *, paged: bool) -> Response:
        jobs = [
            j
            for j in self.runner.jobs.values()
            if (key == "-" or j.solver.key == key)
            and (version == "-" or j.solver.version == version)
        ]
        if key != "-" and version != "-":
            self._solver(key, version)
        items = [self.job_dto(request, j) for j in jobs]
        if not paged:
            return JSONResponse(items[:20])
        limit, offset = self._page_params(request)
        return JSONResponse(self._page(request, items, limit, offset))

    def _logstream(self, job: Job) -> Response:
        node_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"node/{job.id}"))
        if job.id in self.streaming:
            return error(409, f"Logs for job {job.id} are already being streamed")
        self.streaming.add(job.id)

        async def lines():
            sent = 0
            deadline = time.monotonic() + 3600
            try:
                while time.monotonic() < deadline:
                    while sent < len(job.logs):
                        _, level, msg = job.logs[sent]
                        sent += 1
                        entry = {"job_id": job.id, "node_id": node_id, "log_level": level,
                                 "messages": [msg]}
                        yield json.dumps(entry) + "\n"
                    if job.done or job.state == "NOT_STARTED":
                        return
                    await asyncio.sleep(0.05)
            finally:
                self.streaming.discard(job.id)

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    # ------------------------------------------------------------------ object store
    def s3_get(self, request: Request, bucket: str, key: str) -> Response | None:
        if bucket == FILES_BUCKET:
            file_id = key.split("/", 1)[0]
            stored = self.store.files.get(file_id)
            if stored is None:
                return None

            def chunks():
                with open(stored.path, "rb") as fh:
                    while data := fh.read(1 << 16):
                        yield data

            return StreamingResponse(
                chunks(),
                media_type=stored.content_type,
                headers={
                    "Content-Length": str(stored.size),
                    "ETag": f'"{stored.e_tag}"',
                    "Content-Disposition": f'attachment; filename="{stored.filename}"',
                },
            )
        if bucket == STUDY_LOGS_BUCKET:
            text = self.studies.log_text(unquote(key))
            if text is None:
                return None
            return Response(text, media_type="text/plain; charset=utf-8")
        if bucket == LOGS_BUCKET:
            job = self.runner.jobs.get(key.split("/", 1)[0])
            if job is None or job.log_zip is None:
                return None
            name = unquote(key.split("/", 1)[1]) if "/" in key else "logs.zip"
            return Response(
                job.log_zip,
                media_type="application/zip",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return None

    async def faults_endpoint(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return JSONResponse({"faults": []})
        if request.method == "POST":
            body = await request.json()
            self.faults.append(
                {
                    "path": body.get("path", "/v0"),
                    "status": int(body.get("status", 503)),
                    "times": int(body.get("times", 1)),
                    "retry_after": body.get("retry_after"),
                    "message": body.get("message"),
                }
            )
        return JSONResponse({"faults": self.faults})

    def routes(self) -> list[Route]:
        every = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return [
            Route("/v0/meta", self._guard(self.meta, auth=False)),
            Route("/v0/me", self._guard(self.me), methods=["GET", "PUT"]),
            Route("/v0/files{rest:path}", self._guard(self.files_endpoint), methods=every),
            Route("/v0/solvers{rest:path}", self._guard(self.solvers_endpoint), methods=every),
            Route("/v0/studies{rest:path}", self._guard(self.studies.endpoint), methods=every),
            Route("/_emulator/faults", self.faults_endpoint, methods=["GET", "POST", "DELETE"]),
        ]
