"""Exports of grids, coverage maps and search results: CSV, XLSX and Markdown briefs.

Every export is built from the same flat records the notebook's ``to_pandas`` uses, so a
spreadsheet, a brief and a DataFrame always agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from kb.authorities import agreement_name, bundled_agreement_names, bundled_instruments
from kb.citations import cite_vi
from kb.compare import Coverage, Grid
from kb.errors import InvalidQuery
from kb.search import SearchResult
from kb.taxonomy import jurisdictions, taxonomy

FORMATS = ("json", "csv", "xlsx", "md")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}
LABELS = {
    "en": {"row": "Jurisdiction / agreement", "citation": "Provision", "strength": "Strength",
           "status": "Status", "date": "Date", "exceptions": "Exceptions", "excerpt": "Excerpt",
           "nothing": "nothing found", "comparison": "Comparison", "coverage": "Coverage",
           "results": "Search results", "instrument_level": "(instrument)", "count": "Count",
           "title": "Title", "kind": "Kind", "jurisdiction": "Jurisdiction", "source": "Source",
           "topic": "Topic", "rank": "Rank", "level": "Level", "page": "Provision page",
           "id": "Id", "provisions": "Provisions", "legend": "Strength of commitment",
           "legend_note": "Each cell lists the provisions found (citation, strength, "
                          "excerpt); its link opens them on the Provisions sheet, whose "
                          "citations link to the official source.",
           "bound": "In force for {party}", "since": "since {date}", "not_bound": "no ({status})",
           "number": "Number", "instrument": "Instrument", "doc_type": "Type"},
    "vi": {"row": "Quốc gia / hiệp định", "citation": "Điều khoản", "strength": "Mức độ cam kết",
           "status": "Hiệu lực", "date": "Ngày", "exceptions": "Ngoại lệ", "excerpt": "Trích đoạn",
           "nothing": "không tìm thấy", "comparison": "So sánh", "coverage": "Mức độ bao phủ",
           "results": "Kết quả tìm kiếm", "instrument_level": "(văn bản)", "count": "Số lượng",
           "title": "Tiêu đề", "kind": "Loại", "jurisdiction": "Quốc gia", "source": "Nguồn",
           "topic": "Chủ đề", "rank": "Thứ tự", "level": "Cấp", "page": "Trang điều khoản",
           "id": "Mã", "provisions": "Điều khoản", "legend": "Mức độ cam kết",
           "legend_note": "Mỗi ô liệt kê các điều khoản tìm thấy (trích dẫn, mức độ cam kết, "
                          "trích đoạn); liên kết của ô mở chúng ở trang tính Điều khoản, nơi "
                          "mỗi trích dẫn liên kết tới nguồn chính thức.",
           "bound": "Hiệu lực với {party}", "since": "từ {date}", "not_bound": "không ({status})",
           "number": "Số hiệu", "instrument": "Văn bản", "doc_type": "Loại văn bản"},
}


LANGS = ("en", "vi")
# strength of a treaty commitment: label (en, vi) and the fill of its cells (the web's colours)
STRENGTHS = {
    "binding": ("Binding", "Ràng buộc", "CFE2F3"),
    "best-endeavour": ("Best endeavour", "Nỗ lực tối đa", "E1D5F0"),
    "permissive": ("Permissive", "Cho phép", "D5EFDF"),
    "hortatory": ("Hortatory", "Tuyên bố, khuyến nghị", "FFF2CC"),
    "procedural": ("Procedural", "Thủ tục, thể chế", "EDEDED"),
    "none": ("No commitment", "Không cam kết", "FFFFFF"),
}
STRENGTH_ORDER = tuple(STRENGTHS)
EXCERPT_CHARS = 220  # in a Markdown brief's table cell
CELL_EXCERPT_CHARS = 400  # in a grid cell of the workbook, per provision
MAX_CELL_CHARS = 32_000  # Excel holds at most 32,767 characters in a cell
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # where `kb serve` answers by default


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidQuery(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    return fmt


def check_lang(lang: str) -> str:
    """``lang`` is en or vi: an unknown one is an error, never a silent English export."""
    if lang not in LANGS:
        raise InvalidQuery(f"unknown lang {lang!r} (one of {', '.join(LANGS)})")
    return lang


def trim(text: str | None, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, ``…`` marking a cut;
    a brief never shows half a word."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rstrip()
    if not text[len(cut)].isspace():  # the cut fell inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cut.rstrip(" ,;:.-–") + "…"


def strength_label(strength: str | None, lang: str = "en") -> str:
    if not strength:
        return ""
    names = STRENGTHS.get(strength)
    return (names[1] if lang == "vi" else names[0]) if names else strength


def _value(value: Any) -> Any:
    """A value as a spreadsheet cell: nothing for None, lists joined, never the word None."""
    if value is None:
        return None
    if isinstance(value, list | tuple | set):
        return "; ".join(str(v) for v in value if v is not None) or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def to_csv(records: list[dict[str, Any]], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({c: _value(r.get(c)) for c in columns} for r in records)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def _table_sheet(ws: Any, records: list[dict[str, Any]], columns: Sequence[str],
                 headers: Sequence[str], links: dict[str, str] | None = None,
                 strength_column: str | None = None, lang: str = "en") -> None:
    """A long table on ``ws``: bold frozen header with a filter, wrapped text, readable
    widths; ``links`` maps a column to the record field holding its URL."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    links = links or {}
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    for record in records:
        row = []
        for column in columns:
            value = _value(record.get(column))
            if column == strength_column:
                value = strength_label(value, lang) or None
            row.append(value)
        ws.append(row)
        for i, column in enumerate(columns, start=1):
            cell = ws.cell(row=ws.max_row, column=i)
            cell.alignment = wrap
            target = record.get(links[column]) if column in links else None
            if target and cell.value:
                cell.hyperlink = target
                cell.font = Font(color="0563C1", underline="single")
            if column == strength_column and record.get(column) in STRENGTHS:
                cell.fill = PatternFill("solid", fgColor=STRENGTHS[record[column]][2])
    for i, (column, header) in enumerate(zip(columns, headers, strict=True), start=1):
        longest = max([len(str(header))] + [len(str(_value(r.get(column)) or ""))
                                             for r in records])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = "A2"
    if records:
        ws.auto_filter.ref = ws.dimensions


