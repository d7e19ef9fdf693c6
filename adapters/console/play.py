"""`quizbot play`: the quiz in a terminal, through the same engine and database as the bots.

The terminal is just another platform: `TerminalPoster` renders the engine's neutral
messages with Rich, and each answer is stored under the local user's name, so
`quizbot leaderboard` shows terminal games too. With piped stdin it reads one answer
letter per line, which is how the tests drive it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import select
import shlex
import signal
import socket
import string
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.cards import load_library
from bot.clock import SystemClock
from bot.engine import AnswerResult, Engine
from bot.engine.reports import NOTE_MAX, reasons_text
from bot.invocation import command_hint
from bot.messages import (
    OutgoingMessage,
    QuestionMessage,
    RevealMessage,
    most_typed,
    option_letter,
)
from bot.paths import db_path, seed_dirs
from bot.ports import Place, Player
from bot.questions import QuestionMaker
from bot.questions.picker import TopicError
from bot.render import to_terminal
from bot.scoring import base_points, hint_cost, hint_label
from bot.store import Store, StoreError

PLACE = Place("console", "local", "terminal")
# Terminal players go at their own pace; the window only shapes the speed bonus.
ANSWER_WINDOW = timedelta(minutes=5)
QUIT_WORDS = {"q", "quit", "exit"}
INTERRUPTED = 130  # the shell's code for a program ended by Ctrl-C


class TerminalPoster:
    """The engine's Poster for a terminal: a post prints the question, an edit the reveal."""

    def __init__(self, console: Console, player: Player, total: int = 0) -> None:
        self.console = console
        self.player = player
        self.total = total  # questions in this game, for the "3/5" counter
        self.asked = 0
        self.quiet = False  # set while closing an unanswered round on quit
        self.score = 0
        self.hinted: set[int] = set()  # rounds whose hint the player took

    async def post(self, place: Place, message: OutgoingMessage) -> str:
        if isinstance(message, QuestionMessage):
            self.asked += 1
            self._show_question(message)
        return f"terminal-{getattr(message, 'round_id', 0)}"

    async def edit(self, place: Place, ref: str, message: OutgoingMessage) -> None:
        if isinstance(message, RevealMessage) and not self.quiet:
            self._show_reveal(message)

    async def start_thread(self, place: Place, message: OutgoingMessage) -> str:
        return await self.post(place, message)

    async def find_post(self, place: Place, message: OutgoingMessage) -> str | None:
        return None  # a terminal game never outlives its process

    async def tell(self, place: Place, user_id: str, message: OutgoingMessage) -> bool:
        return False  # nobody to tell but the player, who sees everything anyway

    def _show_question(self, q: QuestionMessage) -> None:
        options = Table.grid(padding=(0, 1))
        for index, option in enumerate(q.options):
            options.add_row(
                Text(f" {option_letter(index)}", style="bold cyan"), to_terminal(option)
            )
        # A typed question has no options: the prompt alone.
        body = Group(to_terminal(q.prompt), Text(), options) if q.options else to_terminal(q.prompt)
        where = " · ".join(p for p in (q.topic, q.level, q.format) if p)
        counter = q.position or (f"{self.asked}/{self.total}" if self.total else "")
        title = f"Question {counter}".strip()
        self.console.print(Panel(body, title=title, subtitle=where, title_align="left"))

    def _show_reveal(self, r: RevealMessage) -> None:
        points = dict(r.right).get(self.player.display_name, 0)
        self.score += points
        correct = option_letter(r.correct_index) if r.correct_index is not None else "-"
        if r.accepted:
            correct = r.accepted[0]
        verdict = (
            Text(
                f"Right! +{points} points "
                f"({points_breakdown(points, r.level, hinted=r.round_id in self.hinted)})",
                style="bold green",
            )
            if points
            else Text(f"The answer was {correct}.", style="bold red")
        )
        # Each option with why it is right or wrong, the right one ticked.
        options = Table.grid(padding=(0, 1))
        for index, option in enumerate(r.options):
            right = index == r.correct_index
            cell = Text(option, style="bold" if right else "")
            why = r.explanations[index] if index < len(r.explanations) else ""
            if why:
                cell.append(f"\n{why}", style="dim")
            mark = Text(f"{'✓' if right else ' '} {option_letter(index)}", style="bold cyan")
            options.add_row(mark, cell)
        parts: list[RenderableType] = [verdict, Text()]
        if r.options:
            parts += [options, Text()]
        if r.accepted:
            shown, more = r.accepted_listed()
            parts += [Text.assemble(("Accepted: ", "bold"), shown + more)]
        if r.typed_answers:
            typed = ", ".join(
                f"{said!r}{mark} ×{count}" for said, count, mark in most_typed(r, "✓", "✗")
            )
            parts += [Text.assemble(("Typed: ", "bold"), typed)]
        if r.accepted or r.typed_answers:
            parts += [Text()]
        if r.erratum:
            parts += [Text.assemble(("Correction to the card: ", "bold yellow"), r.erratum), Text()]
        parts += [to_terminal(r.answer), Text(), Text(f"Score so far: {self.score}", style="bold")]
        self.console.print(Panel(Group(*parts), title=f"Reveal: {correct}", title_align="left"))


