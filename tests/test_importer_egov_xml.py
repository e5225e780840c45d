"""e-Gov 法令標準XML importer: edge cases, detection, and the real 行政手続法 file."""

from __future__ import annotations

import datetime as dt

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import _kanji, egov_xml

ERROR_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<DataRoot><Result><Code>1</Code><Message>取得結果が０件でした。</Message></Result>
<ApplData><LawId>999</LawId><LawNum/><LawFullText/></ApplData></DataRoot>""".encode()


def _law(main: str, extra: str = "", attrs: str = 'Era="Heisei" Year="15" Num="057"') -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Law {attrs} Lang="ja" LawType="Act">'
            f"<LawNum>平成十五年法律第五十七号</LawNum><LawBody><LawTitle>試験法</LawTitle>"
            f"<MainProvision>{main}</MainProvision>{extra}</LawBody></Law>").encode()


def _article(num: str, title: str, sentence: str = "本文。", caption: str = "") -> str:
    cap = f"<ArticleCaption>{caption}</ArticleCaption>" if caption else ""
    return (f'<Article Num="{num}">{cap}<ArticleTitle>{title}</ArticleTitle><Paragraph Num="1">'
            f"<ParagraphNum/><ParagraphSentence><Sentence>{sentence}</Sentence>"
            f"</ParagraphSentence></Paragraph></Article>")


def test_api_error_response_names_code_and_message() -> None:
    with pytest.raises(ImportFailed, match=r"e-Gov API returned code 1: 取得結果が０件でした"):
        egov_xml.parse(ERROR_RESPONSE, "error.xml")


def test_api_success_without_law_text_fails() -> None:
    data = ("<DataRoot><Result><Code>0</Code><Message/></Result><ApplData><LawId>x</LawId>"
            "<LawNameListInfo><LawName>a</LawName></LawNameListInfo></ApplData></DataRoot>")
    with pytest.raises(ImportFailed, match="no <Law>"):
        egov_xml.parse(data.encode(), "list.xml")


def test_not_xml_and_empty_law_fail() -> None:
    with pytest.raises(ImportFailed, match="not well-formed"):
        egov_xml.parse(b"<Law><LawBody>", "broken.xml")
    with pytest.raises(ImportFailed, match="no articles"):
        egov_xml.parse(_law(""), "empty.xml")


def test_numbers_as_printed_and_eids_from_num() -> None:
    data = _law(_article("1", "第一条", caption="（目的）") + _article("2_2", "第二条の二")
                + _article("5:7", "第五条から第七条まで", "削除"))
    provs = egov_xml.parse(data, "x.xml")[0].provisions
    assert [(p.eid, p.number) for p in provs] == [
        ("art_1", "第一条"), ("art_2_2", "第二条の二"), ("art_5-7", "第五条から第七条まで")]
    assert provs[0].heading == "目的" and provs[1].heading is None
    assert provs[2].text == "削除"
    assert [p.order for p in provs] == [1, 2, 3]


def test_duplicate_eids_get_suffixes() -> None:
    data = _law(_article("3", "第三条", "一。") + _article("3", "第三条", "二。"))
    assert [p.eid for p in egov_xml.parse(data, "x.xml")[0].provisions] == ["art_3", "art_3_2"]


def test_supplementary_provisions_are_other_and_distinct_from_articles() -> None:
    suppl = ('<SupplProvision><SupplProvisionLabel>附　則</SupplProvisionLabel>'
             + _article("1", "第一条", "施行する。") + "</SupplProvision>"
             + '<SupplProvision AmendLawNum="令和四年五月二五日法律第五二号">'
             "<SupplProvisionLabel>附　則</SupplProvisionLabel>"
             + _article("1", "第一条", "施行する。") + "</SupplProvision>")
    provs = egov_xml.parse(_law(_article("1", "第一条"), suppl), "x.xml")[0].provisions
    assert [(p.eid, p.kind, p.path) for p in provs] == [
        ("art_1", "article", []),
        ("suppl__art_1", "other", ["附則"]),
        ("suppl_r4_52__art_1", "other", ["附則", "令和四年五月二五日法律第五二号"]),
    ]


def test_part_chapter_section_subsection_headings_form_the_path() -> None:
    main = ('<Part Num="1"><PartTitle>第一編　総則</PartTitle><Chapter Num="1">'
            '<ChapterTitle>第一章　通則</ChapterTitle><Section Num="1"><SectionTitle>第一節　目的'
            '</SectionTitle><Subsection Num="1"><SubsectionTitle>第一款　趣旨</SubsectionTitle>'
            + _article("1", "第一条") + "</Subsection></Section></Chapter></Part>")
    prov = egov_xml.parse(_law(main), "x.xml")[0].provisions[0]
    assert prov.path == ["第一編 総則", "第一章 通則", "第一節 目的", "第一款 趣旨"]


def test_metadata_from_attributes_and_filename() -> None:
    attrs = 'Era="Heisei" Year="15" Num="057" PromulgateMonth="05" PromulgateDay="30"'
    doc = egov_xml.parse(_law(_article("1", "第一条"), attrs=attrs),
                         "415AC0000000057_20230401_503AC0000000037.xml")[0]
    assert doc.native_ids == {"egov": "415AC0000000057"}
    assert doc.number == "平成十五年法律第五十七号"
    assert doc.date == dt.date(2003, 5, 30)
    assert doc.version_date == dt.date(2023, 4, 1)
    assert (doc.jurisdiction, doc.language, doc.doc_type) == ("jp", "ja", "act")
    undated = egov_xml.parse(_law(_article("1", "第一条")), "law.xml")[0]
    assert undated.date is None and undated.native_ids == {}


def test_kanji_numbers() -> None:
    assert _kanji.to_int("百九十三") == 193
    assert _kanji.to_int("一五一") == 151
    assert _kanji.to_kanji(110) == "百十"
    assert _kanji.article_label("27_12") == "第二十七条の十二"
    assert _kanji.article_num("第百十六条の八") == "116_8"
    assert _kanji.law_num_key("平成一一年一二月八日法律第一五一号") == "h11_151"


def test_detection() -> None:
    law = _law(_article("1", "第一条"))
    assert egov_xml.sniff(law, "x.xml") >= 90
    assert egov_xml.sniff(ERROR_RESPONSE, "x.xml") >= 80
    assert importers.detect(ERROR_RESPONSE, "x.xml").FORMAT == "egov_xml"
    assert egov_xml.sniff(b"<akomaNtoso><act/></akomaNtoso>", "x.xml") == 0
    assert egov_xml.sniff(b"<treaty><meta/></treaty>", "x.xml") == 0
    assert egov_xml.sniff(b'{"provisions": []}', "x.json") == 0


@pytest.mark.corpus
def test_corpus_gyosei_tetsuzuki_ho(corpus) -> None:
    path = corpus / "jp/egov/405AC0000000088_20240401_504AC0100000052.gyosei-tetsuzuki-ho.ja.xml"
    data = path.read_bytes()
    assert importers.detect(data, path.name).FORMAT == "egov_xml"
    doc = egov_xml.parse(data, path.name)[0]
    assert doc.title == "行政手続法"
    assert doc.number == "平成五年法律第八十八号"
    assert doc.native_ids == {"egov": "405AC0000000088"}
    assert doc.date == dt.date(1993, 11, 12)
    assert doc.version_date == dt.date(2024, 4, 1)
    main = [p for p in doc.provisions if p.kind == "article"]
    assert len(main) == 48  # 第一条 .. 第四十六条 plus 第三十六条の二 and 第三十六条の三
    assert main[0].number == "第一条" and main[0].heading == "目的等"
    assert main[0].path == ["第一章 総則"]
    by_eid = {p.eid: p for p in doc.provisions}
    assert by_eid["art_36_2"].number == "第三十六条の二"
    assert by_eid["art_36_3"].path == ["第四章の二 処分等の求め"]
    assert by_eid["art_15"].path == ["第三章 不利益処分", "第二節 聴聞"]
    assert by_eid["art_2"].text.splitlines()[1].startswith("一 法令 法律、法律に基づく命令")
    suppl = [p for p in doc.provisions if p.kind == "other"]
    assert len(suppl) == 23 and all(p.path[0] == "附則" for p in suppl)
    assert by_eid["suppl"].number == "附則"
    assert len(doc.provisions) == len(by_eid) == 71


@pytest.mark.corpus
def test_corpus_api_error_response(corpus) -> None:
    path = corpus / "jp/egov/egov-api-v1.error-no-result.ja.xml"
    data = path.read_bytes()
    assert importers.detect(data, path.name).FORMAT == "egov_xml"
    with pytest.raises(ImportFailed, match="e-Gov API returned code 1: 取得結果が０件でした"):
        egov_xml.parse(data, path.name)
