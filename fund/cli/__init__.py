"""The `fund` command: the same services as the app, for scripts, batch work and auditors.

Each command only translates its arguments, signs the acting user in, calls one service of
``fund/`` and prints the answer. Every refusal the fund gives (a :class:`RingfenceError`)
becomes one line on stderr, ``error: <field>: <rule>``, and exit status 1; usage errors exit
with status 2. Money is printed as £1,234.56, and as decimal strings ("1234.56") in the
one JSON document that ``--json`` prints.

Who acts: ``--as USER`` (or ``RINGFENCE_USER``), with the password from
``RINGFENCE_PASSWORD`` or a hidden prompt. Which database: ``--db PATH`` (or
``RINGFENCE_DB``), default ``data/fund.duckdb``.

The commands live in modules named after what they work on; this module makes the group,
adds their commands in a fixed order, and holds the console script's ``main``.
"""

from __future__ import annotations

from pathlib import Path

import click

from fund import db
from fund.cli import (
    appetite,
    approvals,
    backup,
    board,
    database,
    evidence,
    grants,
    learning,
    lessons,
    money,
    pbr,
    plan,
    proxies,
    register,
    reports,
    results,
    sroi,
    users,
    ventures,
    verdict,
    zones,
)
from fund.cli.errors import FundGroup
from fund.cli.session import Session


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


def _add_commands(group: click.Group) -> None:
    """Every command of every module, in the order the modules and their COMMANDS list them."""
    for module in (
        database,
        users,
        register,
        appetite,
        money,
        approvals,
        pbr,
        zones,
        ventures,
        grants,
        reports,
        sroi,
        evidence,
        plan,
        results,
        verdict,
        lessons,
        learning,
        board,
        proxies,
        backup,
    ):
        for command in module.COMMANDS:
            group.add_command(command)


_add_commands(cli)


def main() -> None:
    """The `fund` console script."""
    cli(prog_name="fund")
