"""The `fund` command: the same services as the app, for scripts, batch work and auditors.

Each command only translates its arguments, signs the acting user in, calls one service of
``fund/`` and prints the answer. Every refusal the fund gives (a :class:`RingfenceError`)
becomes one line on stderr, ``error: <field>: <rule>``, and exit status 1; usage errors exit
with status 2. Money is printed as £1,234.56, and as decimal strings ("1234.56") in the
one JSON document that ``--json`` prints.

Who acts: ``--as USER`` (or ``RINGFENCE_USER``), with the password from
``RINGFENCE_PASSWORD`` or a hidden prompt. Which database: ``--db PATH`` (or
``RINGFENCE_DB``), default ``data/fund.duckdb``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import click
import duckdb
import pandas as pd
import pyarrow as pa

from fund import audit, db, demo, exports, ledger, portfolio, register, users
from fund.auth import User, sign_in
from fund.errors import RingfenceError, ValidationError, describe
from fund.ledger import queries
from fund.money import format_gbp, to_money
from fund.unit_of_work import Written

PASSWORD_ENV = "RINGFENCE_PASSWORD"
NEW_PASSWORD_ENV = "RINGFENCE_NEW_PASSWORD"
DEBUG_ENV = "RINGFENCE_DEBUG"  # set to 1 to see the traceback of an internal error

# Commands that take an AMOUNT let "-5" through as an argument, so that the service (not
# click) refuses it, naming the field and the rule.
AMOUNT_SETTINGS = {"ignore_unknown_options": True}


# ---------------------------------------------------------------------------------------
# Errors: one line, never a traceback.
# ---------------------------------------------------------------------------------------


class Refusal(click.ClickException):
    """A refusal shown as ``error: <message>`` on stderr, exit status 1."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class FundGroup(click.Group):
    """The top-level group: turns every domain error into a :class:`Refusal`."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RingfenceError as error:
            raise Refusal(describe(error)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if os.environ.get(DEBUG_ENV):
                raise
            detail = str(error).strip().splitlines()
            summary = f"{type(error).__name__}: {detail[0]}" if detail else type(error).__name__
            raise Refusal(
                f"internal error ({summary}); set {DEBUG_ENV}=1 to see the traceback"
            ) from None


# ---------------------------------------------------------------------------------------
# The session: which database, and who is acting.
# ---------------------------------------------------------------------------------------


@dataclass
class Session:
    """Opens the database and signs the user in at most once per invocation."""

    path: Path
    username: str | None
    con: duckdb.DuckDBPyConnection | None = None
    user: User | None = None

    def connect(self, *, create: bool = False) -> duckdb.DuckDBPyConnection:
        """The open, migrated database; refused if it does not exist (unless ``create``)."""
        if self.con is None:
            if not create and not self.path.exists():
                raise ValidationError(
                    "database",
                    f"there is no database at {self.path}; create one with "
                    "'fund init --admin USER' or 'fund demo'",
                )
            self.con = db.connect(self.path)
        return self.con

    def actor(self) -> User:
        """The user named by --as, signed in with their password."""
        if self.user is None:
            if not self.username:
                raise click.UsageError("say who is acting: --as USER (or set RINGFENCE_USER)")
            # Ask before opening the file, so a waiting prompt never holds the database.
            password = _password(f"Password for {self.username}")
            self.user = sign_in(self.connect(), self.username, password)
        return self.user

    def open(self) -> tuple[duckdb.DuckDBPyConnection, User]:
        """The database and the signed-in user: what every service call needs."""
        user = self.actor()
        return self.connect(), user

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


pass_session = click.make_pass_decorator(Session)


def _password(prompt: str) -> str:
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return given
    return click.prompt(prompt, hide_input=True, err=True)


def _new_password(env: str, prompt: str) -> str:
    """A password being set: from ``env``, or typed twice at a hidden prompt."""
    given = os.environ.get(env)
    if given is not None:
        return given
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True)


# ---------------------------------------------------------------------------------------
# Output: tables for people, one JSON document for machines.
# ---------------------------------------------------------------------------------------

LABELS = {
    "scope": "Scope",
    "ringfence": "Ring-fence",
    "ringfence_id": "Ring-fence #",
    "programme": "Programme",
    "programme_id": "Programme #",
    "experiment": "Experiment",
    "experiment_id": "Experiment #",
    "commitment_id": "Commitment #",
    "request_id": "Request #",
    "instrument": "Instrument",
    "phase": "Lifecycle phase",
    "risk_rating": "Risk rating",
    "official": "Responsible official",
    "sector": "Partner sector",
    "ring_fence": "Ring-fence",
    "allocated": "Allocated",
    "committed": "Committed",
    "paid": "Paid",
    "unpaid": "Unpaid",
    "recovered": "Recovered",
    "written_off": "Written off",
    "outstanding": "Outstanding",
    "available": "Available",
    "headroom": "Headroom",
    "experiments": "Experiments",
    "committed_to_their_experiments": "Committed to their experiments",
    "match_cash": "Match (cash)",
    "match_in_kind": "Match (in kind)",
    "match_funding": "Match funding",
    "month": "Month",
    "cumulative_committed": "Committed to date",
    "cumulative_paid": "Paid to date",
    "kind": "Kind",
    "amount": "Amount",
    "requested_by": "Requested by",
    "requested_at": "Requested at",
    "reason": "Reason",
    "counterparty": "Counterparty",
    "title": "Title",
    "name": "Name",
    "owner_body": "Owner body",
    "financial_years": "Financial years",
    "declared_amount": "Declared",
    "delegated_limit": "Delegated limit",
    "advertised_on": "Advertised",
    "user_id": "User #",
    "username": "User",
    "display_name": "Name",
    "role": "Role",
    "active": "Active",
    "last_sign_in": "Last sign-in",
    "from": "From",
    "to": "To",
}


INSTRUMENT_LABELS = {i.value: i.label for i in register.Instrument}


def _is_money(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)


def _cell(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format_gbp(value)
    # Text people typed is shown as text: no line breaks or terminal control sequences.
    return "".join(char if char.isprintable() else " " for char in str(value))


def render_table(frame: pd.DataFrame) -> str:
    """A plain-text table: human column labels, money as £1,234.56, numbers right-aligned."""
    if frame.empty:
        return "(nothing to show)"
    columns = []
    for name in frame.columns:
        series = frame[name]
        right = _is_money(series) or pd.api.types.is_numeric_dtype(series.dtype)
        cells = series.astype(object).map(_cell).tolist()
        header = LABELS.get(name, portfolio.label(str(name)))
        width = max(len(header), *(len(c) for c in cells))
        justify = str.rjust if right and not pd.api.types.is_bool_dtype(series.dtype) else str.ljust
        columns.append([justify(header, width), "-" * width, *(justify(c, width) for c in cells)])
    return "\n".join("  ".join(row).rstrip() for row in zip(*columns, strict=True))


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of a frame as JSON-ready dicts: exact decimals, and null for missing values."""
    plain = frame.astype(object)
    return plain.where(frame.notna(), None).to_dict(orient="records")