def points_breakdown(points: int, level: str | None, *, hinted: bool = False) -> str:
    """ "+15 advanced, +3 speed": what a terminal answer's points are made of. A terminal game
    is a quiz, which has no streak bonus, so what is not the level's base is the speed bonus.
    After a hint: "+15 advanced, -7 hint, +5 speed"."""
    base = base_points(level)
    parts = [f"+{base} {level or 'core'}"]
    if hinted:
        parts.append(f"-{hint_cost(level)} hint")
        base -= hint_cost(level)
    if points > base:
        parts.append(f"+{points - base} speed")
    return ", ".join(parts)


def run_play(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    library = load_library(seed_dirs(args.seeds))
    if library.errors:
        console.print(
            f"[yellow]{len(library.errors)} deck problem(s) skipped; "
            f"see `{command_hint('cards lint')}`.[/yellow]"
        )
    maker = QuestionMaker(library.cards, library.items)
    if args.practice:
        name = args.user or _login_name()
        path = db_path(args.db)
        topic = (args.topic or "").strip() or None
        try:
            return asyncio.run(
                practise(library, maker, path, name, console, _read_line, args, topic)
            )
        except StoreError as error:
            print(f"quizbot play: {error}", file=sys.stderr)
            return 1
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4))
    args.topic = (args.topic or "").strip() or None  # "--topic ' '" means no topic, not all
    try:
        questions = maker.generate(
            args.count, seed, fmt=args.format, topic=args.topic, level=args.level
        )
    except TopicError as error:
        print(
            f"quizbot play: {error}. Every topic: `{command_hint('cards stats')}`",
            file=sys.stderr,
        )
        return 2
    except ValueError as error:
        print(f"quizbot play: {error}", file=sys.stderr)
        return 2
    if not questions:
        print(f"quizbot play: {nothing_to_ask(maker, args)}", file=sys.stderr)
        return 2
    name = args.user or _login_name()
    path = db_path(args.db)
    try:
        return asyncio.run(play(questions, library, maker, path, name, console, _read_line))
    except StoreError as error:
        print(f"quizbot play: {error}", file=sys.stderr)
        return 1


