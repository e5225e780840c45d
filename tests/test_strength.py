"""Commitment strength on sentences as trade agreements word them, and on the real texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.importers import tota
from kb.strength import classify_strength


@pytest.mark.parametrize("text,expected", [
    ("Each Party shall allow the cross-border transfer of information by electronic means.",
     "binding"),
    ("No Party shall require a covered person to use or locate computing facilities in that "
     "Party's territory as a condition for conducting business.", "binding"),
    ("The Parties shall endeavour to exchange information on electronic commerce.",
     "best-endeavour"),
    ("Each Party shall, where possible, work towards the implementation of initiatives which "
     "provide for the use of paperless trading.", "best-endeavour"),
    ("The Parties recognise the importance of the free flow of information.", "best-endeavour"),
    ("The Parties shall co-operate in international fora.", "best-endeavour"),
    ("Each Party should encourage the use of interoperable electronic authentication.",
     "best-endeavour"),
    ("A Party may accept electronic versions of trade administration documents.", "permissive"),
    ("This Chapter applies to measures affecting trade by electronic means.", "none"),
])
def test_strength_of_treaty_sentences(text: str, expected: str) -> None:
    assert classify_strength(text)[0] == expected


def test_exceptions_are_named() -> None:
    text = ("Nothing in this Article shall prevent a Party from adopting or maintaining measures "
            "inconsistent with paragraph 2 to achieve a legitimate public policy objective. "
            "Nothing shall be construed to prevent measures for its essential security interests.")
    assert classify_strength(text)[1] == ["legitimate-public-policy", "security"]


def test_definitions_oblige_no_one() -> None:
    assert classify_strength("For the purposes of this Chapter, a Party shall mean ...",
                             heading="Definitions")[0] == "none"


def test_real_electronic_commerce_chapters(corpus: Path) -> None:
    def chapter(name: str, prefix: str) -> dict[str, str]:
        doc = tota.parse((corpus / "treaties" / "tota" / name).read_bytes(), name)[0]
        return {p.number.split()[-1]: classify_strength(p.text or "", p.heading)[0]
                for p in doc.provisions if p.eid.startswith(prefix)}

    tpp = chapter("pta_449.tpp-2016.en.xml", "chp_14__")
    assert {k: tpp[k] for k in ("14.3", "14.11", "14.13", "14.17")} == dict.fromkeys(
        ("14.3", "14.11", "14.13", "14.17"), "binding")
    assert {k: tpp[k] for k in ("14.9", "14.15", "14.16")} == dict.fromkeys(
        ("14.9", "14.15", "14.16"), "best-endeavour")
    assert tpp["14.1"] == "none"  # definitions
    aanzfta = chapter("pta_327.aanzfta.en.xml", "chp_10__")
    assert aanzfta["9"] == "best-endeavour"  # co-operation on electronic commerce