def emit_json(document: object) -> None:
    click.echo(json.dumps(document, default=_json_value, indent=2, ensure_ascii=False))


def show(frame: pd.DataFrame, as_json: bool, name: str, **extra: object) -> None:
    """Print a query result as a table, or as ``{"<name>": [rows...], **extra}``."""
    if as_json:
        emit_json({**extra, name: records(frame)})
    else:
        click.echo(render_table(frame))


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document (money as decimal strings)."
)


# ---------------------------------------------------------------------------------------
# Writes: one shared path for every command that changes the fund.
# ---------------------------------------------------------------------------------------


def write_options(command: Callable) -> Callable:
    """--reason (required), --key (the idempotency key) and --json, for every write."""
    command = json_option(command)
    command = click.option(
        "--key",
        help="Idempotency key: retrying with the same key writes once. "
        "When omitted, a new one is made and printed.",
    )(command)
    return click.option(
        "--reason", required=True, help="Why: recorded with the change in the audit log."
    )(command)


def date_option(command: Callable) -> Callable:
    return click.option(
        "--date", "on", metavar="YYYY-MM-DD", help="Value date (default today; never future)."
    )(command)


def perform_write(
    session: Session,
    service: Callable[..., Written],
    said: Callable[[Written], str],
    *,
    key: str | None,
    as_json: bool,
    **arguments: object,
) -> Written:
    """Sign in, call ``service`` once with an idempotency key, and report what it wrote.

    ``said`` turns the result into the sentence printed for people.
    """
    generated = key is None
    key = str(uuid.uuid4()) if generated else key
    written = service(*session.open(), key=key, **arguments)
    if as_json:
        emit_json(
            {
                "entity": written.entity,
                "id": written.entity_id,
                "replayed": written.replayed,
                "key": key,
            }
        )
        return written
    if written.replayed:
        click.echo("Already done with this key, so nothing new was written:")
    click.echo(said(written))
    if generated:
        click.echo(f"Key: {key} (to retry safely, give --key {key})")
    return written


