"""ToTA (Texts of Trade Agreements) treaty XML: one preferential trade agreement per file.

Publisher: the ToTA project (W. Alschner, J. Seiermann, D. Skougarevskiy;
https://github.com/mappingtreaties/tota, CC BY-NC 4.0), built from the WTO Regional Trade
Agreements database. The schema is described in the project README::

    <treaty><meta><name/><type/><wto_rta_id/><treaty_identifier/><status/><date_signed/>
      <date_into_force/><parties><partyisocode n="1">KOR</partyisocode>...</parties>
      <language/><source lang="en" type="full text">URL</source>...</meta>
    <body><chapter number="CHAPTER 14" name="Electronic Commerce" chapter_identifier="4641">
      <article number="ARTICLE 14.11" name="Cross-Border Transfer Of ..." article_identifier=
      "40218">text</article>...</chapter></body></treaty>

One document per file: doc type treaty, jurisdiction ``int``, parties mapped from ISO 3166-1
alpha-3 to alpha-2 lower case, native ids ``tota`` (``pta_449``) and ``wto_rta`` (the WTO RTA
id), date = date signed, in force = date into force. Provisions are the articles: number
``Article 14.11`` (``Article 1`` when the article number lacks the chapter prefix, the chapter
staying in the path), heading = the article name, path = ``["Chapter 14 Electronic
Commerce"]``, eId ``chp_14__art_14.11``; the Preamble and Conclusion chapters become kinds
``preamble`` and ``other``, annex-like chapters kind ``annex``.

Quirks handled: names are Title Cased By The Tool (``Transfer Of Information By Electronic
Means``): small words go back to lower case, common acronyms (WTO, TBT, SPS ...) to upper case,
and footnote numbers glued to the end of a name (``Treatment15``) are dropped; chapter numbers
come as ``CHAPTER FOURTEEN``, ``CHAPTER 14``, ``01``, ``SECTION II`` or ``CHAPTER 8BIS`` (path
labels ``Chapter Fourteen``, ``Chapter 14``, ``Chapter 1``, ``Section II``, ``Chapter 8bis``;
eIds ``chp_14``, ``chp_14``, ``chp_1``, ``sec_ii``, ``chp_8bis``); texts are OCR/PDF output
with hard line breaks: blank lines separate paragraphs, lines starting with a list marker
(``(a)``, ``2.``) start a new line, other line breaks are joined; annexes and schedules were
removed by ToTA and footnotes sit inline where the page broke. Spanish and French texts number
``ARTÍCULO 13.1`` / ``CAPÍTULO 13`` / ``CHAPITRE 1``: the labels keep the text's own words
(``Artículo 13.1``, ``Capítulo 13``), eIds stay ASCII (``chp_13__art_13.1``), "Preámbulo" is the
preamble. Parties fall back to ``parties_original`` when ``parties`` is empty; an unreadable
date becomes a note instead of failing the import. Every ToTA text is a treaty between states,
so the jurisdiction is ``int`` and the parties are listed. Source URLs with spaces are
percent-encoded; ones that are not http(s) are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import quote

from lxml import etree

from kb.errors import ImportFailed
from kb.importers._xml import parse_xml
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.taxonomy import jurisdictions
from kb.text import normalize_space

FORMAT = "tota"

_SMALL_WORDS = {
    "a", "an", "and", "as", "at", "between", "by", "for", "from", "in", "into", "of", "on",
    "or", "the", "to", "under", "upon", "with", "within", "without", "via", "vis-à-vis",
    # Spanish and French texts are Title Cased the same way
    "de", "del", "la", "las", "los", "el", "y", "e", "o", "u", "en", "por", "para", "con", "al",
    "des", "du", "le", "les", "et", "ou", "sur", "dans", "aux", "à", "d'", "l'",
}
_PREAMBLE = ("preamble", "preámbulo", "preambulo", "préambule", "preambule")
_ACRONYMS = {
    w.lower(): w for w in (
        "WTO", "TBT", "SPS", "GATT", "GATS", "TRIPS", "ASEAN", "AANZFTA", "FTA", "APEC", "MFN",
        "SMEs", "SME", "ICSID", "UNCITRAL", "ILO", "OECD", "EAEU", "KORUS", "TPP", "ISDS", "IP",
        "GPA", "ICT", "US", "USA", "NAFTA", "RMI", "TPMs", "SOEs", "ISPs",
    )
}
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen")
_WORD_NUMBERS = {w: i for i, w in enumerate(_UNITS.split(" "))}
_WORD_NUMBERS.update({"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50})
_MARKER_RE = re.compile(r"^(?:\(?[a-zA-Z0-9]{1,5}\)|\d{1,3}(?:\.\d{1,3})*\.?\s|[-•–])")
_STATUS = {"in force": "in-force", "inactive": "repealed"}
_BLOCS = {"EUN": "eu", "EUR": "eu", "EU": "eu", "EEC": "eu"}  # the EU as a party


def sniff(data: bytes, filename: str) -> int:
    head = data[:4096].decode("utf-8", "ignore")
    if re.search(r"<treaty[\s>]", head) and "<meta" in head and (
            "<treaty_identifier" in head or "<wto_rta_id" in head or "<partyisocode" in head):
        return 95
    return 0


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    root = parse_xml(data, filename)
    if root.tag != "treaty":
        raise ImportFailed(f"{filename}: root element is <{root.tag}>, not a ToTA <treaty>")
    meta = root.find("meta")
    if meta is None:
        raise ImportFailed(f"{filename}: the <treaty> has no <meta>")
    title = _text(meta, "name")
    if not title:
        raise ImportFailed(f"{filename}: the treaty's <meta> has no <name>")
    language = (_text(meta, "language") or "").lower() or None
    provisions = _provisions(root, language)
    if not provisions:
        raise ImportFailed(f"{filename}: {title} has no articles in its <body>")

    native_ids = {}
    tota_id = _text(meta, "treaty_identifier") or _id_from_name(filename)
    if tota_id:
        native_ids["tota"] = f"pta_{tota_id}"
    if _text(meta, "wto_rta_id"):
        native_ids["wto_rta"] = _text(meta, "wto_rta_id")

    notes = []
    parties = []
    codes = meta.findall("parties/partyisocode") or meta.findall("parties_original/partyisocode")
    for code in codes:
        iso3 = normalize_space(code.text or "").upper()
        code2 = _BLOCS.get(iso3) or (jurisdictions().by_alpha3(iso3) if iso3 else None)
        if code2:
            parties.append(code2)
        elif iso3:
            notes.append(f"party {iso3} is not an ISO 3166-1 alpha-3 code")
    signed = _date(meta, "date_signed", notes)
    in_force = _date(meta, "date_into_force", notes)
    return [ParsedDocument(
        title=title,
        provisions=provisions,
        jurisdiction="int",
        doc_type="treaty",
        language=language,
        date=signed,
        in_force=in_force,
        native_ids=native_ids,
        source_url=_source(meta, language),
        parties=parties,
        status=_status(_text(meta, "status"), signed, in_force, _text(meta, "date_inactive")),
        notes=notes,
    )]


def _provisions(root: etree._Element, language: str | None) -> list[Provision]:
    out: list[Provision] = []
    eids: set[str] = set()
    for chapter in root.iterfind("body/chapter"):
        name = _title_case(normalize_space(chapter.get("name") or ""))
        label, chap_eid = _chapter_label(chapter.get("number") or "")
        kind = _chapter_kind(name, label)
        path = [" ".join(p for p in (label, name) if p)] if label else []
        for index, article in enumerate(chapter.iterfind("article"), start=1):
            text = _article_text(article.text or "")
            heading = _heading(article.get("name") or "")
            art_num = normalize_space(article.get("number") or "")
            if art_num:
                number, art_eid = _article_label(art_num)
                eid = f"{chap_eid}__{art_eid}" if chap_eid else art_eid
            else:  # Preamble, Conclusion or another unnumbered chapter: the chapter is the unit
                number = name or label or f"Part {len(out) + 1}"
                folded = unicodedata.normalize("NFKD", number.lower()).encode("ascii", "ignore")
                base = re.sub(r"[^a-z0-9]+", "_", folded.decode()).strip("_") or "part"
                if kind == "preamble":
                    base = "preamble"
                eid = base if index == 1 else f"{base}_{index}"
                if not label:
                    path = []
            if not (text or heading):
                continue
            base_eid, n = eid, 1
            while eid in eids:
                n += 1
                eid = f"{base_eid}_{n}"
            eids.add(eid)
            out.append(Provision(eid=eid, number=number, heading=heading, path=list(path),
                                 text=text, kind=kind, language=language, order=len(out) + 1))
    return out


def _chapter_label(number: str) -> tuple[str, str]:
    """``CHAPTER FOURTEEN`` -> (``Chapter Fourteen``, ``chp_14``); ``01`` -> (``Chapter 1``,
    ``chp_1``); ``SECTION II`` -> (``Section II``, ``sec_ii``); empty -> ("", "")."""
    text = normalize_space(number)
    if not text:
        return "", ""
    match = re.match(r"^(" + "|".join(_CHAPTER_WORDS) + r")?\b\s*(.+)$", text, re.I)
    label, prefix = _CHAPTER_WORDS[(match.group(1) or "chapter").lower()]
    rest = match.group(2).strip()
    value = _words_to_int(rest)
    if rest.isdigit():
        rest = str(int(rest))
    elif value is not None:
        rest = rest.title()
    elif re.fullmatch(r"[IVXLC]+", rest):
        pass  # roman numerals stay upper case
    else:
        rest = rest.lower() if re.fullmatch(r"\d+[A-Za-z]+", rest) else rest
    key = str(value) if value is not None else re.sub(r"[^a-z0-9.]+", "-", rest.lower())
    key = re.sub(r"[^a-z0-9.\-]+", "-", key).strip("-")
    return f"{label} {rest}", f"{prefix}_{key or 'x'}"


_ARTICLE_WORD = re.compile(r"^(art[íi]culo|article|artigo|art[íi]\.?|art\.?)\s*(.+)$", re.I)
_ARTICLE_LABEL = {"artículo": "Artículo", "articulo": "Artículo", "artigo": "Artigo",
                  "artí": "Artículo"}
_CHAPTER_WORDS = {  # the word as printed -> (label, eId prefix)
    "chapter": ("Chapter", "chp"), "capítulo": ("Capítulo", "chp"), "capitulo": ("Capítulo", "chp"),
    "chapitre": ("Chapitre", "chp"), "section": ("Section", "sec"), "sección": ("Sección", "sec"),
    "seccion": ("Sección", "sec"), "part": ("Part", "part"), "parte": ("Parte", "part"),
    "partie": ("Partie", "part"), "annex": ("Annex", "annex"), "anexo": ("Anexo", "annex"),
    "annexe": ("Annexe", "annex"), "título": ("Título", "title"), "titre": ("Titre", "title"),
}


def _article_label(number: str) -> tuple[str, str]:
    """``ARTICLE 14.11`` -> (``Article 14.11``, ``art_14.11``); ``ARTICLE 8BIS.1`` ->
    (``Article 8bis.1``, ``art_8bis.1``); ``ARTÍCULO 1.1`` -> (``Artículo 1.1``, ``art_1.1``),
    the word kept in the text's language but never cut in two ("Article ÍCULO 1.1")."""
    match = _ARTICLE_WORD.match(number)
    rest = match.group(2) if match else number
    word = _ARTICLE_LABEL.get((match.group(1) if match else "").lower().rstrip("."), "Article")
    rest = re.sub(r"(?<=\d)([A-Z]+)", lambda m: m.group(1).lower(), rest)
    key = re.sub(r"[^a-z0-9.]+", "-", rest.lower()).strip("-.") or "x"
    return f"{word} {rest}", f"art_{key}"


