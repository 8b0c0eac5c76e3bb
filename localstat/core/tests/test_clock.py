from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from localstat.core.clock import now, set_reference_date, today


def test_without_a_reference_date_today_is_the_wall_clock(db) -> None:
    assert today() == timezone.localdate()


def test_the_database_reference_date_wins_over_the_wall_clock(db) -> None:
    set_reference_date(date(2019, 4, 30), reason="demo")
    assert today() == date(2019, 4, 30)


def test_localstat_today_wins_over_everything(db, monkeypatch) -> None:
    set_reference_date(date(2019, 4, 30), reason="demo")
    monkeypatch.setenv("LOCALSTAT_TODAY", "2018-01-15")
    assert today() == date(2018, 1, 15)


def test_a_malformed_localstat_today_is_a_clear_error(db, monkeypatch) -> None:
    monkeypatch.setenv("LOCALSTAT_TODAY", "next tuesday")
    with pytest.raises(ImproperlyConfigured, match="ISO date"):
        today()


def test_now_is_the_wall_clock_without_a_reference_date(db) -> None:
    before = timezone.now()
    assert before <= now() <= timezone.now()


def test_now_falls_on_the_reference_date_at_the_wall_clocks_time_of_day(db) -> None:
    set_reference_date(date(2019, 4, 30), reason="demo")
    moment = timezone.localtime(now())
    wall = timezone.localtime()
    assert moment.date() == date(2019, 4, 30)
    assert abs((moment.hour * 60 + moment.minute) - (wall.hour * 60 + wall.minute)) <= 1
