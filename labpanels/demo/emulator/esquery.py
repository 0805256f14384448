"""A small Elasticsearch (6.8) search engine over a list of JSON documents.

Enough of the query DSL for the SPARC metadata index as clients use it:

* queries: ``match_all``, ``match`` (``operator`` and/or), ``multi_match`` (``fields``,
  ``*`` wildcards, ``^boost`` ignored), ``query_string`` (terms, ``"phrases"``,
  ``field:value``, ``field:(a OR b)``, ``AND``/``OR``/``NOT``/``+``/``-``, parentheses,
  ``*`` wildcards; ``fields``, ``default_field``, ``default_operator``), ``term``,
  ``terms``, ``ids``, ``exists``, ``range`` and ``bool`` (``must``, ``filter``, ``should``
  with ``minimum_should_match``, ``must_not``);
* a search body's ``from``, ``size``, ``query``, ``post_filter``, ``sort`` and ``_source``
  (a list of paths to keep, or false);
* aggregations ``terms`` (``field``, ``size``, ``order`` by ``_count`` or ``_key``) and
  ``filter`` (with sub-aggregations), computed on the query's hits before
  ``post_filter``, as Elasticsearch does.

Field paths run through lists (``anatomy.organ.name`` collects every organ's name); a
trailing ``.aggregate`` or ``.keyword`` that is not a real key names the exact (keyword)
value of a text field (``item.modalities.keyword`` is a real key of the SPARC index).
Text matches are on lower-cased word tokens; ``term``/``terms`` compare exact values.
Anything else raises :class:`QueryError` (answered 400 with Elasticsearch's error shape).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["QueryError", "search", "values_at", "tokens"]

Doc = dict  # {"_id": str, "_source": dict}
Pred = Callable[[Doc], float | None]  # a score when the document matches, else None

KEYWORD_SUFFIXES = (".aggregate", ".keyword")
MAX_WINDOW = 10_000  # from + size, as index.max_result_window


class QueryError(ValueError):
    """A query the engine refuses: ``kind`` is Elasticsearch's error type."""

    def __init__(self, reason: str, kind: str = "parsing_exception") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


# --------------------------------------------------------------------------- values
def _strip(field: str) -> str:
    for suffix in KEYWORD_SUFFIXES:
        if field.endswith(suffix):
            return field[: -len(suffix)]
    return field


def values_at(source: Any, path: str) -> list:
    """Every scalar value at a dotted ``path`` of ``source`` (lists are walked)."""
    out: list = []

    def walk(node: Any, parts: list[str]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, parts)
            return
        if not parts:
            if node is not None and not isinstance(node, dict):
                out.append(node)
            return
        if isinstance(node, dict) and parts[0] in node:
            walk(node[parts[0]], parts[1:])

    walk(source, [p for p in path.split(".") if p])
    if not out and _strip(path) != path:  # "x.aggregate": the keyword sub-field of x
        walk(source, [p for p in _strip(path).split(".") if p])
    return out


def _doc_values(doc: Doc, field: str) -> list:
    if field == "_id":
        return [doc["_id"]]
    return values_at(doc["_source"], field)


def tokens(text: Any) -> list[str]:
    """Lower-cased word tokens, as the standard analyzer makes them."""
    return [t for t in re.split(r"[^\w]+", str(text).lower()) if t]


