"""Algorithm "images" of the local vantage6 demo, as plain Python modules.

A simulated node receives a task input ``{"method": ..., "args": [...], "kwargs":
{...}}`` for an image name and hands it to :func:`dispatch`, which finds the
module of the image, checks the function is exposed (decorated with
:func:`~labpanels.demo.algorithms.tools.data` or
:func:`~labpanels.demo.algorithms.tools.algorithm_client`), injects the node's
DataFrame and/or client, and calls it.

Image modules are imported on first use, so importing this package stays cheap
(no pandas).
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

from labpanels.demo.algorithms.tools import injections, is_exposed

__all__ = [
    "IMAGES",
    "UnknownImage",
    "UnknownMethod",
    "dispatch",
    "image_functions",
    "normalize_image",
    "resolve_image",
]

#: Image name (without tag or digest) -> module implementing it.
IMAGES: dict[str, str] = {
    "harbor2.vantage6.ai/demo/average": "labpanels.demo.algorithms.average",
    "harbor2.vantage6.ai/demo/summary": "labpanels.demo.algorithms.summary",
    "harbor2.vantage6.ai/demo/alltypes": "labpanels.demo.algorithms.alltypes",
    # what vantage6 4.15.2's server sends for POST /column (BASIC_PROCESSING_IMAGE)
    "ghcr.io/vantage6/algorithm-basics": "labpanels.demo.algorithms.basics",
}


class UnknownImage(LookupError):
    """The image name is not one of :data:`IMAGES`."""


class UnknownMethod(LookupError):
    """The image has no exposed function of that name."""


def normalize_image(image: str) -> str:
    """Strip a ``@sha256:...`` digest and a ``:tag`` from an image name.

    A colon that belongs to a registry port (``localhost:5000/demo/average``) stays.
    """
    name = image.strip().split("@", 1)[0]
    head, sep, tail = name.rpartition(":")
    if sep and "/" not in tail:
        name = head
    return name


def resolve_image(image: str) -> ModuleType:
    """The module implementing ``image``; raises :class:`UnknownImage`."""
    name = normalize_image(image) if isinstance(image, str) else image
    module = IMAGES.get(name) if isinstance(name, str) else None
    if module is None:
        known = ", ".join(sorted(IMAGES))
        raise UnknownImage(f"Unknown algorithm image {image!r}; this demo knows: {known}")
    return importlib.import_module(module)


def image_functions(image: str | ModuleType) -> list[str]:
    """Names of the functions an image exposes to tasks, sorted."""
    module = resolve_image(image) if isinstance(image, str) else image
    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and is_exposed(value)
        and getattr(value, "__module__", None) == module.__name__
    )


def _lookup(image: str, module: ModuleType, method: object) -> Callable[..., Any]:
    exposed = image_functions(module)
    if isinstance(method, str) and method in exposed:
        return getattr(module, method)
    hint = ""
    if isinstance(method, str):
        close = difflib.get_close_matches(method, exposed, n=1)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
    raise UnknownMethod(
        f"Image {normalize_image(image)!r} has no function {method!r}{hint}; "
        f"its functions are: {', '.join(exposed)}"
    )


def _describe(params: Sequence[inspect.Parameter]) -> str:
    parts = []
    for p in params:
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
        elif p.kind is inspect.Parameter.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        elif p.default is inspect.Parameter.empty:
            parts.append(p.name)
        else:
            parts.append(f"{p.name}={p.default!r}")
    return ", ".join(parts) or "no arguments"


def _check_arguments(
    method: str, fn: Callable[..., Any], injected: list[Any], args: list[Any], kwargs: dict
) -> None:
    """Bind the call up front so a wrong argument gives a readable TypeError."""
    signature = inspect.signature(fn)
    try:
        signature.bind(*injected, *args, **kwargs)
    except TypeError as exc:
        params = list(signature.parameters.values())[len(injected) :]
        reason = str(exc)
        names = [p.name for p in params]
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
        unknown = [key for key in kwargs if key not in names]
        if unknown and not takes_any:
            # A misspelt keyword also leaves its parameter missing; name the cause.
            reason = f"got an unexpected keyword argument {unknown[0]!r}"
            close = difflib.get_close_matches(str(unknown[0]), names, n=1)
            if close:
                reason += f" (did you mean {close[0]!r}?)"
        raise TypeError(f"{method}(): {reason}. It accepts: {_describe(params)}") from None


def dispatch(
    image: str,
    method: str,
    args: Sequence[Any] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    *,
    load_data: Callable[[], Any] | None = None,
    client: Any = None,
) -> Any:
    """Run ``method`` of ``image`` as a node would and return its result.

    ``load_data`` is called (once) only if the function is decorated with ``@data(1)``;
    ``client`` is passed only to ``@algorithm_client`` functions.
    Raises :class:`UnknownImage`, :class:`UnknownMethod`, or TypeError for bad arguments.
    """
    module = resolve_image(image)
    fn = _lookup(image, module, method)
    if args is None:
        args = []
    if kwargs is None:
        kwargs = {}
    if isinstance(args, (str, bytes)) or not isinstance(args, Sequence):
        raise TypeError(f"{method}(): 'args' must be a list, got {type(args).__name__}")
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"{method}(): 'kwargs' must be a dict, got {type(kwargs).__name__}")

    args, kwargs = list(args), dict(kwargs)
    kinds = injections(fn)
    # Check the arguments before loading any data; placeholders stand in for injections.
    _check_arguments(method, fn, [None] * len(kinds), args, kwargs)

    injected: list[Any] = []
    for kind in kinds:
        if kind == "client":
            if client is None:
                raise RuntimeError(f"{method}() needs an algorithm client, but none was given")
            injected.append(client)
        else:
            if load_data is None:
                raise RuntimeError(f"{method}() needs the node's data, but none was given")
            injected.append(load_data())
    return fn(*injected, *args, **kwargs)
