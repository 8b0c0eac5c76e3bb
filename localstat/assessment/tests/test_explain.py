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


def test_a_series_whose_latest_value_is_three_periods_or_more_old_is_stale() -> None:
    from datetime import date

    import polars as pl

    from localstat.assessment.services import with_staleness

    series = pl.DataFrame(
        {
            "indicator": ["M", "M", "M", "W", "W"],
            "period": [date(2019, 3, 1)] * 3 + [date(2019, 3, 25)] * 2,
            "last_period": [date(2016, 10, 1), date(2019, 2, 1), None, date(2019, 3, 4), date(2019, 3, 11)],
        }
    )
    periodicity = pl.DataFrame({"indicator": ["M", "W"], "periodicity": ["month", "week"]})
    out = with_staleness(series, periodicity)
    assert out["periods_without_value"].to_list() == [29, 1, None, 3, 2]
    assert out["stale"].to_list() == [True, False, False, True, False]


def test_a_stale_judgement_says_since_when_and_that_it_describes_old_data() -> None:
    from datetime import date
    from types import SimpleNamespace

    from localstat.assessment.explain import Wording, judgement_sentences

    j = SimpleNamespace(
        value=None,
        period=date(2019, 3, 1),
        evidence={"last_period": "2016-10-01", "stale": True, "periods_without_value": 29},
        lower_95=None,
        upper_95=None,
        vs_national="",
        national_value=None,
        vs_parent="",
        parent_value=None,
        vs_peers="",
        peer_value=None,
        variation="common_cause",
        spc_rule="",
        assurance="",
        trend="",
        target_status="",
    )
    sentences = judgement_sentences(j, Wording(format_value=_fmt))
    assert sentences[0] == (
        "There is no approved value for March 2019 yet; the latest approved value is for October 2016."
    )
    assert sentences[1].startswith("That is 29 months without a value: what follows describes that old data")


def test_a_unit_with_no_place_says_why_rather_than_too_little_data() -> None:
    from localstat.assessment.explain import position_phrase

    waiting = position_phrase("not_assessed", {"listed_series": 6, "valued_series": 0})
    assert "too little data" not in waiting
    assert waiting == "Not placed: none of its 6 indicators has an approved value for the period assessed yet"


def test_a_body_pooling_too_few_of_its_units_says_why_it_is_not_compared_with_england() -> None:
    """Rule (engine schemas, vs_national): a body is compared with England only when its value
    pools at least half of its units; Q70's March value pooled 1 of its 9 and was called
    'significantly better' than England."""
    from datetime import date
    from types import SimpleNamespace

    from localstat.assessment.explain import Wording, judgement_sentences

    blank = dict.fromkeys(("vs_parent", "vs_peers", "variation", "spc_rule", "assurance", "trend"), "")
    j = SimpleNamespace(
        **blank,
        target_status="",
        value=97.0,
        period=date(2019, 3, 1),
        evidence={"units": 1, "units_total": 9},
        lower_95=95.0,
        upper_95=98.0,
        vs_national="not_compared",
        national_value=88.0,
        parent_value=None,
        peer_value=None,
    )
    sentences = judgement_sentences(j, Wording(format_value=_fmt))
    assert sentences[1] == (
        "It is not compared with England (88.0%): its value pools 1 of its 9 units, too few to "
        "compare with England; a comparison needs at least half of them."
    )
    assert not any("better than England" in s for s in sentences)
