"""Japan e-Gov 法令標準XML (standard law XML), bare or wrapped in an e-Gov 法令API response.

Publisher: Digital Agency of Japan, e-Gov 法令検索 (https://laws.e-gov.go.jp). Schema: the
法令標準XMLスキーマ (XMLSchemaForJapaneseLaw, https://laws.e-gov.go.jp/file/XMLSchemaForJapaneseLaw_v3.xsd)
and the 法令API v1 specification (https://laws.e-gov.go.jp/api/1/ , 法令API仕様書).

Reads:

- a bare ``<Law Era= Year= Num= LawType= Lang=>`` document (the bulk-download files, named
  ``{law id}_{revision date}_{amending law id}.xml``);
- an API v1 response ``<DataRoot><Result><Code>0</Code>...<ApplData><LawId>...<LawFullText>
  <Law>`` (and the v2 XML ``<law_data_response>`` with ``<law_info><law_id>``);
- an API error response (``<Result><Code>`` not 0): ImportFailed naming the API code and message.

Provisions: each ``Article`` of the ``MainProvision`` (number as printed in ``ArticleTitle``,
e.g. 第三十六条の二; heading = ``ArticleCaption`` without its brackets; eId from the ``Num``
attribute, ``36_2`` -> ``art_36_2``; path = the 編/章/節/款/目 titles above it); each article
of a ``SupplProvision`` (附則) as kind ``other`` with path ``["附則"]`` plus the amending law's
number for 附則 of amending laws (eId ``suppl__art_1``, ``suppl_h11_151__art_1``); 附則 (or a
本則) made only of paragraphs become one provision; ``Preamble`` (前文) is kind ``preamble``;
別表 and other appendices are kind ``annex``. Text keeps one line per paragraph, item and
sub-item (``２ ...``, ``一 ...``, ``イ ...``), columns separated by a space, table rows with
`` | `` between cells; ruby readings (``Rt``) are dropped. The table of contents (``TOC``) and
the enacting formula (``EnactStatement``, 制定文) are skipped.

Quirks: ``Num`` attributes of deleted ranges read ``5:7`` (eId ``art_5-7``); captions shared by
consecutive articles sit only on the first of them (the others have no heading); the law id
comes from ``<LawId>``/``<law_id>`` when wrapped, else from the file name.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from kb.errors import ImportFailed
from kb.importers import _kanji
from kb.importers._xml import parse_xml
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "egov_xml"

_LAW_ID_RE = re.compile(r"\b(\d{3}[A-Z]{2}\d{10})(?:_(\d{8}))?")
_HEADINGS = {  # structural divisions above articles -> their title element
    "Part": "PartTitle",
    "Chapter": "ChapterTitle",
    "Section": "SectionTitle",
    "Subsection": "SubsectionTitle",
    "Division": "DivisionTitle",
}
_APPENDICES = {  # appendix element -> (title element, eId prefix, fallback label)
    "AppdxTable": ("AppdxTableTitle", "appdx_table", "別表"),
    "AppdxNote": ("AppdxNoteTitle", "appdx_note", "別記"),
    "AppdxStyle": ("AppdxStyleTitle", "appdx_style", "様式"),
    "AppdxFormat": ("AppdxFormatTitle", "appdx_format", "書式"),
    "AppdxFig": ("AppdxFigTitle", "appdx_fig", "別図"),
    "Appdx": ("ArithFormulaNum", "appdx", "付録"),
}
_LAW_TYPES = {
    "Constitution": "act",
    "Act": "act",
    "CabinetOrder": "decree",
    "ImperialOrder": "decree",
    "MinisterialOrdinance": "regulation",
    "Rule": "regulation",
    "Misc": "doc",
}
_BRACKETS = "（）()"
_NOT_TEXT = {"SupplProvisionLabel", "SupplProvisionAppdxTable", "SupplProvisionAppdxStyle",
             "SupplProvisionAppdx", *_APPENDICES}


def sniff(data: bytes, filename: str) -> int:
    head = data[:4096].decode("utf-8", "ignore")
    if re.search(r"<Law\s[^>]*\bEra=", head) and "<LawNum" in head:
        return 95
    if "<DataRoot" in head and "<Result>" in head and ("<ApplData" in head or "<Code>" in head):
        return 90
    if "<law_data_response" in head:
        return 90
    if re.search(r"<Law[\s>]", head) and "<LawBody" in head:
        return 85
    return 0


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    root = parse_xml(data, filename)
    _check_api_result(root, filename)
    law = root if root.tag == "Law" else root.find(".//Law")
    if law is None:
        raise ImportFailed(f"{filename}: no <Law> element (not an e-Gov law text; an API "
                           "response without the law's full text?)")
    body = law.find("LawBody")
    if body is None:
        raise ImportFailed(f"{filename}: <Law> has no <LawBody>")
    title = _inline(body.find("LawTitle")) if body.find("LawTitle") is not None else ""
    if not title:
        raise ImportFailed(f"{filename}: <LawBody> has no <LawTitle>")

    provisions = _Collector().collect(body)
    if not provisions:
        raise ImportFailed(f"{filename}: {title} has no articles or provisions to import")

    native_ids = {}
    law_id = _law_id(root, filename)
    if law_id:
        native_ids["egov"] = law_id
    law_num = normalize_space(law.findtext("LawNum") or "") or None
    return [ParsedDocument(
        title=title,
        provisions=provisions,
        number=law_num,
        jurisdiction="jp",
        doc_type=_LAW_TYPES.get(law.get("LawType", "")),
        language=law.get("Lang") or "ja",
        date=_kanji.era_date(law.get("Era", ""), law.get("Year", ""),
                             law.get("PromulgateMonth"), law.get("PromulgateDay")),
        version_date=_version_date(filename),
        native_ids=native_ids,
        work_id=_kanji.work_id_from_law_id(law_id) if law_id else None,
    )]


def _check_api_result(root: etree._Element, filename: str) -> None:
    result = root.find("Result") if root.tag == "DataRoot" else None
    if result is None:
        return
    code = normalize_space(result.findtext("Code") or "")
    if code != "0":
        message = normalize_space(result.findtext("Message") or "") or "no message"
        raise ImportFailed(f"{filename}: e-Gov API returned code {code or '?'}: {message}")


def _law_id(root: etree._Element, filename: str) -> str | None:
    for tag in ("LawId", "law_id"):
        value = normalize_space(root.findtext(f".//{tag}") or "")
        if _LAW_ID_RE.fullmatch(value):
            return value
    match = _LAW_ID_RE.search(filename)
    return match.group(1) if match else None


def _version_date(filename: str) -> dt.date | None:
    match = _LAW_ID_RE.search(filename)
    if not match or not match.group(2):
        return None
    try:
        return dt.datetime.strptime(match.group(2), "%Y%m%d").date()
    except ValueError:
        return None


class _Collector:
    """Walks a LawBody in document order, turning articles and appendices into provisions."""

    def __init__(self) -> None:
        self.out: list[Provision] = []
        self.eids: set[str] = set()

    def collect(self, body: etree._Element) -> list[Provision]:
        for child in _children(body):
            tag = child.tag
            if tag == "Preamble":
                self._add("preamble", "前文", None, [], _lines(child), "preamble")
            elif tag == "MainProvision":
                self._container(child, [], "", "article", "本則", "main")
            elif tag == "SupplProvision":
                amend = normalize_space(child.get("AmendLawNum") or "")
                key = _kanji.law_num_key(amend) if amend else None
                prefix = "suppl" if not amend else f"suppl_{key or len(self.out)}"
                path = ["附則", amend] if amend else ["附則"]
                self._container(child, path, prefix + "__", "other", "附則", prefix)
            elif tag in _APPENDICES:
                self._appendix(child, [], "")
        return self.out

    def _container(self, el: etree._Element, path: list[str], prefix: str, kind: str,
                   label: str, whole_eid: str) -> None:
        """Articles (under headings) of a main or supplementary provision, else its paragraphs."""
        if el.find(".//Article") is None or _only_nested_articles(el):
            lines = _lines(el, skip=_NOT_TEXT)
            if lines:
                self._add(whole_eid, label, None, path, lines, kind)
            for appendix in _children(el):
                if appendix.tag.startswith("SupplProvisionAppdx") or appendix.tag in _APPENDICES:
                    self._appendix(appendix, path, prefix)
            return
        for child in _children(el):
            tag = child.tag
            if tag == "Article":
                self._article(child, path, prefix, kind)
            elif tag in _HEADINGS:
                heading = _inline(child.find(_HEADINGS[tag]))
                self._container(child, [*path, heading] if heading else path, prefix, kind,
                                label, whole_eid)
            elif tag in _APPENDICES or tag.startswith("SupplProvisionAppdx"):
                self._appendix(child, path, prefix)

    def _article(self, art: etree._Element, path: list[str], prefix: str, kind: str) -> None:
        num = (art.get("Num") or "").strip()
        number = _inline(art.find("ArticleTitle")) or _kanji.article_label(num) or num or "?"
        caption = _inline(art.find("ArticleCaption")).strip(_BRACKETS) or None
        eid_num = _eid_part(num) or _kanji.article_num(number) or str(len(self.out) + 1)
        lines = _lines(art, skip={"ArticleTitle", "ArticleCaption"})
        self._add(f"{prefix}art_{eid_num}", number, caption, path, lines, kind)

    def _appendix(self, el: etree._Element, path: list[str], prefix: str) -> None:
        title_tag, eid_prefix, fallback = _APPENDICES.get(
            el.tag, (el.tag + "Title", "appdx", "附則別表"))
        title = _inline(el.find(title_tag))
        related = _inline(el.find("RelatedArticleNum")).strip(_BRACKETS) or None
        num = _eid_part(el.get("Num") or "") or str(
            sum(1 for p in self.out if p.eid.startswith(f"{prefix}{eid_prefix}_")) + 1)
        lines = _lines(el, skip={title_tag, "RelatedArticleNum"})
        self._add(f"{prefix}{eid_prefix}_{num}", title or fallback, related, path, lines, "annex")

    def _add(self, eid: str, number: str, heading: str | None, path: list[str],
             lines: list[str], kind: str) -> None:
        text = "\n".join(lines) or None
        if not (text or heading):
            return
        base, n = eid.lower(), 1
        while eid.lower() in self.eids:
            n += 1
            eid = f"{base}_{n}"
        self.eids.add(eid.lower())
        self.out.append(Provision(eid=eid, number=number, heading=heading, path=list(path),
                                  text=text, kind=kind, language="ja", order=len(self.out) + 1))


def _children(el: etree._Element) -> list[etree._Element]:
    """Child elements, without comments and processing instructions."""
    return [child for child in el if isinstance(child.tag, str)]


def _only_nested_articles(el: etree._Element) -> bool:
    """True when the only articles are quoted inside amendment provisions (改正文)."""
    return all(any(a.tag in ("AmendProvision", "NewProvision") for a in art.iterancestors())
               for art in el.iter("Article"))


def _eid_part(num: str) -> str:
    return re.sub(r"[^0-9a-z_]+", "-", num.strip().lower().replace(":", "-")).strip("-")


def _inline(el: etree._Element | None) -> str:
    """The text of an element on one line: ruby readings dropped, columns space-separated."""
    if el is None:
        return ""
    return normalize_space("".join(_inline_parts(el)))


def _inline_parts(el: etree._Element) -> list[str]:
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag != "Rt":
            if child.tag in ("Column", "TableColumn"):
                parts.append(" ")
            parts.extend(_inline_parts(child))
        parts.append(child.tail or "")
    return parts


def _is_inline(tag: str) -> bool:
    """Labels and sentences that print on the same line (``２`` + sentence, ``一`` + sentence)."""
    return (tag.endswith(("Title", "Sentence", "Num")) and tag != "RelatedArticleNum"
            or tag in ("Column", "Sentence"))


def _lines(el: etree._Element, skip: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """One line per paragraph, item, sub-item, table row ... in document order."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = normalize_space(" ".join(p for p in current if p))
        if text:
            lines.append(text)
        current.clear()

    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in skip or tag in ("TOC", "Rt"):
            continue
        if tag in ("ParagraphCaption", "ArticleCaption"):
            flush()
            lines.append(_inline(child))
        elif tag in ("TableRow", "TableHeaderRow"):
            flush()
            lines.append(" | ".join(c for c in (_inline(col) for col in _children(child)) if c))
        elif _is_inline(tag):
            current.append(_inline(child))
        else:
            flush()
            lines.extend(_lines(child))
    flush()
    if not len(el) and el.text and el.text.strip():
        lines.append(normalize_space(el.text))
    return [line for line in lines if line]
