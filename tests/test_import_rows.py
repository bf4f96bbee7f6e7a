"""Pieces of the row checker that are pure arithmetic, against their plain definitions."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaintctl.domain.messages import render
from complaintctl.domain.timeutil import CST, to_epoch
from complaintctl.transfer.rows import _moment
from complaintctl.transfer.sheets import Bad

pytestmark = pytest.mark.backends  # each test on SQLite and on PostgreSQL


@given(
    st.dates(min_value=date(1992, 1, 1), max_value=date(2099, 12, 31)),
    st.times(),
)
def test_moment_is_the_local_time_in_epoch_seconds(day: date, at: time) -> None:
    at = at.replace(microsecond=0)
    assert _moment(day, at) == to_epoch(datetime.combine(day, at, CST))


def test_moment_before_1992_is_refused() -> None:
    assert _moment(date(1992, 1, 1), time(0, 0)) == 694195200
    with pytest.raises(Bad) as caught:
        _moment(date(1991, 12, 31), time(23, 59))
    said = caught.value.reason
    assert render(said.key, said.params, "en") == "1991-12-31 23:59 is before 1992"
