"""Generic importer: plain text, Markdown, simple HTML and PDF laws split on article headings.

The fallback for documents that come in no structured official format: a law copied out of a
PDF, a Markdown conversion, a bare HTML page. It reads the headings a reader would see:

- articles: "Article 14.11", "Art. 5", "ARTICLE 5", "## Article 44: Title", "§ 230." (also with
  a no-break or narrow no-break space after §), "Section 12" (only in documents that have no
  "Article" headings; also "SEC. 2."), "Điều 26.", "第四条", "第二条の二" (Japanese captions
  such as "（目的）" on the line before), "제4조의2(목적)", Chinese "第四条";
- Commonwealth HTML sections, where no keyword is printed: the number and caption in separate
  bold runs ("<b>1 </b><b>Short title</b>", "<span class=CharSectno>1</span> Short title")
  or "<p><b>2.</b> Interpretation</p>" become "Section 1", "Section 2";
- groupings feeding ``path``: Part / Title / Chapter / Section (when articles exist) /
  Chương / Mục / 第一章 / 第一節 / 제1장 ..., with a caption on the same or the next line;
- annexes ("ANNEX II", "Schedule 1—...", "FIRST SCHEDULE", "Correlation table", "PHỤ LỤC")
  once articles have begun: each its own portion, never the tail of the last article;
- a preamble portion: a "PREAMBLE" heading, or unnumbered opening words before the first
  article ("WHEREAS ...", "BE IT ENACTED ...", "The Parties to this Agreement, recognising
  ...", "THE EUROPEAN PARLIAMENT ...,", "Having regard to ...", "Căn cứ ...");
- recitals "(1) ... (2) ..." after a "Whereas" line and before the first article. Footnotes
  printed between recitals (numbers that restart at 1) are dropped, up to the next page
  header or footer; so are EU footnotes inside articles (numbered on from the last one).

After the last article: the signature block ("Done at Brussels, ...", "IN WITNESS WHEREOF",
"Approved March 1, 2031.") and endnotes ("LEGISLATIVE HISTORY") are left out with a note, and
footnote lines ("[1] ...", "¹ ...") that nothing but footnotes follows become notes.

Title: the HTML <title> (less a portal's name), else the first H1 before the first article,
else the first header line, preferring one that names the instrument (Act, Regulations,
Agreement ...); never a running header, a gazette masthead or a signature. Metadata comments
(``<!-- METADATA: Source URL: ... -->``, as written by EU PDF converters), ELI and CELEX
identifiers and WTO document symbols and dates are read when present. A text with no heading
at all (a guideline, one chunk of a longer text) becomes a single provision of kind "other",
with a note saying so; an HTML page with no heading is refused (it is usually an error page).

Quirks handled: running PDF headers and footers ("L 119/12 EN Official Journal of the European
Union 4.5.2016", "EN OJ L, 12.7.2024", "ELI: ... 45/144", "- 10 -", bare page numbers, and any
line repeated at the top or bottom of most PDF pages or of most form-feed pages of extracted
text, "GOVERNMENT GAZETTE, 12 MAY 2023", "No. 48571 3"), captions wrapped onto the next line
("... referred to in" / "Article 5"), PDF line breaks inside sentences,
Markdown emphasis, escapes, code fences and footnote markers.

Detection scores are deliberately low (Markdown/text 20, HTML 15, PDF 30) so that any importer
of a specific format wins.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from kb.errors import ImportFailed
from kb.importers import _headings as hd
from kb.importers import _vn
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
    # a Commonwealth-style section heading read from bold runs ("<b>1 </b><b>Short title</b>"):
    # (number, caption, body text printed after the caption); ``text`` keeps the whole line
    section: tuple[str, str, str] | None = None


@dataclass
class _Source:
    lines: list[_Line]
    title: str | None = None  # HTML <title>
    html: bool = False
    meta: dict[str, str] = field(default_factory=dict)


# "## Title", and "##Title" as some converters write it (a letter right after the marks)
_MD_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+|(?=[^\W\d_]))(.*?)[ \t]*#*[ \t]*$")
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
    raws = text.splitlines()
    if text.count("\f") >= 1:  # text extracted page by page (pdftotext): one page per form feed
        raws = _without_running_lines([page.splitlines() for page in text.split("\f")])
    for raw in raws:
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

    parser = None
    if b"charset" not in data[:4096].lower():  # undeclared: lxml would read UTF-8 as Latin-1
        try:
            data.decode("utf-8")
            parser = lxml.html.HTMLParser(encoding="utf-8")
        except UnicodeDecodeError:
            pass
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
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
        numbered = _numbered_heading(el, tag) if tag in _BLOCK_TAGS or tag[:1] == "h" else None
        if tag in _DROP_TAGS or not tag:
            pass
        elif numbered:
            flush(True)
            lines.append(_Line(normalize_space(el.text_content()), 0, numbered))
            lines.append(_Line(""))
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


_BOLD_CLASS = re.compile(r"(?i)sectno|bold|strong|heading|hdr")
_SEC_NO = re.compile(r"^(\d{1,4}[A-Z]{0,3})\.?$")
_SEC_LINE = re.compile(r"^(\d{1,4}[A-Z]{0,3})\.?\s+(\S.*)$")


def _bold(el) -> bool:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    style = (el.get("style") or "").replace(" ", "").lower()
    return tag in ("b", "strong") or bool(_BOLD_CLASS.search(el.get("class") or "")) \
        or "font-weight:bold" in style or "font-weight:700" in style \
        or (tag == "span" and len(el) == 1 and el[0].tag in ("b", "strong")
            and not (el.text or "").strip())


def _section_caption(text: str) -> bool:
    """A section caption ("Short title", "Interpretation"), not the start of running text."""
    return (len(text) <= 120 and len(text.split()) <= 16 and text[-1] not in ".;,:"
            and hd.looks_like_caption(text, strict=False))


def _numbered_heading(el, tag: str) -> tuple[str, str, str] | None:
    """A Commonwealth-style section heading: ``(number, caption, body)`` or None.

    Singapore, Australian, New Zealand, Fiji and Malaysian portals print the section number
    and its caption in separate bold runs (``<b>1 </b><b>Short title</b>``, ``<span
    class="CharSectno">1</span> Short title``) or as ``<p><b>2.</b> Interpretation</p>``, with
    no "Section" keyword a line matcher could see. Links are table-of-contents entries.
    """
    if len(el) > 12:  # a container of many blocks, not one heading line
        return None
    full = normalize_space(el.text_content())
    m = _SEC_LINE.match(full)
    if not m or len(full) > 400 or el.xpath("ancestor-or-self::a[@href] | .//a[@href]"):
        return None
    if tag[:1] == "h" and len(tag) == 2:  # "<h5>1 Short title</h5>"
        return (m[1], m[2], "") if _section_caption(m[2]) else None
    while True:  # into a wrapper holding the whole line: <a name="_Toc1"><span ...>1</span> ...
        if (el.text or "").strip():
            return None
        runs = [c for c in el if isinstance(c.tag, str) and c.text_content().strip()]
        if len(runs) == 1 and not _bold(runs[0]) and runs[0].tag in ("a", "span", "font") \
                and normalize_space(runs[0].text_content()) == full:
            el = runs[0]
            continue
        break
    if not runs or not _bold(runs[0]):
        return None
    first = normalize_space(runs[0].text_content())
    if not full.startswith(first):
        return None
    if not _SEC_NO.match(first):  # "<b>3 Purpose</b>": number and caption in one run
        return (m[1], m[2], "") if first == full and _section_caption(m[2]) else None
    rest = full[len(first):].strip()
    second = normalize_space(runs[1].text_content()) if len(runs) > 1 else ""
    if second and _bold(runs[1]) and rest.startswith(second):
        caption = re.sub(r"[\s.:—–-]+$", "", second)  # "Definitions.—" (Indian style)
        body = rest[len(second):].strip()
        if caption and hd.looks_like_caption(caption, strict=False) and len(caption) <= 160:
            return _SEC_NO.match(first)[1], caption, body
        return None
    return (_SEC_NO.match(first)[1], rest, "") if rest and _section_caption(rest) else None


def _pdf_lines(data: bytes, filename: str) -> list[str]:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").splitlines() for page in reader.pages]
    except Exception as exc:  # pypdf raises many error types on damaged files
        raise ImportFailed(f"{filename}: the PDF could not be read ({exc})") from None
    return _without_running_lines(pages)


def _without_running_lines(pages: list[list[str]]) -> list[str]:
    """The pages' lines in order, without the running header and footer.

    A running line is among the first or last two lines of most pages (digits aside:
    "144/144", "No. 48571 3"). A heading ("Article 5") is never one, even when pages happen to
    start with one.
    """
    edge: Counter[str] = Counter()
    for page in pages:
        kept = [normalize_space(t) for t in page if t.strip()]
        for text in set(kept[:2] + kept[-2:]):
            if not (hd.match_article(text) or hd.match_group(text) or hd.match_annex(text)):
                edge[re.sub(r"\d+", "#", text)] += 1
    running = {k for k, n in edge.items() if n >= max(2, len(pages) * 0.6)
               and (len(pages) >= 3 or (len(k) >= 6 and re.search(r"[^\W\d_]", k)))}
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
    r"^(?:No\.\s*\d+\s+\d{1,4}|\d{1,4}\s+No\.\s*\d+)$",  # "No. 48571 3": gazette number, page
    r"(?i)^(?:No\.\s*\d+\s+)?[\w ]{0,30}\bgazette,?\s+\d{1,2}\s+\w+\s+\d{4}(?:\s+No\.\s*\d+)?"
    r"(?:\s+\d{1,4})?$",
    r"(?i)^page\s+\d+\s+of\s+\d+$",
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
    # "SHORT TITLE." (US statutes), "Definitions.—" (Indian acts): the stop is not the caption's
    text = re.sub(r"(?:\.\s*)?[—–]$|(?<=[^\W\d_]{3})\.$", "", text)
    return text.strip(" `:") or None


_NEW_PARA = re.compile(
    r"^(?:[-*•]\s+|\|.*\|$|\(\w{1,5}\)\s*|\d{1,3}(?:\s?\.\d{1,3})+\s|\d{1,3}\.\s|[a-z]{1,3}\)\s"
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
# The opening words of an unnumbered preamble: recitals, citations and enacting formulas that
# come before the first article and are not law of any article.
_PREAMBLE_START = re.compile(
    r"^(?:WHEREAS\b|Whereas\b(?!\s*(?i:clauses)?\s*:?\s*$)"
    r"|(?i:be it (?:therefore |further )?enacted\b|now,? therefore\b)"
    r"|(?:THE|The) (?:PARTIES|Parties|CONTRACTING PARTIES|Contracting Parties|HIGH CONTRACTING"
    r" PARTIES|High Contracting Parties|STATES PARTIES|States Parties|MEMBER STATES|Member States"
    r"|GOVERNMENTS?|Governments?)\b"
    r"|THE [A-Z][A-Z ,]{3,80},$"  # "THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE ... UNION,"
    r"|(?:Recogni[sz]ing|RECOGNI[SZ]ING|Desiring|DESIRING|Considering|CONSIDERING|Affirming"
    r"|Reaffirming|REAFFIRMING|Noting|NOTING|Acknowledging|Mindful|MINDFUL|Conscious"
    r"|Determined|DETERMINED|Bearing in mind|Having regard to|Having considered)\b"
    r"|Căn cứ\b|CĂN CỨ\b|Theo đề nghị\b"
    r"|(?:PREAMBLE|Preamble)\s+(?=[A-Z]))")  # "Preamble The member States ..." on one line
# The eschatocol after the last article: place and date of signature, signatories.
_SIGNATURE = re.compile(
    r"^(?:(?i:done)(?: in [\w ]{1,40})? at [A-Z]|(?i:in witness whereof)\b"
    r"|For the (?:European Parliament|Council|Commission|European Commission)\b"
    r"|(?i:by the president)\b(?!\s+of\b)"
    r"|Approved (?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December) \d{1,2}, \d{4}\.?$)")
# Endnotes of a consolidated act (legislative history, amendment tables): not law.
_ENDNOTES = re.compile(r"^(?:LEGISLATIVE HISTORY|Legislative [Hh]istory|ENDNOTES|Endnotes)$")
# "Section 2(1)", "[Section 2]": the provision a schedule belongs to, printed under its heading
_SCHEDULE_REF = re.compile(r"^[\[(]?(?:Sections?|SECTIONS?|ss?\.)\s*\d+\w*(?:\(\w+\))*"
                           r"(?:,?\s*(?:and|to|,)\s*\d+\w*(?:\(\w+\))*)*[\])]?$")
# Lines that sign a document and never name it (for the title).
_SIGNATORY = re.compile(
    r"^(?:The President|President|Speaker of the House\b|President of the Senate\b"
    r"|Vice President of the United States\b|CHỦ TỊCH(?: QUỐC HỘI| NƯỚC)?$|(?:TM|KT|TL|Q)\.\s"
    r"|THỦ TƯỚNG$|BỘ TRƯỞNG$|Nơi nhận\b)")
# footnote markers at the start of a line: "[1] ...", "[^1]: ..." (read as "[1]"), "¹ ..."
_FOOTNOTE = re.compile(r"^(?:\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3})\s*(?=\S)")
# a caption line that cannot end there: "Classification rules ... referred to in" / "Article 6"
_OPEN_END = re.compile(
    r"(?i)\b(?:the|of|and|or|to|for|in|on|by|with|from|into|their|its|a|an|between|under"
    r"|referred|accordance|as|at|concerning|regarding|relating|within)$")


class _Builder:
    def __init__(self, sections_are_articles: bool, closing: re.Pattern | None = None) -> None:
        self.sections = sections_are_articles
        self.closing = closing  # the formula after the last article ("Luật này được ...")
        self.closed = False  # past it: signatures and recipients, not law, until an annex
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
        self.preamble: _Prov | None = None
        self.signature: str | None = None  # the first line of a signature block left out
        self.endnotes: str | None = None  # the heading of endnotes left out
        self.last_label = 0  # the last "(n)" point label of the current provision
        # footnote lines after an article, held back: the provision's own text again when
        # more structure follows, a note when nothing but footnotes follows to the end
        self.trail: list[tuple[str, bool | None]] | None = None
        self.trail_prov: _Prov | None = None
        self.trail_blank = False
        self.footnote_notes: list[str] = []

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
        self.last_label = 0

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
            if self.trail is not None:
                self.trail.append(("", False))
                self.trail_blank = True
                return
            self.text("")
            return
        if self.caption_open and line.level == 0 and self._caption_continues(raw):
            return
        self.caption_open = False
        self._feed(raw, line.level > 0, line.section)
        self.prev = raw

    def finish(self) -> None:
        """Footnotes still held back at the end are a note, not the last provision's text."""
        if self.trail is not None:
            for para in _paragraphs(self.trail).split("\n"):
                if para.strip():
                    self.footnote_notes.append(para)
            self.trail = None

    def _caption_continues(self, raw: str) -> bool:
        """A caption wrapped onto a second line ("... placed on the" / "market")."""
        cur = self.cur
        if cur is None or not cur.heading or any(t.strip() for t, _ in cur.lines) \
                or not (raw[0].islower() or _OPEN_END.search(cur.heading)) or len(raw) > 100:
            return False
        cur.heading = f"{cur.heading} {_clean_heading(raw)}"
        return True

    def _is_structure(self, plain: str, md: bool, section: tuple | None) -> bool:
        """Any heading or formula that starts a new portion (ends held-back footnotes)."""
        return bool(md or section or _SIGNATURE.match(plain)
                    or (self.closing is not None and self.closing.match(plain))
                    or hd.match_article(plain, markdown=md, sections=self.sections)
                    or hd.match_annex(plain) or hd.match_group(plain))

    def _held_footnote(self, plain: str, md: bool, section: tuple | None) -> bool:
        """Hold back footnote lines after an article; True when the line was taken."""
        if self.trail is None:
            if not _FOOTNOTE.match(plain):
                return False
            self.trail, self.trail_prov, self.trail_blank = [(plain, True)], self.cur, False
            return True
        resumed = self.trail_blank and not _FOOTNOTE.match(plain) and (
            plain[0].isupper() or _NEW_PARA.match(plain))
        if resumed or self._is_structure(plain, md, section):
            if self.trail_prov is not None:  # not footnotes at the end: text as before
                self.trail_prov.lines.extend(self.trail)
            self.trail, self.trail_prov = None, None
            return False
        self.trail.append((plain, bool(_FOOTNOTE.match(plain))))
        self.trail_blank = False
        return True

    def _feed(self, raw: str, md: bool, section: tuple[str, str, str] | None = None) -> None:
        if _is_furniture(raw):
            self.footnotes = False
            return
        plain = _inline(raw)
        if self.footnotes and self.articles_seen and self._is_structure(plain, md, section) \
                and not _RECITAL.match(plain):
            self.footnotes = False  # a page footnote inside an article ends at the next heading
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
        if self.articles_seen and self._held_footnote(plain, md, section):
            return
        if self.closing is not None and self.articles_seen and not self.in_annex \
                and self.closing.match(plain):
            self.closed, self.cur = True, None
            return
        if self.articles_seen and not self.in_annex and not self.closed \
                and _SIGNATURE.match(plain):
            self.closed, self.cur, self.signature = True, None, plain
            return
        if self.articles_seen and _ENDNOTES.match(plain):
            self.closed, self.in_annex, self.cur, self.endnotes = True, False, None, plain
            return
        if self.in_annex or self.articles_seen:
            annex = hd.match_annex(plain, markdown=md)
            if annex and annex.eid == "correlation_table" and self.pending_caption \
                    and self.cur is not None and self.cur.kind == "annex":
                annex = None  # "ANNEX IV" / "Correlation table": the annex's caption
            if annex and self.articles_seen and (md or annex.number.isupper() or annex.heading
                                                 or annex.eid == "correlation_table"):
                self.in_annex = True
                self.open(hd.Heading(annex.number, _clean_heading(annex.heading), annex.eid,
                                     "annex"), caption_pending=True)
                return
        if self.closed and not self.in_annex:
            return
        if self.in_annex:
            if self.pending_caption and _SCHEDULE_REF.match(plain):
                self.text(plain, hard=True)  # the caption comes after it
                return
            if self.pending_caption and self._caption(plain):
                return
            self.text(plain, hard=md)
            return
        if section is not None and self.sections:
            number, caption, body = section
            self._article(hd.Heading(f"Section {number}", caption,
                                     f"sec_{hd.eid_token(number)}", "section", body), True)
            return
        if self._page_footnote(plain):
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

    def _page_footnote(self, plain: str) -> bool:
        """A page footnote printed inside an article: "(38) Regulation (EU) No 168/2013 ...".

        EU footnotes are numbered through the whole act, so inside the articles the next one
        carries the number after the last footnote of the recitals, while a point label
        continues its own provision's count.
        """
        m = _RECITAL.match(plain)
        if not m or self.in_annex or not self.articles_seen:
            return False
        n = int(m.group(1))
        called = self.cur is not None and any(
            re.search(rf"\s\({n}\)(?:[.,;:]|$)", t) for t, _ in self.cur.lines[-12:])
        if self.last_footnote and n == self.last_footnote + 1 and n != self.last_label + 1 \
                and (self.last_footnote >= 3 or called):
            self.footnotes, self.last_footnote = True, n
            self.footnote_fresh = not m.group(2)
            return True
        self.last_label = n
        return False

    def _caption(self, plain: str) -> bool:
        """Take ``plain`` as the caption of the provision just opened, if it looks like one."""
        self.pending_caption = False
        cur = self.cur
        ref = any(_SCHEDULE_REF.match(t) for t, _ in cur.lines) if cur is not None else False
        if cur is None or (cur.lines and not ref) \
                or any(t.strip() and not _SCHEDULE_REF.match(t) for t, _ in cur.lines) \
                or _NEW_PARA.match(plain) or len(plain) > 120 \
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
        in_preamble = self.cur is not None and self.cur.kind == "preamble"
        if _PREAMBLE_START.match(plain) and not self.last_recital \
                and (self.cur is None or in_preamble):
            # "WHEREAS ...", "BE IT ENACTED ...", "Căn cứ ...", "The Parties to this
            # Agreement, recognising ...": a preamble portion, never an article
            if self.cur is None:
                if self.preamble is None:
                    self.open(hd.Heading("Preamble", None, "preamble", "preamble"), False)
                    self.preamble = self.cur
                self.cur = self.preamble
            self.whereas = self.whereas or bool(_WHEREAS.match(plain))
            self.text(re.sub(r"^(?:PREAMBLE|Preamble)\s+", "", plain), hard=True)
            return True
        if in_preamble and not md and not _RECITAL.match(plain) and not _WHEREAS.match(plain) \
                and not _ENACTING.match(plain):
            # one paragraph per citation or recital: a line after one that ends a clause
            last = next((t for t, _ in reversed(self.cur.lines) if t.strip()), "")
            self.text(plain, hard=bool(last) and last[-1] in ";:,." and plain[0].isupper())
            return True
        if _ENACTING.match(plain):
            if self.preamble is not None:  # the enacting formula closes the preamble
                self.preamble.lines.append((plain, True))
            self.cur = None  # "HAVE ADOPTED THIS REGULATION:" ends the recitals
            return True
        if re.fullmatch(r"(?i)preamble", plain):
            self.open(hd.Heading("Preamble", None, "preamble", "preamble"), False)
            self.preamble = self.preamble or self.cur
            return True
        if _WHEREAS.match(plain):  # "Whereas:", "## Whereas Clauses"
            self.whereas = True
            if self.cur is not None and self.cur.kind == "preamble" and not md:
                self.text(plain, hard=True)
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