def _chapter_kind(name: str, label: str) -> str:
    low = name.lower()
    if low.startswith(_PREAMBLE):
        return "preamble"
    if label.lower().startswith("annex") or re.match(r"^(annex|appendix|schedule)\b", low):
        return "annex"
    if not label and re.match(r"^(conclusion|final clause|signatures?)\b", low):
        return "other"
    return "article"


def _heading(name: str) -> str | None:
    """The article name, title-cased back and without a footnote number glued to its end
    (``Minimum Standard Of Treatment15`` -> ``Minimum Standard of Treatment``)."""
    text = re.sub(r"(?<=[A-Za-z)])\d{1,3}$", "", normalize_space(name))
    return _title_case(text) or None


def _words_to_int(text: str) -> int | None:
    words = re.split(r"[\s-]+", text.lower())
    if not words or any(w not in _WORD_NUMBERS for w in words):
        return None
    return sum(_WORD_NUMBERS[w] for w in words)


def _title_case(text: str) -> str:
    """Undo the tool's Title Casing: small words lower case, known acronyms upper case."""
    words = text.split(" ")
    out = []
    for i, word in enumerate(words):
        core = word.strip("(),;:'\"“”‘’")
        low = core.lower()
        if low in _ACRONYMS:
            word = word.replace(core, _ACRONYMS[low])
        elif i > 0 and low in _SMALL_WORDS and not out[-1].endswith(":"):
            word = word.replace(core, low)
        out.append(word)
    return " ".join(out)