def _all_text(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _all_text(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_text(value)
    elif isinstance(node, str):
        yield node


def _field_tokens(doc: Doc, fields: list[str]) -> list[str]:
    out: list[str] = []
    for field in fields:
        if field in ("*", "_all"):
            out.extend(t for text in _all_text(doc["_source"]) for t in tokens(text))
        elif "*" in field:
            out.extend(t for text in _matching_fields(doc["_source"], field) for t in tokens(text))
        else:
            out.extend(t for v in _doc_values(doc, field) for t in tokens(v))
    return out


def _matching_fields(source: dict, pattern: str) -> Iterator[Any]:
    """Values of every leaf whose dotted path matches a ``*`` pattern."""

    def walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value, path)
        else:
            yield path, node

    pattern = _strip(pattern)
    for path, value in walk(source, ""):
        if fnmatch.fnmatchcase(path, pattern) and value is not None:
            yield value


def _token_match(term: str, have: list[str]) -> bool:
    if "*" in term or "?" in term:
        return any(fnmatch.fnmatchcase(t, term) for t in have)
    return term in have


def _phrase_in(phrase: list[str], have: list[str]) -> bool:
    n = len(phrase)
    return any(have[i : i + n] == phrase for i in range(len(have) - n + 1))


# --------------------------------------------------------------------------- queries
def _one(clause: Any, name: str) -> tuple[str, Any]:
    if not isinstance(clause, dict) or len(clause) != 1:
        raise QueryError(f"[{name}] query malformed, expected one field")
    ((field, spec),) = clause.items()
    return field, spec


def _text_query(fields: list[str], text: Any, operator: str) -> Pred:
    wanted = tokens(text)
    if operator.lower() not in ("and", "or"):
        raise QueryError(f"operator must be AND or OR, not [{operator}]")

    def pred(doc: Doc) -> float | None:
        if not wanted:
            return None
        have = _field_tokens(doc, fields)
        hits = [t for t in wanted if _token_match(t, have)]
        if not hits or (operator.lower() == "and" and len(hits) < len(wanted)):
            return None
        return float(sum(have.count(t) for t in hits) or len(hits))

    return pred


def _exact(field: str, wanted: list) -> Pred:
    want = {str(w) if field == "_id" else w for w in wanted}

    def pred(doc: Doc) -> float | None:
        have = _doc_values(doc, field)
        return 1.0 if any(v in want for v in have) else None

    return pred


def _compile(query: Any) -> Pred:
    if not isinstance(query, dict) or len(query) != 1:
        raise QueryError("query malformed, must start with a single query name")
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return lambda doc: 1.0
    if kind == "match_none":
        return lambda doc: None
    if kind == "match":
        field, spec = _one(spec, kind)
        if isinstance(spec, dict):
            return _text_query([field], spec.get("query", ""), str(spec.get("operator", "or")))
        return _text_query([field], spec, "or")
    if kind == "multi_match":
        if not isinstance(spec, dict) or "query" not in spec:
            raise QueryError("[multi_match] requires query")
        fields = [re.sub(r"\^[\d.]+$", "", f) for f in spec.get("fields") or ["*"]]
        return _text_query(fields, spec["query"], str(spec.get("operator", "or")))
    if kind == "query_string":
        if not isinstance(spec, dict) or "query" not in spec:
            raise QueryError("[query_string] requires query")
        fields = spec.get("fields") or [spec.get("default_field", "*")]
        fields = [re.sub(r"\^[\d.]+$", "", f) for f in fields]
        operator = str(spec.get("default_operator", "or")).lower()
        return QueryString(str(spec["query"]), fields, operator).parse()
    if kind == "term":
        field, spec = _one(spec, kind)
        value = spec.get("value") if isinstance(spec, dict) else spec
        return _exact(field, [value])
    if kind == "terms":
        fields = {k: v for k, v in (spec or {}).items() if k != "boost"}
        if len(fields) != 1 or not isinstance(next(iter(fields.values())), list):
            raise QueryError("[terms] query requires one field with a list of values")
        ((field, values),) = fields.items()
        return _exact(field, values)
    if kind == "ids":
        values = (spec or {}).get("values")
        if not isinstance(values, list):
            raise QueryError("[ids] query requires values")
        return _exact("_id", values)
    if kind == "exists":
        field = (spec or {}).get("field")
        if not isinstance(field, str):
            raise QueryError("[exists] query requires field")
        return lambda doc: 1.0 if _doc_values(doc, field) else None
    if kind == "range":
        field, bounds = _one(spec, kind)
        return _range(field, bounds)
    if kind == "bool":
        return _bool(spec)
    if kind == "constant_score":
        inner = _compile((spec or {}).get("filter") or {"match_all": {}})
        return lambda doc: 1.0 if inner(doc) is not None else None
    raise QueryError(f"no [query] registered for [{kind}]")


def _range(field: str, bounds: Any) -> Pred:
    if not isinstance(bounds, dict):
        raise QueryError("[range] query malformed")
    tests = []
    for op, limit in bounds.items():
        if op not in ("gt", "gte", "lt", "lte"):
            continue
        tests.append((op, limit))

    def compare(value: Any, op: str, limit: Any) -> bool:
        try:
            a, b = (float(value), float(limit)) if not isinstance(limit, str) else (str(value),
                                                                                    limit)
        except (TypeError, ValueError):
            return False
        return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]

    def pred(doc: Doc) -> float | None:
        for value in _doc_values(doc, field):
            if all(compare(value, op, limit) for op, limit in tests):
                return 1.0
        return None

    return pred


