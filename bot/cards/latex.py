"""LaTeX math spans (`$...$`, `$$...$$`) into readable Unicode, via pylatexenc.

Only the spans are converted, delimiters included: run on whole prose, `%` would start a
comment and "$5" would open math. pylatexenc is imported on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.cards.text import map_outside_code, protected_spans

_SIMPLE = re.compile(r"[\w.′'\u0370-\u03ff\u2100-\u214f]+|\(.*\)|\[.*\]")
_SPACES = re.compile(r"\s+")


def _wrap(text: str) -> str:
    """Parenthesise a multi-token operand so `1/(1+e^(-x))` stays unambiguous."""
    text = text.strip()
    return text if _SIMPLE.fullmatch(text) else f"({text})"


@lru_cache(maxsize=1)
def _converter() -> Any:
    from pylatexenc import latexwalker
    from pylatexenc.latex2text import (
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    def frac(n: Any, l2tobj: Any) -> str:
        return f"{_wrap(l2tobj.node_arg_to_text(n, 0))}/{_wrap(l2tobj.node_arg_to_text(n, 1))}"

    def bold(n: Any, l2tobj: Any) -> str:
        # A bold symbol (vector W) reads as the letter; a bold result ("5000 updates")
        # keeps its emphasis as a Markdown key term instead of math-alphabet letters.
        inner = _SPACES.sub(" ", l2tobj.node_arg_to_text(n, 0)).strip()
        return inner if len(inner) <= 1 else f"**{inner}**"

    def plain(n: Any, l2tobj: Any) -> str:
        return l2tobj.node_arg_to_text(n, 0)

    class MathToText(LatexNodes2Text):
        def nodelist_to_text(self, nodelist: Any) -> str:
            out = ""
            prev = None
            for node in nodelist:
                is_script = (
                    prev is not None
                    and prev.isNodeType(latexwalker.LatexCharsNode)
                    and prev.chars.endswith(("_", "^"))
                    and node.isNodeType(latexwalker.LatexGroupNode)
                )
                if is_script:
                    inner = _SPACES.sub(" ", self.nodelist_to_text(node.nodelist)).strip()
                    out += inner if _SIMPLE.fullmatch(inner) else f"({inner})"
                else:
                    # Keep the space written after a bare macro (`\eta \nabla`), which
                    # pylatexenc drops between two macros.
                    if (
                        prev is not None
                        and self._is_bare_macro_node(prev)
                        and prev.macro_post_space
                    ):
                        out += " "
                    out += self.node_to_text(node)
                prev = node
            return out

    db = get_default_latex_context_db()
    db.add_context_category(
        "quizbot",
        macros=[
            MacroTextSpec("frac", simplify_repl=frac),
            MacroTextSpec("dfrac", simplify_repl=frac),
            MacroTextSpec("tfrac", simplify_repl=frac),
            MacroTextSpec("mathbf", simplify_repl=bold),
            MacroTextSpec("boldsymbol", simplify_repl=bold),
            MacroTextSpec("bm", simplify_repl=bold),
            MacroTextSpec("mathrm", simplify_repl=plain),
            MacroTextSpec("operatorname", simplify_repl=plain),
        ],
        prepend=True,
    )
    return MathToText(
        latex_context=db,
        math_mode="text",
        strict_latex_spaces={
            "between-macro-and-chars": False,
            "between-latex-constructs": True,
            "after-comment": False,
            "in-equations": None,
        },
    )


# `\'` is LaTeX's acute accent; in these decks it is always meant as a prime.
_PRIME = re.compile(r"\\'")
_STRAY_BOLD = re.compile(r"\*\*")


@lru_cache(maxsize=4096)
def math_to_text(span: str) -> str:
    """One `$...$` or `$$...$$` span (with delimiters) as one line of Unicode."""
    latex = _PRIME.sub("'", span)
    try:
        text = _converter().latex_to_text(latex)
    except Exception:
        text = latex.strip("$")
    return _SPACES.sub(" ", text).strip()


def _fix_bold_across_math(text: str) -> str:
    """`$7.0 + 4.0 = **11.0$**` -> `$7.0 + 4.0 =$ **$11.0$**`: bold markers that cross a
    math span's edge are moved outside it, so neither stray `**` nor `$` is left."""
    out: list[str] = []
    last = 0
    for start, end, kind in protected_spans(text):
        if kind != "math":
            continue
        span = text[start:end]
        delim = "$$" if span.startswith("$$") else "$"
        body = span[len(delim) : -len(delim)]
        if "**" in body:
            before, _, after = body.partition("**")
            after_closes = text.startswith("**", end)
            before_opens = text.endswith("**", 0, start)
            if after_closes and before.strip():
                span = f"{delim}{before.strip()}{delim} **{delim}{after.strip()}{delim}"
            elif before_opens and after.strip():
                span = f"{delim}{before.strip()}{delim}** {delim}{after.strip()}{delim}"
            else:
                span = delim + _STRAY_BOLD.sub("", body) + delim
        out.append(text[last:start])
        out.append(span)
        last = end
    out.append(text[last:])
    return "".join(out)


def convert_math(text: str) -> str:
    """Every math span in `text` (outside code spans) as Unicode; prose `$5` is left alone."""
    if "$" not in text:
        return text
    spans = protected_spans(text)
    if any(kind == "math" and "**" in text[start:end] for start, end, kind in spans):
        text = _fix_bold_across_math(text)
        spans = protected_spans(text)
    if "`" not in text:
        # No code span: the whole text is one stretch and its spans are known already.
        return _convert_spans(text, spans)
    return map_outside_code(text, lambda chunk: _convert_spans(chunk, protected_spans(chunk)))


def _convert_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    last = 0
    for start, end, kind in spans:
        if kind != "math":
            continue
        out.append(text[last:start])
        out.append(math_to_text(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)
