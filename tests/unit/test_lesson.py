"""A lesson as it is typed: four texts required, tags normalised, a scaling route from the
four; every problem named at once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund.errors import FileRefused, describe
from fund.lessons.lesson import MAX_TAG, MAX_TAGS, MAX_TEXT, Lesson, lesson_of, normal_tag

TEXTS = {
    "what_worked": "Peer mentors",
    "what_did_not": "Referrals",
    "do_differently": "Recruit employers first",
    "transfers_to": "Other boroughs",
}


def problems(given: dict) -> list[str]:
    with pytest.raises(FileRefused) as refused:
        lesson_of(given)
    return [problem.message() for problem in refused.value.problems]


def test_a_lesson_keeps_its_texts_trimmed_and_its_tags_normalised():
    lesson = lesson_of(
        {
            **{k: f"  {v} " for k, v in TEXTS.items()},
            "tags": " Youth  Work, mentoring,,MENTORING ",
            "scaling_route": "Takeover",
        }
    )
    assert lesson == Lesson(**TEXTS, tags=("mentoring", "youth work"), scaling_route="takeover")


def test_tags_may_be_a_list_of_texts_each_with_commas():
    assert lesson_of({**TEXTS, "tags": ["b, a", "C"]}).tags == ("a", "b", "c")


def test_no_tags_and_no_route_are_fine():
    assert lesson_of({**TEXTS, "tags": "", "scaling_route": " "}) == Lesson(**TEXTS)


def test_every_blank_text_is_named_at_once_with_every_other_problem():
    found = problems({"what_worked": "x" * (MAX_TEXT + 1), "scaling_route": "viral"})
    assert found == [
        f"what_worked: must be at most {MAX_TEXT} characters",
        "what_did_not: is required and must not be blank",
        "do_differently: is required and must not be blank",
        "transfers_to: is required and must not be blank",
        "scaling_route: must be one of uncontrolled_diffusion, direct_diffusion, takeover,"
        " organisational_growth, not 'viral'",
    ]


def test_a_tag_longer_than_the_limit_is_named():
    long = "a" * (MAX_TAG + 1)
    assert problems({**TEXTS, "tags": f"ok, {long}"}) == [
        f"tags: each tag must be at most {MAX_TAG} characters: '{'a' * MAX_TAG}…'"
    ]


def test_at_most_twenty_tags():
    many = ",".join(f"tag {n}" for n in range(MAX_TAGS + 1))
    assert problems({**TEXTS, "tags": many}) == [f"tags: must be at most {MAX_TAGS} tags, not 21"]
    assert len(lesson_of({**TEXTS, "tags": many.rpartition(",")[0]}).tags) == MAX_TAGS


def test_a_refusal_reads_as_one_line():
    with pytest.raises(FileRefused) as refused:
        lesson_of({})
    assert "\n" not in describe(refused.value)


@given(st.lists(st.text(st.characters(exclude_characters=","), max_size=12), max_size=8))
def test_normalised_tags_stay_as_they_are_when_given_again(typed):
    once = lesson_of({**TEXTS, "tags": [t for t in typed if len(t) <= MAX_TAG]}).tags
    assert lesson_of({**TEXTS, "tags": list(once)}).tags == once
    assert all(tag == normal_tag(tag) and tag for tag in once)
