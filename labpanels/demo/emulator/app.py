"""One ASGI app serving the three emulated APIs at the root of ``host:port``.

=======================  ==========================================================
``/discover/...``        Pennsieve discover API (the real base is
                         ``https://api.pennsieve.io/discover``)
``/zipit/discover``      Pennsieve zipit (real: ``https://api.pennsieve.io/zipit``)
``/v0/...``              o²S²PARC public API v0 (real: ``https://api.osparc.io``);
                         at the root because osparc 0.8.5 joins ``/v0/...`` to the
                         host and drops any path prefix
``/s3/{bucket}/{key}``   fake object store behind presigned URLs (dataset files,
                         o²S²PARC downloads, upload parts, log zips)
``/dataset-assets/...``  readme/banner assets referenced by dataset DTOs
``/elastic/v1/...``      SciCrunch's Elasticsearch (the SPARC metadata index) and
``/doi/...``             DOI metadata (CSL-JSON): :mod:`.scicrunch`
``/``                    a JSON index; ``/healthz`` answers ``ok``
=======================  ==========================================================

So the same base URL replaces ``https://api.pennsieve.io`` and ``https://api.osparc.io``.
"""

from __future__ import annotations

import shutil
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .common import Settings, Signer, base_url, s3_error
from .osparc import UPLOADS_BUCKET, OsparcService
from .pennsieve import DiscoverService, file_response
from .scicrunch import ScicrunchService
from .seed import build_seed
from .zipit import ZipitService

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    signer = Signer(settings.signing_key, settings.url_ttl_seconds)
    seed = build_seed()
    discover = DiscoverService(seed, settings, signer)
    zipit = ZipitService(discover, settings)
    osparc = OsparcService(settings, signer)

    async def s3(request: Request) -> Response:
        bucket, key = request.path_params["bucket"], request.path_params["key"]
        method = request.method
        query = dict(request.query_params)
        extra = ["versionId"] if "versionId" in query else []
        problem = signer.check(method, bucket, key, query, extra)
        if problem is not None:
            message = (
                "The request signature we calculated does not match the signature you provided."
                if problem == "SignatureDoesNotMatch"
                else "Request has expired or is not signed"
            )
            return Response(
                s3_error(problem, message, f"/{bucket}/{key}"),
                status_code=403,
                media_type="application/xml",
            )
        if method == "PUT":
            if bucket != UPLOADS_BUCKET:
                return Response(
                    s3_error("AccessDenied", "Access Denied", f"/{bucket}/{key}"),
                    status_code=403,
                    media_type="application/xml",
                )
            return await osparc.upload_part(request, key)
        response = osparc.s3_get(request, bucket, key)
        if response is not None:
            return response
        node = discover.s3_object(bucket, key, query)
        if node is None:
            return Response(
                s3_error("NoSuchKey", "The specified key does not exist.", f"/{bucket}/{key}"),
                status_code=404,
                media_type="application/xml",
            )
        return file_response(node, etag=None, range_header=request.headers.get("range"))

    async def index(request: Request) -> Response:
        base = base_url(request)
        return JSONResponse(
            {
                "service": "labpanels emulator of Pennsieve discover, zipit and o²S²PARC API v0",
                "pennsieve_url": f"{base}/discover",
                "zipit_url": f"{base}/zipit",
                "osparc_url": base,
                "datasets": sorted(seed.datasets),
                "solvers": [f"{s.key}:{s.version}" for s in osparc.solvers],
                "time_scale": settings.time_scale,
            }
        )

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def not_found(request: Request, exc: HTTPException) -> Response:
        path = request.url.path
        if path.startswith("/v0"):
            return JSONResponse(
                {"errors": [exc.detail], "support_id": None}, status_code=exc.status_code
            )
        if path.startswith("/discover"):
            return JSONResponse(exc.detail, status_code=exc.status_code)
        return PlainTextResponse(exc.detail, status_code=exc.status_code)

    @asynccontextmanager
    async def lifespan(app):
        yield
        await osparc.stop_all()  # solver jobs and study jobs alike
        if settings.data_dir is None:
            shutil.rmtree(osparc.store.root, ignore_errors=True)

    routes = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/s3/{bucket}/{key:path}", s3, methods=["GET", "HEAD", "PUT"]),
        *discover.routes(),
        *zipit.routes(),
        *osparc.routes(),
        *ScicrunchService(seed, settings).routes(),  # /elastic/v1/..., /doi/...
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found}, lifespan=lifespan)
    app.state.settings = settings
    app.state.seed = seed
    app.state.discover = discover
    app.state.osparc = osparc
    return app
