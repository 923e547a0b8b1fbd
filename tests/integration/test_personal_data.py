"""Board members read summaries: the names of the officials responsible are not theirs."""

from __future__ import annotations

import pytest

from fund import portfolio
from fund.errors import PermissionDenied


def test_a_board_member_sees_experiments_without_the_officials_names(con, people, funded):
    listing = portfolio.experiments(con, people.board)
    assert len(listing) == 4
    assert "official" not in listing.columns
    assert portfolio.officials(con, people.board) == []


def test_a_board_member_cannot_slice_the_position_by_official(con, people, funded):
    with pytest.raises(PermissionDenied):
        portfolio.position(con, people.board, "official")


def test_fund_managers_and_auditors_see_who_is_responsible(con, people, funded):
    for reader in (people.manager, people.auditor):
        assert set(portfolio.experiments(con, reader)["official"]) == {"Pat Official"}
        assert portfolio.officials(con, reader) == ["Pat Official"]
