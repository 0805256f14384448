"""labpanels: Jupyter panels for research platforms (vantage6, Pennsieve/SPARC, o²S²PARC).

The package reads in this order: the HTTP core (:mod:`labpanels.http`,
:mod:`labpanels.errors`, :mod:`labpanels.paging`), one session per platform, the
panels in :mod:`labpanels.widgets`, and the local demo platform in :mod:`labpanels.demo`.
Heavy modules (pandas, the widgets) load only when first used.
"""

__version__ = "0.1.0"
