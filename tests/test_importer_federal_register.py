"""Federal Register API v1 importer: responses, errors, detection, and the real 2024 page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import federal_register

FCC = {"raw_name": "FEDERAL COMMUNICATIONS COMMISSION", "name": "Federal Communications Commission",
       "id": 161, "slug": "federal-communications-commission"}


def _result(number: str = "2024-00001", type_: str = "Rule", **extra) -> dict:
    item = {"document_number": number, "title": f"Document {number}", "type": type_,
            "publication_date": "2024-01-02", "citation": "89 FR 1", "agencies": [FCC],
            "html_url": f"https://www.federalregister.gov/documents/2024/01/02/{number}/x"}
    item.update(extra)
    return item


def _search(results: list[dict], **extra) -> bytes:
    body = {"count": len(results), "description": "Documents", "total_pages": 1,
            "results": results}
    body.update(extra)
    return json.dumps(body).encode()


@pytest.mark.parametrize(("type_", "doc_type", "status"), [
    ("Rule", "regulation", None),
    ("Proposed Rule", "regulation", "draft"),
    ("Notice", "decision", None),
    ("Presidential Document", "decision", None),
    ("Uncategorized Document", "doc", None),
])
def test_type_mapping(type_: str, doc_type: str, status: str | None) -> None:
    doc = federal_register.parse(_search([_result(type_=type_)]), "x.json")[0]
    assert (doc.doc_type, doc.status) == (doc_type, status)


def test_fields() -> None:
    item = _result(effective_on="2024-02-01", abstract="  An   abstract. ",
                   agencies=[FCC, {"raw_name": "OTHER BODY", "name": None}])
    doc = federal_register.parse(_search([item]), "x.json")[0]
    assert doc.number == "2024-00001"
    assert doc.native_ids == {"fr_doc": "2024-00001", "fr_citation": "89 FR 1"}
    assert (doc.date, doc.in_force) == (dt.date(2024, 1, 2), dt.date(2024, 2, 1))
    assert doc.summary == "An abstract."
    assert doc.issuing_body == "Federal Communications Commission; OTHER BODY"
    assert doc.source_url.startswith("https://www.federalregister.gov/documents/")
    assert (doc.jurisdiction, doc.language, doc.provisions) == ("us", "en", [])


def test_single_document_response() -> None:
    docs = federal_register.parse(json.dumps(_result("2024-12345")).encode(), "doc.json")
    assert [d.number for d in docs] == ["2024-12345"]


def test_minimal_fields_subset() -> None:
    item = {"document_number": "2024-00002", "title": "T",
            "agency_names": ["Federal Communications Commission", "B"]}
    doc = federal_register.parse(_search([item]), "x.json")[0]
    assert doc.issuing_body == "Federal Communications Commission; B"
    assert (doc.date, doc.doc_type, doc.source_url, doc.native_ids) == (
        None, "doc", None, {"fr_doc": "2024-00002"})


@pytest.mark.parametrize("body", [
    {"errors": {"conditions": {"publication_date": ["is not a valid date"]}}},
    {"errors": ["Too many requests"]},
    {"status": 404, "message": "Document not found"},
])
def test_error_responses(body: dict) -> None:
    with pytest.raises(ImportFailed, match="Federal Register API error"):
        federal_register.parse(json.dumps(body).encode(), "x.json")


def test_partial_fetch_notes_missing_numbers() -> None:
    data = _search([_result()], errors={"not_found": ["2024-99999"]})
    doc = federal_register.parse(data, "x.json")[0]
    assert "not_found: 2024-99999" in doc.notes[-1]


def test_empty_search_and_bad_input() -> None:
    with pytest.raises(ImportFailed, match="no results"):
        federal_register.parse(_search([]), "x.json")
    with pytest.raises(ImportFailed, match="not valid"):
        federal_register.parse(b"<html>", "x.json")
    with pytest.raises(ImportFailed, match="has no title"):
        federal_register.parse(_search([{"document_number": "1"}]), "x.json")
    with pytest.raises(ImportFailed, match="bad date"):
        federal_register.parse(_search([_result(publication_date="2024-13-45")]), "x.json")


def test_detection() -> None:
    data = _search([_result()])
    assert federal_register.sniff(data, "x.json") >= 90
    assert importers.detect(data, "x.json").FORMAT == "federal_register"
    assert federal_register.sniff(b'{"id": "359AC0000000086", "provisions": []}', "x.json") == 0
    assert federal_register.sniff(b'{"errors": ["x"]}', "other.json") == 0
    assert federal_register.sniff(b'{"errors": ["x"]}', "federal-register.json") > 0


@pytest.mark.corpus
def test_corpus_documents_2024_page1(corpus) -> None:
    path = corpus / "us/federal-register/fr-api-v1.documents.2024.page1.json"
    data = path.read_bytes()
    assert importers.detect(data, path.name).FORMAT == "federal_register"
    docs = federal_register.parse(data, path.name)
    # 1,000 notices of every agency: only the 27 in scope are kept, the rest counted
    assert (len(docs), len(docs.skipped)) == (27, 973)
    assert len({d.number for d in docs}) == 27
    fcc = [d for d in docs if "Federal Communications Commission" in (d.issuing_body or "")]
    assert len(fcc) == 23
    assert not any("Airworthiness" in d.title or "Fisheries" in d.title for d in docs)
    assert any("Airworthiness" in s.name for s in docs.skipped)
    first = docs[0]
    assert first.number == "2023-28819"
    assert first.native_ids == {"fr_doc": "2023-28819", "fr_citation": "89 FR 78"}
    assert first.date == dt.date(2024, 1, 2)
    assert first.doc_type == "decision"
    assert first.issuing_body == "Federal Communications Commission"
    counts = {}
    for d in docs:
        counts[(d.doc_type, d.status)] = counts.get((d.doc_type, d.status), 0) + 1
    assert counts == {("decision", None): 13, ("regulation", None): 11,
                      ("regulation", "draft"): 3}
    assert all(d.provisions == [] and d.date.year == 2024 for d in docs)
    assert all(d.source_url.startswith("https://www.federalregister.gov/") for d in docs)


def test_search_pages_keep_only_documents_in_scope_and_count_the_rest() -> None:
    data = (Path(__file__).parent / "examples" / "federal_register"
            / "documents-search-mixed-agencies.json").read_bytes()
    docs = federal_register.parse(data, "page.json")
    assert [d.number for d in docs] == ["2024-00103", "2024-00105", "2024-00106"]
    assert [s.name.split()[0] for s in docs.skipped] == ["2024-00101", "2024-00102",
                                                         "2024-00104"]
    assert docs.skipped[0].reason == ("out of scope: federal-aviation-administration, "
                                      "transportation-department, CFR title 14")
    assert all(d.source_url.startswith("https://www.federalregister.gov/documents/")
               for d in docs)


def test_scope_is_a_list_with_reasons() -> None:
    assert all(scope.reason and (scope.agencies or scope.cfr_titles)
               for scope in federal_register.SCOPE)
    assert federal_register.out_of_scope({"title": "X", "cfr_references": [{"title": 47}]}) == ""
    assert federal_register.out_of_scope({"title": "X"}) is None  # cannot be judged: kept
