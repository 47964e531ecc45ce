"""Kinds from cue words; actors and places from the record's spellings and countries."""

from __future__ import annotations

import pytest

from timeline.domain.proposals.kinds import kind_of
from timeline.domain.proposals.names import RecordKnowledge, names_in


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Starmer scrapped the Rwanda deal as one of his first acts.", "POLICY_SCRAPPED"),
        ("Leaders gathered for a summit in Rome.", "SUMMIT_HELD"),
        ("Mr Hewitt met his counterparts in Sarajevo.", "MEETING_HELD"),
        ("Officers have been deployed to the Balkans.", "DEPLOYMENT_ANNOUNCED"),
        ("The deal came into force in August.", "POLICY_IN_FORCE"),
        ("The two countries signed a returns agreement.", "AGREEMENT_SIGNED"),
        ("The taxpayer will also pay for drones.", "FUNDING_COMMITTED"),
        ("The agency will begin providing intelligence.", "POLICY_ANNOUNCED"),
        ("I have instructed officers to explore deploying teams.", "POLICY_ANNOUNCED"),
        ("The minister announced a review.", "POLICY_ANNOUNCED"),
        ("She said officials would look at whether teams could be deployed.", "POLICY_ANNOUNCED"),
    ],
)
def test_the_cue_word_gives_the_kind(sentence: str, kind: str) -> None:
    cue = kind_of(sentence)
    assert cue is not None
    assert cue.kind == kind


@pytest.mark.parametrize(
    "sentence",
    ["Critics said the plan was a gimmick.", "Teams could be deployed one day.", "It rained."],
)
def test_opinion_and_possibility_give_no_kind(sentence: str) -> None:
    assert kind_of(sentence) is None


def test_known_names_countries_and_titled_surnames_are_found() -> None:
    known = RecordKnowledge(
        actors=frozenset({"Shabana Mahmood", "Home Office"}), places=frozenset()
    )
    found = names_in("Ms Mahmood told the Home Office that Serbia and Britain agreed.", known)
    assert found.actors == ("Home Office", "Shabana Mahmood")
    assert found.places == ("United Kingdom", "Serbia")


def test_a_name_inside_a_longer_word_is_not_a_mention() -> None:
    assert names_in("The Omani delegation left.", RecordKnowledge()).places == ()


def test_a_noun_that_refers_back_is_not_the_sentences_act() -> None:
    cue = kind_of("The deployment forms part of a strategy that has officers stationed abroad.")
    assert cue is not None
    assert cue.kind == "POLICY_IN_FORCE"
    introduced = kind_of("The expansion of the scheme on January 1 has opened a route.")
    assert introduced is not None
    assert introduced.kind == "RULE_CHANGED"