def gbp(amount: object) -> str:
    """An amount the service has already accepted, as £1,234.56."""
    return format_gbp(to_money(amount, "amount"))


# ---------------------------------------------------------------------------------------
# The command group.
# ---------------------------------------------------------------------------------------


@click.group(cls=FundGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=str(db.DEFAULT_PATH),
    envvar="RINGFENCE_DB",
    show_default=True,
    help="The database file (env RINGFENCE_DB).",
)
@click.option(
    "--as",
    "username",
    metavar="USER",
    envvar="RINGFENCE_USER",
    help="Act as this user (env RINGFENCE_USER); password from RINGFENCE_PASSWORD or a prompt.",
)
@click.version_option(package_name="ringfence")
@click.pass_context
def cli(ctx: click.Context, path: Path, username: str | None) -> None:
    """Ringfence: the ring-fenced innovation fund's ledger, position and audit trail.

    Every write records who did it, when and why (--reason), and is idempotent (--key).
    Errors print one line naming the field and the rule, and exit with status 1.
    """
    session = Session(path=path, username=username)
    ctx.obj = session
    ctx.call_on_close(session.close)


# --- set-up --------------------------------------------------------------------------


@cli.command()
@click.option("--admin", "admin_name", metavar="USER", help="User name of the first admin.")
@click.option("--name", "display_name", help="The first admin's display name.")
@pass_session
def init(session: Session, admin_name: str | None, display_name: str | None) -> None:
    """Create the database at --db with its first admin, or bring an existing one up to date.

    The admin's password comes from RINGFENCE_PASSWORD or is asked for twice. On an existing
    database this only applies the migrations it has not seen yet, and says which.
    """
    if session.path.exists():
        _migrate_existing(session)
        if admin_name:
            click.echo(
                "The database already exists, so --admin was not used; see 'fund users add'."
            )
        return
    if not admin_name:
        raise click.UsageError("a new database needs its first admin: --admin USER")
    password = _new_password(PASSWORD_ENV, f"Password for {admin_name}")
    with removed_on_failure(session):
        con = session.connect(create=True)
        admin = users.bootstrap_admin(
            con, username=admin_name, display_name=display_name or admin_name, password=password
        )
    applied = ", ".join(name for _, name, _ in db.migrations())
    click.echo(f"Created {session.path} (migrations {applied}).")
    click.echo(f"First admin: {admin.username} ({admin.display_name}).")


def _migrate_existing(session: Session) -> None:
    before = _schema_version(session.path)
    con = session.connect()
    applied = [name for version, name, _ in db.migrations() if version > before]
    if applied:
        click.echo(f"Migrated {session.path}: applied {', '.join(applied)}.")
    else:
        click.echo(f"{session.path} is up to date (schema version {db.schema_version(con)}).")


def _schema_version(path: Path) -> int:
    """The schema version of a database before this command migrates it."""
    con = db.connect(path, read_only=True)
    try:
        return db.schema_version(con)
    finally:
        con.close()


@contextmanager
def removed_on_failure(session: Session) -> Iterator[None]:
    """A database file this command creates is deleted again if setting it up fails."""
    try:
        yield
    except BaseException:
        session.close()
        for leftover in (session.path, Path(f"{session.path}.wal")):
            leftover.unlink(missing_ok=True)
        raise


