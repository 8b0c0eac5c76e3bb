"""The sentences a page prints: each count and each comparison says only what is true."""

from __future__ import annotations

from localstat.assessment.explain import _target_sentence, position_reasons


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def test_each_position_reason_counts_out_of_the_indicators_judged_on_it() -> None:
    # given six indicators, two with a target (both off track) and six with process limits (two concerns)
    evidence = {
        "series": 3,
        "judged_targets": 2,
        "share_targets_off_track": 1.0,
        "judged_variation": 6,
        "share_special_cause_concern": 2 / 6,
    }
    assert position_reasons(evidence) == [
        "2 of its 2 indicators with a target are off track for it.",
        "2 of its 6 indicators with process limits are showing a special-cause concern.",
    ]


def test_a_position_reason_without_its_denominator_gives_no_guessed_count() -> None:
    assert position_reasons({"series": 3, "share_targets_off_track": 1.0}) == []


def test_a_target_with_no_milestone_this_period_names_no_milestone() -> None:
    # given a weekly series: its evidence has no milestone
    evidence = {
        "target_level": 96.0,
        "target_scope": "national",
        "target_deadline": "2020-07-31",
        "milestone": None,
    }
    for status in ("on_track", "at_risk", "off_track"):
        sentence = _target_sentence(status, evidence, _fmt)
        assert "milestone" not in sentence
        assert "(–)" not in sentence
        assert "96.0%" in sentence
    at_risk = _target_sentence("at_risk", evidence, _fmt)
    assert at_risk == (
        "It is at risk against the national target of 96.0% by 2020-07-31: below it, but not by more than chance."
    )


def test_a_target_with_a_milestone_names_it() -> None:
    evidence = {"target_level": 96.0, "milestone": 94.0, "target_scope": "own"}
    assert "below this period's milestone (94.0%)" in _target_sentence("off_track", evidence, _fmt)
