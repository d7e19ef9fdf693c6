"""The platform-neutral quiz engine: the one entry point every adapter calls."""

from bot.engine.core import (
    MODES,
    QUIZ_DEFAULT_COUNT,
    QUIZ_DEFAULT_SECONDS,
    QUIZ_MAX_QUESTIONS,
    QUIZ_SECONDS_RANGE,
    TYPED_MAX,
    AnswerResult,
    Engine,
    HintReply,
    PracticeReply,
    QuizReply,
)
from bot.ports import Place, Player

__all__ = [
    "MODES",
    "QUIZ_DEFAULT_COUNT",
    "QUIZ_DEFAULT_SECONDS",
    "QUIZ_MAX_QUESTIONS",
    "QUIZ_SECONDS_RANGE",
    "TYPED_MAX",
    "AnswerResult",
    "Engine",
    "HintReply",
    "Place",
    "Player",
    "PracticeReply",
    "QuizReply",
]
