"""EUR-Lex (X)HTML of EU acts: the Official Journal HTML made by the Publications Office.

Published by: the Publications Office of the European Union on https://eur-lex.europa.eu
(``/legal-content/{LANG}/TXT/HTML/?uri=CELEX:...``). Older pages were generated from Formex by
the CONVEX converter (an HTML comment ``CONVEX # converter_version``); the current OJ HTML uses
the same class names with an ``oj-`` prefix (``oj-ti-art``), consolidated texts use
``title-article-norm`` / ``stitle-article-norm`` / ``title-division-1`` / ``norm``. There is no
formal spec; the classes mirror Formex elements (``ti-art`` = TI.ART, ``sti-art`` = STI.ART,
``doc-ti`` = the document title, ``ti-section-1``/``-2`` = a division's number and title).

The page is flat: the parser walks it in document order. ``doc-ti`` paragraphs make the title;
before the first article, numbered rows "(1)" of the layout tables are recitals and other
paragraphs the preamble; from ``ti-art`` on, paragraphs and list rows ("(a)" + text) are the
article's text, until the ``final`` block (signatures) and the footnotes. Footnote call marks
(``<a id="ntc...">``) are removed from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from kb.errors import ImportFailed
from kb.importers._xml import (
    dotted_date,
    eu_act_kind,
    eu_doc_type,
    eu_entry_into_force,
    eu_identity,
    eu_number,
    eu_work_id,
    language_code,
    lines_of,
    oj_reference,
    text_date,
    unique_eids,
)
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "eurlex_html"

_MARKERS = ("CONVEX", 'class="doc-ti"', 'class="oj-doc-ti"', 'class="ti-art"',
            'class="oj-ti-art"', 'class="title-article-norm"', 'class="title-doc-first"')
# Consolidated-text classes -> the OJ names used below.
_ALIASES = {"title-article-norm": "ti-art", "stitle-article-norm": "sti-art",
            "title-division-1": "ti-section-1", "title-division-2": "ti-section-2",
            "title-doc-first": "doc-ti", "title-doc-last": "doc-ti", "norm": "normal"}
# Rank of a division by its first word (lower = higher in the hierarchy).
_RANKS = {"part": 1, "partie": 1, "title": 2, "titre": 2, "chapter": 3, "chapitre": 3,
          "section": 4, "subsection": 5, "sous-section": 5}
_LABEL = re.compile(r"\(?[0-9]{1,3}[a-z]?[.)]?|\(?[a-z]{1,2}[.)]|\((?:[ivxlc]+)\)|[—–\-•]")


def sniff(data: bytes, filename: str) -> int:
    head = data[:16384].decode("utf-8", errors="replace")
    if "<html" not in head.lower():
        return 0
    if any(marker in head for marker in _MARKERS):
        return 90
    return 30 if "eur-lex.europa.eu" in head else 0


def _classes(el: etree._Element) -> set[str]:
    names = set()
    for name in (el.get("class") or "").split():
        name = name.removeprefix("oj-")
        names.add(_ALIASES.get(name, name))
    return names


def _text(el: etree._Element) -> str:
    """The element's text without footnote call marks."""
    parts = [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
            continue
        is_note = child.tag == "a" and (child.get("id") or "").startswith("ntc")
        if not is_note and "note-tag" not in (child.get("class") or ""):
            parts.append(" " if child.tag == "br" else _text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _events(el: etree._Element, depth: int = 0) -> Iterator[tuple]:
    """("p", classes, text, depth), ("item", label, depth), ("final",) in document order."""
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        classes = _classes(child)
        if tag in ("script", "style", "head", "") or "note" in classes:
            if tag == "hr" and "note" in classes:
                yield ("final",)
            continue
        if tag == "div" and "final" in classes:
            yield ("final",)
            continue
        if tag == "p" or (tag == "div" and "normal" in classes):
            yield ("p", classes, normalize_space(_text(child)), depth)
        elif tag == "table":
            yield from _table(child, depth)
        else:
            yield from _events(child, depth)


def _table(table: etree._Element, depth: int) -> Iterator[tuple]:
    for row in table.iter("tr"):
        if next((a for a in row.iterancestors("table")), None) is not table:
            continue  # rows of a nested table come through the cell that holds it
        cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
        first = normalize_space(_text(cells[0])) if cells else ""
        if len(cells) == 2 and _LABEL.fullmatch(first):
            yield ("item", first, depth + 1)
            yield from _events(cells[1], depth + 1)
        else:
            texts = [normalize_space(_text(c)) for c in cells]
            yield ("p", set(), " | ".join(t for t in texts if t), depth + 1)


class _State:
    def __init__(self) -> None:
        self.title: list[str] = []
        self.preamble: list[str] = []
        self.recitals: list[dict] = []
        self.articles: list[dict] = []
        self.path: list[tuple[int, str]] = []
        self.pending: str | None = None
        self.done = False

    def line(self, text: str) -> str:
        if self.pending:
            text, self.pending = f"{self.pending} {text}".strip(), None
        return text

    def division(self, text: str, title_line: bool) -> None:
        if title_line and self.path:
            rank, label = self.path[-1]
            self.path[-1] = (rank, f"{label} {text}")
            return
        word = text.split()[0].lower() if text.split() else ""
        rank = _RANKS.get(word, (self.path[-1][0] + 1) if self.path else 1)
        while self.path and self.path[-1][0] >= rank:
            self.path.pop()
        self.path.append((rank, text))


def _walk(root: etree._Element) -> _State:
    state = _State()
    for event in _events(root):
        if state.done:
            break
        if event[0] == "final":
            state.done = bool(state.articles)
            continue
        if event[0] == "item":
            _, label, depth = event
            if not state.articles and depth == 1 and re.fullmatch(r"\(\d+[a-z]?\)", label):
                state.recitals.append({"number": label, "lines": []})
            else:
                state.pending = label
            continue
        _, classes, text, depth = event
        if not text:
            continue
        if "doc-ti" in classes and not (state.articles or state.preamble or state.recitals):
            state.title.append(text)
        elif "ti-section-1" in classes or "ti-section-2" in classes:
            state.division(text, "ti-section-2" in classes)
        elif "ti-art" in classes:
            state.articles.append({"number": text, "heading": None, "lines": [],
                                   "path": [label for _, label in state.path]})
        elif "sti-art" in classes and state.articles and not state.articles[-1]["lines"]:
            state.articles[-1]["heading"] = text
        elif state.articles:
            state.articles[-1]["lines"].append(state.line(text))
        elif state.recitals and depth > 0:
            state.recitals[-1]["lines"].append(state.line(text))
        elif state.title:
            state.preamble.append(state.line(text))
    return state


def _provisions(state: _State) -> list[Provision]:
    out: list[Provision] = []
    if state.preamble:
        out.append(Provision(eid="preamble", number="Preamble", kind="preamble",
                             text=lines_of("\n".join(state.preamble))))
    for rec in state.recitals:
        text = lines_of("\n".join(rec["lines"]))
        if text:
            out.append(Provision(eid=f"rec_{rec['number'].strip('()')}", number=rec["number"],
                                 text=text, kind="recital"))
    for art in state.articles:
        token = re.findall(r"\d+[a-z]*", art["number"].lower())
        out.append(Provision(eid=f"art_{token[0] if token else 'x'}", number=art["number"],
                             heading=art["heading"], path=art["path"],
                             text=lines_of("\n".join(art["lines"])) or None))
    return out


_CORRIGENDUM = re.compile(r"^(corrigendum|rectificatif|berichtigung)\b", re.I)
_CONSLEG = re.compile(r"\b0(\d{4})([RLD])(\d{4})\s+[—–-]\s+([A-Z]{2})\s+[—–-]\s+"
                      r"(\d{2}\.\d{2}\.\d{4})")
_ELI = re.compile(r"https?://data\.europa\.eu/eli/[a-z_]+/\d{4}/\d+(?:/[a-z0-9_-]+)*")


def _metadata(root: etree._Element, title: str, articles: list[str]) -> ParsedDocument:
    doc = ParsedDocument(title=title, jurisdiction="eu")
    corrigendum = bool(_CORRIGENDUM.match(title))
    act_title = re.sub(r"^\W*\w+\s+(?:to|au|à la|zur|zum)\s+", "", title, flags=re.I) \
        if corrigendum else title
    kind = eu_act_kind(act_title)
    found = eu_number(title)
    identity: dict[str, str] = {}
    if found:
        identity = eu_identity(kind, found[1], found[2])
        if work := eu_work_id(kind, found[1], found[2]):
            identity["work_id"] = work
    if corrigendum:  # the act it corrects is named in its title; the page is not that act
        doc.corrigendum, doc.corrects, doc.doc_type = True, identity, "doc"
    else:
        doc.number = found[0] if found else None
        doc.work_id = identity.pop("work_id", None)
        doc.native_ids.update(identity)
        doc.doc_type = eu_doc_type(kind)
    doc.date = text_date(title)
    header = {}
    for para in root.iter("p"):
        for name in _classes(para) & {"hd-lg", "hd-oj", "hd-date"}:
            header.setdefault(name, normalize_space(para.text_content()))
    page_text = normalize_space(root.text_content()[:20000])
    consleg = _CONSLEG.search(page_text)
    if consleg and not corrigendum:  # a consolidated text: "02016R0679 — EN — 23.05.2018"
        doc.native_ids["celex"] = f"3{consleg[1]}{consleg[2]}{consleg[3]}"
        doc.version_date = dotted_date(consleg[5])
    stated_eli = re.search(r"\bELI:\s*(" + _ELI.pattern + ")", page_text)
    if stated_eli and not corrigendum and (
            not found or f"/{found[1]}/{found[2]}/" in stated_eli[1] + "/"):
        # as printed ("ELI: http://..."): a point-in-time ELI names this expression, while
        # "eli" stays the act's own (.../oj) so every file of the act carries the same one
        key = "eli" if "eli" not in doc.native_ids else "eli_expression"
        if stated_eli[1] != doc.native_ids.get("eli"):
            doc.native_ids[key] = stated_eli[1]
    if not corrigendum:
        doc.in_force = eu_entry_into_force(articles, dotted_date(header.get("hd-date")))
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    page_title = normalize_space(root.findtext(".//title") or "")
    issue = re.match(r"([A-Z]+)_(\d{4})(\d{3})([A-Z]{2})\.", page_title)  # L_2016119EN.
    act = re.match(r"([A-Z]+)_(\d{4})(\d{5})([A-Z]{2})\.", page_title)  # L_202401689EN.
    named = issue or act
    doc.language = language_code(lang) or language_code(header.get("hd-lg")) or (
        language_code(named[4]) if named else None)
    page = re.fullmatch(r"([A-Z]+) (\d+)/(\d+)", header.get("hd-oj", ""))
    if issue and page:
        doc.native_ids["oj"] = oj_reference(issue[1], issue[3], issue[2], page[3]) or ""
    elif act:
        doc.native_ids["oj"] = f"OJ {act[1]}, {act[2]}/{int(act[3])}"
    canonical = root.find(".//link[@rel='canonical']")
    if canonical is not None and re.match(r"https?://", canonical.get("href") or ""):
        doc.source_url = canonical.get("href")
    return doc


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    if not data.strip():
        raise ImportFailed(f"{filename}: the file is empty")
    try:
        data.decode("utf-8")
        encoding = "utf-8"  # EUR-Lex serves UTF-8; a saved page may have lost its charset
    except UnicodeDecodeError:
        encoding = None
    try:
        root = lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding=encoding))
    except (etree.ParserError, ValueError) as exc:
        raise ImportFailed(f"{filename}: not an HTML page ({exc})") from None
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = etree.QName(el).localname
    body = root.find("body")
    state = _walk(body if body is not None else root)
    if not state.articles:
        raise ImportFailed(f"{filename}: no articles (no 'ti-art' headings) in the page; it is "
                           "not the text of an EU act as EUR-Lex publishes it")
    kept = [t for i, t in enumerate(state.title) if not (i and re.fullmatch(r"\(.*\)", t))]
    title = normalize_space(" ".join(kept))
    if not title:
        raise ImportFailed(f"{filename}: the page has no document title ('doc-ti')")
    provisions = _provisions(state)
    doc = _metadata(root, title,
                    [p.text or "" for p in provisions if p.kind == "article"][-3:])
    if doc.language:
        provisions = [p.model_copy(update={"language": doc.language}) for p in provisions]
    doc.provisions = unique_eids(provisions)
    return [doc]
