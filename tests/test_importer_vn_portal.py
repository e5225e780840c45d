"""Vietnamese portal pages (thuvienphapluat.vn, vbpl.vn): metadata, articles, wrong pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import vn_portal

EXAMPLES = Path(__file__).parent / "examples" / "vn_portal"


def tvpl(content: str, title: str = "Luật thử nghiệm 2030 số 1/2030/QH99") -> bytes:
    return (f"<html><head><title>{title}</title>"
            "<link rel='canonical' href='https://thuvienphapluat.vn/van-ban/X/Luat-1-99.aspx'/>"
            "</head><body><div class='cldivContentDocVn'><div class='content1'>"
            f"{content}</div></div></body></html>").encode()


def test_sniff() -> None:
    law = (EXAMPLES / "tvpl-luat-thu-nghiem.html").read_bytes()
    assert vn_portal.sniff(law, "law.html") == 90
    assert vn_portal.sniff(b"<html><body><div id='toanvancontent'>vbpl.vn</div></body></html>",
                           "vbpl.html") == 85
    assert vn_portal.sniff(b"<html><body><p>Article 1</p></body></html>", "x.html") == 0
    assert importers.detect(law, "law.html").FORMAT == "vn_portal"


def test_page_without_law_text_fails() -> None:
    page = (b"<html><head><title>thuvienphapluat.vn</title></head><body>"
            b"<div class='login'>Vui l\xc3\xb2ng \xc4\x91\xc4\x83ng nh\xe1\xba\xadp</div>"
            b"</body></html>")
    with pytest.raises(ImportFailed, match="no law text found"):
        vn_portal.parse(page, "login.html")


def test_law_text_without_articles_fails() -> None:
    with pytest.raises(ImportFailed, match="no 'Điều N.' article headings"):
        vn_portal.parse(tvpl("<p>Kính gửi các Sở, ngành.</p>", "Công văn 1/UBND"), "cv.html")


def test_metadata_of_a_law_page() -> None:
    [doc] = vn_portal.parse((EXAMPLES / "tvpl-luat-thu-nghiem.html").read_bytes(), "law.html")
    assert (doc.title, doc.number, doc.doc_type, doc.jurisdiction, doc.language) == (
        "Luật Thử nghiệm dịch vụ số", "99/2030/QH99", "act", "vn", "vi")
    assert (doc.date, doc.in_force) == (dt.date(2030, 6, 1), dt.date(2031, 1, 1))
    assert doc.issuing_body == "QUỐC HỘI"  # as the document prints it
    assert doc.native_ids == {"tvpl": "999001"}
    assert doc.source_url.endswith("Luat-thu-nghiem-dich-vu-so-2030-999001.aspx")


def test_articles_chapters_and_end_of_text() -> None:
    [doc] = vn_portal.parse((EXAMPLES / "tvpl-luat-thu-nghiem.html").read_bytes(), "law.html")
    assert [(p.number, p.heading) for p in doc.provisions] == [
        ("Điều 1", "Phạm vi điều chỉnh"), ("Điều 2", "Giải thích từ ngữ"),
        ("Điều 3", "Hồ sơ đề nghị thử nghiệm"), ("Điều 4", "Hiệu lực thi hành")]
    assert doc.provisions[2].path == ["Chương II THỦ TỤC THỬ NGHIỆM", "Mục 1 HỒ SƠ"]
    last = doc.provisions[-1].text
    assert last == "Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2031."
    assert all("Article" not in (p.text or "") for p in doc.provisions)  # English div ignored
    assert all("Điều 99" not in (p.text or "") for p in doc.provisions)  # scripts ignored


def test_decision_articles_have_no_caption_and_keep_tables() -> None:
    [doc] = vn_portal.parse((EXAMPLES / "tvpl-quyet-dinh.html").read_bytes(), "qd.html")
    assert (doc.number, doc.doc_type, doc.date) == ("9876/QĐ-UBND", "decision",
                                                   dt.date(2031, 7, 9))
    first = doc.provisions[0]
    assert first.heading is None
    assert first.text.split("\n") == ["Phê duyệt danh mục dịch vụ số thử nghiệm như sau:",
                                      "TT | Dịch vụ | Thời hạn",
                                      "1 | Thanh toán di động | 12 tháng",
                                      "2 | Định danh điện tử | 24 tháng"]
    assert "Nơi nhận" not in doc.provisions[-1].text  # signature block is not law text


def test_heading_variants_and_split_headings() -> None:
    [doc] = vn_portal.parse(tvpl(
        "<p><b>Điều 1.Phạm vi</b></p><p>Một.</p>"
        "<p><a name='dieu_2'><b>Điều 2 Đối tượng</b></a></p><p>Hai.</p>"
        "<p><b>Điều 3:Giải thích</b></p><p>Ba.</p>"
        "<p><b>Điều 4. Hồ sơ</b></p><p><b>đề nghị</b></p><p>Bốn, theo quy định tại</p>"
        "<p>Điều 2 của Luật này.</p>"), "x.html")
    assert [(p.number, p.heading, p.eid) for p in doc.provisions] == [
        ("Điều 1", "Phạm vi", "art_1"), ("Điều 2", "Đối tượng", "art_2"),
        ("Điều 3", "Giải thích", "art_3"), ("Điều 4", "Hồ sơ đề nghị", "art_4")]
    assert doc.provisions[-1].text == "Bốn, theo quy định tại\nĐiều 2 của Luật này."
    assert (doc.number, doc.doc_type) == ("1/2030/QH99", "act")


def test_vbpl_full_text_page() -> None:
    page = ("<html><head><title>Luật 99/2030/QH99 Thử nghiệm dịch vụ số</title></head><body>"
            "<div class='header'>vbpl.vn - Cơ sở dữ liệu quốc gia về văn bản pháp luật</div>"
            "<div id='toanvancontent' class='toanvancontent'>"
            "<p>QUỐC HỘI</p><p>Luật số: 99/2030/QH99</p>"
            "<p>Hà Nội, ngày 01 tháng 6 năm 2030</p><p>LUẬT</p>"
            "<p>Chương I</p><p>QUY ĐỊNH CHUNG</p>"
            "<p>Điều 1. Phạm vi điều chỉnh</p><p>Luật này quy định về thử nghiệm.</p>"
            "<p>Điều 2. Đối tượng áp dụng</p><p>Luật này áp dụng đối với doanh nghiệp.</p>"
            "</div></body></html>").encode()
    assert importers.detect(page, "vbpl.html").FORMAT == "vn_portal"
    [doc] = vn_portal.parse(page, "vbpl.html")
    assert (doc.number, doc.date, doc.doc_type) == ("99/2030/QH99", dt.date(2030, 6, 1), "act")
    assert [(p.number, p.heading, p.path) for p in doc.provisions] == [
        ("Điều 1", "Phạm vi điều chỉnh", ["Chương I QUY ĐỊNH CHUNG"]),
        ("Điều 2", "Đối tượng áp dụng", ["Chương I QUY ĐỊNH CHUNG"])]


# --- corpus ------------------------------------------------------------------------------------

def _page(corpus: Path, prefix: str):
    path = next((corpus / "vn" / "thuvienphapluat").glob(f"{prefix}*.html"))
    [doc] = vn_portal.parse(path.read_bytes(), path.name)
    return doc


@pytest.mark.corpus
def test_corpus_luat_an_ninh_mang(corpus: Path) -> None:
    doc = _page(corpus, "luat-an-ninh-mang-2018")
    assert [p.number for p in doc.provisions] == [f"Điều {n}" for n in range(1, 44)]
    assert (doc.number, doc.doc_type, doc.date, doc.in_force) == (
        "24/2018/QH14", "act", dt.date(2018, 6, 12), dt.date(2019, 1, 1))
    assert doc.title == "Luật An ninh mạng"  # the document's own name, not the portal's
    assert doc.source_url == ("https://thuvienphapluat.vn/van-ban/Cong-nghe-thong-tin/"
                              "Luat-an-ninh-mang-2018-351416.aspx")
    by = {p.eid: p for p in doc.provisions}
    assert by["art_1"].text == ("Luật này quy định về hoạt động bảo vệ an ninh quốc gia và "
                                 "bảo đảm trật tự, an toàn xã hội trên không gian mạng; trách "
                                 "nhiệm của cơ quan, tổ chức, cá nhân có liên quan.")
    assert by["art_26"].heading == "Bảo đảm an ninh thông tin trên không gian mạng"
    assert by["art_26"].path == ["Chương IV HOẠT ĐỘNG BẢO VỆ AN NINH MẠNG"]
    assert "Nguyễn Thị Kim Ngân" not in by["art_43"].text


@pytest.mark.corpus
def test_corpus_luat_cong_nghe_thong_tin_has_all_79_articles(corpus: Path) -> None:
    doc = _page(corpus, "luat-cong-nghe-thong-tin-2006")
    assert [p.number for p in doc.provisions] == [f"Điều {n}" for n in range(1, 80)]
    by = {p.eid: p for p in doc.provisions}
    # printed "Điều 5 Chính sách ...", "Điều 24:Nguyên tắc ...", "Điều 2.Đối tượng ..."
    assert by["art_2"].heading == "Đối tượng áp dụng"
    assert by["art_5"].heading.startswith("Chính sách của Nhà nước")
    assert by["art_24"].heading.startswith("Nguyên tắc ứng dụng công nghệ thông tin")
    assert by["art_79"].heading == "Hướng dẫn thi hành"  # heading split over two lines
    assert by["art_24"].path == [
        "Chương II ỨNG DỤNG CÔNG NGHỆ THÔNG TIN",
        "Mục 2 ỨNG DỤNG CÔNG NGHỆ THÔNG TIN TRONG HOẠT ĐỘNG CỦA CƠ QUAN NHÀ NƯỚC"]
    assert (doc.number, doc.in_force) == ("67/2006/QH11", dt.date(2007, 1, 1))


@pytest.mark.corpus
def test_corpus_mismatched_page_is_what_it_really_is(corpus: Path) -> None:
    doc = _page(corpus, "MISMATCH")
    expected_number = "20/2023/QH15"  # what the crawler asked for: Luật Giao dịch điện tử 2023
    assert doc.number == "1456/QĐ-UBND" != expected_number
    assert doc.title.startswith("QUYẾT ĐỊNH VỀ VIỆC PHÊ DUYỆT QUY HOẠCH SỬ DỤNG ĐẤT")
    assert doc.issuing_body == "ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH"
    assert "Giao dịch điện tử" not in doc.title
    assert (doc.doc_type, doc.date, doc.issuing_body) == ("decision", dt.date(2021, 7, 9),
                                                          "ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH")
    assert [p.number for p in doc.provisions] == [f"Điều {n}" for n in range(1, 6)]