def to_xlsx(records: list[dict[str, Any]], columns: Sequence[str], sheet: str,
            link_column: str | None = None, url_column: str = "source_url",
            headers: Sequence[str] | None = None) -> bytes:
    """A workbook with readable column widths, a frozen header and citations as links."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    _table_sheet(ws, records, columns, headers or columns,
                 {link_column: url_column} if link_column else None)
    return _save(book)


def _save(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def localise(records: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Flat records as a Vietnamese reader cites them: "Điều 23 Luật Dữ liệu 2024" for the
    citation, agreements by name instead of code, Vietnamese titles where the record has
    them. English records are returned as they are."""
    agreements = bundled_agreement_names()
    if lang != "vi":
        return [{**r, "row_label": agreement_name(r["row"], lang, agreements)}
                if str(r.get("row", "")).startswith("agreement:") else r for r in records]
    instruments = bundled_instruments()
    out = []
    for record in records:
        record = dict(record)
        kind = record.get("kind") or ("provision" if "/~" in (record.get("id") or "")
                                      else "instrument")
        if str(record.get("row", "")).startswith("agreement:"):
            record["row_label"] = agreement_name(record["row"], "vi", agreements)
        if record.get("id") and record.get("found", True):
            inst = instruments.get(record.get("instrument_id") or "", {})
            if kind == "instrument":
                inst = instruments.get(record["id"], inst)
            doc = {**record, "kind": kind, "title_vi": record.get("title_vi")
                   or (inst.get("title_vi") if kind == "instrument" else None)}
            code = inst.get("agreement")
            cited = cite_vi(doc, inst, agreements.get(code, ("", ""))[1] if code else None)
            if "citation" in record:
                record["citation"] = cited
            if kind == "instrument" and doc["title_vi"] and "title" in record:
                record["title"] = doc["title_vi"]
            elif kind == "case-note" and record.get("title_vi") and "title" in record:
                record["title"] = record["title_vi"]
            if kind == "provision":
                record["citation"] = cited
                if "instrument_title" in record and inst.get("title_vi"):
                    record["instrument_title"] = inst["title_vi"]
        out.append(record)
    return out