async def practise(
    library: Any,
    maker: QuestionMaker,
    path: Any,
    name: str,
    console: Console,
    read_line: Callable[[str], str | None],
    args: argparse.Namespace,
    topic: str | None,
) -> int:
    """`play --practice`: the player's own practice run, as `/practice` gives it in a chat
    (due cards first, then new cards from their weakest topics; `--topic weak` only those),
    stored under their name so their memory of each card is the same here and there."""
    player = Player("console", name, name)
    poster = TerminalPoster(console, player, total=args.count)
    answered = 0
    revealed: int | None = None  # the round whose reveal is on screen: `r` reports it
    async with await Store.open(path) as store:
        engine = Engine(store, library, SystemClock(), poster, maker)
        try:
            for _ in range(args.count):
                reply = await engine.practice_next(player, topic, args.level, args.format)
                if reply.question is None:
                    text = reply.notice.text if reply.notice else "Nothing to practise."
                    print(f"quizbot play: {text}", file=sys.stderr)
                    return 2 if answered == 0 else 0
                await poster.post(PLACE, reply.question)
                result = await _answer(
                    engine, console, read_line, player, reply.question.round_id,
                    reply.question.options, reply.question.format, revealed,
                    reply.question.hint_label, poster.hinted,
                )  # fmt: skip
                if result is None:
                    break
                if result.reveal is None:
                    console.print(result.text)
                else:
                    await poster.edit(PLACE, "", result.reveal)
                    revealed = reply.question.round_id
                answered += 1
            else:
                await _report_the_last(engine, console, read_line, player, revealed)
        except (KeyboardInterrupt, asyncio.CancelledError):
            console.print()
            return INTERRUPTED
        # The question left unanswered on quit closes the next time they practise.
        console.print(
            f"\n[bold]Practised {answered} card{'s' if answered != 1 else ''}[/bold], "
            f"stored as {name!r} in {path}."
        )
        console.print(
            f"Your memory by topic: {command_hint(f'stats --user {shlex.quote(name)}', path)}",
            soft_wrap=True,
            markup=False,
        )
    return 0


def nothing_to_ask(maker: QuestionMaker, args: argparse.Namespace) -> str:
    """Which filter left no question, in the player's words: a topic of discussion prompts,
    a level the topic does not have, or a format its cards cannot make."""
    topic = maker.resolve_topic(args.topic) if args.topic else None
    where = f"topic {topic!r}" if topic else "the loaded decks"
    in_topic = [c for c in maker.cards if topic is None or c.topic == topic]
    answered = [c for c in in_topic if c.kind == "qa"]
    stats = f"`{command_hint('cards stats')}` lists the topics and their cards"
    if not answered:
        if in_topic:
            return (
                f"{where} holds only discussion prompts: open questions with no answer to "
                f"score, which the chat bots post for discussion. Choose a topic with "
                f"questions; {stats}."
            )
        return f"no cards are loaded; {stats}."
    if args.level and not any(c.level == args.level for c in answered):
        others = sorted({c.level for c in answered})
        return (
            f"--level {args.level} left nothing: {where} has {' and '.join(others)} cards "
            f"only. Leave out --level, or choose another topic; {stats}."
        )
    return (
        f"--format {args.format} left nothing: no card in {where} makes a {args.format} "
        "question. Try --format choice."
    )


async def play(
    questions: list[Any],
    library: Any,
    maker: QuestionMaker,
    path: Any,
    name: str,
    console: Console,
    read_line: Callable[[str], str | None],
) -> int:
    """The game; INTERRUPTED (130) after Ctrl-C, which ends it like `q` does: the open round
    is closed, the score so far is printed and every answer given is kept."""
    player = Player("console", name, name)
    poster = TerminalPoster(console, player, total=len(questions))
    clock = SystemClock()
    interrupted = False
    async with await Store.open(path) as store:
        engine = Engine(store, library, clock, poster, maker)
        answered = 0
        round_id: int | None = None
        revealed: int | None = None  # the round whose reveal is on screen: `r` reports it
        try:
            for number, question in enumerate(questions, 1):
                round_id = await engine.open_round(
                    PLACE, question, "quiz", clock.now() + ANSWER_WINDOW, position=number
                )
                card = engine.cards.get(question.card_id)
                result = await _answer(
                    engine, console, read_line, player, round_id, question.options,
                    question.format, revealed, hint_label(card.level if card else None),
                    poster.hinted,
                )  # fmt: skip
                if result is None:
                    break
                if result.status != "locked_in":
                    console.print(result.text)
                elif result.read_as:
                    console.print(f"Read as {result.read_as!r}.")
                await engine.reveal(round_id)
                revealed, round_id = round_id, None
                answered += 1
            else:
                await _report_the_last(engine, console, read_line, player, revealed)
        except (KeyboardInterrupt, asyncio.CancelledError):
            # Ctrl-C at the prompt (KeyboardInterrupt) or while the engine worked (asyncio
            # cancels the game): end it here, quietly, rather than with a traceback.
            interrupted = True
            console.print()
        if round_id is not None:
            poster.quiet = True  # close the round so nothing is left pending
            await engine.reveal(round_id)
        console.print(
            f"\n[bold]Final score: {poster.score}[/bold] "
            f"after {answered} question{'s' if answered != 1 else ''}, "
            f"stored as {name!r} in {path}."
        )
        # On a line of its own and never wrapped: a command to copy and paste.
        console.print(
            f"Standings: {command_hint('leaderboard', path)}", soft_wrap=True, markup=False
        )
    return INTERRUPTED if interrupted else 0