_HTML_LINE = re.compile(r"^\s*</?[A-Za-z][\w:-]*(?:\s[^>]*)?/?>(?:\s*</?[A-Za-z][^>]*>)*\s*$")


def _is_markup(text: str) -> bool:
    """A line that is only HTML tags ("<meta ...>", "<div class=...>"): never a title."""
    return bool(_HTML_LINE.match(text))


def _header_lines(lines: list[_Line]) -> list[str]:
    """The plain lines before the first article or chapter heading (a document's header)."""
    out: list[str] = []
    for line in lines:
        text = _inline(line.text.strip()) if line.text.strip() else ""
        if not text or _is_markup(text):
            continue
        if hd.match_article(text, markdown=line.level > 0) or (
                hd.match_group(text, markdown=line.level > 0) and out):
            break
        out.append(text)
        if len(out) >= 60:
            break
    return out


# Gazette mastheads and the like: printed above the title, never the title.
_MASTHEAD = re.compile(
    r"(?i)^(?:official journal\b.*|of the european union\b.*|[lc] series|en|extraordinary"
    r"|government gazette\b.*|.*\bgazette\b.*\d{4}.*|staatskoerant\b.*|published by authority.*"
    r"|vol(?:ume)?\.?\s*\d+.*|no\.\s*\d+.*|[\d\s/.,-]+)$")


