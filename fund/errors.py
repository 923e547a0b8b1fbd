"""One exception hierarchy for every rule the fund enforces.

Each error names the field and the rule it broke, and, where money is involved, the
expected and actual amounts. :func:`describe` is the one formatter: the app shows its text
with ``st.error`` and the CLI prints it on stderr, so both say exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class RingfenceError(Exception):
    """Base of every refusal the fund can give; never shown with a traceback.

    Every subclass carries ``field``: the input (or object) the refusal is about.
    """

    def __str__(self) -> str:
        return self.message()

    def message(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@dataclass(eq=False)
class ValidationError(RingfenceError):
    """Input that is malformed: missing, non-numeric, too many decimals, unknown choice."""

    field: str
    rule: str

    def message(self) -> str:
        return f"{self.field}: {self.rule}"


@dataclass(eq=False)
class NotFound(RingfenceError):
    """A reference to a ring-fence, programme, experiment, commitment or entry that does not exist."""

    field: str
    kind: str
    key: object

    def message(self) -> str:
        return f"{self.field}: no {self.kind} {self.key}"


@dataclass(eq=False)
class InvariantBroken(RingfenceError):
    """A write that would break a money rule, with the amounts that show why."""

    field: str
    rule: str
    limit: Decimal
    attempted: Decimal

    def message(self) -> str:
        return f"{self.field}: {self.rule}"


@dataclass(eq=False)
class PermissionDenied(RingfenceError):
    """The acting user's role does not allow the operation (or the user is inactive)."""

    actor: str
    permission: str
    field: str = "user"

    def message(self) -> str:
        return f"user: {self.actor} is not permitted to {self.permission}"


@dataclass(eq=False)
class SecondPersonRequired(RingfenceError):
    """Four-eyes rule: the person who asked cannot also approve."""

    field: str
    rule: str

    def message(self) -> str:
        return f"{self.field}: {self.rule}"


@dataclass(eq=False)
class IdempotencyConflict(RingfenceError):
    """An idempotency key reused for a different operation or different values."""

    key: str
    field: str = "idempotency key"

    def message(self) -> str:
        return (
            f"idempotency key: {self.key!r} was already used for a different operation; "
            "use a new key for a new operation"
        )


@dataclass(eq=False)
class AuthenticationFailed(RingfenceError):
    """Wrong user name or password; deliberately does not say which."""

    field: str = "password"

    def message(self) -> str:
        return "password: the user name or password is not right"


@dataclass(eq=False)
class SignInLocked(RingfenceError):
    """Too many wrong passwords for one user name: it is locked for a while."""

    minutes: int
    field: str = "password"

    def message(self) -> str:
        return (
            f"password: too many failed sign-ins for this user name; "
            f"try again in {self.minutes} minute{'s' if self.minutes != 1 else ''}"
        )


@dataclass(eq=False)
class DatabaseBusy(RingfenceError):
    """Another process holds the database file, or another write got there first."""

    detail: str
    field: str = "database"

    def message(self) -> str:
        return f"database: {self.detail}"


@dataclass(eq=False)
class RecordAltered(RingfenceError):
    """A record that is not what its last audited write left: it was changed outside the
    services, so nothing may act on it until an auditor has looked."""

    field: str
    name: str
    seq: int | None

    def message(self) -> str:
        recorded = (
            f"what audit row #{self.seq} recorded" if self.seq is not None else "an audited write"
        )
        return (
            f"{self.field}: {self.name} is not {recorded}; it was changed outside the services, "
            "so it cannot be acted on (run 'fund audit verify')"
        )


@dataclass(eq=False)
class RowRefused(RingfenceError):
    """A refusal in one row of a run or an import; the whole run is refused with it."""

    row: int
    error: RingfenceError

    @property
    def field(self) -> str:
        return f"row {self.row}"

    def message(self) -> str:
        return f"row {self.row}: {self.error.message()}"


@dataclass(eq=False)
class RowsRefused(RingfenceError):
    """Every refused row of a run or an import, reported together; nothing of it is written."""

    refusals: tuple[RowRefused, ...]

    @property
    def field(self) -> str:
        return self.refusals[0].field

    @property
    def rows(self) -> list[int]:
        return [refusal.row for refusal in self.refusals]

    def message(self) -> str:
        return "; ".join(refusal.message() for refusal in self.refusals)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, at its place ("outcomes/3/deadweight", "row 4/proxy")."""

    place: str
    rule: str

    def message(self) -> str:
        return f"{self.place}: {self.rule}"


@dataclass(eq=False)
class FileRefused(RingfenceError):
    """Every problem of a file checked whole, as the 360Giving data checker reports them;
    nothing of the file is stored."""

    problems: tuple[Problem, ...]

    @property
    def field(self) -> str:
        return self.problems[0].place

    def message(self) -> str:
        return "; ".join(problem.message() for problem in self.problems)


def describe(error: RingfenceError) -> str:
    """The single line the app and the CLI both show for a refusal."""
    return error.message()
