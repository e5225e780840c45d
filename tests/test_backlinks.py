"""Backlinks: instrument and provision pages (API and web) list the case notes about them,
titled in the page's language; a case-note page lists its related provisions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.core import KnowledgeBase
from kb.load import LoadResult
from kb.models import CaseNote, Period, Source
from tests.conftest import api_client, indexed_kb
from tests.contract.records import records

SG = "/akn/sg/act/2012/26"
SG_26 = f"{SG}/~sec_26"
SG_24 = f"{SG}/~sec_24"
JP = "/akn/jp/act/2003/57"


def _note(note_id: str, title: str, title_vi: str | None, **related: list[str]) -> CaseNote:
    return CaseNote(
        id=note_id, title=title, title_vi=title_vi, jurisdictions=[note_id.split("/")[2]],
        sectors=["digital-economy"], topics=["digital-economy/cross-border-data"],
        period=Period(start=int(note_id.split("/")[3])),
        summary="What happened.", outcome="What came of it.", lessons=["What it teaches."],
        sources=[Source(title="Report", url="https://example.org/report")], **related,
    )


ABOUT_ACT = _note("/notes/sg/2019/transfer-audit", "Singapore audits transfers",
                  "Xin-ga-po kiểm tra việc chuyển dữ liệu", related_instruments=[SG])
ABOUT_SECTION = _note("/notes/sg/2021/transfer-clauses", "Contract clauses for transfers",
                      "Điều khoản hợp đồng cho chuyển dữ liệu", related_provisions=[SG_26])
NO_VI = _note("/notes/sg/2020/untranslated", "A note without a Vietnamese title", None,
              related_provisions=[SG_26])
ELSEWHERE = _note("/notes/jp/2019/adequacy", "Japan adequacy", "Nhật Bản: quyết định tương xứng",
                  related_instruments=[JP])
# imported from a JSON Lines file, not curated: in the record store only
STORED = _note("/notes/sg/2023/stored-note", "A stored note", "Ghi chú đã lưu",
               related_provisions=[SG_24])
CURATED = [ABOUT_ACT, ABOUT_SECTION, NO_VI, ELSEWHERE]


class EntriesKB(KnowledgeBase):
    """A knowledge base whose curated entries are these records, not the bundled ones."""

    def load_entries(self, refresh: bool = False) -> LoadResult:
        if refresh or self._entries is None:
            self._entries = LoadResult(records=[*records(), *CURATED])
        return self._entries


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    home: Path = tmp_path_factory.mktemp("backlinks")
    base = indexed_kb(home, [*records(), *CURATED, STORED], EntriesKB)
    base.store.put(STORED)
    yield base
    base.close()


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with api_client(kb) as c:
        yield c


def test_notes_about_an_instrument_include_those_on_its_provisions(kb: KnowledgeBase) -> None:
    notes = kb.notes_about(SG)
    assert [n["id"] for n in notes] == [STORED.id, ABOUT_SECTION.id, NO_VI.id, ABOUT_ACT.id]
    by_id = {n["id"]: n for n in notes}
    assert by_id[ABOUT_ACT.id]["via"] == [SG]
    assert by_id[ABOUT_SECTION.id]["via"] == [SG_26]
    assert by_id[ABOUT_SECTION.id]["title_vi"] == ABOUT_SECTION.title_vi
    assert ELSEWHERE.id not in by_id


def test_notes_about_a_provision_are_only_those_naming_it(kb: KnowledgeBase) -> None:
    assert [n["id"] for n in kb.notes_about(SG_26)] == [ABOUT_SECTION.id, NO_VI.id]
    assert [n["id"] for n in kb.notes_about(SG_24)] == [STORED.id]
    assert kb.notes_about(f"{SG}/~sec_26d") == []  # a prefix of another eId is not it
    assert [n["id"] for n in kb.notes_about(JP.upper())] == [ELSEWHERE.id]


def test_api_instrument_and_provision_carry_their_case_notes(client: TestClient) -> None:
    inst = client.get(f"/v1/instruments{SG}")
    assert inst.status_code == 200
    assert {n["id"] for n in inst.json()["case_notes"]} == {
        ABOUT_ACT.id, ABOUT_SECTION.id, NO_VI.id, STORED.id}
    prov = client.get(f"/v1/provisions{SG_26}").json()
    assert prov["id"] == SG_26
    assert [(n["id"], n["title"], n["title_vi"]) for n in prov["case_notes"]] == [
        (ABOUT_SECTION.id, ABOUT_SECTION.title, ABOUT_SECTION.title_vi),
        (NO_VI.id, NO_VI.title, None)]
    none = client.get(f"/v1/provisions{SG}/~sec_26d").json()
    assert none["case_notes"] == []


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section class="case-notes" id="{section_id}".*?</section>', html,
                      re.S)
    assert match, "no case-notes section in the page"
    return match.group(0)


def test_web_pages_list_case_notes_in_the_page_language(client: TestClient) -> None:
    en = _section(client.get(f"/instruments{SG}").text, "case-notes")
    assert f'href="/case-notes{ABOUT_ACT.id.removeprefix("/notes")}"' in en
    assert ABOUT_ACT.title in en and ABOUT_ACT.title_vi not in en

    vi = _section(client.get(f"/instruments{SG}", params={"lang": "vi"}).text, "case-notes")
    assert ABOUT_ACT.title_vi in vi and ABOUT_ACT.title not in vi
    assert NO_VI.title in vi  # no Vietnamese title: the English one

    provision = client.get(f"/provisions{SG_26}", params={"lang": "vi"}).text
    listed = _section(provision, "case-notes")
    assert ABOUT_SECTION.title_vi in listed and ABOUT_ACT.title_vi not in listed
    assert "Bài học kinh nghiệm liên quan" in listed

    quiet = client.get(f"/provisions{SG}/~sec_26d").text
    assert 'class="case-notes"' not in quiet


def test_case_note_page_lists_its_related_provisions(client: TestClient) -> None:
    html = client.get(f"/case-notes{ABOUT_SECTION.id.removeprefix('/notes')}").text
    match = re.search(r'<section aria-labelledby="related-provisions-heading">.*?</section>',
                      html, re.S)
    assert match, html
    assert f'href="/provisions{SG_26}"' in match.group(0)
    assert "Section 26" in match.group(0)
    stored = client.get(f"/case-notes{STORED.id.removeprefix('/notes')}").text
    assert f'href="/provisions{SG_24}"' in stored
