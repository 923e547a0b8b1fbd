"""The README cannot go stale: every CLI command, permission and invariant is documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from fund.auth import Permission
from fund.cli import cli
from fund.ledger.rules import RULES

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "fund") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += [path, *_commands(command, path)]
        else:
            found.append(path)
    return found


@pytest.mark.parametrize("command", _commands(cli))
def test_every_cli_command_is_in_the_readme(command):
    words = command.split()
    # "fund vire approve" may be written as "vire approve" in a list of sub-commands.
    assert command in README or " ".join(words[-2:]) in README, command


@pytest.mark.parametrize("permission", list(Permission))
def test_every_permission_is_in_the_readme(permission):
    assert permission.value in README


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_every_invariant_is_in_the_readme(rule):
    assert f"`{rule.__name__}`" in README