@cli.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Seed of the demo portfolio.")
@pass_session
def demo_command(session: Session, seed: int) -> None:
    """Create a new database at --db holding the demo portfolio and one demo user per role.

    Refused if the file already exists. Prints the demo users and their passwords.
    """
    if session.path.exists():
        raise ValidationError(
            "database",
            f"{session.path} already exists; the demo only goes into a new file "
            "(choose another --db or remove it)",
        )
    with removed_on_failure(session):
        summary = demo.build(session.connect(create=True), seed=seed)
    click.echo(
        f"Created the demo portfolio in {session.path}: {len(summary.programme_ids)} "
        f"programmes, {len(summary.experiment_ids)} experiments, "
        f"{summary.ledger_entries} ledger entries, request #{summary.pending_request_id} pending."
    )
    click.echo("\nDemo users (for a demo database only):")
    click.echo(render_table(demo.users_table()))


# --- users -----------------------------------------------------------------------------


@cli.group("users")
def users_group() -> None:
    """Who may act on the fund (admins only)."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True, help="fund_manager, auditor, board_member or admin.")
@click.option("--name", "display_name", required=True, help="The person's display name.")
@write_options
@pass_session
def users_add(session: Session, username, role, display_name, reason, key, as_json) -> None:
    """Add user USERNAME with a role; their password comes from RINGFENCE_NEW_PASSWORD or is
    asked for twice."""
    session.actor()  # sign the admin in before asking for the new password
    password = _new_password(NEW_PASSWORD_ENV, f"New password for {username}")
    perform_write(
        session,
        users.add_user,
        lambda w: f"Added user {username.strip().lower()} (#{w.entity_id}) as {role}.",
        key=key,
        as_json=as_json,
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        reason=reason,
    )


@users_group.command("list")
@json_option
@pass_session
def users_list(session: Session, as_json: bool) -> None:
    """Every user with role, status and last sign-in."""
    show(users.people(*session.open()), as_json, "users")


# --- the register: ring-fences, programmes, experiments --------------------------------


@cli.group("ringfence")
def ringfence_group() -> None:
    """Ring-fences: the declared, advertised ceilings on the fund's risk capital."""


@ringfence_group.command("declare")
@click.option("--name", required=True, help="Name of the ring-fence.")
@click.option("--owner", "owner_body", required=True, help="The public body that declares it.")
@click.option("--years", "financial_years", required=True, help="Financial year(s), e.g. 2025-26.")
@click.option("--amount", "declared_amount", required=True, help="Declared amount in pounds.")
@click.option("--purpose", required=True, help="Public statement of purpose.")
@click.option("--advertised", "advertised_on", required=True, metavar="YYYY-MM-DD")
@click.option(
    "--delegated-limit", required=True, help="Largest commitment one fund manager may make alone."
)
@write_options
@pass_session
def ringfence_declare(session: Session, key, as_json, **values) -> None:
    """Declare a ring-fence: its owner, years, amount, purpose and advertisement date."""
    perform_write(
        session,
        register.declare_ringfence,
        lambda w: (
            f"Declared ring-fence #{w.entity_id} {values['name']!r} "
            f"of {format_gbp(to_money(values['declared_amount'], 'declared amount'))}."
        ),
        key=key,
        as_json=as_json,
        **values,
    )


@ringfence_group.command("list")
@json_option
@pass_session
def ringfence_list(session: Session, as_json: bool) -> None:
    """Every ring-fence as declared."""
    frame = register.ringfences(*session.open())
    shown = frame if as_json else frame.drop(columns=["purpose"])
    show(shown, as_json, "ringfences")


@cli.group("programme")
def programme_group() -> None:
    """Programmes: challenges with a common target, inside a ring-fence."""


@programme_group.command("add")
@click.argument("ringfence_id")
@click.option("--name", required=True, help="Name of the programme.")
@click.option("--target", required=True, help="The common target its experiments share.")
@write_options
@pass_session
def programme_add(session: Session, ringfence_id, name, target, reason, key, as_json) -> None:
    """Add a programme to ring-fence RINGFENCE_ID."""
    perform_write(
        session,
        register.add_programme,
        lambda w: f"Added programme #{w.entity_id} {name!r} to ring-fence #{ringfence_id}.",
        key=key,
        as_json=as_json,
        ringfence_id=register.parse_id(ringfence_id, "ring-fence"),
        name=name,
        target=target,
        reason=reason,
    )


