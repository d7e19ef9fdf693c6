"""Logging for `quizbot run`: plain or JSON lines, and no token ever written out."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass


class RedactSecrets(logging.Filter):
    """Blanks every known token out of a record, whichever library logged it.

    Libraries log request URLs and headers at DEBUG; filtering at the handler is the one
    place that catches them all.
    """

    def __init__(self, secrets: Iterable[str], shapes: Iterable[str] = ()) -> None:
        """`shapes`: regular expressions of secrets not known in advance (the tokens that
        workspaces get when they install the app, logged by a library before we see them)."""
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]
        patterns = list(shapes)
        self.shape = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    def _blank(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return self.shape.sub("***", text) if self.shape is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets or self.shape is not None:
            message = record.getMessage()
            redacted = self._blank(message)
            if redacted != message or record.exc_info:
                record.msg, record.args = redacted, None
            if record.exc_info:
                text = self._blank(logging.Formatter().formatException(record.exc_info))
                record.exc_text, record.exc_info = text, None
        return True


@dataclass(frozen=True)
class Noise:
    """A library's record that says nothing to an operator ("PyNaCl is not installed, voice
    will NOT be supported"), or says it in forty lines: matched by logger (or the start of
    its name) and the start of the message template. Without `rewrite` it is shown only at
    DEBUG; `rewrite` makes it one line, its traceback kept only at DEBUG."""

    logger: str
    says: str = ""  # the start of record.msg; "" matches every record below WARNING
    rewrite: Callable[[logging.LogRecord], None] | None = None


class QuietLibraries(logging.Filter):
    def __init__(self, noise: Iterable[Noise], debug: bool) -> None:
        super().__init__()
        self.noise = tuple(noise)
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        for rule in self.noise:
            if not (record.name == rule.logger or record.name.startswith(rule.logger + ".")):
                continue
            template = str(record.msg)
            if rule.says and not template.startswith(rule.says):
                continue
            if not rule.says and record.levelno >= logging.WARNING:
                continue
            if rule.rewrite is not None:
                rule.rewrite(record)
                if not self.debug:
                    record.exc_info = record.exc_text = None
                return True
            if not self.debug:
                return False
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return True
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    level: str,
    fmt: str,
    secrets: Iterable[str],
    stream=None,
    noise: Iterable[Noise] = (),
    shapes: Iterable[str] = (),
) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(QuietLibraries(noise, debug=level == "DEBUG"))
    handler.addFilter(RedactSecrets(secrets, shapes))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
