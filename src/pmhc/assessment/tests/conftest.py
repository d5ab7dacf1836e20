"""Helpers for the self-assessment's tests: the published first edition and quick ways to
answer it."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from pmhc.assessment import selectors, services
from pmhc.assessment.instrument import Edition
from pmhc.assessment.models import Assessment, Respondent
from pmhc.assessment.services import AnswerInput
from pmhc.platform.access import Actor


@pytest.fixture
def edition(db: None) -> Edition:
    return selectors.edition_of_instrument(services.current_instrument())


def answer_element(
    actor: Actor,
    respondent: Respondent,
    edition: Edition,
    number: int,
    ratings: Mapping[int, int | str],
    token: str = "",
) -> int:
    """Answer items of element ``number`` by position (1-based): a level 0-3 or "dk"."""
    element = edition.element(number)
    answers = {}
    for position, value in ratings.items():
        item = element.items[position - 1]
        answers[item.key] = (
            AnswerInput(dont_know=True) if value == "dk" else AnswerInput(rating=int(value))
        )
    return services.save_answers(actor, respondent=respondent, answers=answers, token=token)


def agree_element(
    actor: Actor, assessment: Assessment, edition: Edition, number: int, level: int
) -> None:
    element = edition.element(number)
    services.agree_ratings(
        actor,
        assessment=assessment,
        ratings={item.key: AnswerInput(rating=level) for item in element.items},
    )