@programme_group.command("list")
@json_option
@pass_session
def programme_list(session: Session, as_json: bool) -> None:
    """Every programme with its ring-fence."""
    frame = register.programmes(*session.open())
    show(frame if as_json else frame.drop(columns=["target"]), as_json, "programmes")


@cli.group("experiment")
def experiment_group() -> None:
    """Experiments: the things the fund spends on, inside a programme."""


@experiment_group.command("add")
@click.argument("programme_id")
@click.option("--title", required=True)
@click.option(
    "--instrument",
    required=True,
    help="small_grant, experimental_zone, pbr_contract or social_venture.",
)
@click.option("--phase", default="0", show_default=True, help="Lifecycle phase, 0 to 4.")
@click.option("--risk", "risk_rating", required=True, help="low, medium or high.")
@click.option("--official", required=True, help="The responsible official.")
@click.option(
    "--involvement",
    "user_involvement",
    required=True,
    help="Service-user involvement: informed, consulted, co-designed or user-led.",
)
@click.option(
    "--partner",
    "partner_specs",
    multiple=True,
    nargs=5,
    metavar="NAME SECTOR ROLE CASH IN_KIND",
    help="A partner and their match funding; repeat for each.",
)
@write_options
@pass_session
def experiment_add(session: Session, programme_id, partner_specs, key, as_json, **values) -> None:
    """Add an experiment to programme PROGRAMME_ID, with its partners."""
    partners = [
        register.PartnerShare(name=n, sector=s, role=r, match_cash=c, match_in_kind=k)
        for n, s, r, c, k in partner_specs
    ]
    perform_write(
        session,
        register.add_experiment,
        lambda w: (
            f"Added experiment #{w.entity_id} {values['title']!r} to programme #{programme_id}."
        ),
        key=key,
        as_json=as_json,
        programme_id=programme_id,
        partners=partners,
        **values,
    )


@experiment_group.command("list")
@json_option
@pass_session
def experiment_list(session: Session, as_json: bool) -> None:
    """Every experiment with its money and match funding."""
    frame = portfolio.experiments(*session.open())
    if not as_json:
        frame = frame[
            ["experiment_id", "title", "programme", "instrument", "phase", "committed", "paid"]
        ].assign(
            instrument=frame["instrument"].map(INSTRUMENT_LABELS),
            phase=frame["phase"].map(portfolio.PHASE_LABELS),
        )
    show(frame, as_json, "experiments")


# --- money -----------------------------------------------------------------------------


@cli.command(context_settings=AMOUNT_SETTINGS)
@click.argument("programme_id")
@click.argument("amount")
@date_option
@write_options
@pass_session
def allocate(session: Session, programme_id, amount, on, reason, key, as_json) -> None:
    """Allocate AMOUNT from its ring-fence to programme PROGRAMME_ID."""
    perform_write(
        session,
        ledger.allocate,
        lambda w: (
            f"Allocated {gbp(amount)} to programme #{programme_id} (ledger entry #{w.entity_id})."
        ),
        key=key,
        as_json=as_json,
        programme_id=programme_id,
        amount=amount,
        on=on,
        reason=reason,
    )


@cli.command(context_settings=AMOUNT_SETTINGS)
@click.argument("experiment_id")
@click.argument("amount")
@click.option("--to", "counterparty", required=True, help="Who the money is committed to.")
@date_option
@write_options
@pass_session
def commit(session: Session, experiment_id, amount, counterparty, on, reason, key, as_json):
    """Commit AMOUNT to experiment EXPERIMENT_ID (an award, contract or investment).

    Above the ring-fence's delegated limit the commitment waits for a second fund manager:
    the request id is printed, for 'fund approve'.
    """

    def said(written: Written) -> str:
        if written.entity == "approval request":
            return (
                f"Commitment of {gbp(amount)} to {counterparty} is above the delegated limit: "
                f"it awaits a second fund manager as request #{written.entity_id} "
                f"(fund approve {written.entity_id} --reason ...)."
            )
        return (
            f"Committed {gbp(amount)} to {counterparty} for experiment #{experiment_id}: "
            f"commitment #{written.entity_id}."
        )

    perform_write(
        session,
        ledger.commit,
        said,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        amount=amount,
        counterparty=counterparty,
        on=on,
        reason=reason,
    )


