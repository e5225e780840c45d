"""Both languages: every label in each, the choice of language, and no English left on a
Vietnamese page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from api.web.i18n import MESSAGES, accepted
from tests.contract.records import SEARCHABLE_IDS as IDS

CROSS_BORDER = "digital-economy/cross-border-data"
VI_PAGES = [
    "/",
    "/search?q=dau+gia+tan+so",
    "/search?q=personal+data&jurisdiction=sg&kind=provision",
    "/instruments/akn/sg/act/2012/26",
    f"/provisions{IDS['treaty_1411']}",
    "/case-notes/kr/2021/2g-shutdown",
    "/compare",
    f"/compare?jurisdiction=ipef&agreement=testfta&topic={CROSS_BORDER}",
    "/coverage?jurisdiction=sg&jurisdiction=vn",
    "/coverage?by=sector",
    f"/diff?left={IDS['sg_sec26']}&right={IDS['treaty_1411']}",
    "/draft",
    "/instruments/akn/xx/act/2000/1",
]


def test_every_key_in_both_languages() -> None:
    en, vi = MESSAGES["en"], MESSAGES["vi"]
    assert set(en) == set(vi), {"only en": set(en) - set(vi), "only vi": set(vi) - set(en)}
    for key in en:
        assert en[key].strip() and vi[key].strip(), key
        fields = re.compile(r"\{(\w+)\}")
        assert set(fields.findall(en[key])) == set(fields.findall(vi[key])), key


def test_labels_are_translated() -> None:
    same = {k for k in MESSAGES["en"] if MESSAGES["en"][k] == MESSAGES["vi"][k]}
    # names, formats and symbols that read the same in both languages
    assert same <= {"site.name", "nav.api", "date.range", "misc.none"}, same


class Visible(HTMLParser):
    """Text and user-facing attributes outside elements marked as another language."""

    VOID = {"meta", "link", "input", "img", "br", "hr", "source", "wbr", "area", "col"}
    ATTRS = ("title", "placeholder", "aria-label", "alt")

    def __init__(self, page_lang: str) -> None:
        super().__init__()
        self.page_lang = page_lang
        self.stack: list[tuple[str, bool]] = []  # (tag, inside another language)
        self.texts: list[str] = []

    def _foreign(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang")
        foreign = self._foreign() or (lang is not None and lang != self.page_lang
                                      and tag != "html")
        if not foreign:
            self.texts += [values[a] or "" for a in self.ATTRS if values.get(a)]
            if tag in ("button",) or (tag == "input" and values.get("type") == "submit"):
                self.texts.append(values.get("value") or "")
        if tag not in self.VOID:
            self.stack.append((tag, foreign))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._foreign() and data.strip():
            self.texts.append(data.strip())


def english_labels() -> list[tuple[str, re.Pattern[str]]]:
    """Patterns of the English labels that are not also Vietnamese labels ("Tiếng Việt" is
    the English page's switch and the Vietnamese name of the language)."""
    out = []
    vietnamese = set(MESSAGES["vi"].values())
    for key, text in MESSAGES["en"].items():
        if text in vietnamese:
            continue
        pattern = re.escape(text)
        pattern = re.sub(r"\\\{\w+\\\}", ".+", pattern)
        out.append((key, re.compile(pattern)))
    return out


@pytest.mark.parametrize("path", VI_PAGES)
def test_vietnamese_pages_have_no_english_labels(client: TestClient, path: str) -> None:
    res = client.get(path, headers={"Cookie": "lang=vi"})
    html = res.text
    assert '<html lang="vi">' in html
    parser = Visible("vi")
    parser.feed(html)
    labels = english_labels()
    for text in parser.texts:
        for key, pattern in labels:
            assert not pattern.fullmatch(text), f"untranslated {key!r}: {text!r} on {path}"
    for key in MESSAGES["en"]:
        assert key not in parser.texts, f"missing label key {key!r} on {path}"
    assert not re.search(r"\b(nav|search|facet|record|compare|coverage|diff|draft|page)"
                         r"\.[a-z_]+\b", " ".join(parser.texts))


@pytest.mark.parametrize("path", VI_PAGES[:4])
def test_english_pages_have_no_vietnamese_labels(client: TestClient, path: str) -> None:
    parser = Visible("en")
    parser.feed(client.get(path, headers={"Cookie": "lang=en"}).text)
    english = set(MESSAGES["en"].values())
    vi_only = {v for v in MESSAGES["vi"].values() if v not in english and "{" not in v}
    assert not vi_only & set(parser.texts)


def test_query_parameter_sets_a_remembered_cookie(client: TestClient) -> None:
    res = client.get("/search?lang=vi")
    assert '<html lang="vi">' in res.text and "Tìm kiếm" in res.text
    cookie = res.headers["set-cookie"]
    assert cookie.startswith("lang=vi") and "Path=/" in cookie and "SameSite=lax" in cookie
    later = client.get("/compare")  # the client keeps the cookie
    assert '<html lang="vi">' in later.text and "So sánh các quốc gia và hiệp định" in later.text
    back = client.get("/compare?lang=en")
    assert '<html lang="en">' in back.text
    assert '<html lang="en">' in client.get("/draft").text


def test_language_from_accept_language(client: TestClient) -> None:
    vi = client.get("/", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.8"})
    assert '<html lang="vi">' in vi.text and "set-cookie" not in vi.headers
    en = client.get("/", headers={"Accept-Language": "fr-FR,en;q=0.5,vi;q=0.4"})
    assert '<html lang="en">' in en.text
    default = client.get("/", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in default.text
    cookie_wins = client.get("/", headers={"Accept-Language": "vi", "Cookie": "lang=en"})
    assert '<html lang="en">' in cookie_wins.text
    assert '<html lang="en">' in client.get("/?lang=xx").text


def test_accept_language_parsing() -> None:
    assert accepted("vi") == "vi"
    assert accepted("en-US,en;q=0.9,vi;q=0.8") == "en"
    assert accepted("fr;q=0.9, vi;q=0.8") == "vi"
    assert accepted("vi;q=0") is None
    assert accepted("*;q=0.5, garbage;q=x") is None
    assert accepted("") is None


def test_switch_link_keeps_the_page(client: TestClient) -> None:
    html = client.get("/search?q=personal+data&jurisdiction=sg").text
    assert 'class="lang-switch" href="/search?q=personal+data&amp;jurisdiction=sg&amp;lang=vi"' \
        in html


def test_names_in_the_chosen_language(client: TestClient) -> None:
    vi = client.get("/search?q=personal+data&lang=vi").text
    assert "Xin-ga-po" in vi and "Bảo vệ dữ liệu cá nhân" in vi
    assert "Các nước đối tác IPEF" in vi and "Điều khoản" in vi
    grid = client.get(f"/compare?jurisdiction=fj&topic={CROSS_BORDER}&lang=vi").text
    assert "Phi-gi" in grid and "Chuyển dữ liệu xuyên biên giới" in grid
