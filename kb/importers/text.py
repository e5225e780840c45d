"""Generic importer: plain text, Markdown, simple HTML and PDF laws split on article headings.

The fallback for documents that come in no structured official format: a law copied out of a
PDF, a Markdown conversion, a bare HTML page. It reads the headings a reader would see:

- articles: "Article 14.11", "Art. 5", "ARTICLE 5", "## Article 44: Title", "§ 230." (also with
  a no-break or narrow no-break space after §), "Section 12" (only in documents that have no
  "Article" headings), "Điều 26.", "第四条", "第二条の二" (Japanese captions such as "（目的）"
  on the line before), "제4조의2(목적)", Chinese "第四条";
- groupings feeding ``path``: Part / Title / Chapter / Section (when articles exist) /
  Chương / Mục / 第一章 / 第一節 / 제1장 ..., with a caption on the same or the next line;
- annexes ("ANNEX II" and its caption) once articles have begun; a "PREAMBLE" heading;
- recitals "(1) ... (2) ..." after a "Whereas" line and before the first article. Footnotes
  printed between recitals (numbers that restart at 1) are dropped, up to the next page
  header or footer.

Title: the HTML <title>, else the first H1, else the first non-empty line. Metadata comments
(``<!-- METADATA: Source URL: ... -->``, as written by EU PDF converters), ELI and CELEX
identifiers and WTO document symbols and dates are read when present. A text with no heading
at all (a guideline, one chunk of a longer text) becomes a single provision of kind "other",
with a note saying so; an HTML page with no heading is refused (it is usually an error page).

Quirks handled: running PDF headers and footers ("L 119/12 EN Official Journal of the European
Union 4.5.2016", "EN OJ L, 12.7.2024", "ELI: ... 45/144", "- 10 -", bare page numbers, and any
line repeated at the top or bottom of most PDF pages), PDF line breaks inside sentences,
Markdown emphasis, escapes, code fences and footnote markers.

Detection scores are deliberately low (Markdown/text 20, HTML 15, PDF 30) so that any importer
of a specific format wins.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from kb.errors import ImportFailed
from kb.importers import _headings as hd
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import detect_language, is_cjk, normalize_space

FORMAT = "text"

_MD_EXT = (".md", ".markdown")
_TXT_EXT = (".txt", ".text")
_HTML_EXT = (".html", ".htm", ".xhtml")


def sniff(data: bytes, filename: str) -> int:
    name = filename.lower()
    head = data[:4096]
    if head.startswith(b"%PDF-"):
        return 30
    if b"\x00" in head:
        return 0
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if name.endswith(_MD_EXT + _TXT_EXT) and not stripped.startswith((b"{", b"<?xml")):
        return 20
    if stripped.startswith((b"<!doctype html", b"<html")) or name.endswith(_HTML_EXT):
        return 15
    if stripped.startswith((b"{", b"[", b"<?xml", b"<")) and not stripped.startswith(b"<!--"):
        return 0
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the 4 KB boundary
            return 0
    return 10


# --- reading the bytes into lines ------------------------------------------------------------

@dataclass
class _Line:
    text: str
    level: int = 0  # Markdown/HTML heading level, 0 for running text


@dataclass
class _Source:
    lines: list[_Line]
    title: str | None = None  # HTML <title>
    html: bool = False
    meta: dict[str, str] = field(default_factory=dict)


_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_META = re.compile(r"<!--\s*METADATA:\s*([^:]+?)\s*:\s*(.*?)\s*-->")


def _read(data: bytes, filename: str) -> _Source:
    if data.startswith(b"%PDF-"):
        return _Source([_Line(t) for t in _pdf_lines(data, filename)])
    text = data.decode("utf-8-sig", errors="replace")
    head = text[:4096].lstrip().lower()
    if head.startswith(("<!doctype html", "<html")) or (
            filename.lower().endswith(_HTML_EXT) and "<" in head):
        return _html_source(data, filename)
    meta = {k.strip().lower(): v.strip() for k, v in _META.findall(text)}
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    lines = []
    markdown = filename.lower().endswith(_MD_EXT) or bool(re.search(r"(?m)^#{1,6} \S", text))
    for raw in text.splitlines():
        m = _MD_HEADING.match(raw) if markdown else None
        lines.append(_Line(m.group(2), len(m.group(1))) if m else _Line(raw))
    return _Source(lines, meta=meta)


_DROP_TAGS = {"script", "style", "noscript", "nav", "header", "footer", "form", "iframe",
              "button", "select", "svg", "head", "template"}
_BLOCK_TAGS = {"p", "div", "li", "tr", "table", "ul", "ol", "section", "article", "blockquote",
               "pre", "dd", "dt", "dl", "body", "main", "aside", "figure", "figcaption", "td",
               "th", "center", "hr"}


def _html_source(data: bytes, filename: str) -> _Source:
    import lxml.html

    try:
        root = lxml.html.document_fromstring(data)
    except Exception as exc:  # lxml raises ParserError or ValueError on junk
        raise ImportFailed(f"{filename}: not readable HTML ({exc})") from None
    title_el = root.find(".//title")
    title = normalize_space(title_el.text_content()) if title_el is not None else None
    lines: list[_Line] = []
    buf: list[str] = []

    def flush(blank: bool = False) -> None:
        text = "".join(buf)
        buf.clear()
        for part in text.split("\n"):
            if part.strip():
                lines.append(_Line(part))
        if blank and lines and lines[-1].text:
            lines.append(_Line(""))

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _DROP_TAGS or not tag:
            pass
        elif re.fullmatch(r"h[1-6]", tag):
            flush(True)
            lines.append(_Line(normalize_space(el.text_content()), int(tag[1])))
            lines.append(_Line(""))
        elif tag == "br":
            buf.append("\n")
        else:
            block = tag in _BLOCK_TAGS
            if block:
                flush(True)
            if el.text:
                buf.append(el.text)
            for child in el:
                walk(child)
            if block:
                flush(True)
        if el.tail:
            buf.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return _Source(lines, title=title, html=True)


def _pdf_lines(data: bytes, filename: str) -> list[str]:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").splitlines() for page in reader.pages]
    except Exception as exc:  # pypdf raises many error types on damaged files
        raise ImportFailed(f"{filename}: the PDF could not be read ({exc})") from None
    # Running headers/footers: lines among the first or last two of most pages.
    edge = Counter()
    for page in pages:
        kept = [normalize_space(t) for t in page if t.strip()]
        for text in set(kept[:2] + kept[-2:]):
            edge[re.sub(r"\d+", "#", text)] += 1
    running = {k for k, n in edge.items() if len(pages) >= 3 and n >= max(3, len(pages) * 0.6)}
    out: list[str] = []
    for page in pages:
        for text in page:
            if re.sub(r"\d+", "#", normalize_space(text)) not in running:
                out.append(text)
    return out  # no break between pages: a paragraph often runs on to the next page


# --- page furniture and inline clean-up -----------------------------------------------------

_FURNITURE = [re.compile(p) for p in (
    r"^-\s*\d+\s*-$",
    r"^\d{1,4}$",
    r"^\d+\s*/\s*\d+$",
    r"^(?:\d+/\d+\s+)?ELI:\s*\S+(?:\s+\d+/\d+)?$",
    r"^EN$",
    r"^(?:EN\s+)?OJ L,?\s*(?:\d+/)?\d+\.\d+\.\d{4}(?:\s+EN)?$",
    r"^L\s+\d+/\d+\s+[A-Z]{2}\s+Official Journal of the [\w ]+?\s+\d+\.\d+\.\d{4}$",
    r"^\d+\.\d+\.\d{4}\s+[A-Z]{2}\s+Official Journal of the [\w ]+?\s+L\s+\d+/\d+$",
    r"^[_\-*=~`]{3,}$",
    r"^\*?Generated on:.*\*?$",
)]


def _is_furniture(text: str) -> bool:
    return any(p.match(text) for p in _FURNITURE)


def _inline(text: str) -> str:
    """Markdown emphasis, escapes and footnote markers out; spaces normalised."""
    text = re.sub(r"\\([\\()\[\]*_#.\-+!`{}|>])", r"\1", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(\S(?:.*?\S)?)_(?!\w)", r"\1", text)
    text = re.sub(r"\[\^(\w+)\]:?", r"[\1]", text)
    return normalize_space(text)


def _clean_heading(text: str | None) -> str | None:
    if not text:
        return None
    text = re.sub(r"\[\^?\w+\]", "", text)
    text = _inline(text)
    text = re.sub(r"\s*\.{3,}.*$", "", text)  # table-of-contents leaders
    text = re.sub(r"\s+-\s*\d+\s*-$", "", text)  # page number glued to a heading
    return text.strip(" `:") or None


_NEW_PARA = re.compile(
    r"^(?:[-*•]\s+|\(\w{1,5}\)\s*|\d{1,3}(?:\s?\.\d{1,3})+\s|\d{1,3}\.\s|[a-z]{1,3}\)\s"
    r"|\[\w+\]\s|[A-Z]\.\s|[０-９]{1,3}\s|[①-⑳]|[一二三四五六七八九十]+[、．]|第.{1,6}[条項号])")


def _cjk(ch: str) -> bool:
    """CJK letters and CJK punctuation ("、", "「", fullwidth forms): no space between lines."""
    return is_cjk(ch) or 0x3000 <= ord(ch) <= 0x303F or 0xFF00 <= ord(ch) <= 0xFFEF


def _paragraphs(lines: list[tuple[str, bool | None]]) -> str:
    """Join wrapped lines into paragraphs ("\\n" between them).

    ``lines`` holds (text, hard) pairs: ``hard`` lines (sub-headings, blank-line ends) always
    start a new paragraph; so does a line starting with a list or paragraph marker, unless
    ``hard`` is None (a line known to continue the sentence before it).
    """
    paras: list[str] = []
    cur = ""
    glue = False  # the previous line was a bare label such as "(1)": glue the next one to it
    for text, hard in lines:
        if text is None or not text.strip():
            if cur and not glue:
                paras.append(cur)
                cur = ""
            continue
        text = re.sub(r"^[-*•]\s+(?=\S)", "", _inline(text))
        if not text:
            continue
        if cur and not glue and hard is not None and (hard or _NEW_PARA.match(text)
                                                      or cur.endswith("。")):
            paras.append(cur)
            cur = ""
        if not cur:
            cur = text
        elif glue or not (_cjk(cur[-1]) and _cjk(text[0])):
            cur = f"{cur} {text}"
        else:
            cur += text
        glue = bool(re.fullmatch(r"\(\w{1,5}\)|\d+\.|[a-z]\)", text))
    if cur:
        paras.append(cur)
    return "\n".join(paras)


# --- the walk over lines ----------------------------------------------------------------------

@dataclass
class _Prov:
    number: str
    heading: str | None
    eid: str
    kind: str
    path: list[str]
    lines: list[tuple[str, bool | None]] = field(default_factory=list)


_RECITAL = re.compile(r"^\((\d{1,3})\)(?:\s+(.*))?$")
_JA_CAPTION = re.compile(r"^[（(][^（）()]{1,40}[）)]$")
_WHEREAS = re.compile(r"^(?:whereas\b|having regard\b.*whereas)", re.I)
_ENACTING = re.compile(r"^(?:has|have) (?:adopted|agreed|decided)\b", re.I)


class _Builder:
    def __init__(self, sections_are_articles: bool) -> None:
        self.sections = sections_are_articles
        self.provs: list[_Prov] = []
        self.cur: _Prov | None = None
        self.path: list[tuple[int, str]] = []
        self.pending_group: hd.Group | None = None
        self.pending_caption = False  # the current provision still waits for its caption
        self.articles_seen = False
        self.in_annex = False
        self.whereas = False
        self.last_recital = 0
        self.footnotes = False
        self.last_footnote = 0
        self.footnote_fresh = False
        self.prev = ""  # the previous non-empty line, for Japanese captions
        self.caption_open = False  # the caption just read may continue on the next line

    # structure
    def open(self, head: hd.Heading, caption_pending: bool) -> None:
        self.pending_group = None
        self.cur = _Prov(head.number, hd.clean_space(head.heading or "") or None, head.eid,
                         head.kind, [] if head.kind == "annex" else [t for _, t in self.path])
        if head.rest:
            self.cur.lines.append((head.rest, True))
        self.provs.append(self.cur)
        self.pending_caption = caption_pending and not head.heading
        self.caption_open = bool(head.heading)

    def group(self, grp: hd.Group) -> None:
        self.path = [(lvl, t) for lvl, t in self.path if lvl < grp.level]
        self.path.append((grp.level, grp.label + (f" {grp.title}" if grp.title else "")))
        self.pending_group = None if grp.title else grp
        self.cur = None  # text after a chapter heading belongs to no article until the next

    def title_group(self, title: str) -> None:
        lvl, label = self.path[-1]
        self.path[-1] = (lvl, f"{label} {title}")
        self.pending_group = None

    def text(self, text: str, hard: bool | None = False) -> None:
        if self.cur is not None:
            self.cur.lines.append((text, hard))

    # one line
    def feed(self, line: _Line) -> None:
        raw = line.text.replace("\u00a0", " ").replace("\u202f", " ").strip()
        if not raw:
            self.caption_open = False
            self.text("")
            return
        if self.caption_open and self._caption_continues(raw):
            return
        self.caption_open = False
        self._feed(raw, line.level > 0)
        self.prev = raw

    def _caption_continues(self, raw: str) -> bool:
        """A caption wrapped onto a second line ("... placed on the" / "market")."""
        cur = self.cur
        if cur is None or not cur.heading or any(t.strip() for t, _ in cur.lines) \
                or not raw[0].islower() or len(raw) > 100:
            return False
        cur.heading = f"{cur.heading} {_clean_heading(raw)}"
        return True

    def _feed(self, raw: str, md: bool) -> None:
        if _is_furniture(raw):
            self.footnotes = False
            return
        plain = _inline(raw)
        if self.footnotes:
            m = _RECITAL.match(plain)
            fresh, self.footnote_fresh = self.footnote_fresh, bool(m and not m.group(2))
            if m and int(m.group(1)) == self.last_recital + 1 \
                    and int(m.group(1)) != self.last_footnote + 1:
                self.footnotes = False
            elif fresh and not md and plain[0].islower():
                # "(9)" was a footnote call inside the sentence, not a footnote: "... Council
                # (9) lays down rules ..."
                self.footnotes = False
                self.text(f"({self.last_footnote}) {plain}", hard=None)
                return
            else:
                if m:
                    self.last_footnote = int(m.group(1))
                return
        if self.in_annex or self.articles_seen:
            annex = hd.match_annex(plain, markdown=md)
            if annex and self.articles_seen and (md or annex.number.isupper() or annex.heading):
                self.in_annex = True
                self.open(hd.Heading(annex.number, _clean_heading(annex.heading), annex.eid,
                                     "annex"), caption_pending=True)
                return
        if self.in_annex:
            if self.pending_caption and self._caption(plain):
                return
            self.text(plain, hard=md)
            return
        head = hd.match_article(plain, markdown=md, sections=self.sections)
        if head:
            self._article(head, md)
            return
        grp = hd.match_group(plain, markdown=md)
        if grp:
            self.group(hd.Group(grp.level, grp.label, _clean_heading(grp.title)))
            return
        if self.pending_group and (md or hd.looks_like_caption(plain, strict=False)) \
                and len(plain) <= 200:
            self.title_group(_clean_heading(plain) or plain)
            return
        if self.pending_caption and self._caption(plain):
            return
        if not self.articles_seen and self._before_articles(plain, md):
            return
        if md and re.fullmatch(r"\(\w{1,5}\)", plain):
            self.text(plain, hard=True)  # a point label printed as a heading: "### (1)"
            return
        self.text(plain, hard=md)

    def _caption(self, plain: str) -> bool:
        """Take ``plain`` as the caption of the provision just opened, if it looks like one."""
        self.pending_caption = False
        cur = self.cur
        if cur is None or cur.lines or _NEW_PARA.match(plain) or len(plain) > 120 \
                or plain[-1] in ".,;:" or not hd.looks_like_caption(plain, strict=False):
            return False
        cur.heading = _clean_heading(plain)
        self.caption_open = True
        return True

    def _article(self, head: hd.Heading, md: bool) -> None:
        if head.number.startswith("第") and not head.heading and _JA_CAPTION.match(self.prev):
            # Japanese captions "（目的）" sit on the line before the article
            if self.cur is not None:
                lines = self.cur.lines
                while lines and not lines[-1][0].strip():
                    lines.pop()
                if lines and lines[-1][0].strip() == self.prev:
                    lines.pop()
            head = hd.Heading(head.number, self.prev[1:-1].strip(), head.eid, head.kind,
                              head.rest)
        self.articles_seen = True
        self.footnotes = False
        self.open(hd.Heading(head.number, _clean_heading(head.heading), head.eid, head.kind,
                             head.rest), caption_pending=not md and not head.rest)

    def _before_articles(self, plain: str, md: bool) -> bool:
        """Preamble and recitals; True when the line was consumed."""
        if _ENACTING.match(plain):
            if self.cur is not None and self.cur.kind == "preamble":
                self.text(plain)
            else:
                self.cur = None  # "HAVE ADOPTED THIS REGULATION:" ends the recitals
            return True
        if re.fullmatch(r"(?i)preamble", plain):
            self.open(hd.Heading("Preamble", None, "preamble", "preamble"), False)
            return True
        if _WHEREAS.match(plain):  # "Whereas:", "## Whereas Clauses"
            self.whereas = True
            if self.cur is not None and self.cur.kind == "preamble":
                self.text(plain)
            return True
        if not self.whereas:
            if self.cur is None or self.cur.kind != "preamble":
                return True  # cover pages, titles, citations: not provisions
            return False
        m = _RECITAL.match(plain)
        if m:
            n = int(m.group(1))
            if n == self.last_recital + 1:
                self.last_recital = n
                self.open(hd.Heading(f"({n})", None, f"rec_{n}", "recital"), False)
                if m.group(2):
                    self.text(m.group(2))
            else:
                self.footnotes, self.last_footnote = True, n
                self.footnote_fresh = not m.group(2)
            return True
        if md:
            if not re.fullmatch(r"(?i)regulation content|whereas clauses", plain):
                self.text(plain, hard=None)  # a citation the converter made a heading
            return True
        return False


def _sections_are_articles(lines: list[_Line]) -> bool:
    """True when no line is an "Article"-style heading, so "Section 12" is the article unit."""
    for line in lines:
        text = _inline(line.text.strip()) if line.text.strip() else ""
        head = hd.match_article(text, markdown=line.level > 0, sections=False) if text else None
        if head and head.kind == "article":
            return False
    return True


# --- metadata ---------------------------------------------------------------------------------

def _metadata(doc: ParsedDocument, src: _Source, full_text: str) -> None:
    meta = src.meta
    url = meta.get("source url")
    if url and re.match(r"https?://\S+$", url):
        doc.source_url = url
    number = meta.get("regulation number")
    if number:
        doc.number = number
    kind = (meta.get("type") or "").lower()
    if "regulation" in kind:
        doc.doc_type = "regulation"
    if kind.startswith("eu "):
        doc.jurisdiction = "eu"
    celex = re.search(r"CELEX(?::|%3A)([0-9]{5}[A-Z]{1,2}[0-9]{4}(?:\([0-9]+\))?)",
                      f"{url or ''}\n{full_text}")
    if celex:
        doc.native_ids["celex"] = celex.group(1)
    eli = re.search(r"ELI:\s*(https?://data\.europa\.eu/eli/\S+?)(?=\s|$)", full_text)
    if eli:
        doc.native_ids["eli"] = eli.group(1)
    symbol = re.search(r"(?m)^\**Document symbol\**\s*:?\s*(\S+)", full_text)
    if symbol:
        doc.native_ids["wto_symbol"] = symbol.group(1)
        doc.number = doc.number or symbol.group(1)
    date = re.search(r"(?m)^\**Document date\**\s*:?\s*(\d{1,2}) ?(\d?) ([A-Z][a-z]+) (\d{4})\s*$",
                     full_text)
    if date:
        day, more, month, year = date.groups()
        doc.date = _english_date(day + more, month, year)


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


def _english_date(day: str, month: str, year: str) -> dt.date | None:
    try:
        return dt.date(int(year), _MONTHS.index(month.lower()) + 1, int(day))
    except ValueError:
        return None


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    if not data.strip():
        raise ImportFailed(f"{filename}: the file is empty")
    src = _read(data, filename)
    lines = src.lines
    title, start = src.title or None, -1
    for i, line in enumerate(lines):
        if title is None and line.level == 1 and line.text.strip():
            title, start = _clean_heading(line.text), i
            break
    if title is None:
        for i, line in enumerate(lines):
            text = _inline(line.text.strip()) if line.text.strip() else ""
            if text and not _is_furniture(text):
                title, start = _clean_heading(text), i
                if hd.match_article(text) or hd.match_group(text):
                    start = -1  # the first line is already structure: keep it
                break
    if not title:
        raise ImportFailed(f"{filename}: no text found")
    body = [ln for i, ln in enumerate(lines) if i != start]
    builder = _Builder(_sections_are_articles(body))
    for line in body:
        builder.feed(line)
    full_text = "\n".join(ln.text for ln in lines)
    language = detect_language(full_text, default="und")
    language = None if language == "und" else language
    provisions: list[Provision] = []
    seen: set[str] = set()
    for prov in builder.provs:
        text = _paragraphs(prov.lines) or None
        if not text and not prov.heading:
            continue
        provisions.append(Provision(
            eid=hd.unique_eid(prov.eid, seen), number=prov.number, heading=prov.heading,
            path=prov.path, text=text, kind=prov.kind, language=language,
            order=len(provisions) + 1))
    notes: list[str] = []
    if not provisions:
        whole = _paragraphs([(ln.text, ln.level > 0) for ln in body
                             if not _is_furniture(ln.text.strip())])
        if not whole or src.html:
            raise ImportFailed(
                f"{filename}: no article, section or similar heading found "
                "(expected headings such as 'Article 1', '§ 230', 'Điều 1', '第一条', '제1조')")
        provisions = [Provision(eid="text", number="Full text", text=whole, kind="other",
                                language=language, order=1)]
        notes.append("no article or section headings found: the whole text is one provision")
    doc = ParsedDocument(title=title, provisions=provisions, language=language, notes=notes)
    _metadata(doc, src, full_text)
    return [doc]