def _against_commitment(name: str, service: Callable[..., Written], verb: str, help: str) -> None:
    """Register a command that moves AMOUNT against a commitment (pay, decommit, ...)."""

    @cli.command(name, context_settings=AMOUNT_SETTINGS, help=help)
    @click.argument("commitment_id")
    @click.argument("amount")
    @date_option
    @write_options
    @pass_session
    def command(session: Session, commitment_id, amount, on, reason, key, as_json) -> None:
        perform_write(
            session,
            service,
            lambda w: (
                f"{verb} {gbp(amount)} against commitment #{commitment_id} "
                f"(ledger entry #{w.entity_id})."
            ),
            key=key,
            as_json=as_json,
            commitment_id=commitment_id,
            amount=amount,
            on=on,
            reason=reason,
        )


_against_commitment(
    "pay",
    ledger.pay,
    "Paid",
    "Record a payment (disbursement) of AMOUNT against commitment COMMITMENT_ID; "
    "never more than its unpaid balance.",
)
_against_commitment(
    "decommit",
    ledger.decommit,
    "Decommitted",
    "Release AMOUNT of commitment COMMITMENT_ID that will not be spent.",
)
_against_commitment(
    "recover",
    ledger.recover,
    "Recovered",
    "Record AMOUNT coming back on commitment COMMITMENT_ID: a clawback or a repayment.",
)
_against_commitment(
    "write-off",
    ledger.write_off,
    "Wrote off",
    "Recognise that AMOUNT paid on commitment COMMITMENT_ID will not come back.",
)


@cli.command()
@click.argument("entry_id")
@write_options
@pass_session
def reverse(session: Session, entry_id, reason, key, as_json) -> None:
    """Correct ledger entry ENTRY_ID by posting its opposite, dated today."""
    perform_write(
        session,
        ledger.reverse,
        lambda w: f"Reversed entry #{entry_id} with ledger entry #{w.entity_id}.",
        key=key,
        as_json=as_json,
        entry_id=entry_id,
        reason=reason,
    )


# --- four eyes: approvals and virements --------------------------------------------------


def _decide(session: Session, request_id, approve: bool, reason, key, as_json) -> None:
    def said(written: Written) -> str:
        if not approve:
            return f"Rejected request #{request_id}; no money moved."
        if written.entity == "commitment":
            return f"Approved request #{request_id}: commitment #{written.entity_id} made."
        return f"Approved request #{request_id}: the virement is posted."

    perform_write(
        session,
        ledger.decide,
        said,
        key=key,
        as_json=as_json,
        request_id=request_id,
        approve=approve,
        reason=reason,
    )


@cli.command()
@click.argument("request_id")
@write_options
@pass_session
def approve(session: Session, request_id, reason, key, as_json) -> None:
    """Approve pending request REQUEST_ID (a virement or an above-limit commitment).

    The person who asked cannot approve.
    """
    _decide(session, request_id, True, reason, key, as_json)


@cli.command()
@click.argument("request_id")
@write_options
@pass_session
def reject(session: Session, request_id, reason, key, as_json) -> None:
    """Reject pending request REQUEST_ID; nothing moves."""
    _decide(session, request_id, False, reason, key, as_json)