def _clauses(spec: dict, key: str) -> list[Pred]:
    value = spec.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [_compile(item) for item in items]


def _bool(spec: Any) -> Pred:
    if not isinstance(spec, dict):
        raise QueryError("[bool] query malformed")
    unknown = set(spec) - {"must", "filter", "should", "must_not", "minimum_should_match",
                           "boost"}
    if unknown:
        raise QueryError(f"[bool] query does not support [{sorted(unknown)[0]}]")
    must, filters = _clauses(spec, "must"), _clauses(spec, "filter")
    should, must_not = _clauses(spec, "should"), _clauses(spec, "must_not")
    minimum = spec.get("minimum_should_match")
    if minimum is None:
        minimum = 1 if should and not must and not filters else 0
    try:
        minimum = int(str(minimum).rstrip("%")) if not str(minimum).endswith("%") else max(
            1, len(should) * int(str(minimum)[:-1]) // 100)
    except ValueError:
        raise QueryError(f"invalid minimum_should_match [{minimum}]") from None

    def pred(doc: Doc) -> float | None:
        score = 0.0
        for clause in must:
            s = clause(doc)
            if s is None:
                return None
            score += s
        if any(clause(doc) is None for clause in filters):
            return None
        if any(clause(doc) is not None for clause in must_not):
            return None
        matched = [s for s in (clause(doc) for clause in should) if s is not None]
        if len(matched) < minimum:
            return None
        score += sum(matched)
        return score if (must or should) else 0.0 if filters or must_not else 1.0

    return pred


class QueryString:
    """Lucene-style query text: ``heart AND species:(rat OR "Mus musculus") -embargo``."""

    TOKEN = re.compile(r'\s*(\(|\)|"[^"]*"|[+-]?[^\s()"]+:(?=\()|[+-]?[^\s()"]+:"[^"]*"|'
                       r'[+-]?[^\s()"]+)')

    def __init__(self, text: str, fields: list[str], operator: str) -> None:
        self.parts = [m.group(1) for m in self.TOKEN.finditer(text)]
        self.pos = 0
        self.fields = fields
        self.operator = operator
        rest = self.TOKEN.sub("", text).strip()
        if rest:
            raise QueryError(f"Failed to parse query [{text}]", "query_shard_exception")
        self.text = text

    def parse(self) -> Pred:
        if not self.parts:
            return lambda doc: None
        pred = self._expression(self.fields)
        if self.pos != len(self.parts):
            raise QueryError(f"Failed to parse query [{self.text}]", "query_shard_exception")
        return pred

    def _peek(self) -> str | None:
        return self.parts[self.pos] if self.pos < len(self.parts) else None

    def _expression(self, fields: list[str]) -> Pred:
        # OR of AND-groups: "a AND b OR c -d" is (a AND b) OR (c AND NOT d); side by side
        # terms join by the default operator; NOT, "-" negate, "+" requires
        groups: list[list[tuple[bool, Pred]]] = [[]]
        joined = False  # an explicit AND came before this term
        while True:
            part = self._peek()
            if part is None or part == ")":
                break
            if part in ("AND", "&&", "OR", "||"):
                self.pos += 1
                joined = part in ("AND", "&&")
                if not joined and groups[-1]:
                    groups.append([])
                continue
            negate = False
            if part in ("NOT", "!"):
                self.pos += 1
                negate = True
            mode, pred = self._term(fields)
            negate = negate or mode == "not"
            together = joined or negate or mode == "must" or self.operator == "and"
            if groups[-1] and not together:
                groups.append([])
            groups[-1].append((negate, pred))
            joined = False

        def group_pred(group: list[tuple[bool, Pred]]) -> Pred:
            def pred(doc: Doc) -> float | None:
                score = 0.0
                for negate, clause in group:
                    s = clause(doc)
                    if negate and s is not None or not negate and s is None:
                        return None
                    score += 0.0 if negate else s
                return score or 1.0

            return pred

        preds = [group_pred(g) for g in groups if g]

        def either(doc: Doc) -> float | None:
            scores = [s for s in (p(doc) for p in preds) if s is not None]
            return sum(scores) if scores else None

        return either

    def _term(self, fields: list[str]) -> tuple[str, Pred]:
        part = self.parts[self.pos]
        self.pos += 1
        mode = "plain"
        if part[:1] in "+-" and len(part) > 1:
            mode = "must" if part[0] == "+" else "not"
            part = part[1:]
        if part == "(":
            inner = self._expression(fields)
            self._close()
            return mode, inner
        if part.endswith(":") and self._peek() == "(":
            self.pos += 1
            inner = self._expression([part[:-1]])
            self._close()
            return mode, inner
        field_list = fields
        if ":" in part and not part.startswith('"'):
            field, part = part.split(":", 1)
            field_list = [field]
        if part.startswith('"'):
            phrase = tokens(part.strip('"'))

            def phrase_pred(doc: Doc, fl=field_list, phrase=phrase) -> float | None:
                return 1.0 if phrase and _phrase_in(phrase, _field_tokens(doc, fl)) else None

            return mode, phrase_pred
        words = [w for w in re.split(r"[^\w*?]+", part.lower()) if w]
        if not words:
            return mode, lambda doc: None
        return mode, _text_query(field_list, " ".join(words), "and") if len(words) > 1 else (
            lambda doc, fl=field_list, w=words[0]: (
                1.0 if _token_match(w, _field_tokens(doc, fl)) else None))

    def _close(self) -> None:
        if self._peek() != ")":
            raise QueryError(f"Failed to parse query [{self.text}]", "query_shard_exception")
        self.pos += 1


# --------------------------------------------------------------------------- aggregations
def _aggregate(specs: Any, docs: list[Doc]) -> dict:
    if not isinstance(specs, dict):
        raise QueryError("aggregations must be an object")
    out: dict = {}
    for name, spec in specs.items():
        if not isinstance(spec, dict):
            raise QueryError(f"aggregation [{name}] malformed")
        subs = spec.get("aggs", spec.get("aggregations"))
        kinds = [k for k in spec if k not in ("aggs", "aggregations", "meta")]
        if len(kinds) != 1:
            raise QueryError(f"Expected one aggregation type in [{name}]")
        kind = kinds[0]
        body = spec[kind]
        if kind == "terms":
            out[name] = _terms(name, body, docs, subs)
        elif kind == "filter":
            pred = _compile(body)
            chosen = [d for d in docs if pred(d) is not None]
            result: dict = {"doc_count": len(chosen)}
            if subs:
                result.update(_aggregate(subs, chosen))
            out[name] = result
        elif kind == "global":
            raise QueryError("[global] aggregations are not supported by this emulator")
        else:
            raise QueryError(f"Unknown aggregation type [{kind}]",
                             "named_object_not_found_exception")
    return out


def _terms(name: str, body: Any, docs: list[Doc], subs: Any) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("field"), str):
        raise QueryError(f"[terms] aggregation [{name}] requires a field")
    field = body["field"]
    size = int(body.get("size", 10))
    counts: dict[Any, list[Doc]] = {}
    for doc in docs:
        for value in dict.fromkeys(_doc_values(doc, field)):  # once per document
            counts.setdefault(value, []).append(doc)
    order = body.get("order", [{"_count": "desc"}, {"_key": "asc"}])
    order = order if isinstance(order, list) else [order]
    items = list(counts.items())
    for rule in reversed(order + ([{"_key": "asc"}] if order[-1:] != [{"_key": "asc"}] else [])):
        ((key, direction),) = rule.items()
        if key not in ("_count", "_key", "_term"):
            raise QueryError(f"Invalid aggregation order path [{key}]")
        by_count = key == "_count"
        items.sort(key=lambda kv, c=by_count: len(kv[1]) if c else str(kv[0]).lower(),
                   reverse=str(direction).lower() == "desc")
    buckets = []
    for key, members in items[:size]:
        bucket = {"key": key, "doc_count": len(members)}
        if subs:
            bucket.update(_aggregate(subs, members))
        buckets.append(bucket)
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": sum(len(m) for _, m in items[size:]),
        "buckets": buckets,
    }