async def _answer(
    engine: Engine,
    console: Console,
    read_line: Callable[[str], str | None],
    player: Player,
    round_id: int,
    options: tuple[str, ...] | list[str],
    fmt: str,
    revealed: int | None = None,
    hint: str | None = None,
    hinted: set[int] | None = None,
) -> AnswerResult | None:
    """The player's answer to the question on screen, given to the engine: a line of text
    for a typed question, a letter otherwise. None when the player quits or input ends.
    `r` instead reports the question revealed just before (`revealed`), then asks again;
    `h` asks for this question's hint (`hint`: its button text, with the cost) once, and a
    choice then takes only the options still in play."""
    letters = [option_letter(i) for i in range(len(options))]
    offered = hint
    # Bounded: at most one hint and a few reports before the answer.
    for _ in range(REPORTS_PER_PROMPT + 2):
        if fmt == "typed":
            said = _ask_typed(console, read_line, may_report=revealed is not None, hint=offered)
            if said is None:
                return None
            if said not in (REPORT, ASK_HINT):
                return await engine.answer_text(round_id, player, said)
        else:
            said = _ask(console, read_line, letters, may_report=revealed is not None, hint=offered)
            if said is None:
                return None
            if said not in (REPORT, ASK_HINT):
                return await engine.answer(round_id, player, LETTERS.index(said))
        if said == ASK_HINT:
            reply = await engine.hint(round_id, player)
            if reply.status == "hinted" and hinted is not None:
                hinted.add(round_id)
            console.print(f"[magenta]{escape(reply.text)}[/magenta]")
            if reply.left:
                letters = [option_letter(i) for i, _ in reply.left]
            offered = None
            continue
        assert revealed is not None
        if not await _report(engine, console, read_line, player, revealed):
            return None
    return None


LETTERS = string.ascii_uppercase  # option_letter's alphabet: "C" is option 2 whatever is left
REPORT = "\x00report"  # what _ask and _ask_typed hand back for `r`
ASK_HINT = "\x00hint"  # ... and for `h`
HINT_WORD = "h"
REPORTS_PER_PROMPT = 3  # bounded: a stream of `r` lines ends the game


def _hint_choice(hint: str | None) -> str:
    return f", h for a {hint[0].lower()}{hint[1:]}" if hint else ""


async def _report_the_last(
    engine: Engine,
    console: Console,
    read_line: Callable[[str], str | None],
    player: Player,
    revealed: int | None,
) -> None:
    """The last reveal has no next question whose prompt would take `r`: one more line for
    it, so every question of a game can be reported, as in the chats."""
    if revealed is None:
        return
    said = read_line(
        "That was the last question. Press Enter to finish, or r and Enter to report it: "
    )
    if said is not None and said.strip().lower() in ("r", "report"):
        await _report(engine, console, read_line, player, revealed)


async def _report(
    engine: Engine,
    console: Console,
    read_line: Callable[[str], str | None],
    player: Player,
    round_id: int,
) -> bool:
    """Report the question just revealed: a reason (1-5) and an optional note. False when
    input ends."""
    console.print(f"Report the last question ({reasons_text()}).", markup=False)
    reason = read_line("Reason (1-5): ")
    if reason is None:
        return False
    note = read_line(f"What is wrong? (optional, up to {NOTE_MAX} characters): ")
    if note is None:
        return False
    notice = await engine.reports.report(round_id, player, PLACE, reason, note)
    console.print(notice.text, markup=False)
    return True


