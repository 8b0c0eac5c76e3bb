"""League tables: rank 1 the best by polarity, each place shown as the range the 95% intervals allow."""

from datetime import date

import polars as pl
from django.test import Client

from localstat.assessment.services import run_assessment
from localstat.framework.choices import Polarity
from localstat.framework.models import IndicatorVersion
from localstat.publication.selectors import far_from_their_place
from localstat.publication.tests.conftest import publish
from localstat.returns.imports import import_file

# Carlton's March 2019 value corrected to 93.5%: its interval now overlaps Ashford's (93.8%).
CORRECTION = b"unit,indicator,period,numerator,denominator\nU3,AE4H,2019-03-01,9350,10000\n"


def places(page: str) -> dict[str, tuple[int, int]]:
    """unit code → (best, worst) as the page's rows carry them, in the page's order."""
    found = {}
    for chunk in page.split('data-unit="')[1:]:
        code = chunk.split('"', 1)[0]
        best = int(chunk.split('data-best="', 1)[1].split('"', 1)[0])
        worst = int(chunk.split('data-worst="', 1)[1].split('"', 1)[0])
        found[code] = (best, worst)
    return found


def test_the_league_table_puts_the_best_first_and_gives_each_place_as_a_range(published) -> None:
    # given Denton 98.6%, Ashford 93.8%, Carlton 92.5%, Bramley 90.7%, none of their intervals overlapping
    page = Client().get("/league-tables/AE4H/").content.decode()
    # then the order is by value, best first, and each place is certain
    assert places(page) == {"U4": (1, 1), "U1": (2, 2), "U3": (3, 3), "U2": (4, 4)}
    assert list(places(page)) == ["U4", "U1", "U3", "U2"]
    assert "4 organisations ranked" in page


def test_units_whose_intervals_overlap_share_a_range_of_places_not_a_falsely_precise_order(
    with_context,
) -> None:
    # given Carlton's March value corrected to 93.5%, overlapping Ashford's interval
    import_file(content=CORRECTION, name="fix.csv", approve=True, reason="Recount", acting_user=None)
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    publish(with_context, "April 2019")
    # when the public reads the league table
    page = Client().get("/league-tables/AE4H/").content.decode()
    # then Ashford and Carlton could each be second or third, and the page says so
    assert places(page) == {"U4": (1, 1), "U1": (2, 3), "U3": (2, 3), "U2": (4, 4)}
    assert "2 to 3" in page
    # and the unit page gives the same range in words
    assert "Somewhere from 2 to 3 of 4" in Client().get("/units/U1/").content.decode()


def test_when_lower_is_better_the_lowest_value_ranks_first(with_context) -> None:
    # given the indicator's definition said lower is better
    IndicatorVersion.objects.filter(indicator=with_context.indicator).update(polarity=Polarity.LOWER)
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="test")
    publish(with_context, "April 2019")
    # then Bramley (90.7%) is first and Denton (98.6%) last
    page = Client().get("/league-tables/AE4H/").content.decode()
    assert list(places(page)) == ["U2", "U3", "U1", "U4"]
    assert places(page)["U2"] == (1, 1)


def test_the_league_table_index_lists_each_published_indicator(published) -> None:
    page = Client().get("/league-tables/").content.decode()
    assert 'href="/league-tables/AE4H/"' in page
    assert Client().get("/league-tables/NOPE/").status_code == 404


def test_the_league_table_page_reads_a_fixed_number_of_queries(
    published, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(15):
        assert Client().get("/league-tables/AE4H/").status_code == 200


def test_the_units_said_to_be_a_quarter_of_the_table_from_their_place_could_really_move_that_far() -> None:
    # given eight ranked units (a quarter is two places) and one not ranked
    frame = pl.DataFrame(
        {
            "unit_code": ["A", "B", "C", "D", "E", "F", "G", "H", "X"],
            "rank": [1, 2, 3, 4, 5, 6, 7, 8, None],
            "best_rank": [1, 1, 2, 3, 4, 5, 5, 8, None],
            "worst_rank": [3, 2, 4, 5, 6, 7, 8, 8, None],
        }
    )
    # then A (place 1, could be 3) and G (place 7, could be 5) count; C to F, whose ranges are two
    # places wide but who could move only one place either way, do not
    assert far_from_their_place(frame) == 2