# --------------------------------------------------------------------------- search
def _sort_key(doc: Doc, field: str) -> Any:
    values = _doc_values(doc, field)
    return (0, str(values[0]).lower() if isinstance(values[0], str) else values[0]) if values \
        else (1, "")


def _sorted(hits: list[tuple[Doc, float]], sort: Any) -> list[tuple[Doc, float]]:
    if sort is None:
        return sorted(hits, key=lambda h: -h[1])  # stable: index order among equal scores
    rules = sort if isinstance(sort, list) else [sort]
    for rule in reversed(rules):
        if isinstance(rule, str):
            field, direction = rule, "desc" if rule == "_score" else "asc"
        elif isinstance(rule, dict) and len(rule) == 1:
            ((field, spec),) = rule.items()
            direction = spec.get("order", "asc") if isinstance(spec, dict) else str(spec)
        else:
            raise QueryError("malformed sort")
        reverse = str(direction).lower() == "desc"
        if field == "_score":
            hits = sorted(hits, key=lambda h: h[1], reverse=reverse)
        else:
            present = [h for h in hits if _doc_values(h[0], field)]
            missing = [h for h in hits if not _doc_values(h[0], field)]
            present.sort(key=lambda h, f=field: _sort_key(h[0], f), reverse=reverse)
            hits = present + missing  # missing values last, either way
    return hits


