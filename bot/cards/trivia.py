"""Red-DiscordBot trivia lists: YAML mapping each question to its accepted answers.

`AUTHOR` and `CONFIG` are Red's own keys and are ignored. Every scalar is read as text
(YAML would turn an answer `yes` into True and `1.10` into 1.1).
"""

from __future__ import annotations

import yaml

from bot.cards.markdown import Parsed, repair
from bot.cards.model import Card, LintMessage, card_id
from bot.cards.text import strip_markup

_RED_KEYS = {"AUTHOR", "CONFIG", "DESCRIPTION"}


def parse_trivia(text: str, deck: str, filename: str) -> Parsed:
    result = Parsed()
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        result.messages.append(
            LintMessage(
                f"{filename}:{line}",
                "error",
                f"not valid YAML ({problem}); a trivia list maps each question to a list of "
                "answers, e.g. 'What is 2+2?:' then '- 4'",
            )
        )
        return result
    if root is None:
        return result
    if not isinstance(root, yaml.MappingNode):
        result.messages.append(
            LintMessage(
                f"{filename}:{root.start_mark.line + 1}",
                "error",
                "a trivia list must map questions to answers ('Question?:' then '- answer')",
            )
        )
        return result
    for key_node, value_node in root.value:
        source = f"{filename}:{key_node.start_mark.line + 1}"
        if not isinstance(key_node, yaml.ScalarNode):
            result.messages.append(
                LintMessage(source, "error", "question is not plain text: quote it")
            )
            continue
        if key_node.value in _RED_KEYS:
            continue
        answers = _answers(value_node)
        question = repair(str(key_node.value))
        if not strip_markup(question):
            result.messages.append(LintMessage(source, "error", "empty question: remove it"))
            continue
        if not answers:
            result.messages.append(
                LintMessage(
                    source,
                    "error",
                    "question has no answer: list its accepted answers below it ('- answer')",
                )
            )
            continue
        result.cards.append(
            Card(
                id=card_id(question),
                deck=deck,
                topic=deck,
                level="core",
                kind="qa",
                number=str(len(result.cards) + 1),
                question=question,
                answer=" / ".join(repair(a) for a in answers),
                source=source,
            )
        )
        result.groups.append(filename)
    return result


def _answers(node: yaml.Node) -> list[str]:
    if isinstance(node, yaml.ScalarNode):
        values = [node.value]
    elif isinstance(node, yaml.SequenceNode):
        values = [n.value for n in node.value if isinstance(n, yaml.ScalarNode)]
    else:
        values = []
    return [v.strip() for v in values if v and v.strip()]