def _md(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


GRID_COLUMNS = ("row_label", "topic_label", "rank", "citation", "level", "strength",
                "exceptions", "status", "date", "id", "source_url", "excerpt")
# the Provisions sheet of the workbook: (record field, LABELS key)
GRID_DETAIL = (("row_label", "row"), ("topic_label", "topic"), ("rank", "rank"),
               ("citation", "citation"), ("strength", "strength"),
               ("exceptions", "exceptions"), ("status", "status"), ("date", "date"),
               ("excerpt", "excerpt"), ("source_url", "source"), ("page_url", "page"),
               ("id", "id"))


def grid_markdown(grid: Grid, lang: str = "en") -> str:
    """A brief a negotiator can paste into a document: one table per topic."""
    t = LABELS["vi" if lang == "vi" else "en"]
    tax = taxonomy()
    lines = [f"# {t['comparison']}: " + ", ".join(tax.get(x).display(lang) for x in grid.topics),
             ""]
    for topic in grid.topics:
        lines += [f"## {tax.get(topic).display(lang)}", "",
                  f"| {t['row']} | {t['citation']} | {t['strength']} | {t['status']} | "
                  f"{t['date']} | {t['excerpt']} |", "|---|---|---|---|---|---|"]
        for record in (r for r in localise(grid.records(lang), lang) if r["topic"] == topic):
            if not record["found"]:
                lines.append(f"| {_md(record['row_label'])} | _{t['nothing']}_ | | | | |")
                continue
            cite = _md(record["citation"])
            if record["source_url"]:
                cite = f"[{cite}]({record['source_url']})"
            if record["level"] == "instrument":
                cite += f" {t['instrument_level']}"
            strength = _md(record["strength"])
            if record["exceptions"]:
                strength += f" ({_md(record['exceptions'])})"
            lines.append(f"| {_md(record['row_label'])} | {cite} | {strength} | "
                         f"{_md(record['status'])} | {_md(record['date'])} | "
                         f"{_md(trim(record['excerpt'], EXCERPT_CHARS))} |")
        lines.append("")
    return "\n".join(lines)


def page_url(record_id: str | None, base_url: str) -> str | None:
    """The record's page on the web interface (``/provisions/akn/...``)."""
    if not record_id:
        return None
    from urllib.parse import quote

    if record_id.startswith("/notes/"):
        path = "/case-notes" + record_id.removeprefix("/notes")
    else:
        path = ("/provisions" if "/~" in record_id else "/instruments") + record_id
    return base_url.rstrip("/") + quote(path)


def _row_status(grid: Grid, key: str, lang: str) -> str | None:
    """For an agreement row: whether it binds the grid's party, and since when."""
    bound = grid.bound.get(key)
    if not bound:
        return None
    t = LABELS[lang]
    if bound.get("bound"):
        return t["since"].format(date=bound["since"]) if bound.get("since") else "✓"
    return t["not_bound"].format(status=bound.get("status") or "?")


def grid_xlsx(grid: Grid, lang: str = "en", base_url: str = DEFAULT_BASE_URL) -> bytes:
    """The grid as a negotiator reads it: one row per jurisdiction or agreement, one column
    per topic, each cell listing its provisions (citation, strength, excerpt), coloured by
    its strongest commitment, with a legend; a second sheet has one provision a row with
    links to the official source and to the provision page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    t, tax = LABELS[lang], taxonomy()
    party = jurisdictions().name(grid.party, lang) if grid.party else ""
    with_party = bool(grid.bound)
    book = Workbook()
    ws = book.active
    ws.title = t["comparison"][:31]
    detail = book.create_sheet(t["provisions"][:31])
    records = [{**r, "page_url": page_url(r["id"], base_url)}
               for r in localise(grid.records(lang), lang)]
    _table_sheet(detail, records, [c for c, _ in GRID_DETAIL], [t[k] for _, k in GRID_DETAIL],
                 links={"citation": "source_url", "source_url": "source_url",
                        "page_url": "page_url"}, strength_column="strength", lang=lang)
    first_row: dict[tuple[str, str], int] = {}  # (row, topic) -> its first row on detail
    for i, r in enumerate(records, start=2):
        first_row.setdefault((r["row"], r["topic"]), i)

    header = [t["row"], *([t["bound"].format(party=party)] if with_party else []),
              *(tax.get(x).display(lang) for x in grid.topics)]
    ws.append(header)
    bold, top = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font, cell.alignment = bold, top
    offset = 2 + with_party
    for row in grid.rows:
        values: list[Any] = [agreement_name(row.code, lang) if row.kind == "agreement"
                             else row.label(lang)]
        if with_party:
            values.append(_row_status(grid, row.key, lang))
        for topic in grid.topics:
            cell = grid.cell(row.key, topic)
            values.append(_cell_text(cell.hits, cell.level, t, lang) if cell.hits
                          else t["nothing"])
        ws.append(values)
        r = ws.max_row
        ws.cell(row=r, column=1).font = bold
        for j in range(1, len(values) + 1):
            ws.cell(row=r, column=j).alignment = top
        for j, topic in enumerate(grid.topics, start=offset):
            target = ws.cell(row=r, column=j)
            hits = grid.cell(row.key, topic).hits
            if not hits:
                target.font = Font(italic=True, color="808080")
                continue
            target.hyperlink = Hyperlink(ref=target.coordinate, display=None, location=(
                f"'{detail.title}'!A{first_row[(row.key, topic)]}"))
            strongest = min((h.strength for h in hits if h.strength in STRENGTHS),
                            key=STRENGTH_ORDER.index, default=None)
            if strongest:
                target.fill = PatternFill("solid", fgColor=STRENGTHS[strongest][2])
    ws.column_dimensions["A"].width = 26
    if with_party:
        ws.column_dimensions["B"].width = 18
    for j in range(offset, offset + len(grid.topics)):
        ws.column_dimensions[get_column_letter(j)].width = 60
    ws.freeze_panes = ws.cell(row=2, column=offset)

    ws.append([])
    ws.append([t["legend"]])
    ws.cell(row=ws.max_row, column=1).font = bold
    for key, (en, vi, colour) in STRENGTHS.items():
        ws.append([vi if lang == "vi" else en, key])
        ws.cell(row=ws.max_row, column=1).fill = PatternFill("solid", fgColor=colour)
    ws.append([t["legend_note"]])
    ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=False)
    return _save(book)


def _cell_text(hits: list[Any], level: str, t: dict[str, str], lang: str) -> str:
    """The provisions of a grid cell: citation, strength (and exceptions), excerpt."""
    from kb.compare import citation

    parts = []
    cited = localise([{**hit.model_dump(), "citation": citation(hit)} for hit in hits], lang)
    for hit, record in zip(hits, cited, strict=True):
        cite = record["citation"] + (f" {t['instrument_level']}" if level == "instrument" else "")
        facts = [strength_label(hit.strength, lang), ", ".join(hit.exceptions),
                 hit.status or "", hit.date or ""]
        line = cite + "".join(f" · {f}" for f in facts if f)
        parts.append(f"{line}\n{trim(hit.excerpt, CELL_EXCERPT_CHARS)}".strip())
    return "\n\n".join(parts)[:MAX_CELL_CHARS]


def export_grid(grid: Grid, fmt: str, lang: str = "en",
                base_url: str = DEFAULT_BASE_URL) -> bytes:
    """The grid in a format; ``base_url`` is where the web pages are, for the workbook's
    links to provision pages."""
    check_format(fmt)
    check_lang(lang)
    if fmt == "md":
        return grid_markdown(grid, lang).encode()
    if fmt == "csv":
        return to_csv(localise(grid.records(lang), lang), GRID_COLUMNS)
    if fmt == "xlsx":
        return grid_xlsx(grid, lang, base_url)
    import json

    return json.dumps(grid.to_dict(lang), ensure_ascii=False, indent=2).encode()


def export_coverage(cov: Coverage, fmt: str, lang: str = "en") -> bytes:
    check_format(fmt)
    check_lang(lang)
    tax, juris = taxonomy(), jurisdictions()
    if fmt == "md":
        t = LABELS["vi" if lang == "vi" else "en"]
        head = [tax.get(c).display(lang) for c in cov.columns]
        lines = [f"# {t['coverage']}", "", "| | " + " | ".join(_md(h) for h in head) + " |",
                 "|---|" + "---|" * len(head)]
        for r, row in zip(cov.rows, cov.matrix(), strict=True):
            lines.append(f"| {_md(juris.name(r, lang))} | " + " | ".join(map(str, row)) + " |")
        return ("\n".join(lines) + "\n").encode()
    records = cov.records(lang)
    columns = ("jurisdiction", "jurisdiction_label", cov.by, f"{cov.by}_label", "count")
    if fmt == "csv":
        return to_csv(records, columns)
    if fmt == "xlsx":
        return to_xlsx(records, columns, "coverage")
    import json

    return json.dumps(cov.to_dict(lang), ensure_ascii=False, indent=2).encode()


RESULT_COLUMNS = ("id", "kind", "title", "jurisdiction", "number", "instrument_title",
                  "doc_type", "status", "date", "strength", "source_url", "excerpt")
RESULT_HEADERS = {"instrument_title": "instrument", "source_url": "source"}


def export_results(result: SearchResult, fmt: str, lang: str = "en") -> bytes:
    check_format(fmt)
    check_lang(lang)
    records = localise(result.records(), lang)
    if fmt == "csv":
        return to_csv(records, RESULT_COLUMNS)
    if fmt == "xlsx":
        from openpyxl import Workbook

        t = LABELS[lang]
        book = Workbook()
        book.active.title = t["results"][:31]
        _table_sheet(book.active, records, RESULT_COLUMNS,
                     [t[RESULT_HEADERS.get(c, c)] for c in RESULT_COLUMNS],
                     links={"title": "source_url", "source_url": "source_url"},
                     strength_column="strength", lang=lang)
        return _save(book)
    if fmt == "md":
        t = LABELS["vi" if lang == "vi" else "en"]
        lines = [f"# {t['results']} ({result.total})", "",
                 f"| {t['title']} | {t['kind']} | {t['jurisdiction']} | {t['excerpt']} |",
                 "|---|---|---|---|"]
        for r in records:
            if r["kind"] != "provision":
                title = _md(r["title"])
            elif lang == "vi":
                title = _md(r["citation"])
            else:
                title = _md(f"{r['instrument_title']}, {r['number']}")
            if r["source_url"]:
                title = f"[{title}]({r['source_url']})"
            lines.append(f"| {title} | {r['kind']} | {_md(r['jurisdiction'])} | "
                         f"{_md(trim(r['excerpt'], EXCERPT_CHARS))} |")
        return ("\n".join(lines) + "\n").encode()
    return result.model_dump_json(
        exclude={"query": True, "hits": {"__all__": {"snippet"}}}, indent=2
    ).encode()