def _article_text(raw: str) -> str | None:
    paragraphs = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n")):
        lines: list[str] = []
        for line in block.split("\n"):
            line = normalize_space(line)
            if not line:
                continue
            if lines and not _MARKER_RE.match(line):
                lines[-1] += " " + line
            else:
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n".join(paragraphs) or None


def _text(meta: etree._Element, tag: str) -> str:
    return normalize_space(meta.findtext(tag) or "")


def _date(meta: etree._Element, tag: str, notes: list[str]) -> dt.date | None:
    """``2015-05-05`` (also with a time, or as ``05/05/2015``); a note when unreadable, so a
    bad date costs the date, not the treaty."""
    value = _text(meta, tag)
    if not value:
        return None
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})|(\d{1,2})/(\d{1,2})/(\d{4})$", value)
    try:
        if match and match[1]:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match:
            return dt.date(int(match[6]), int(match[5]), int(match[4]))
    except ValueError:
        pass
    notes.append(f"<{tag}> is not a date: {value!r}")
    return None


def _id_from_name(filename: str) -> str | None:
    match = re.search(r"pta_(\d+)", filename)
    return match.group(1) if match else None


def _source(meta: etree._Element, language: str | None) -> str | None:
    sources = [s for s in meta.iterfind("source") if s.get("type") == "full text"]
    sources.sort(key=lambda s: s.get("lang") != language)
    for source in sources:
        url = normalize_space(source.text or "").strip("'\"")
        if re.match(r"^https?://[^/\s]+", url):
            return quote(url, safe=":/?&=#%+,;~@!$*()'")
    return None


def _status(value: str, signed: dt.date | None, in_force: dt.date | None,
            inactive: str) -> str | None:
    if inactive:
        return "repealed"
    low = value.lower()
    if low in _STATUS:
        return _STATUS[low]
    if "signed" in low and not in_force:
        return "signed-not-in-force"
    return None
