"""The platform-neutral quiz engine: the one entry point every adapter calls."""

from bot.engine.core import (
    MODES,
    QUIZ_MAX_QUESTIONS,
    AnswerResult,
    Engine,
    PracticeReply,
    QuizReply,
)
from bot.ports import Place, Player

__all__ = [
    "MODES",
    "QUIZ_MAX_QUESTIONS",
    "AnswerResult",
    "Engine",
    "Place",
    "Player",
    "PracticeReply",
    "QuizReply",
]
