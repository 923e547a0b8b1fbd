"""A lesson as a fund manager writes it: what worked, what did not, what we would do
differently, where it transfers, its tags and the scaling route if it spreads.

Pure: it turns what was typed (in the lesson form, on the command line) into a checked
:class:`Lesson`, reporting every problem at once, so that an experiment is never judged by a
lesson with a blank in it. Tags are normalised here, once, so that a tag typed "Peer Support "
finds a lesson tagged "peer support".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from fund.errors import FileRefused, Problem, ValidationError
from fund.lifecycle import ScalingRoute
from fund.register import choice
from fund.unit_of_work import required_text

# The four things every lesson says, in the order the form asks for them.
TEXTS = ("what_worked", "what_did_not", "do_differently", "transfers_to")
MAX_TEXT = 4000
MAX_TAG = 40
MAX_TAGS = 20


@dataclass(frozen=True, kw_only=True)
class Lesson:
    """What an experiment taught. Tags are normalised and sorted, so two lessons that say
    the same are equal."""

    what_worked: str
    what_did_not: str
    do_differently: str
    transfers_to: str  # other programmes, other places
    tags: tuple[str, ...] = ()
    scaling_route: str | None = None  # how it spreads, if it does

    def as_json(self) -> dict[str, object]:
        """The lesson as the audit log records a request for it."""
        return {**asdict(self), "tags": list(self.tags)}


def lesson_of(given: Mapping[str, object]) -> Lesson:
    """A checked lesson from what was typed, or every problem with it (FileRefused, each
    naming its field and the rule)."""
    problems: list[Problem] = []
    texts = {}
    for name in TEXTS:
        value = given.get(name)
        try:
            texts[name] = required_text(
                None if value is None else str(value), name, max_length=MAX_TEXT
            )
        except ValidationError as refused:
            problems.append(Problem(name, refused.rule))
    tags, tag_problems = _tags(given.get("tags"))
    problems += tag_problems
    route = None
    if not _blank(given.get("scaling_route")):
        try:
            route = choice(ScalingRoute, str(given["scaling_route"]), "scaling_route").value
        except ValidationError as refused:
            problems.append(Problem("scaling_route", refused.rule))
    if problems:
        raise FileRefused(tuple(problems))
    return Lesson(**texts, tags=tags, scaling_route=route)


def normal_tag(text: str) -> str:
    """A tag as it is stored and searched: trimmed, spaces single, lower-case."""
    return " ".join(text.split()).lower()


def _tags(value: object) -> tuple[tuple[str, ...], list[Problem]]:
    """Tags from a list or from comma-separated text (or a list of such texts): each
    normalised, blanks dropped, repeats kept once, sorted."""
    tags = sorted({normal_tag(piece) for piece in _pieces(value)} - {""})
    problems = []
    long = [tag for tag in tags if len(tag) > MAX_TAG]
    if long:
        shown = ", ".join(repr(tag[:MAX_TAG] + "…") for tag in long)
        problems.append(Problem("tags", f"each tag must be at most {MAX_TAG} characters: {shown}"))
    if len(tags) > MAX_TAGS:
        problems.append(Problem("tags", f"must be at most {MAX_TAGS} tags, not {len(tags)}"))
    return tuple(tags), problems


def _pieces(value: object) -> Iterable[str]:
    if _blank(value):
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable):
        items = [items]
    return [piece for item in items for piece in str(item).split(",")]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