@cli.command()
@json_option
@pass_session
def pending(session: Session, as_json: bool) -> None:
    """Requests waiting for a second person, oldest first."""
    frame = ledger.pending(*session.open())
    if not as_json:
        frame = pd.DataFrame(
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
    show(frame, as_json, "requests")


@cli.group("vire")
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
    pairs = {
        "programme": (ends["from_programme_id"], ends["to_programme_id"]),
        "ringfence": (ends["from_ringfence_id"], ends["to_ringfence_id"]),
    }
    chosen = [pair for pair in pairs.values() if any(v is not None for v in pair)]
    if len(chosen) != 1 or None in chosen[0]:
        raise click.UsageError(
            "give --from-programme and --to-programme, or --from-ringfence and --to-ringfence"
        )
    perform_write(
        session,
        ledger.request_virement,
        lambda w: (
            f"Virement of {gbp(amount)} requested as request #{w.entity_id}; "
            "it awaits a second fund manager."
        ),
        key=key,
        as_json=as_json,
        amount=amount,
        reason=reason,
        **{name: value for name, value in ends.items() if value is not None},
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


# --- reports ---------------------------------------------------------------------------

HEADLINE_LABELS = {
    "ring_fence": "Ring-fence",
    "allocated": "Allocated to programmes",
    "committed": "Committed",
    "paid": "Paid",
    "recovered": "Recovered",
    "written_off": "Written off",
    "outstanding": "Outstanding (committed, not paid)",
    "available": "Available to commit",
    "headroom": "Headroom (not yet allocated)",
    "match_funding": "Partner match funding",
}


@cli.command()
@click.option(
    "--by",
    type=click.Choice([d.value for d in portfolio.Dimension]),
    default=portfolio.Dimension.TOTAL.value,
    show_default=True,
    help="How to slice the position.",
)
@json_option
@pass_session
def position(session: Session, by: str, as_json: bool) -> None:
    """The portfolio position: ring-fence, allocated, committed, paid, available, headroom."""
    con, actor = session.open()
    frame = portfolio.position(con, actor, by)
    if by != portfolio.Dimension.TOTAL:
        if by == portfolio.Dimension.SECTOR and not as_json:
            frame = frame.assign(sector=frame["sector"].map(portfolio.label))
        show(frame, as_json, "rows", by=by)
        return
    figures = portfolio.headline(con, actor)
    if as_json:
        emit_json({"by": by, "headline": asdict(figures), "rows": records(frame)})
        return
    click.echo(_headline_table(figures))


def _headline_table(figures: portfolio.Headline) -> str:
    money = {name: getattr(figures, name) for name in HEADLINE_LABELS}
    width = max(len(label) for label in HEADLINE_LABELS.values())
    amounts = {name: format_gbp(value) for name, value in money.items()}
    figure_width = max(len(text) for text in amounts.values())
    lines = [
        f"{HEADLINE_LABELS[name]:<{width}}  {text:>{figure_width}}"
        for name, text in amounts.items()
    ]
    leverage = (
        "no commitments yet"
        if figures.leverage is None
        else f"£{figures.leverage} of match funding per £1 committed"
    )
    lines.append(f"{'Leverage':<{width}}  {leverage}")
    return "\n".join(lines)


@cli.command()
@json_option
@pass_session
def burn(session: Session, as_json: bool) -> None:
    """Money committed and paid in each month (by value date), cumulative, against the ring-fence."""
    frame = portfolio.burn_by_month(*session.open())
    if not as_json:
        frame = frame.assign(month=frame["month"].map(lambda day: day.strftime("%Y-%m")))
    show(frame, as_json, "months")


@cli.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@json_option
@pass_session
def audit_verify(session: Session, as_json: bool) -> None:
    """Check every audit row and every ledger entry against the hash chain.

    Exits 0 when all is intact; otherwise names the first row that was altered, inserted or
    deleted, and exits 1.
    """
    check = audit.verify(*session.open())
    if as_json:
        emit_json({"ok": check.ok, **asdict(check)})
    elif check.ok:
        click.echo(f"OK: {check.rows} audit rows and {check.entries} ledger entries verified")
    else:
        click.echo(
            f"FAILED: {check.problem} "
            f"({check.rows} audit rows and {check.entries} ledger entries checked)"
        )
    if not check.ok:
        raise click.exceptions.Exit(1)


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the CSV to this file instead of stdout.",
)
@pass_session
def export(session: Session, out: Path | None) -> None:
    """The ledger as CSV: one row per entry, amounts signed, as plain decimals."""
    con, actor = session.open()
    frame = queries.entries(con, actor)
    data = exports.csv_bytes(con, actor, frame)
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    out.write_bytes(data)
    click.echo(f"Wrote {len(frame)} ledger entries to {out}.")


def main() -> None:
    """The `fund` console script."""
    cli(prog_name="fund")


if __name__ == "__main__":
    main()
