"""The Portfolio page reads each experiment's money once and slices it five ways; every
figure must be exactly what the position of the same dimension gives on its own."""

from __future__ import annotations

import pandas as pd
import pytest

from fund import ledger, portfolio
from fund.portfolio import Dimension
from tests.conftest import key


@pytest.fixture
def moving(con, people, funded):
    """Commitments on two instruments, a payment and a recovery."""
    fm = people.manager
    grant = ledger.commit(
        con,
        fm,
        experiment_id=funded.experiments["small_grant"],
        amount="8000",
        counterparty="Youth Trust",
        reason="award",
        key=key(),
    ).entity_id
    ledger.commit(
        con,
        fm,
        experiment_id=funded.experiments["social_venture"],
        amount="9000",
        counterparty="Venture Ltd",
        reason="loan",
        key=key(),
    )
    ledger.pay(con, fm, commitment_id=grant, amount="3000.50", reason="first", key=key())
    ledger.recover(con, fm, commitment_id=grant, amount="500", reason="clawback", key=key())
    return funded


@pytest.mark.parametrize("role", ["manager", "auditor", "board"])
def test_the_overview_gives_the_same_figures_as_each_position(con, people, moving, role):
    actor = getattr(people, role)
    shown = portfolio.overview(con, actor)
    assert shown.headline == portfolio.headline(con, actor)
    for frame, by in [
        (shown.by_programme, Dimension.PROGRAMME),
        (shown.by_instrument, Dimension.INSTRUMENT),
        (shown.by_phase, Dimension.PHASE),
        (shown.by_risk, Dimension.RISK),
    ]:
        pd.testing.assert_frame_equal(frame, portfolio.position(con, actor, by))
    pd.testing.assert_frame_equal(shown.burn, portfolio.burn_by_month(con, actor))
    assert str(shown.headline.paid) == "3000.50"
    assert str(shown.headline.committed) == "17000.00"


def test_the_overview_needs_the_summary_permission(con, people, moving):
    from fund.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        portfolio.overview(con, people.admin)


def test_experiment_counts_are_whole_numbers(con, people, moving):
    by_programme = portfolio.position(con, people.manager, Dimension.PROGRAMME)
    assert list(by_programme["experiments"]) == [0, 4]
    assert str(by_programme["experiments"].dtype).startswith("int64")