_DOC_WORD = re.compile(
    r"(?i)\b(?:act|regulations?|rules|order|decree|law|code|directive|decision|agreement"
    r"|convention|treaty|protocol|ordinance|bill|proclamation|constitution)\b")


def _not_a_title(text: str) -> bool:
    """Page furniture, a masthead or a signature: lines a title is never taken from."""
    return bool(_is_furniture(text) or _MASTHEAD.match(text) or _SIGNATURE.match(text)
                or _SIGNATORY.match(text))


def _title(src: _Source) -> tuple[str | None, int]:
    """The document's title and the index of the line it was taken from (-1: keep all lines).

    The HTML <title> (without a portal's name), else the first H1 before the first article,
    else the first header line; never a running header, a masthead or a signature block.
    """
    lines = src.lines
    texts = [_inline(ln.text.strip()) if ln.text.strip() else "" for ln in lines]
    end = next((i for i, (ln, t) in enumerate(zip(lines, texts, strict=True))
                if ln.section or (t and hd.match_article(t, markdown=ln.level > 0))), len(lines))
    if src.title:
        parts = re.split(r"\s+[-|–—]\s+", src.title)
        seen = {t.casefold() for t in texts[:end] if t}
        return next((p for p in parts if len(parts) > 1 and p.casefold() in seen),
                    src.title), -1
    for i in range(end):
        if lines[i].level == 1 and texts[i] and not _not_a_title(texts[i]):
            return _clean_heading(lines[i].text), i
    candidates: list[int] = []
    for i, text in enumerate(texts):
        if not text or _not_a_title(text):
            continue
        if hd.match_article(text) or hd.match_group(text) or lines[i].section \
                or _PREAMBLE_START.match(text):
            if not candidates:
                return _clean_heading(text), -1  # the first line is already structure: keep it
            break
        candidates.append(i)
        if len(candidates) >= 12:
            break
    # a gazette prints its department and notice number above the instrument's name
    best = next((i for i in candidates if _DOC_WORD.search(texts[i]) and len(texts[i]) <= 200),
                candidates[0] if candidates else None)
    return (_clean_heading(texts[best]), best) if best is not None else (None, -1)


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    if not data.strip():
        raise ImportFailed(f"{filename}: the file is empty")
    src = _read(data, filename)
    src.lines = [replace(ln, text=hd.normalize_unicode(ln.text)) for ln in src.lines
                 if not _is_markup(ln.text)]
    src.title = hd.normalize_unicode(src.title) if src.title else src.title
    lines = src.lines
    full_text = "\n".join(ln.text for ln in lines)
    vn = _vn.read_header(_header_lines(lines), full_text)
    vn = vn if vn.recognised else None
    title, start = _title(src)
    if vn is not None and vn.title:
        title = vn.title  # "QUỐC HỘI" or a portal's page title is not the document's title
    if not title:
        raise ImportFailed(f"{filename}: no text found")
    body = [ln for i, ln in enumerate(lines) if i != start]
    builder = _Builder(_sections_are_articles(body), _vn.CLOSING if vn is not None else None)
    for line in body:
        builder.feed(line)
    builder.finish()
    if not builder.articles_seen and all(p.kind == "preamble" for p in builder.provs):
        builder.provs = []  # "Considering ..." opening a text with no articles: one text
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
    if vn is not None and builder.closed:
        notes.append("closing formula and signature block left out")
    elif builder.signature:
        notes.append(f"signature block left out: {builder.signature}")
    if builder.endnotes:
        notes.append(f"endnotes left out: {builder.endnotes}")
    notes.extend(f"footnote after the last provision: {n}" for n in builder.footnote_notes)
    doc = ParsedDocument(title=title, provisions=provisions, language=language, notes=notes)
    _metadata(doc, src, full_text)
    if vn is not None:
        _vietnamese(doc, vn)
    return [doc]


def _vietnamese(doc: ParsedDocument, vn: _vn.Header) -> None:
    """Fill what a Vietnamese header states: motto, number, issuing body, date line."""
    doc.jurisdiction = doc.jurisdiction or "vn"
    doc.language = doc.language or "vi"
    doc.doc_type = doc.doc_type or vn.doc_type
    doc.number = doc.number or vn.number
    doc.date = doc.date or vn.date
    doc.in_force = doc.in_force or vn.in_force
    doc.issuing_body = doc.issuing_body or vn.issuing_body
    doc.notes.extend(vn.notes)
