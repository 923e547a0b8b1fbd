"""How the `fund` command fails: one line on stderr, never a traceback."""

from __future__ import annotations

import os
import sys

import click

from fund.errors import RingfenceError, describe

DEBUG_ENV = "RINGFENCE_DEBUG"  # set to 1 to see the traceback of an internal error


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
        except BrokenPipeError:
            # The reader stopped early (e.g. `fund export | head`): not an error of ours.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(0) from None
        except Exception as error:
            if os.environ.get(DEBUG_ENV):
                raise
            raise Refusal(_internal_error(error)) from None


def _internal_error(error: Exception) -> str:
    """An unexpected error in one line: its type and the first line of its message."""
    detail = str(error).strip().splitlines()
    summary = f"{type(error).__name__}: {detail[0]}" if detail else type(error).__name__
    return f"internal error ({summary}); set {DEBUG_ENV}=1 to see the traceback"
