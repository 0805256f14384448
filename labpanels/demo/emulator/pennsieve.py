"""The Pennsieve discover API (``/discover/...``) and the object store behind its URLs.

Paths, parameters, defaults and JSON shapes follow ``discover-service.yml``; error bodies
are JSON strings as the real service sends them (404 ``"<id>"``, 401/403
``"Dataset is under embargo"``), unpublished datasets answer 410 with a tombstone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .common import (
    BadParam,
    Settings,
    Signer,
    base_url,
    int_param,
    parse_bool,
    s3_error,
    zip_date,
    zip_stream,
)
from .seed import Dataset, DatasetVersion, Seed
from .tree import DirNode, FileNode

__all__ = ["DiscoverService"]

ORDER_BY = ("name", "date", "size", "relevance")
ORDER_DIRECTION = ("asc", "desc")


def jstring(message: str, status: int) -> JSONResponse:
    """The discover service's error style: the body is a bare JSON string."""
    return JSONResponse(message, status_code=status)


class Problem(Exception):
    def __init__(self, response: Response):
        self.response = response


def _content_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {
        "csv": "text/csv",
        "json": "application/json",
        "md": "text/markdown",
        "txt": "text/plain",
        "png": "image/png",
        "zip": "application/zip",
    }.get(ext, "application/octet-stream")


