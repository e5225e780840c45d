"""New Zealand Legislation: the latest reprint of New Zealand Acts, as the PCO's XML.

Source: New Zealand Legislation (legislation.govt.nz), Parliamentary Counsel Office (PCO).
URL: ``https://www.legislation.govt.nz/act/{type}/{year}/{number}/latest/whole.xml`` (type
``public``, number zero-padded: ``act/public/2020/0031``); the same path with ``whole.html``
is the page people read, and is the record's source URL. The keyed Developer API
(api.legislation.govt.nz) is not used.
Terms of use: New Zealand Acts are not subject to Crown copyright (Copyright Act 1994 s 27);
the PCO publishes the XML for reuse under NZGOAL / CC BY 4.0 (attribution: New Zealand
Parliamentary Counsel Office). The site may answer automated clients with a bot-protection
interstitial (HTTP 202, an HTML page): the parser refuses it loudly, never stores it.
Jurisdiction: nz.
Formats: PCO legislation XML (``pco_xml``, parsed here): root ``<act>`` with ``year``,
``act.no``, ``act.type``, ``date.assent``, ``date.as.at`` and ``stage``; ``<cover><title>``;
``<body>`` holding ``<part>``/``<subpart>`` (``label``, ``heading``) and ``<prov>`` sections
(``label``, ``heading``, ``prov.body`` with ``subprov``/``para``/``text``/``label-para``);
``<notes>`` (history notes), ``<cf>`` and ``<contents>`` are editorial and left out.
History / notes: a section becomes ``Section 22`` (eId ``sec_22``); subsections and
paragraphs are lines of its text, labelled ``(1)``, ``(a)``. ``date.as.at`` (the reprint's as
at date) is the record's version, so each reprint is a new version of the same work. Schedule
provisions are left out. DTD entities the document declares are not resolved (the parser
never loads external files).
"""

from __future__ import annotations

import datetime as dt
import re

from crawlers.base import CrawlerSource, Request, Target
from crawlers.fetcher import FetchResult
from kb.errors import ImportFailed
from kb.importers.base import ParsedDocument
from kb.importing import ImportMeta
from kb.models import Instrument, Provision

FORMAT = "pco_xml"
_EDITORIAL = {"notes", "history-note", "cf", "contents", "amend.provision", "end", "skeletons",
              "skeleton.act"}
_STAGES = {"in-force": "in-force", "repealed": "repealed", "expired": "repealed",
           "not-in-force": "signed-not-in-force"}


def _iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _words(el) -> str:
    """The text of an element, editorial notes left out."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _EDITORIAL:
            parts.append(_words(child))
        parts.append(child.tail or "")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _lines(el, out: list[str], label: str = "") -> None:
    """Subsections and paragraphs as lines, each starting with its label."""
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _EDITORIAL or tag in ("label", "heading"):
            continue
        if tag in ("subprov", "label-para"):
            own = child.find("label")
            text = (own.text or "").strip().strip("()") if own is not None else ""
            mark = f"({text})" if text else ""
            _lines(child, out, mark)
        elif tag == "text":
            words = _words(child)
            if words:
                out.append(f"{label} {words}".strip())
                label = ""
        else:
            _lines(child, out, label)
            if tag == "para":
                label = ""


def parse_pco(data: bytes, name: str) -> list[ParsedDocument]:
    """A PCO ``whole.xml`` document -> one document."""
    from lxml import etree

    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        root = None
        reason = str(exc)
    else:
        reason = "empty document"
    if root is None or root.tag not in ("act", "regulation", "bill"):
        what = root.tag if root is not None else reason
        raise ImportFailed(f"{name}: not PCO legislation XML (root {what!r}); the site may have "
                           "served its bot-protection page instead of the Act")
    title_el = root.find("cover/title")
    title = _words(title_el) if title_el is not None else None
    body = root.find("body")
    provisions: list[Provision] = []
    seen: set[str] = set()

    def walk(node, path: list[str]) -> None:
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in ("part", "subpart", "crosshead"):
                label = child.findtext("label") or ""
                heading = _words(child.find("heading")) if child.find("heading") is not None \
                    else ""
                kind = {"part": "Part", "subpart": "Subpart"}.get(tag)
                name_ = " ".join(x for x in (f"{kind} {label.strip()}" if kind and label.strip()
                                             else "", heading) if x)
                walk(child, path + [name_] if name_ else path)
            elif tag == "prov":
                label = (child.findtext("label") or "").strip()
                if not label:
                    continue
                eid = "sec_" + re.sub(r"[^a-z0-9.]+", "-", label.lower()).strip("-")
                if eid in seen:
                    continue
                seen.add(eid)
                heading_el = child.find("heading")
                lines: list[str] = []
                prov_body = child.find("prov.body")
                if prov_body is not None:
                    _lines(prov_body, lines)
                provisions.append(Provision(
                    eid=eid, number=f"Section {label}",
                    heading=_words(heading_el) if heading_el is not None else None,
                    path=path, text="\n".join(lines) or None, kind="section", language="en",
                    order=len(provisions) + 1))

    if body is not None:
        walk(body, [])
    if not provisions:
        raise ImportFailed(f"{name}: no sections (<prov>) in the body of {title or 'the act'}")
    number, year = root.get("act.no"), root.get("year")
    return [ParsedDocument(
        title=title, provisions=provisions, jurisdiction="nz", doc_type="act", language="en",
        number=f"{year} No {int(number)}" if number and number.isdigit() and year else None,
        date=_iso(root.get("date.assent")), version_date=_iso(root.get("date.as.at")),
        status=_STAGES.get(root.get("stage") or ""),
        native_ids={"pco_id": root.get("id")} if root.get("id") else {})]


class Source(CrawlerSource):
    version = "1"

    def _path(self, target: Target) -> str:
        """``act/public/2020/0031`` from ``pco: 2020/0031`` (and ``act_type``)."""
        year, number = str(target.params.get("pco") or target.key).split("/")[-2:]
        kind = str(target.params.get("act_type") or "public")
        return f"act/{kind}/{year}/{int(number):04d}"

    def url_for(self, target: Target) -> str:
        return f"{self.config.base_url}/{self._path(target)}/latest/whole.xml"

    def name_for(self, target: Target, url: str) -> str:
        return self._path(target).replace("/", "-") + ".whole.xml"

    def meta_for(self, target: Target) -> ImportMeta:
        path = self._path(target)
        meta = dict(target.meta)
        pco = "/".join(path.split("/")[-2:])
        meta["native_ids"] = {"pco": pco, **dict(meta.get("native_ids") or {})}
        meta.setdefault("source_url", f"https://www.legislation.govt.nz/{path}/latest/whole.html")
        return ImportMeta.model_validate(meta)

    def parse(self, request: Request, result: FetchResult) -> list[Instrument]:
        docs = parse_pco(result.body, request.name)
        return self.build_records(docs, request, result, FORMAT)