def _ask_typed(
    console: Console,
    read_line: Callable[[str], str | None],
    *,
    may_report: bool = False,
    hint: str | None = None,
) -> str | None:
    """One typed answer, or None when the player quits or input ends; REPORT for `r` when
    the previous question may be reported, ASK_HINT for `h` while a hint is offered."""
    also = ", r to report the last question" if may_report else ""
    prompt = f"Your answer (type it{_hint_choice(hint)}, q to quit{also}): "
    # Bounded: a stream of empty lines ends the game instead of spinning forever.
    for _ in range(100):
        line = read_line(prompt)
        if line is None:
            console.print("\n(end of input)")
            return None
        typed = line.strip()
        if typed.lower() in QUIT_WORDS:
            return None
        if hint and typed.lower() == HINT_WORD:
            return ASK_HINT
        if may_report and typed.lower() == "r":
            return REPORT
        if typed:
            return typed
        console.print("[yellow]Nothing typed: type your answer (or q to stop).[/yellow]")
    return None


def _ask(
    console: Console,
    read_line: Callable[[str], str | None],
    letters: list[str],
    *,
    may_report: bool = False,
    hint: str | None = None,
) -> str | None:
    """One of `letters`, or None when the player quits or input ends; REPORT for `r` when
    the previous question may be reported, ASK_HINT for `h` while a hint is offered."""
    # "A-D" while every option is in play; "A/C" once a hint took two away.
    contiguous = "".join(letters) in string.ascii_uppercase
    shown = f"{letters[0]}-{letters[-1]}" if contiguous else "/".join(letters)
    also = ", r to report the last question" if may_report else ""
    prompt = f"Your answer ({shown}{_hint_choice(hint)}, q to quit{also}): "
    # Bounded: a stream of junk ends the game instead of spinning forever.
    for _ in range(100):
        line = read_line(prompt)
        if line is None:
            console.print("\n(end of input)")
            return None
        word = line.strip().upper()
        if word.lower() in QUIT_WORDS:
            return None
        if hint and word.lower() == HINT_WORD:
            return ASK_HINT
        if word in letters:
            return word
        if may_report and word == "R" and "R" not in letters:
            return REPORT
        console.print(
            f"[yellow]{line.strip()!r} is not an option: type one letter, "
            f"{', '.join(letters)} (or q to stop).[/yellow]"
        )
    return None


def _read_line(prompt: str) -> str | None:
    """One line from the player; None at the end of input. Ctrl-C raises KeyboardInterrupt at
    once: asyncio's own handler would only cancel the game once this blocking read returned,
    so the first Ctrl-C seemed to do nothing."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        _wait_for_input()
        line = sys.stdin.readline()
        if line and not sys.stdin.isatty():  # a terminal has echoed it already
            sys.stdout.write(line if line.endswith("\n") else line + "\n")
        return line or None
    except EOFError:
        return None
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait_for_input() -> None:
    """Block until stdin has a line (or ends), or until a signal comes. A blocking read that
    starts just after Ctrl-C would miss it: the signal's wake-up byte makes select() return
    whenever it arrived, and the KeyboardInterrupt is raised then."""
    try:
        stdin = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (tests hand in a StringIO): nothing to wait on
    wake_read, wake_write = socket.socketpair()
    wake_read.setblocking(False)
    wake_write.setblocking(False)
    try:
        previous = signal.set_wakeup_fd(wake_write.fileno(), warn_on_full_buffer=False)
    except ValueError:  # not the main thread: no signals here anyway
        wake_read.close()
        wake_write.close()
        return
    try:
        while True:  # bounded by the player: each pass waits for a key press or a signal
            ready, _, _ = select.select([stdin, wake_read], [], [])
            if stdin in ready:
                return
            with contextlib.suppress(BlockingIOError):
                wake_read.recv(64)  # another signal (a resized window): keep waiting
    finally:
        signal.set_wakeup_fd(previous)
        wake_read.close()
        wake_write.close()


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "player"
