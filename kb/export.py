"""Exports of grids, coverage maps and search results: CSV, XLSX and Markdown briefs.

Every export is built from the same flat records the notebook's ``to_pandas`` uses, so a
spreadsheet, a brief and a DataFrame always agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

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
           "title": "Title", "kind": "Kind", "jurisdiction": "Jurisdiction", "source": "Source"},
    "vi": {"row": "Quốc gia / hiệp định", "citation": "Điều khoản", "strength": "Mức độ cam kết",
           "status": "Hiệu lực", "date": "Ngày", "exceptions": "Ngoại lệ", "excerpt": "Trích đoạn",
           "nothing": "không tìm thấy", "comparison": "So sánh", "coverage": "Mức độ bao phủ",
           "results": "Kết quả tìm kiếm", "instrument_level": "(văn bản)", "count": "Số lượng",
           "title": "Tiêu đề", "kind": "Loại", "jurisdiction": "Quốc gia", "source": "Nguồn"},
}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidQuery(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    return fmt


def to_csv(records: list[dict[str, Any]], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def to_xlsx(records: list[dict[str, Any]], columns: Sequence[str], sheet: str,
            link_column: str | None = None, url_column: str = "source_url") -> bytes:
    """A workbook with readable column widths, a frozen header and citations as links."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for record in records:
        ws.append([record.get(c) for c in columns])
        if link_column and record.get(url_column):
            cell = ws.cell(row=ws.max_row, column=list(columns).index(link_column) + 1)
            cell.hyperlink = record[url_column]
            cell.font = Font(color="0563C1", underline="single")
    for i, column in enumerate(columns, start=1):
        longest = max([len(str(column))] + [len(str(r.get(column) or "")) for r in records])
        ws.column_dimensions[get_column_letter(i)].width = min(80, max(10, longest + 2))
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _md(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


GRID_COLUMNS = ("row_label", "topic_label", "rank", "citation", "level", "strength",
                "exceptions", "status", "date", "id", "source_url", "excerpt")


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
        for record in (r for r in grid.records(lang) if r["topic"] == topic):
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
                         f"{_md(record['excerpt'])[:220]} |")
        lines.append("")
    return "\n".join(lines)


def export_grid(grid: Grid, fmt: str, lang: str = "en") -> bytes:
    check_format(fmt)
    if fmt == "md":
        return grid_markdown(grid, lang).encode()
    if fmt == "csv":
        return to_csv(grid.records(lang), GRID_COLUMNS)
    if fmt == "xlsx":
        return to_xlsx(grid.records(lang), GRID_COLUMNS, "comparison", link_column="citation")
    import json

    return json.dumps(grid.to_dict(lang), ensure_ascii=False, indent=2).encode()


def export_coverage(cov: Coverage, fmt: str, lang: str = "en") -> bytes:
    check_format(fmt)
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


def export_results(result: SearchResult, fmt: str, lang: str = "en") -> bytes:
    check_format(fmt)
    records = result.records()
    if fmt == "csv":
        return to_csv(records, RESULT_COLUMNS)
    if fmt == "xlsx":
        return to_xlsx(records, RESULT_COLUMNS, "results", link_column="title")
    if fmt == "md":
        t = LABELS["vi" if lang == "vi" else "en"]
        lines = [f"# {t['results']} ({result.total})", "",
                 f"| {t['title']} | {t['kind']} | {t['jurisdiction']} | {t['excerpt']} |",
                 "|---|---|---|---|"]
        for r in records:
            title = _md(r["title"] if r["kind"] != "provision"
                        else f"{r['instrument_title']}, {r['number']}")
            if r["source_url"]:
                title = f"[{title}]({r['source_url']})"
            lines.append(f"| {title} | {r['kind']} | {_md(r['jurisdiction'])} | "
                         f"{_md(r['excerpt'])[:220]} |")
        return ("\n".join(lines) + "\n").encode()
    return result.model_dump_json(
        exclude={"query": True, "hits": {"__all__": {"snippet"}}}, indent=2
    ).encode()