def _source_of(doc: Doc, wanted: Any) -> dict | None:
    if wanted is None or wanted is True:
        return doc["_source"]
    if wanted is False:
        return None
    includes = wanted if isinstance(wanted, list) else [wanted] if isinstance(wanted, str) \
        else (wanted.get("includes") or wanted.get("include") or [])
    out: dict = {}
    for path in includes:
        node, target = doc["_source"], out
        parts = path.split(".")
        for i, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                break
            if i == len(parts) - 1:
                target[part] = node[part]
            else:
                target = target.setdefault(part, {})
                node = node[part]
    return out


def search(docs: list[Doc], body: dict, index: str) -> dict:
    """Run one ``_search`` request body over ``docs``; the response as Elasticsearch 6.8
    sends it (``hits.total`` a number)."""
    if not isinstance(body, dict):
        raise QueryError("request body must be a JSON object")
    allowed = {"query", "from", "size", "aggs", "aggregations", "post_filter", "sort",
               "_source", "track_total_hits", "timeout"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise QueryError(f"Unknown key for a START_OBJECT in [{unknown[0]}].")
    try:
        start, size = int(body.get("from", 0)), int(body.get("size", 10))
    except (TypeError, ValueError):
        raise QueryError("[from] and [size] must be numbers") from None
    if start < 0 or size < 0:
        raise QueryError("[from] and [size] must not be negative", "illegal_argument_exception")
    if start + size > MAX_WINDOW:
        raise QueryError(f"Result window is too large, from + size must be less than or equal "
                         f"to: [{MAX_WINDOW}]", "illegal_argument_exception")
    pred = _compile(body.get("query") or {"match_all": {}})
    matched = [(d, s) for d in docs for s in [pred(d)] if s is not None]
    aggs = body.get("aggs", body.get("aggregations"))
    aggregations = _aggregate(aggs, [d for d, _ in matched]) if aggs else None
    if body.get("post_filter") is not None:
        post = _compile(body["post_filter"])
        matched = [(d, s) for d, s in matched if post(d) is not None]
    ordered = _sorted(matched, body.get("sort"))
    page = ordered[start : start + size]
    hits = []
    for doc, score in page:
        hit = {"_index": index, "_type": "_doc", "_id": doc["_id"],
               "_score": None if body.get("sort") else score}
        source = _source_of(doc, body.get("_source"))
        if source is not None:
            hit["_source"] = source
        hits.append(hit)
    response = {
        "took": 1,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {
            "total": len(ordered),
            "max_score": None if body.get("sort") or not ordered else max(s for _, s in ordered),
            "hits": hits,
        },
    }
    if aggregations is not None:
        response["aggregations"] = aggregations
    return response
