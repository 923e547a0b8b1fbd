"""How the `fund` command fails: one line on stderr, never a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import click

from fund.errors import RingfenceError, ValidationError, describe

DEBUG_ENV = "RINGFENCE_DEBUG"  # set to 1 to see the traceback of an internal error


class Refusal(click.ClickException):
    """A refusal shown as ``error: <message>`` on stderr, exit status 1."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class TextContext(click.Context):
    """A command's context that refuses, before the command runs, any argument or option
    holding text that is not UTF-8.

    Bytes of another encoding in ``argv`` (or an environment variable) reach Python as lone
    surrogates; they could be neither stored nor compared, so they are refused here, the one
    place every command's parameters pass, naming the parameter as it is typed.
    """

    def invoke(self, callback, /, *args, **kwargs):
        for param in self.command.params:
            if any(_not_utf8(text) for text in _texts(self.params.get(param.name))):
                raise ValidationError(_named(param), "must be text in UTF-8")
        return super().invoke(callback, *args, **kwargs)


def _texts(value: object) -> Iterator[str]:
    """The text in a parameter's value: itself, a path's text, or each of many values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, os.PathLike):
        yield from _texts(os.fspath(value))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _texts(item)


def _not_utf8(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _named(param: click.Parameter) -> str:
    """A parameter as the user typed it: --reason, or an argument's metavar (AMOUNT)."""
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


def _text_checked(command: click.Command) -> None:
    """Give ``command`` and every command under it a :class:`TextContext`."""
    command.context_class = TextContext
    for sub in getattr(command, "commands", {}).values():
        _text_checked(sub)


class FundGroup(click.Group):
    """The top-level group: turns every domain error into a :class:`Refusal`, and checks
    every command's text (see :class:`TextContext`)."""

    context_class = TextContext

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _text_checked(command)
        return name, command, rest

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
