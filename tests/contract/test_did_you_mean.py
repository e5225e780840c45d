""""Did you mean": the same candidates and corrections on every backend (kb.suggest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb.backends.base import Backend
from kb.documents import record_docs
from kb.models import Dates, Instrument, Provision
from kb.search import SearchQuery
from kb.suggest import _with_ending, did_you_mean, distance, one_edit_variants
from tests.conftest import drop_prefix
from tests.contract.conftest import _make
from tests.contract.records import FIXTURE, records


def spectrum_records() -> list[Instrument]:
    """The contract records and a test instrument on spectrum auctions, interconnection and
    privacy (test data, not the law)."""
    extra = Instrument(
        id="/akn/th/act/2010/test-spectrum",
        title="Spectrum Auction and Interconnection Act (test fixture)",
        jurisdiction="th",
        doc_type="act",
        status="in-force",
        dates=Dates(adopted="2010-12-20"),
        sectors=["spectrum"],
        language="en",
        summary=f"{FIXTURE} Spectrum auctions, interconnection of networks and privacy.",
        source_url="https://example.org/test-spectrum",
        origin="imported",
        provisions=[
            Provision(eid="sec_1", number="Section 1", heading="Spectrum auction",
                      text=f"{FIXTURE} Spectrum is assigned by auction; an auction sets "
                      "reserve prices for each spectrum band."),
            Provision(eid="sec_2", number="Section 2", heading="Interconnection",
                      text=f"{FIXTURE} An operator shall offer interconnection on request; "
                      "interconnection charges are cost based."),
            Provision(eid="sec_3", number="Section 3", heading="Privacy of communications",
                      text=f"{FIXTURE} Operators protect the privacy of subscribers."),
        ],
    )
    return [*records(), extra]


@pytest.fixture(scope="module", params=["embedded", "elasticsearch"])
def spelled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A backend with the contract records and ``spectrum_records``' extra one indexed."""
    backend = _make(request.param, tmp_path_factory.mktemp(request.param), request)
    backend.rebuild(record_docs(spectrum_records()))
    yield backend
    if request.param == "elasticsearch":
        drop_prefix(backend)
    backend.close()


def suggestion(backend: Backend, text: str) -> str | None:
    query = SearchQuery(text=text)
    found = did_you_mean(backend, query, backend.search(query))
    return found.text if found else None


def test_distance_counts_a_swap_as_one_edit() -> None:
    assert distance("priavcy", "privacy") == 1
    assert distance("spectrun", "spectrum") == 1
    assert distance("abc", "abc") == 0
    assert distance("interconection", "interconnect", limit=2) == 3  # past the limit
    assert "so" in one_edit_variants("xo") and "xo" not in one_edit_variants("xo")
    assert distance("dữ liệu", "du lieu", limit=9) == 2  # marks are letters of their own


def test_an_ending_the_stemmer_drops_brings_a_stem_closer() -> None:
    assert _with_ending("roamng", "roam", 2) == 1  # roam+ing, one letter dropped
    assert _with_ending("transfered", "transfer", 2) == 0  # transfer+ed, as typed
    assert _with_ending("rong", "roam", 2) == 2  # no ending makes it closer
    assert _with_ending("licenses", "licens", 0) == 0  # nothing to improve on


def test_term_doc_freqs(built: Backend) -> None:
    freqs = built.term_doc_freqs(["person", "persnal", "tan"])
    assert freqs["person"] == 4 and freqs["tan"] == 2
    assert freqs["persnal"] == 0


@pytest.mark.parametrize(("term", "max_edits", "prefix", "expected"), [
    ("spectrun", 2, 1, "spectrum"),
    ("persn", 1, 1, "person"),
    ("interconect", 2, 1, "interconnect"),
    ("xo", 1, 0, "so"),  # a short word's first letter may be the typo
])
def test_suggest_terms_come_from_the_index(
    spelled: Backend, term: str, max_edits: int, prefix: int, expected: str
) -> None:
    found = dict(spelled.suggest_terms(term, max_edits, prefix))
    assert expected in found
    assert found[expected] == spelled.term_doc_freqs([expected])[expected]
    assert term not in found
    assert all(distance(term, t) <= max_edits for t in found)


def test_suggest_terms_are_the_same_on_both_backends(spelled: Backend) -> None:
    """The exact answers, which each backend must give (so they agree)."""
    assert spelled.suggest_terms("spectrun") == [("spectrum", 3)]
    assert spelled.suggest_terms("xo", 1, 0) == [("to", 3), ("co", 2), ("so", 2), ("vo", 1)]
    assert spelled.suggest_terms("nothingclose") == []


def test_pair_terms_are_never_met_by_a_walk_over_the_words(spelled: Backend) -> None:
    """Pairs of adjacent words are index terms too (a phrase is one term); they begin with
    the joiner, so a prefix of a word never reaches them."""
    from kb.backends.embedded import TantivyBackend
    from kb.text import PAIR_JOINER

    assert spelled.term_doc_freqs(["_spectrum_auction"])["_spectrum_auction"] >= 1
    for term in ("spectrun", "auctoin", "spectrum"):
        assert all(PAIR_JOINER not in t for t, _ in spelled.suggest_terms(term))
    if isinstance(spelled, TantivyBackend):  # the walk itself, which pairs would swell
        walked = [t for t, _ in spelled._open().searcher.terms_with_prefix("a_body", "s")]
        assert "spectrum" in walked and not any(PAIR_JOINER in t for t in walked)


def test_suggest_terms_never_cross_the_first_letter_for_two_edits(spelled: Backend) -> None:
    assert all(t.startswith("s") for t, _ in spelled.suggest_terms("spectrun", 2, 0))


@pytest.mark.parametrize(("typed", "corrected"), [
    ("spectrun auction", "spectrum auction"),
    ("interconection", "interconnection"),
    ("privcy of subscribers", "privacy of subscribers"),
    ("persnal data", "personal data"),
    ("transfr of personal data", "transfer of personal data"),
    ("dau gia tan xo", "dau gia tan so"),  # no marks typed: none suggested
    ("đấu gia tần sô", "đấu giá tần số"),  # marks typed: the texts' marks
    ("đấu giá tần xô", "đấu giá tần số"),
    ("Spectrun", "Spectrum"),
    ('spectrun "personal data" -breach', 'spectrum "personal data" -breach'),
])
def test_misspelt_words_get_a_correction(spelled: Backend, typed: str, corrected: str) -> None:
    assert suggestion(spelled, typed) == corrected


@pytest.mark.parametrize("text", [
    "spectrum auction", "interconnection", "privacy", "personal data", "đấu giá tần số",
    "dau gia tan so", "tần số",
    "/akn/sg/act/2012/26", "2012", "26D", '"spectrun"', "spectrum -spectrun", "xyzzyq",
    "GDPR",
])
def test_known_words_ids_numbers_and_phrases_get_none(spelled: Backend, text: str) -> None:
    assert suggestion(spelled, text) is None


def test_the_contract_records_alone(built: Backend) -> None:
    assert suggestion(built, "persnal data") == "personal data"
    assert suggestion(built, "dau gia tan xo") == "dau gia tan so"
    assert suggestion(built, "personal data") is None
