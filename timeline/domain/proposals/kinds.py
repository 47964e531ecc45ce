"""The kind of fact a sentence reports, from its cue words.

The first rule whose cue appears decides, most specific first: "scrapped" before
"announced", "summit" before "meeting". A plan stated with a modal ("officials would look at
whether UK teams could be deployed") is an announced policy, not a deployment. Funding cues
also mark a money figure as committed funding rather than a bare report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RULES: tuple[tuple[str, str], ...] = (
    (
        "POLICY_SCRAPPED",
        r"scrap(?:ped|s)?|axed|ditched|abandoned|repealed|revoked|cancell?ed|declared \w+ dead"
        r"|shelved|dropped the (?:plan|scheme|policy|deal)",
    ),
    (
        "POLICY_IN_FORCE",
        r"(?:came|comes|come|coming) into (?:force|effect)|took effect|takes effect"
        r"|entered into force|stationed",
    ),
    (
        "AGREEMENT_SIGNED",
        r"signed|struck a deal|sealed a deal|reached an agreement|inked"
        r"|agreed (?:a|an|the) (?:new )?(?:\w+ )?(?:deal|pact|agreement|treaty|accord)",
    ),
    (
        "SUMMIT_HELD",
        r"summit|(?:interior|foreign|finance|defence|home affairs) ministers(?:'|\u2019)? meeting"
        r"|leaders(?:'|\u2019)? meeting",
    ),
    ("MEETING_HELD", r"met(?! police)|meeting|held talks|talks with"),
    (
        "DEPLOYMENT_ANNOUNCED",
        r"deploy(?:ed|ing|s|ment)?|sent to|dispatched|posted to|will be sent",
    ),
    (
        "RULE_CHANGED",
        r"new rules?|rule change|law change|changed the (?:law|rules)|expansion of|amended"
        r"|tightened|relaxed|lifted the",
    ),
    (
        "FUNDING_COMMITTED",
        r"will (?:also )?pay|pay for|fund(?:ing|ed|s)?|invest(?:ed|ing|ment)?|will give"
        r"|(?:will )?spend(?:ing)?|allocat(?:e|ed|ing)|earmark(?:ed)?"
        r"|pledged (?:a |an |another |more than |over )?[£$€\d]"
        r"|handing|handed|grant(?:ed)?|bankroll\w*",
    ),
    (
        "POLICY_ANNOUNCED",
        r"will begin|plans? to|set out|instructed|will introduce|is (?:also )?sharing|vowed to",
    ),
)
# Words that say something was made public, not what: the kind when nothing better is said.
_ANNOUNCED = re.compile(r"\b(?:announced|unveiled|launched|can reveal)\b", re.IGNORECASE)
_COMPILED = tuple((kind, re.compile(rf"\b(?:{cues})\b", re.IGNORECASE)) for kind, cues in _RULES)
_FUNDING = next(pattern for kind, pattern in _COMPILED if kind == "FUNDING_COMMITTED")
# "The deployment forms part of ...": a noun that refers back to an act already reported.
_BACK_REFERENCE = re.compile(r"^\W*(?:the|this|that|its|their)\s+$", re.IGNORECASE)
_MODAL = re.compile(r"\b(?:would|could|might|whether|may)\b", re.IGNORECASE)
_STATED = re.compile(r"\b(?:said|says|announced|told)\b", re.IGNORECASE)
FUNDING = "FUNDING_COMMITTED"


@dataclass(frozen=True, slots=True, kw_only=True)
class KindCue:
    kind: str
    at: int
    """Where the cue word starts in the sentence."""
    confidence: float
    reason: str


def kind_of(sentence: str) -> KindCue | None:
    """The kind the sentence's cue words give, or None when it has none.

    The earliest cue wins: news copy puts the main act first ("I have instructed ... to
    explore ... deploying" is an instruction), with the rule order breaking ties."""
    found = [
        (cue.start(), index, kind, cue)
        for index, (kind, pattern) in enumerate(_COMPILED)
        for cue in pattern.finditer(sentence)
        if not _refers_back(sentence, cue)
    ]
    if not found:
        announced = _ANNOUNCED.search(sentence)
        if announced is None:
            return None
        return KindCue(
            kind="POLICY_ANNOUNCED",
            at=announced.start(),
            confidence=0.5,
            reason=f"cue word {announced.group()!r}",
        )
    for _, _, kind, cue in sorted(found, key=lambda item: (item[0], item[1])):
        before = sentence[: cue.start()]
        if _MODAL.search(before):
            if not _STATED.search(before):
                return None  # a possibility nobody announced
            return KindCue(
                kind="POLICY_ANNOUNCED",
                at=cue.start(),
                confidence=0.5,
                reason=f"{cue.group()!r} under a modal: a plan stated, not an act",
            )
        return KindCue(
            kind=kind, at=cue.start(), confidence=0.7, reason=f"cue word {cue.group()!r}"
        )
    return None


def _refers_back(sentence: str, cue: re.Match[str]) -> bool:
    """Whether the cue is a noun naming an act already reported: "The deployment forms part
    of ..." refers back, "The expansion of the scheme on 1 January ..." introduces one."""
    introduces = cue.group().endswith(" of") or sentence[cue.end() :].startswith(" of ")
    return not introduces and _BACK_REFERENCE.match(sentence[: cue.start()]) is not None


def is_funding(sentence: str) -> bool:
    """Whether a money figure in ``sentence`` is money given or committed."""
    return bool(_FUNDING.search(sentence))
