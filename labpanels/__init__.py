"""labpanels: Jupyter panels for research platforms (vantage6, Pennsieve/SPARC, o²S²PARC).

The package reads in this order: the HTTP core (:mod:`labpanels.http`,
:mod:`labpanels.errors`, :mod:`labpanels.paging`), one session per platform, the
panels in :mod:`labpanels.widgets`, and the local demo platform in :mod:`labpanels.demo`.
Heavy modules (pandas, the widgets) load only when first used.
"""

import logging

__version__ = "0.1.0"

# a library's logging stays silent unless the application configures it (without this,
# Python's last-resort handler prints warnings and tracebacks into the notebook)
logging.getLogger(__name__).addHandler(logging.NullHandler())

# Public classes loaded on first use (PEP 562), so that ``import labpanels`` stays light:
# name -> "module:attribute". Add a platform by adding a line.
_LAZY: dict[str, str] = {
    "Vantage6Session": "labpanels.vantage6.session:Vantage6Session",
    "PennsieveSession": "labpanels.pennsieve.session:PennsieveSession",
    "OsparcSession": "labpanels.osparc.session:OsparcSession",
}


def __getattr__(name: str):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'labpanels' has no attribute {name!r}")
    import importlib

    module_name, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module_name), attribute or name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
