"""Four eyes: requests that wait for a second person, and virements."""

from __future__ import annotations

import click
import pandas as pd

from fund import ledger
from fund.cli.output import json_option, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import AMOUNT_SETTINGS, perform_write, write_options


def _decide(session: Session, request_id, approve: bool, reason, key, as_json) -> None:
    perform_write(
        session,
        ledger.decide,
        key=key,
        as_json=as_json,
        request_id=request_id,
        approve=approve,
        reason=reason,
    )


@click.command()
@click.argument("request_id")
@write_options
@pass_session
def approve(session: Session, request_id, reason, key, as_json) -> None:
    """Approve pending request REQUEST_ID (a virement or an above-limit commitment).

    The person who asked cannot approve.
    """
    _decide(session, request_id, True, reason, key, as_json)


@click.command()
@click.argument("request_id")
@write_options
@pass_session
def reject(session: Session, request_id, reason, key, as_json) -> None:
    """Reject pending request REQUEST_ID; nothing moves."""
    _decide(session, request_id, False, reason, key, as_json)


@click.command()
@json_option
@pass_session
def pending(session: Session, as_json: bool) -> None:
    """Requests waiting for a second person, oldest first."""
    frame = ledger.pending(*session.open())
    show(frame if as_json else _pending_table(frame), as_json, "requests")


def _pending_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Pending requests for people: where the money comes from and goes to, in one column each."""
    return pd.DataFrame(
        {
            "request_id": frame["request_id"],
            "kind": frame["kind"],
            "amount": frame["amount"],
            "from": frame["from_programme"].fillna(frame["from_ringfence"]),
            "to": frame["to_programme"]
            .fillna(frame["to_ringfence"])
            .fillna(frame["experiment"] + " → " + frame["counterparty"]),
            "requested_by": frame["requested_by"],
            "requested_at": frame["requested_at"],
            "reason": frame["reason"],
        }
    )


# --- virements -------------------------------------------------------------------------


@click.group("vire")
def vire_group() -> None:
    """Virements: moving allocation between programmes, or budget between ring-fences."""


@vire_group.command("request", context_settings=AMOUNT_SETTINGS)
@click.argument("amount")
@click.option("--from-programme", "from_programme_id", metavar="ID")
@click.option("--to-programme", "to_programme_id", metavar="ID")
@click.option("--from-ringfence", "from_ringfence_id", metavar="ID")
@click.option("--to-ringfence", "to_ringfence_id", metavar="ID")
@write_options
@pass_session
def vire_request(session: Session, amount, reason, key, as_json, **ends) -> None:
    """Ask to move AMOUNT between two programmes of one ring-fence (--from-programme,
    --to-programme) or between two ring-fences (--from-ringfence, --to-ringfence).

    Nothing moves until a second fund manager approves it with 'fund vire approve'.
    """
    _check_one_pair(ends)
    perform_write(
        session,
        ledger.request_virement,
        key=key,
        as_json=as_json,
        amount=amount,
        reason=reason,
        **{name: value for name, value in ends.items() if value is not None},
    )


def _check_one_pair(ends: dict[str, str | None]) -> None:
    """Both ends of a virement, either two programmes or two ring-fences, never a mix."""
    pairs = {
        "programme": (ends["from_programme_id"], ends["to_programme_id"]),
        "ringfence": (ends["from_ringfence_id"], ends["to_ringfence_id"]),
    }
    chosen = [pair for pair in pairs.values() if any(v is not None for v in pair)]
    if len(chosen) != 1 or None in chosen[0]:
        raise click.UsageError(
            "give --from-programme and --to-programme, or --from-ringfence and --to-ringfence"
        )


@vire_group.command("approve")
@click.argument("request_id")
@write_options
@pass_session
def vire_approve(session: Session, request_id, reason, key, as_json) -> None:
    """Approve virement request REQUEST_ID (not your own), posting the money; as 'fund approve'."""
    _decide(session, request_id, True, reason, key, as_json)


@vire_group.command("reject")
@click.argument("request_id")
@write_options
@pass_session
def vire_reject(session: Session, request_id, reason, key, as_json) -> None:
    """Reject virement request REQUEST_ID; nothing moves."""
    _decide(session, request_id, False, reason, key, as_json)


COMMANDS: tuple[click.Command, ...] = (approve, reject, pending, vire_group)
