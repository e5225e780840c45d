"""Per-article JSON of Japanese laws (derived from e-Gov): edge cases and the three real files."""

from __future__ import annotations

import json

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import jp_article_json


def _doc(provisions: list[dict], **top) -> bytes:
    base = {"id": "426AC1000000104", "type": "statute", "title": "試験基本法", "law_number": "",
            "status": "in_force", "url": "https://laws.e-gov.go.jp/law/426AC1000000104",
            "provisions": provisions}
    base.update(top)
    return json.dumps(base, ensure_ascii=False).encode()


def _prov(section: str, title: str, content: str = "本文。", order: int = 0,
          chapter: str = "Chapter 1: 第一章　総則") -> dict:
    return {"provision_ref": f"art-{section}", "chapter": chapter, "section": section,
            "title": title, "content": content, "content_en": None, "language": "ja",
            "order_index": order}


def test_caption_or_printed_label_in_title() -> None:
    doc = jp_article_json.parse(_doc([
        _prov("1", "（目的）", order=0), _prov("2", "第二条", order=1),
        _prov("30_2", "（推進会議）", order=2), _prov("157_2", "第百五十七条の二", order=3),
    ]), "x.json")[0]
    got = [(p.eid, p.number, p.heading) for p in doc.provisions]
    assert got == [("art_1", "第一条", "目的"), ("art_2", "第二条", None),
                   ("art_30_2", "第三十条の二", "推進会議"),
                   ("art_157_2", "第百五十七条の二", None)]
    assert doc.provisions[0].path == ["第一章 総則"]


def test_order_index_gives_document_order_and_duplicates_get_suffixes() -> None:
    doc = jp_article_json.parse(_doc([
        _prov("2", "（二）", order=1), _prov("1", "（一）", order=0), _prov("2", "（再）", order=2),
    ]), "x.json")[0]
    assert [p.eid for p in doc.provisions] == ["art_1", "art_2", "art_2_2"]
    assert [p.order for p in doc.provisions] == [1, 2, 3]


def test_metadata() -> None:
    doc = jp_article_json.parse(_doc([_prov("1", "（目的）")]), "x.json")[0]
    assert doc.native_ids == {"egov": "426AC1000000104"}
    assert doc.number is None  # law_number is blank in the derived files
    assert doc.source_url == "https://laws.e-gov.go.jp/law/426AC1000000104"
    assert (doc.jurisdiction, doc.language, doc.doc_type, doc.status) == (
        "jp", "ja", "act", "in-force")


def test_law_id_from_filename_when_the_json_lacks_it() -> None:
    data = _doc([_prov("1", "（目的）")], id="", url="")
    doc = jp_article_json.parse(data, "415AC0000000057.json")[0]
    assert doc.native_ids == {"egov": "415AC0000000057"} and doc.source_url is None


def test_gaps_in_numbering_are_noted() -> None:
    doc = jp_article_json.parse(_doc([_prov("1", "（一）", order=0),
                                      _prov("5", "（五）", order=1)]), "x.json")[0]
    assert doc.notes == ["articles 2-4 are missing from the file (numbering has gaps)"]


def test_empty_or_wrong_json_fails() -> None:
    with pytest.raises(ImportFailed, match="no provisions"):
        jp_article_json.parse(_doc([]), "x.json")
    with pytest.raises(ImportFailed, match="no 'provisions' list"):
        jp_article_json.parse(b'{"title": "x"}', "x.json")
    with pytest.raises(ImportFailed, match="not valid"):
        jp_article_json.parse(b"{", "x.json")


def test_detection() -> None:
    data = _doc([_prov("1", "（目的）")])
    assert jp_article_json.sniff(data, "x.json") >= 80
    assert importers.detect(data, "x.json").FORMAT == "jp_article_json"
    other = json.dumps({"id": "gdpr", "provisions": [{"provision_ref": "art-1"}]}).encode()
    assert jp_article_json.sniff(other, "x.json") == 0
    assert jp_article_json.sniff(b'{"count": 1, "results": []}', "x.json") == 0


CORPUS_FILES = [
    ("359AC0000000086.telecommunications-business-act.ja.json", "電気通信事業法", 169),
    ("415AC0000000057.appi.ja.json", "個人情報の保護に関する法律", 137),
    ("426AC1000000104.cybersecurity-basic-act.ja.json", "サイバーセキュリティ基本法", 39),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "title", "count"), CORPUS_FILES)
def test_corpus_files(corpus, name: str, title: str, count: int) -> None:
    path = corpus / "jp/derived-json" / name
    data = path.read_bytes()
    assert importers.detect(data, path.name).FORMAT == "jp_article_json"
    doc = jp_article_json.parse(data, path.name)[0]
    assert doc.title == title
    assert len(doc.provisions) == count
    assert len({p.eid for p in doc.provisions}) == count
    assert doc.native_ids["egov"] == name.split(".")[0]
    first = doc.provisions[0]
    assert (first.eid, first.number, first.heading, first.path) == (
        "art_1", "第一条", "目的", ["第一章 総則"])


@pytest.mark.corpus
def test_corpus_telecom_business_act_details(corpus) -> None:
    path = corpus / "jp/derived-json/359AC0000000086.telecommunications-business-act.ja.json"
    doc = jp_article_json.parse(path.read_bytes(), path.name)[0]
    by_eid = {p.eid: p for p in doc.provisions}
    assert by_eid["art_12_2"].number == "第十二条の二"
    assert by_eid["art_12_2"].heading == "登録の更新"
    assert by_eid["art_27_12"].number == "第二十七条の十二"
    assert by_eid["art_193"].number == "第百九十三条" and by_eid["art_193"].heading is None
    assert by_eid["art_193"].path == ["第六章 罰則"]
    assert by_eid["art_1"].text.startswith("この法律は、電気通信事業の公共性に鑑み")
    assert doc.notes == ["articles 41-72, 74-105 are missing from the file (numbering has gaps)"]
