"""The instrument page's version timeline, its word diff between versions and ``?as_of=``,
on a KB_HOME holding two imported versions of one act (tests/test_asof.py builds it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.test_asof import ACT, AFTER, BEFORE, BETWEEN, build_home
from tests.web.conftest import client_on_home

PAGE = "/instruments" + ACT


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with client_on_home(tmp_path_factory.mktemp("timeline") / "kbhome", build_home) as c:
        yield c


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end, html.index(start))]


def test_timeline_lists_every_stored_version(client: TestClient) -> None:
    html = client.get(PAGE, headers={"Cookie": "lang=en"}).text
    timeline = section(html, 'id="timeline"', "</table>")
    assert "v1 · 2019-03-01" in timeline and "v2 · 2022-07-01 (current)" in timeline
    assert timeline.index("v2 · ") < timeline.index("v1 · ")  # newest first
    assert f'href="{PAGE}?as_of=2019-03-01"' in timeline
    assert "file://" in timeline and "v1.jsonl" in timeline and "v2.jsonl" in timeline
    assert len([c for c in timeline.split('<code class="hash"')[1:]]) == 2
    assert '<select id="diff-from" name="diff_from">' in html  # the no-script diff form


@pytest.mark.parametrize("query", ["diff=v1..v2", "diff_from=v1&diff_to=v2"])
def test_word_diff_between_versions(client: TestClient, query: str) -> None:
    html = client.get(f"{PAGE}?{query}", headers={"Cookie": "lang=en"}).text
    diff = section(html, 'id="version-diff"', "</section>\n  </section>")
    assert "Changes from version 1 to version 2" in diff
    assert "<del>Minister</del>" in diff and "<ins>Regulator</ins>" in diff
    assert "<del>ten</del>" in diff and "<ins>fifteen</ins>" in diff
    assert "change-added" in diff and "by auction." in diff
    assert "Fees" not in diff  # unchanged provisions are counted, not shown
    assert "2 provisions changed, 1 unchanged." in diff


def test_bad_or_unknown_diff(client: TestClient) -> None:
    assert client.get(f"{PAGE}?diff=1-2").status_code == 400
    assert client.get(f"{PAGE}?diff=v1..v9").status_code == 404


def test_as_of_shows_the_text_then(client: TestClient) -> None:
    old = client.get(f"{PAGE}?as_of={BETWEEN}", headers={"Cookie": "lang=en"})
    assert old.status_code == 200
    provisions = old.text[old.text.index('class="provisions"'):]
    assert "granted by the Minister for ten years" in provisions
    assert "Auctions" not in provisions
    assert "is version 1 (of 2019-03-01)" in old.text
    new = client.get(f"{PAGE}?as_of={AFTER}").text
    assert "Regulator for fifteen years" in new[new.index('class="provisions"'):]
    gone = client.get(f"{PAGE}?as_of={BEFORE}", headers={"Cookie": "lang=en"}).text
    assert "Not in force on 2018-06-01" in gone and "entered into force on 2019-03-01" in gone
    assert "Licences for radio spectrum" not in gone[gone.index('class="provisions"'):]
    assert client.get(f"{PAGE}?as_of=2020-02-31").status_code == 400


def test_vietnamese_labels(client: TestClient) -> None:
    html = client.get(f"{PAGE}?diff=v1..v2&as_of={BETWEEN}", headers={"Cookie": "lang=vi"}).text
    for label in ("Các phiên bản và thời điểm có hiệu lực", "Có hiệu lực từ", "Ngày lưu trữ",
                  "Thay đổi từ phiên bản 1 sang phiên bản 2", "đang áp dụng", "Xem thay đổi",
                  "Văn bản có hiệu lực vào ngày 2020-06-01 là phiên bản 1"):
        assert label in html, label
    for english in ("Versions and dates in force", "In force from", "Show the changes"):
        assert english not in html
