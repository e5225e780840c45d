"""Bộ pháp điển đề mục pages: structure, source notes, empty đề mục, and the real corpus."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import vn_phapdien

EXAMPLE = Path(__file__).parent / "examples" / "vn_phapdien" / "demuc-9.9-thu-nghiem.html"

STUB = ("\ufeff<link href='../lib/css/style.css' rel='stylesheet' type='text/css' />\n"
        "<h3 style='text-transform: uppercase'>\n    Đề mục 3.6\n    <br />\n    Viễn thông\n"
        "</h3>\n<p style='display: none'>(Xem Danh mục văn bản pháp điển vào đề mục: "
        "<a class='viewDSVB' href='#' onclick=\"ViewDanhSachVB(this,'a20d')\"></a>)</p>"
        "<div class='_content'></div>").encode()


def page(content: str, number: str = "9.8", title: str = "Thử nghiệm") -> bytes:
    return (f"<h3>Đề mục {number}<br />{title}</h3><div class='_content'>{content}</div>"
            ).encode()


def test_sniff() -> None:
    assert vn_phapdien.sniff(EXAMPLE.read_bytes(), EXAMPLE.name) == 95
    assert vn_phapdien.sniff(STUB, "stub.html") == 90
    assert vn_phapdien.sniff(b"<html><body><h3>Article 1</h3></body></html>", "x.html") == 0
    assert vn_phapdien.sniff(b"{}", "x.json") == 0
    assert importers.detect(EXAMPLE.read_bytes(), EXAMPLE.name).FORMAT == "vn_phapdien"


def test_empty_de_muc_is_a_clear_failure() -> None:
    with pytest.raises(ImportFailed, match=r"3\.6 Viễn thông has no provisions \(empty "
                                           r"codification\)"):
        vn_phapdien.parse(STUB, "stub.html")


def test_not_a_de_muc_page() -> None:
    with pytest.raises(ImportFailed, match="not a Bộ pháp điển đề mục page"):
        vn_phapdien.parse(b"<html><body><p>Trang web</p></body></html>", "x.html")


def test_metadata_and_source_notes() -> None:
    [doc] = vn_phapdien.parse(EXAMPLE.read_bytes(), EXAMPLE.name)
    assert (doc.title, doc.number, doc.jurisdiction, doc.language, doc.doc_type) == (
        "Thử nghiệm dịch vụ số", "9.9", "vn", "vi", "doc")
    assert doc.native_ids == {"phapdien": "9.9"}
    assert [m["number"] for m in doc.members] == [
        "99/2030/QH99", "199/2031/NĐ-CP", "09/2031/TT-BTTTT"]
    assert doc.date is None  # a đề mục states no date of its own: none is invented
    first = doc.provisions[0]
    assert first.text.split("\n")[-1].startswith("(Điều 1 Luật số 99/2030/QH99")


def test_nested_content_paragraphs_and_cross_references() -> None:
    [doc] = vn_phapdien.parse(EXAMPLE.read_bytes(), EXAMPLE.name)
    prov = doc.provisions[1]
    assert prov.number == "Điều 9.9.NĐ.1.1"
    assert prov.text.split("\n")[:3] == ["1. Nghị định này áp dụng đối với:",
                                         "a) Doanh nghiệp viễn thông;",
                                         "b) Doanh nghiệp cung cấp dịch vụ số."]
    assert "nội dung liên quan" not in prov.text  # pChiDan is editorial, left out


def test_chapters_sections_duplicates_and_stray_angle_brackets() -> None:
    [doc] = vn_phapdien.parse(EXAMPLE.read_bytes(), EXAMPLE.name)
    by = {p.eid: p for p in doc.provisions}
    assert by["art_9.9.lq.2"].path == ["Chương II THỦ TỤC THỬ NGHIỆM", "Mục 1 HỒ SƠ"]
    assert "Trung tâm Ứng cứu khẩn cấp" in by["art_9.9.lq.2"].text
    assert by["art_9.9.tt.1.1"].heading is None
    assert by["art_9.9.tt.1.1_2"].heading == "Điều khoản thi hành"


def test_codified_number_keeps_its_letters() -> None:
    [doc] = vn_phapdien.parse(page(
        "<p class='pDieu'><a name='1'></a>Điều 9.8.TT.14.16a. Thực hiện thủ tục</p>"
        "<p class='pNoiDung'><p>Nội dung.</p></p>"), "x.html")
    [prov] = doc.provisions
    assert (prov.number, prov.eid, prov.heading, prov.text) == (
        "Điều 9.8.TT.14.16a", "art_9.8.tt.14.16a", "Thực hiện thủ tục", "Nội dung.")


# --- corpus ------------------------------------------------------------------------------------

def _demuc(corpus: Path, number: str):
    path = next((corpus / "vn" / "phapdien").glob(f"demuc-{number}-*.html"))
    return vn_phapdien.parse(path.read_bytes(), path.name)


@pytest.mark.corpus
def test_corpus_tan_so_vo_tuyen_dien(corpus: Path) -> None:
    [doc] = _demuc(corpus, "3.5")
    assert (doc.title, doc.number) == ("Tần số vô tuyến điện", "3.5")
    # 260 p.pDieu elements (258 distinct codified numbers: 3.5.QĐ.3.3 and 3.5.TT.15.3 repeat)
    assert len(doc.provisions) == 260
    assert len({p.number for p in doc.provisions}) == 258
    assert len({p.eid for p in doc.provisions}) == 260
    first = doc.provisions[0]
    assert (first.number, first.heading, first.eid, first.path) == (
        "Điều 3.5.LQ.1", "Phạm vi điều chỉnh", "art_3.5.lq.1", ["Chương I NHỮNG QUY ĐỊNH CHUNG"])
    assert first.text.startswith("Luật này quy định về quản lý, sử dụng tần số vô tuyến điện")
    assert first.text.endswith("(Điều 1 Luật số 42/2009/QH12 Tần số vô tuyến điện ngày "
                               "23/11/2009 của Quốc hội, có hiệu lực thi hành kể từ ngày "
                               "01/07/2010)")
    numbers = [m["number"] for m in doc.members]
    assert numbers[:2] == ["42/2009/QH12", "88/2021/NĐ-CP"]
    assert len(numbers) == len(set(numbers))
    # Điều 3 of Decision 71/2013 and Điều 3 of its amendment 02/2017 share a codified number
    assert {p.eid for p in doc.provisions if p.number == "Điều 3.5.QĐ.3.3"} == {
        "art_3.5.qd.3.3", "art_3.5.qd.3.3_02-2017-qd-ttg"}
    by_source = Counter(p.number.split(".")[2] for p in doc.provisions)
    assert by_source["LQ"] == 49  # the 49 articles of Law 42/2009/QH12
    assert all(p.text for p in doc.provisions)


@pytest.mark.corpus
def test_corpus_an_ninh_mang(corpus: Path) -> None:
    [doc] = _demuc(corpus, "1.11")
    assert (doc.title, len(doc.provisions)) == ("An ninh mạng", 87)
    assert [m["number"] for m in doc.members] == ["24/2018/QH14", "13/2023/NĐ-CP"]
    sources = Counter("24/2018/QH14" in p.text.split("\n")[-1] for p in doc.provisions)
    assert sources[True] == 43
    assert doc.provisions[-1].number == "Điều 1.11.NĐ.1.44"


@pytest.mark.corpus
def test_corpus_an_toan_thong_tin_mang(corpus: Path) -> None:
    [doc] = _demuc(corpus, "3.1")
    assert (doc.title, len(doc.provisions)) == ("An toàn thông tin mạng", 293)
    assert "18/2018/TT-NHNN" in [m["number"] for m in doc.members]  # printed "18 /2018/TT-NHNN"
    assert "05/2017/QĐ-TTg" in [m["number"] for m in doc.members]
    paths = {tuple(p.path) for p in doc.provisions}
    assert ("Chương II BẢO ĐẢM AN TOÀN THÔNG TIN MẠNG", "Mục 3 BẢO VỆ HỆ THỐNG THÔNG TIN") in paths
    assert not any("<" in p.text for p in doc.provisions)


@pytest.mark.corpus
@pytest.mark.parametrize("number,title", [("3.4", "Giao dịch điện tử"), ("3.6", "Viễn thông")])
def test_corpus_empty_stubs(corpus: Path, number: str, title: str) -> None:
    with pytest.raises(ImportFailed, match=f"{title} has no provisions"):
        _demuc(corpus, number)
