"""The demo's algorithms as the algorithm store describes them, and publishing them.

The platform links its algorithm store to its server and adds these descriptions, so
the task builder reads them from the store exactly as it would on a real platform.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..http import HttpClient
from ..vantage6.catalogue import Algorithm, Argument, Function

__all__ = ["AVERAGE", "SUMMARY", "ALLTYPES", "DEMO_ALGORITHMS", "link_store", "publish",
           "STORE_NAME"]

STORE_NAME = "labpanels local store"
_CODE = "https://github.com/labpanels/labpanels/tree/main/labpanels/demo/algorithms"
_DEFAULT_DB = ({"name": "default", "description": "the organization's patient records "
                "(one CSV file per node)"},)

_COLUMN_NAME = Argument("column_name", "column", description="a numeric column, e.g. age",
                        display_name="Column")
_ORGS = Argument("organizations", "organization_list", None, display_name="Organizations",
                 description="organizations to include; none chosen: every organization")

AVERAGE = Algorithm(
    "harbor2.vantage6.ai/demo/average", "Average",
    [Function("partial_average", "Sum and count of the non-missing values of a column at "
              "each organization", [_COLUMN_NAME], type="federated",
              display_name="Partial average", databases=_DEFAULT_DB),
     Function("central_average", "Mean of a column over all (or the given) organizations; "
              "runs at one organization and asks the others for partial averages",
              [_COLUMN_NAME, _ORGS], type="central", display_name="Central average",
              databases=_DEFAULT_DB)],
    description="Average of one numeric column, pooled over organizations",
    code_url=f"{_CODE}/average.py")

_COLUMNS = Argument("columns", "column_list", None, display_name="Columns",
                    description="columns to summarize; none chosen: every column except "
                                "identifiers")
_MIN_COUNT = Argument("min_count", "integer", 5, display_name="Smallest count shown",
                      description="counts below this are reported as '<min_count' "
                                  "(small-cell protection)")

SUMMARY = Algorithm(
    "harbor2.vantage6.ai/demo/summary", "Summary",
    [Function("partial_summary", "Per-column sums (numbers) or value counts (text) at each "
              "organization", [_COLUMNS, _MIN_COUNT], type="federated",
              display_name="Partial summary", databases=_DEFAULT_DB),
     Function("central_summary", "Pooled per-column statistics (count, missing, mean, std, "
              "min, max; value counts for text) over all (or the given) organizations",
              [_COLUMNS, _ORGS, _MIN_COUNT], type="central", display_name="Central summary",
              databases=_DEFAULT_DB)],
    description="Descriptive statistics per column", code_url=f"{_CODE}/summary.py")

_PROFILED = Argument("column", "column", display_name="Column",
                     description="the numeric column to profile, e.g. age")
_EXTRA = Argument("extra_columns", "column_list", [], display_name="Also count",
                  description="columns whose non-missing values are counted per "
                              "organization")
_BINS = Argument("bins", "integer", 5, display_name="Bins", allowed_values=(3, 5, 10),
                 description="number of equal-width histogram bins")
_LIMITS = Argument("limits", "float_list", [0.0, 100.0], display_name="Histogram range",
                   description="lowest and highest value of the histogram")
_THRESHOLDS = Argument("thresholds", "integer_list", [], display_name="Thresholds",
                       description="count the values at or above each of these")
_SCALE = Argument("scale", "float", 1.0, display_name="Scale",
                  description="multiply every value by this first (a change of unit)")
_PROFILE_ARGS = (_PROFILED, _EXTRA, _BINS, _LIMITS, _THRESHOLDS, _SCALE)

ALLTYPES = Algorithm(
    "harbor2.vantage6.ai/demo/alltypes", "Column profile (all argument types)",
    [Function(
        "partial_profile", "Count, mean, minimum, maximum and a histogram of a numeric "
        "column at each organization", _PROFILE_ARGS, type="federated",
        display_name="Profile per organization", databases=_DEFAULT_DB,
        visualizations=({"name": "Histogram", "type": "line",
                         "description": "values per bin at this organization",
                         "schema": {"location": ["histogram"], "x": "value", "y": "count",
                                    "y_axis_min": 0}},)),
     Function(
        "central_profile", "A profile of a numeric column over all (or the given) "
        "organizations: one row per organization and a pooled histogram",
        (*_PROFILE_ARGS,
         Argument("title", "string", "Profile", display_name="Title",
                  description="a title, repeated in the result"),
         Argument("tags", "string_list", [], display_name="Tags",
                  description="labels, repeated in the result"),
         Argument("cumulative", "boolean", False, display_name="Cumulative histogram",
                  description="count everything up to each bin"),
         Argument("show_advanced", "boolean", False, display_name="Advanced options",
                  description="show the options (asked in the form, never sent)",
                  is_frontend_only=True),
         Argument("options", "json", {}, display_name="Options",
                  description='e.g. {"min_count": 5}: histogram counts below 5 are hidden',
                  conditional_on="show_advanced", conditional_operator="==",
                  conditional_value=True),
         Argument("reference_organization", "organization", None,
                  display_name="Reference organization",
                  description="its own mean is reported apart"),
         _ORGS),
        type="central", display_name="Pooled profile", databases=_DEFAULT_DB,
        visualizations=(
            {"name": "Per organization", "type": "table",
             "description": "count, mean, minimum and maximum at each organization",
             "schema": {"location": ["per_organization"],
                        "columns": ["organization", "count", "mean", "min", "max"]}},
            {"name": "Histogram", "type": "line",
             "description": "pooled values per bin",
             "schema": {"location": ["histogram"], "x": "value", "y": "count",
                        "y_axis_min": 0}}))],
    description="Profiles a numeric column; its arguments use every type the algorithm "
                "store knows", code_url=f"{_CODE}/alltypes.py",
    documentation_url="https://github.com/labpanels/labpanels#the-demo-algorithms")

DEMO_ALGORITHMS: tuple[Algorithm, ...] = (AVERAGE, SUMMARY, ALLTYPES)


def _store_http(store_api_url: str, server_api_url: str, token: str) -> HttpClient:
    http = HttpClient(store_api_url, timeout=(5, 30))
    http.session.headers.update({"Authorization": f"Bearer {token}",
                                 "Server-Url": server_api_url})
    return http


def link_store(server: HttpClient, store_api_url: str, server_api_url: str) -> dict:
    """Link the store to every collaboration of the server (as root), once: a link to
    another URL with the same name (an earlier run's port) is replaced."""
    stores = server.get("algorithmstore", params={"per_page": 1000})["data"]
    for store in stores:
        if store["url"].rstrip("/") == store_api_url.rstrip("/"):
            return store
    for store in stores:
        if store.get("name") == STORE_NAME:
            server.delete(f"algorithmstore/{store['id']}")
    return server.post("algorithmstore", json={
        "name": STORE_NAME, "algorithm_store_url": store_api_url,
        "server_url": server_api_url,
        # a localhost store is refused as "insecure" unless forced (a local demo)
        "force": True})


def publish(store_api_url: str, server_api_url: str, token: str,
            algorithms: Iterable[Algorithm] = DEMO_ALGORITHMS) -> list[dict[str, Any]]:
    """Add each algorithm the store does not hold yet (by image); return the store's
    records of all of them. ``token`` is a server token of the store's root user."""
    with _store_http(store_api_url, server_api_url, token) as http:
        out = []
        for algo in algorithms:
            found = http.get("algorithm", params={"image": algo.image})["data"]
            out.append(found[0] if found else http.post("algorithm", json=algo.to_store()))
        return out
