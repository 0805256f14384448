"""Citations of a dataset version from its DOI metadata: APA-like text and BibTeX.

The metadata is CSL-JSON, as DOI content negotiation answers it
(``GET https://doi.org/<doi>`` with ``Accept: application/vnd.citationstyles.csl+json``);
:func:`csl_from_dataset` builds the same from a discover dataset when the resolver
cannot be asked. Both formatters are pure functions of that dict.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = ["csl_from_dataset", "apa", "bibtex", "bibtex_key", "CSL_ACCEPT"]

CSL_ACCEPT = "application/vnd.citationstyles.csl+json"
PUBLISHER = "Pennsieve Discover"


def csl_from_dataset(dto: Mapping[str, Any]) -> dict:
    """CSL-JSON for a discover dataset (version) DTO: authors are its contributors."""
    published = str(dto.get("versionPublishedAt") or dto.get("firstPublishedAt") or "")
    parts = [int(p) for p in re.findall(r"\d+", published[:10])][:3]
    doi = str(dto.get("doi") or "")
    authors = [
        {"family": str(c.get("lastName") or "").strip(),
         "given": str(c.get("firstName") or "").strip()}
        for c in dto.get("contributors") or []
        if c.get("lastName") or c.get("firstName")
    ]
    out: dict[str, Any] = {
        "type": "dataset",
        "title": str(dto.get("name") or ""),
        "author": authors,
        "publisher": PUBLISHER,
        "version": str(dto.get("version") or ""),
        "DOI": doi,
    }
    if parts:
        out["issued"] = {"date-parts": [parts]}
    return out


def _year(csl: Mapping[str, Any]) -> str:
    try:
        return str(int(csl["issued"]["date-parts"][0][0]))
    except (KeyError, IndexError, TypeError, ValueError):
        return "n.d."


def _initials(given: str) -> str:
    """``Amara Jo`` -> ``A. J.``; ``Jean-Luc`` -> ``J.-L.``."""
    out = []
    for word in given.split():
        pieces = [p for p in word.split("-") if p]
        out.append("-".join(f"{p[0].upper()}." for p in pieces))
    return " ".join(out)


def _apa_name(author: Mapping[str, Any]) -> str:
    family = str(author.get("family") or author.get("literal") or "").strip()
    given = _initials(str(author.get("given") or "").strip())
    return f"{family}, {given}" if family and given else family or given


def _apa_authors(authors: list[Mapping[str, Any]]) -> str:
    names = [n for n in (_apa_name(a) for a in authors) if n]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) <= 20:
        return ", ".join(names[:-1]) + ", & " + names[-1]
    return ", ".join(names[:19]) + ", ... " + names[-1]  # APA 7: first 19, ..., last


def _doi_url(doi: str) -> str:
    doi = doi.strip()
    if not doi:
        return ""
    if doi.lower().startswith(("http://", "https://")):
        return doi
    return f"https://doi.org/{re.sub(r'^(doi:)', '', doi, flags=re.I)}"


def apa(csl: Mapping[str, Any]) -> str:
    """An APA 7 style reference of a data set::

        Okafor, A., Brenner, L., & Marquez, S. (2024). Title (Version 2) [Data set].
        Pennsieve Discover. https://doi.org/10.26275/vns2-hr02
    """
    authors = _apa_authors(list(csl.get("author") or []))
    title = str(csl.get("title") or "Untitled").strip().rstrip(".")
    version = str(csl.get("version") or "").strip()
    head = f"{authors} " if authors else ""
    what = f"{title} (Version {version}) [Data set]." if version else f"{title} [Data set]."
    # without authors, APA moves the title to the author's place
    text = f"{head}({_year(csl)}). {what}" if authors else f"{what} ({_year(csl)})."
    publisher = str(csl.get("publisher") or "").strip()
    if publisher:
        text += f" {publisher}."
    url = _doi_url(str(csl.get("DOI") or "")) or str(csl.get("URL") or "")
    if url:
        text += f" {url}"
    return text


_BIB_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}"}


def _bib(text: Any) -> str:
    """A BibTeX field value: LaTeX's special characters escaped, on one line."""
    flat = " ".join(str(text).split())
    return "".join(_BIB_SPECIAL.get(ch, ch) for ch in flat)


def bibtex_key(csl: Mapping[str, Any]) -> str:
    """``okafor2024heart``: first author's family name, year, first title word (ASCII)."""
    authors = list(csl.get("author") or [])
    family = str((authors[0].get("family") or authors[0].get("literal") or "") if authors
                 else "")
    words = [w for w in re.findall(r"[A-Za-z0-9]+", _ascii(str(csl.get("title") or "")))
             if len(w) > 3]
    year = _year(csl)
    key = (_ascii(family) + (year if year != "n.d." else "") + (words[0] if words else ""))
    return re.sub(r"[^a-z0-9]", "", key.lower()) or "dataset"


_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                          "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th"})


def _ascii(text: str) -> str:
    """Letters without their accents (and ł, ø, ß... spelt out): for BibTeX keys."""
    return unicodedata.normalize("NFKD", text.translate(_LETTERS)).encode(
        "ascii", "ignore").decode()


def bibtex(csl: Mapping[str, Any]) -> str:
    """A ``@misc`` BibTeX entry (author, title, year, publisher, version, doi, url)."""
    authors = " and ".join(
        _bib(f"{a.get('family', '')}, {a.get('given', '')}".strip(", ")
             if a.get("family") else a.get("literal") or a.get("given") or "")
        for a in csl.get("author") or []
    )
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", str(csl.get("DOI") or ""),
                 flags=re.I)
    fields = [
        ("author", authors),
        ("title", "{" + _bib(csl.get("title") or "") + "}" if csl.get("title") else ""),
        ("year", _year(csl) if _year(csl) != "n.d." else ""),
        ("publisher", _bib(csl.get("publisher") or "")),
        ("version", _bib(csl.get("version") or "")),
        ("doi", _bib(doi)),
        ("url", _bib(_doi_url(doi) or csl.get("URL") or "")),
        ("note", "Data set"),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{bibtex_key(csl)},\n{body}\n}}"
