"""GDPRtEXT JSON importer: edge cases on small objects, and the GDPR file of the corpus."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import formex, gdprtext_json


def _doc(chapters: list, recitals: list | None = None, citations: dict | None = None) -> bytes:
    return json.dumps({
        "title": "Sample Regulation", "abbrv": "SR", "regulation": "2020/123",
        "dated": "10/02/2020", "updated": "14/02/2020", "about": "sample",
        "identifier": "L 50/1", "language": "EN", "chapters": chapters,
        "recitals": recitals or [], "citations": citations or {},
    }, indent=2).encode()


def _article(number: str, contents: list, title: str = "Heading") -> dict:
    return {"number": number, "title": title, "type": "article", "contents": contents}


def _point(number: str | None, text: str, subpoints: list | None = None,
           kind: str = "point") -> dict:
    return {"number": number, "type": kind, "subpoints": subpoints or [], "text": text}


CHAPTER = {"number": "I", "title": "General", "type": "chapter",
           "contents": [_article("1", [_point("1", "First."), _point("2", "Second.")])]}


def _one(data: bytes):
    docs = gdprtext_json.parse(data, "gdpr.json")
    assert len(docs) == 1
    return docs[0]


def test_sniff_is_specific_and_below_90() -> None:
    assert gdprtext_json.sniff(_doc([CHAPTER]), "x.json") == 85
    assert gdprtext_json.sniff(b'{"chapters": [], "title": "x"}', "x.json") == 0
    assert gdprtext_json.sniff(b'{"results": [], "count": 3}', "x.json") == 0
    assert gdprtext_json.sniff(b"<html></html>", "x.html") == 0
    assert gdprtext_json.sniff(b'[{"chapter": "1", "title": "x"}]', "x.json") == 0


def test_metadata() -> None:
    doc = _one(_doc([CHAPTER]))
    assert doc.title == "Sample Regulation"
    assert doc.number == "2020/123"
    assert doc.work_id == "/akn/eu/act/regulation/2020/123"
    assert doc.native_ids == {"celex": "32020R0123", "oj": "OJ L 50, 2020, p. 1",
                              "eli": "http://data.europa.eu/eli/reg/2020/123/oj"}
    assert (doc.date, doc.language, doc.doc_type) == (dt.date(2020, 2, 10), "en", "regulation")


def test_paragraphs_points_and_definitions_are_labelled_as_printed() -> None:
    chapter = {"number": "II", "title": "Rules", "type": "chapter", "contents": [
        {"number": "1", "title": "Basics", "type": "section", "contents": [
            _article("4", [_point(None, "In this Regulation:", kind="text"),
                           _point("1", "‘data’ means data;")], title="Definitions"),
            _article("5", [_point("1", "Processing is lawful if:", [
                {"number": "a", "text": "consent is given;", "type": "subpoint"}]),
                _point(None, "Point (a) does not apply to children.", kind="text")]),
        ]}]}
    doc = _one(_doc([chapter]))
    art4, art5 = doc.provisions
    assert art4.text == "In this Regulation:\n(1) ‘data’ means data;"
    assert art5.text == ("1. Processing is lawful if:\n(a) consent is given;\n"
                         "Point (a) does not apply to children.")
    assert art4.path == ["Chapter II Rules", "Section 1 Basics"]
    assert (art4.number, art4.heading) == ("Article 4", "Definitions")


def test_recitals_come_first_and_footnote_calls_are_dropped() -> None:
    recitals = [{"number": "1", "text": "A reason (1).", "type": "recital"},
                {"number": "2", "text": "See point (2) of Article 4.", "type": "recital"}]
    citations = {"0": {"number": "1", "text": "OJ C 1.", "type": "citation"},
                 "1": {"number": "2", "text": "OJ C 2.", "type": "citation"}}
    doc = _one(_doc([CHAPTER], recitals, citations))
    assert [(p.eid, p.kind, p.number) for p in doc.provisions] == [
        ("rec_1", "recital", "(1)"), ("rec_2", "recital", "(2)"), ("art_1", "article",
                                                                     "Article 1")]
    assert doc.provisions[0].text == "A reason."
    assert doc.provisions[1].text == "See point (2) of Article 4."  # a reference, kept


def test_duplicate_article_numbers_get_suffixes() -> None:
    chapter = dict(CHAPTER, contents=CHAPTER["contents"] * 2)
    assert [p.eid for p in _one(_doc([chapter])).provisions] == ["art_1", "art_1_2"]


def test_errors_a_person_can_act_on() -> None:
    with pytest.raises(ImportFailed, match="no articles"):
        gdprtext_json.parse(_doc([]), "empty.json")
    with pytest.raises(ImportFailed, match="not valid JSON"):
        gdprtext_json.parse(b"<html>502 Bad Gateway</html>", "error.json")
    with pytest.raises(ImportFailed, match="not a GDPRtEXT file"):
        gdprtext_json.parse(b'{"error": "rate limited"}', "error.json")


# --- the real corpus -------------------------------------------------------------------------


def test_corpus_gdpr_json(corpus: Path) -> None:
    name = "gdpr.by-article.gdprtext.en.json"
    data = (corpus / "eu" / "gdpr" / name).read_bytes()
    assert importers.detect(data, name).FORMAT == "gdprtext_json"
    doc = _one(data)
    assert Counter(p.kind for p in doc.provisions) == {"article": 99, "recital": 173}
    assert doc.title == "General Data Protection Regulation"
    assert doc.work_id == "/akn/eu/act/regulation/2016/679"
    assert doc.native_ids == {"celex": "32016R0679", "oj": "OJ L 119, 2016, p. 1",
                              "eli": "http://data.europa.eu/eli/reg/2016/679/oj"}
    assert doc.in_force == dt.date(2016, 5, 24)
    assert doc.date == dt.date(2016, 4, 27)
    by_eid = {p.eid: p for p in doc.provisions}
    art44 = by_eid["art_44"]
    assert (art44.number, art44.heading) == ("Article 44", "General principle for transfers")
    assert art44.path == ["Chapter V Transfers of personal data to third countries or "
                          "international organisations"]
    assert by_eid["art_99"].heading == "Entry into force and application"
    assert by_eid["art_24"].path == ["Chapter IV Controller and processor",
                                     "Section 1 General obligations"]


def test_corpus_gdpr_json_text_agrees_with_the_formex_original(corpus: Path) -> None:
    js = _one((corpus / "eu" / "gdpr" / "gdpr.by-article.gdprtext.en.json").read_bytes())
    fmx = formex.parse((corpus / "eu" / "gdpr" / "gdpr.formex.oj-L119-2016.en.xml").read_bytes(),
                       "gdpr.xml")[0]
    official = {p.eid: p for p in fmx.provisions}
    differ = sorted(p.eid for p in js.provisions if p.text != official[p.eid].text)
    # Recitals 19, 50, 143: the JSON joins two paragraphs; 71: the JSON has the corrected
    # wording; Article 53: the JSON drops the dashes of the list.
    assert differ == ["art_53", "rec_143", "rec_19", "rec_50", "rec_71"]
    assert all(p.heading == official[p.eid].heading for p in js.provisions)