class DiscoverService:
    def __init__(self, seed: Seed, settings: Settings, signer: Signer):
        self.seed = seed
        self.settings = settings
        self.signer = signer

    # ------------------------------------------------------------------ DTOs
    def dataset_dto(self, request: Request, ds: Dataset, dv: DatasetVersion) -> dict:
        base = base_url(request)
        models: dict[str, int] = {}
        for r in self.seed.records:
            if r["datasetId"] == ds.id and r["version"] == dv.version:
                models[r["model"]] = models.get(r["model"], 0) + 1
        owner = ds.owner
        return {
            "id": ds.id,
            "sourceDatasetId": ds.id * 7 + 3,
            "name": ds.name,
            "description": dv.description or ds.description,
            "ownerId": 1000 + ds.id,
            "ownerFirstName": owner["firstName"],
            "ownerLastName": owner["lastName"],
            "ownerOrcid": owner["orcid"],
            "organizationName": ds.organization,
            "organizationId": ds.organization_id,
            "license": ds.license,
            "tags": list(ds.tags),
            "version": dv.version,
            "revision": dv.revision,
            "size": dv.tree.total_size,
            "modelCount": [{"modelName": k, "count": v} for k, v in sorted(models.items())],
            "fileCount": dv.tree.file_count,
            "recordCount": sum(models.values()),
            "uri": dv.uri(),
            "arn": f"arn:aws:s3:::{dv.bucket}/{dv.key_prefix}",
            "status": dv.status,
            "doi": dv.doi,
            "banner": f"{base}/dataset-assets/{ds.id}/{dv.version}/banner.png",
            "readme": f"{base}/dataset-assets/{ds.id}/{dv.version}/readme.md",
            "changelog": None,
            "contributors": [dict(c) for c in ds.contributors],
            "collections": [],
            "externalPublications": list(ds.external_publications),
            "sponsorship": None,
            "pennsieveSchemaVersion": dv.schema_version,
            "createdAt": ds.created_at,
            "updatedAt": dv.published_at,
            "firstPublishedAt": ds.versions[0].published_at,
            "versionPublishedAt": dv.published_at,
            "revisedAt": None,
            "embargo": ds.embargo,
            "embargoReleaseDate": ds.embargo_release_date,
            "embargoAccess": "Requested" if ds.embargo else None,
            "datasetType": ds.dataset_type,
            "release": None,
            "doiCollection": None,
        }

    @staticmethod
    def tombstone(ds: Dataset, dv: DatasetVersion) -> dict:
        return {
            "id": ds.id,
            "version": dv.version,
            "name": ds.name,
            "tags": list(ds.tags),
            "status": dv.status,
            "doi": dv.doi,
            "updatedAt": dv.published_at,
        }

    def node_dto(self, dv: DatasetVersion, node: FileNode | DirNode) -> dict:
        if isinstance(node, DirNode):
            return {"type": "Directory", "name": node.name, "path": node.path, "size": node.size}
        file_type, package_type, icon = node.kind
        return {
            "type": "File",
            "name": node.name,
            "path": node.path,
            "size": node.size,
            "fileType": file_type,
            "uri": dv.uri(node.path),
            "packageType": package_type,
            "icon": icon,
            "sourcePackageId": node.source_package_id,
            "createdAt": node.created_at,
            "s3Version": dv.s3_version(node.path) if dv.migrated else None,
            "sha256": None,
        }

    def presigned(self, request: Request, dv: DatasetVersion, path: str) -> str:
        extra = {"versionId": dv.s3_version(path)} if dv.migrated else None
        return self.signer.url(base_url(request), dv.bucket, dv.key_prefix + path, extra=extra)

    # ------------------------------------------------------------------ lookups
    def _dataset(self, dataset_id: int) -> Dataset:
        ds = self.seed.datasets.get(dataset_id)
        if ds is None:
            raise Problem(jstring(str(dataset_id), 404))
        return ds

    def _version(self, dataset_id: int, version: int) -> tuple[Dataset, DatasetVersion]:
        ds = self._dataset(dataset_id)
        dv = ds.get_version(version)
        if dv is None:
            raise Problem(jstring(str(dataset_id), 404))
        if dv.status == "UNPUBLISHED":
            raise Problem(JSONResponse(self.tombstone(ds, dv), status_code=410))
        return ds, dv

    @staticmethod
    def _embargo_check(request: Request, ds: Dataset) -> None:
        if ds.embargo:
            if request.headers.get("authorization", "").lower().startswith("bearer "):
                raise Problem(jstring("Dataset is under embargo", 403))
            raise Problem(jstring("Dataset is under embargo", 401))

    # ------------------------------------------------------------------ search helpers
    @staticmethod
    def _order(request: Request) -> tuple[str, str]:
        order_by = (request.query_params.get("orderBy") or "relevance").lower()
        direction = (request.query_params.get("orderDirection") or "desc").lower()
        if order_by not in ORDER_BY:
            raise BadParam(f"invalid orderBy: {request.query_params.get('orderBy')}")
        if direction not in ORDER_DIRECTION:
            raise BadParam(f"invalid orderDirection: {request.query_params.get('orderDirection')}")
        return order_by, direction

    @staticmethod
    def _tokens(query: str | None) -> list[str]:
        return [t for t in re.split(r"[^\w]+", (query or "").lower()) if t]

    def _score(self, ds: Dataset, tokens: list[str]) -> int:
        text = " ".join([ds.name, ds.description, " ".join(ds.tags), ds.organization]).lower()
        return sum(text.count(t) for t in tokens)

    def _sorted(
        self, items: list[tuple[Dataset, int]], order_by: str, direction: str
    ) -> list[Dataset]:
        reverse = direction == "desc"
        if order_by == "name":
            items.sort(key=lambda it: it[0].name.lower(), reverse=reverse)
        elif order_by == "size":
            items.sort(key=lambda it: it[0].latest.tree.total_size, reverse=reverse)
        elif order_by == "date":
            items.sort(key=lambda it: it[0].latest.published_at, reverse=reverse)
        else:  # relevance: best score first (ties: newest first)
            items.sort(key=lambda it: (it[1], it[0].latest.published_at), reverse=reverse)
        return [ds for ds, _ in items]

    @staticmethod
    def _page(items: list, request: Request, default_limit: int) -> tuple[int, int, list]:
        limit = int_param(request, "limit", default_limit, minimum=0)
        offset = int_param(request, "offset", 0, minimum=0)
        return limit, offset, items[offset : offset + limit]

    # ------------------------------------------------------------------ endpoints
    async def search_datasets(self, request: Request) -> Response:
        q = request.query_params
        order_by, direction = self._order(request)
        tokens = self._tokens(q.get("query"))
        tags = [t.lower() for t in q.getlist("tags") if t]
        embargo = parse_bool(q.get("embargo"))
        org = (q.get("organization") or "").lower()
        org_id = int_param(request, "organizationId", None)
        hits = []
        for ds in self.seed.visible():
            if embargo is not None and ds.embargo != embargo:
                continue
            if tags and not {t.lower() for t in ds.tags} & set(tags):
                continue
            if org and ds.organization.lower() != org:
                continue
            if org_id is not None and ds.organization_id != org_id:
                continue
            score = self._score(ds, tokens) if tokens else 0
            if tokens and score == 0:
                continue
            hits.append((ds, score))
        return self._dataset_page(request, hits, order_by, direction)

    def _dataset_page(self, request: Request, hits: list, order_by: str,
                      direction: str) -> Response:
        """One page of (dataset, score) hits in the requested order, as the API sends it."""
        ordered = self._sorted(hits, order_by, direction)
        limit, offset, page = self._page(ordered, request, 10)
        return JSONResponse({
            "limit": limit, "offset": offset, "totalCount": len(ordered),
            "datasets": [self.dataset_dto(request, d, d.latest) for d in page],
        })

    async def list_datasets(self, request: Request) -> Response:
        q = request.query_params
        order_by, direction = self._order(request)
        raw_ids = [p for v in q.getlist("ids") for p in v.split(",") if p]
        try:
            ids = {int(v) for v in raw_ids}
        except ValueError:
            return jstring("ids must be numbers", 400)
        tags = [t.lower() for t in q.getlist("tags") if t]
        embargo = parse_bool(q.get("embargo"))
        dtype = q.get("datasetType")
        hits = []
        for ds in self.seed.visible():
            if ids and ds.id not in ids:
                continue
            if tags and not {t.lower() for t in ds.tags} & set(tags):
                continue
            if embargo is not None and ds.embargo != embargo:
                continue
            if dtype and ds.dataset_type != dtype:
                continue
            hits.append((ds, 0))
        return self._dataset_page(request, hits, order_by, direction)

    async def search_files(self, request: Request) -> Response:
        q = request.query_params
        limit = int_param(request, "limit", 10, minimum=0)
        offset = int_param(request, "offset", 0, minimum=0)
        file_type = (q.get("fileType") or "").lower()
        tokens = self._tokens(q.get("query"))
        org = (q.get("organization") or "").lower()
        org_id = int_param(request, "organizationId", None)
        dataset_id = int_param(request, "datasetId", None)
        total = 0
        page: list[dict] = []
        for ds in self.seed.visible():
            if ds.embargo or (dataset_id is not None and ds.id != dataset_id):
                continue
            if (org and ds.organization.lower() != org) or (
                org_id is not None and ds.organization_id != org_id
            ):
                continue
            dv = ds.latest
            for f in dv.tree.iter_files(""):
                name = f.name.lower()
                if tokens and not any(t in name for t in tokens):
                    continue
                ftype, ptype, icon = f.kind
                if file_type and ftype.lower() != file_type:
                    continue
                if offset <= total < offset + limit:
                    page.append(
                        {
                            "name": f.name,
                            "datasetId": ds.id,
                            "datasetVersion": dv.version,
                            "size": f.size,
                            "fileType": ftype,
                            "packageType": ptype,
                            "icon": icon,
                            "uri": dv.uri(f.path),
                            "createdAt": f.created_at,
                            "sourcePackageId": f.source_package_id,
                        }
                    )
                total += 1
        return JSONResponse({"limit": limit, "offset": offset, "totalCount": total, "files": page})

    async def search_records(self, request: Request) -> Response:
        q = request.query_params
        model = q.get("model")
        org = (q.get("organization") or "").lower()
        dataset_id = int_param(request, "datasetId", None)
        hits = []
        for r in self.seed.records:
            ds = self.seed.datasets[r["datasetId"]]
            if model and r["model"] != model:
                continue
            if org and ds.organization.lower() != org:
                continue
            if dataset_id is not None and r["datasetId"] != dataset_id:
                continue
            hits.append(r)
        limit, offset, page = self._page(hits, request, 10)
        return JSONResponse(
            {"limit": limit, "offset": offset, "totalCount": len(hits), "records": page}
        )

    async def tags(self, request: Request) -> Response:
        counts: dict[str, int] = {}
        for ds in self.seed.visible():
            for t in ds.tags:
                counts[t] = counts.get(t, 0) + 1
        return JSONResponse(
            [{"tag": t, "count": n} for t, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
        )

    async def get_dataset(self, request: Request) -> Response:
        ds = self._dataset(request.path_params["dataset_id"])
        dv = ds.latest
        if ds.unpublished or dv.status == "UNPUBLISHED":
            return JSONResponse(self.tombstone(ds, dv), status_code=410)
        return JSONResponse(self.dataset_dto(request, ds, dv))

    async def get_versions(self, request: Request) -> Response:
        ds = self._dataset(request.path_params["dataset_id"])
        return JSONResponse([self.dataset_dto(request, ds, dv) for dv in ds.versions])

    async def get_version(self, request: Request) -> Response:
        ds, dv = self._version(request.path_params["dataset_id"], request.path_params["version"])
        return JSONResponse(self.dataset_dto(request, ds, dv))

    async def by_doi(self, request: Request) -> Response:
        doi = f"{request.path_params['prefix']}/{request.path_params['suffix']}"
        for ds in self.seed.datasets.values():
            for dv in ds.versions:
                if dv.doi.lower() == doi.lower():
                    if dv.status == "UNPUBLISHED":
                        return JSONResponse(self.tombstone(ds, dv), status_code=410)
                    return JSONResponse(self.dataset_dto(request, ds, dv))
        return jstring(doi, 404)

    async def by_dois(self, request: Request) -> Response:
        dois = [d for d in request.query_params.getlist("doi") if d]
        if not dois:
            return jstring("missing DOIs", 400)
        published, unpublished = {}, {}
        wanted = {d.lower(): d for d in dois}
        for ds in self.seed.datasets.values():
            for dv in ds.versions:
                key = wanted.get(dv.doi.lower())
                if key is None:
                    continue
                if dv.status == "UNPUBLISHED":
                    unpublished[key] = self.tombstone(ds, dv)
                else:
                    published[key] = self.dataset_dto(request, ds, dv)
        return JSONResponse({"published": published, "unpublished": unpublished})

    async def browse(self, request: Request) -> Response:
        ds, dv = self._version(request.path_params["dataset_id"], request.path_params["version"])
        self._embargo_check(request, ds)
        limit = int_param(request, "limit", 100, minimum=0)
        offset = int_param(request, "offset", 0, minimum=0)
        path = (request.query_params.get("path") or "").strip("/")
        listing = dv.tree.list_dir(path, offset, limit)
        if listing is None:  # the real service answers an empty page for unknown folders
            total, nodes = 0, []
        else:
            total, nodes = listing
        return JSONResponse(
            {
                "limit": limit,
                "offset": offset,
                "totalCount": total,
                "files": [self.node_dto(dv, n) for n in nodes],
            }
        )

    def _normalise_file_path(self, ds: Dataset, dv: DatasetVersion, original: str) -> str:
        path = original.replace(f"s3://{dv.bucket}", "")
        path = path[1:] if path.startswith("/") else path
        prefix = dv.key_prefix
        if path.startswith(prefix):
            path = path[len(prefix) :]
        return path

    async def get_file(self, request: Request) -> Response:
        ds, dv = self._version(request.path_params["dataset_id"], request.path_params["version"])
        self._embargo_check(request, ds)
        original = request.query_params.get("path")
        if original is None:
            return jstring("missing query parameter: path", 400)
        node = dv.tree.node(self._normalise_file_path(ds, dv, original))
        if not isinstance(node, FileNode):
            return jstring(original, 404)
        return JSONResponse(self.node_dto(dv, node))

    def manifest_files(self, dv: DatasetVersion, paths: list[str]) -> list[FileNode]:
        seen: set[str] = set()
        out: list[FileNode] = []
        for p in paths:
            p = p.strip().strip("/")
            if not p:  # an empty path matches no file (not the whole dataset)
                continue
            for f in dv.tree.iter_files(p):
                if f.path not in seen:
                    seen.add(f.path)
                    out.append(f)
        return out

    def build_manifest(
        self, request: Request, dataset_id: int, version: int, body
    ) -> tuple[int, object]:
        """(status, body) of the download-manifest endpoint; zipit uses it directly."""
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("paths"), list)
            or not all(isinstance(p, str) for p in body["paths"])
        ):
            return 400, "The request content was malformed: paths is a required list of strings"
        root = body.get("rootPath")
        if root is not None and not isinstance(root, str):
            return 400, "The request content was malformed: rootPath must be a string"
        paths: list[str] = body["paths"]
        if root is not None and not all(p.startswith(root) for p in paths):
            return 400, "if root path is specified, all paths must begin with root path"
        try:
            ds, dv = self._version(dataset_id, version)
            self._embargo_check(request, ds)
        except Problem as p:
            return p.response.status_code, json.loads(p.response.body)
        files = self.manifest_files(dv, paths)
        size = sum(f.size for f in files)
        if size > self.settings.max_download_bytes:
            return 403, "requested files are too large to download"
        root_parts = [p for p in (root or "").split("/")] if root is not None else None
        data = []
        for f in files:
            dirs = f.path.split("/")[:-1]
            if root_parts is not None:
                rp = list(root_parts)
                while rp and dirs and rp[0] == dirs[0]:
                    rp.pop(0)
                    dirs.pop(0)
            data.append(
                {
                    "fileName": f.name,
                    "path": dirs,
                    "url": self.presigned(request, dv, f.path),
                    "size": f.size,
                }
            )
        return 200, {"header": {"count": len(files), "size": size}, "data": data}

    async def download_manifest(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return jstring("The request content was malformed: invalid JSON", 400)
        status, payload = self.build_manifest(
            request, request.path_params["dataset_id"], request.path_params["version"], body
        )
        return JSONResponse(payload, status_code=status)

    async def download_dataset(self, request: Request) -> Response:
        ds, dv = self._version(request.path_params["dataset_id"], request.path_params["version"])
        self._embargo_check(request, ds)
        if dv.tree.total_size > self.settings.max_download_bytes:
            return jstring("Dataset is too large to download directly.", 403)
        origin = request.query_params.get("downloadOrigin")
        if origin is not None and origin.lower() not in ("sparc", "discover"):
            return jstring(f"unknown download origin: {origin}", 400)
        prefix = f"Pennsieve-dataset-{ds.id}-version-{dv.version}"

        def entries():
            for f in dv.tree.iter_files(""):
                yield f"{prefix}/{f.path}", f.size, f.chunks, zip_date(f.created_at)

        return StreamingResponse(
            zip_stream(entries(), deflate=True),
            media_type="application/zip",
            headers={"Content-Disposition": f"attachment; filename={prefix}.zip"},
        )

    async def metadata(self, request: Request) -> Response:
        ds, dv = self._version(request.path_params["dataset_id"], request.path_params["version"])
        self._embargo_check(request, ds)
        node = dv.tree.node("manifest.json")
        if not isinstance(node, FileNode):
            return jstring(str(ds.id), 404)
        return StreamingResponse(
            node.chunks(), media_type="application/json", headers={"Content-Length": str(node.size)}
        )

    async def assets(self, request: Request) -> Response:
        ds, dv = self._version(request.path_params["dataset_id"], request.path_params["version"])
        name = request.path_params["name"]
        if name == "readme.md":
            return Response(
                f"# {ds.name}\n\n{ds.description}\n\n{ds.readme}\n", media_type="text/markdown"
            )
        if name == "banner.png":
            for f in dv.tree.iter_files(""):
                if f.name.endswith(".png"):
                    return Response(f.read(), media_type="image/png")
            from .seed import png_bytes

            return Response(png_bytes(8, 8, lambda x, y: (40, 90, 160)), media_type="image/png")
        return Response(
            s3_error("NoSuchKey", "The specified key does not exist.", name),
            status_code=404,
            media_type="application/xml",
        )

    # ------------------------------------------------------------------ object store
    def s3_object(self, bucket: str, key: str, query: dict[str, str]) -> FileNode | None:
        m = re.match(r"^(\d+)/(.*)$", key)
        if not m:
            return None
        ds = self.seed.datasets.get(int(m.group(1)))
        if ds is None:
            return None
        rest = m.group(2)
        candidates = []
        for dv in ds.versions:
            if dv.bucket != bucket:
                continue
            if dv.migrated:
                candidates.append((dv, rest))
            else:
                vm = re.match(r"^(\d+)/(.*)$", rest)
                if vm and int(vm.group(1)) == dv.version:
                    candidates.append((dv, vm.group(2)))
        version_id = query.get("versionId")
        for dv, path in reversed(candidates):
            if version_id and dv.migrated and dv.s3_version(path) != version_id:
                continue
            node = dv.tree.node(path)
            if isinstance(node, FileNode):
                return node
        return None

    def routes(self) -> list[Route]:
        def wrap(fn):
            async def endpoint(request: Request) -> Response:
                try:
                    return await fn(request)
                except Problem as p:
                    return p.response
                except BadParam as e:
                    return jstring(str(e), 400)

            return endpoint

        ds = "/discover/datasets/{dataset_id:int}"
        dv = ds + "/versions/{version:int}"
        return [
            Route("/discover/search/datasets", wrap(self.search_datasets)),
            Route("/discover/search/files", wrap(self.search_files)),
            Route("/discover/search/records", wrap(self.search_records)),
            Route("/discover/tags", wrap(self.tags)),
            Route("/discover/datasets", wrap(self.list_datasets)),
            Route("/discover/datasets/doi", wrap(self.by_dois)),
            Route("/discover/datasets/doi/{prefix}/{suffix:path}", wrap(self.by_doi)),
            Route(ds, wrap(self.get_dataset)),
            Route(ds + "/versions", wrap(self.get_versions)),
            Route(dv, wrap(self.get_version)),
            Route(dv + "/files", wrap(self.get_file)),
            Route(dv + "/files/browse", wrap(self.browse)),
            Route(dv + "/files/download-manifest", wrap(self.download_manifest), methods=["POST"]),
            Route(dv + "/download", wrap(self.download_dataset)),
            Route(dv + "/metadata", wrap(self.metadata)),
            Route("/dataset-assets/{dataset_id:int}/{version:int}/{name}", wrap(self.assets)),
        ]


def file_response(
    node: FileNode,
    *,
    filename: str | None = None,
    disposition: bool = False,
    etag: str | None = None,
    range_header: str | None = None,
) -> Response:
    """The object's bytes; a ``Range: bytes=N-[M]`` header gets a 206 slice, as S3 answers."""
    size = node.size
    headers = {"Content-Length": str(size), "Accept-Ranges": "bytes"}
    if disposition:
        headers["Content-Disposition"] = f'attachment; filename="{filename or node.name}"'
    if etag:
        headers["ETag"] = f'"{etag}"'
    media_type = _content_type(filename or node.name)
    m = re.fullmatch(r"\s*bytes=(\d+)-(\d*)\s*", range_header or "")
    if m is None:  # no Range (or a form S3 would ignore too): the whole object
        return StreamingResponse(node.chunks(), media_type=media_type, headers=headers)
    start = int(m.group(1))
    end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    if start >= size or end < start:
        return Response(
            s3_error("InvalidRange", "The requested range is not satisfiable", node.name),
            status_code=416,
            media_type="application/xml",
            headers={"Content-Range": f"bytes */{size}"},
        )
    headers["Content-Length"] = str(end - start + 1)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        _slice(node.chunks(), start, end + 1),
        status_code=206,
        media_type=media_type,
        headers=headers,
    )


def _slice(chunks: Iterator[bytes], start: int, stop: int) -> Iterator[bytes]:
    """Bytes ``start:stop`` of a chunk stream, without holding more than one chunk."""
    pos = 0
    for chunk in chunks:
        lo, hi = max(start - pos, 0), min(stop - pos, len(chunk))
        pos += len(chunk)
        if hi > lo:
            yield chunk[lo:hi]
        if pos >= stop:
            return


def iter_bytes(data: bytes, size: int = 65536) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]
