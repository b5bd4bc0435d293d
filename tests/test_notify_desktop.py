"""Each real Linux backend against a real notification daemon (dunst on a private
D-Bus session and Xvfb, see tests/desktop.py): prompts arrive, replace each other
instead of stacking, and the Done / Snooze buttons come back as answers."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator

import pytest

from posturewatch.core.types import Prompt, PromptAnswer, Routine
from posturewatch.notifiers import FallbackNotifier, Notifier, NotifierSettings, make_notifier
from posturewatch.notifiers.dbus import DbusNotifier
from posturewatch.notifiers.notify_send import NotifySendNotifier
from posturewatch.notifiers.plyer_backend import PlyerNotifier
from tests.desktop import Desktop, wait_until

pytestmark = pytest.mark.desktop

ROUTINE = Routine(
    id="chin_tucks",
    title="Chin tucks",
    targets=("head_forward",),
    duration_s=60,
    steps=("Sit tall.", "Draw the chin straight back, hold 3 s.", "Repeat 10 times."),
)
SETTINGS = NotifierSettings(timeout_s=600)
ANSWER_TIME = 1_800_000_000.0
_serial = itertools.count()


def make_prompt(title_hint: str, level: int = 0) -> Prompt:
    """A prompt with a title no other test uses, so history lookups are unambiguous."""
    n = next(_serial)
    return Prompt(
        id=f"p{n}",
        time_s=ANSWER_TIME - 60,
        kind="posture",
        routine=ROUTINE,
        title=f"{title_hint} #{n}",
        body="Head forward for 5 min: 1 min of chin tucks <now> & relax.",
        level=level,
    )


@pytest.fixture
def clean(desktop: Desktop) -> Desktop:
    desktop.close_all()
    wait_until(lambda: desktop.on_screen() == 0, 5, "an empty screen")
    return desktop


@pytest.fixture
def dbus(clean: Desktop) -> Iterator[DbusNotifier]:
    notifier = DbusNotifier(SETTINGS, clock=lambda: ANSWER_TIME)
    yield notifier
    notifier.close()


def collect_answers(
    notifier: Notifier, until: int = 1, timeout_s: float = 5.0
) -> list[PromptAnswer]:
    answers: list[PromptAnswer] = []

    def got_enough() -> bool:
        answers.extend(notifier.poll_answers())
        return len(answers) >= until

    wait_until(got_enough, timeout_s, f"{until} answer(s)")
    # Anything that follows (a spurious "dismissed" after a button) would show up now.
    time.sleep(0.3)
    answers.extend(notifier.poll_answers())
    return answers


def shown_then_closed(desktop: Desktop) -> list[dict[str, object]]:
    """Close what is on screen and return the history, where closed notifications go."""
    wait_until(lambda: desktop.on_screen() >= 1, 5, "a notification on screen")
    desktop.close_all()
    wait_until(lambda: desktop.on_screen() == 0, 5, "the screen to clear")
    return desktop.history()


# -- dbus (jeepney) -------------------------------------------------------------------


def test_dbus_reports_the_daemon_and_its_buttons(dbus: DbusNotifier) -> None:
    ok, detail = dbus.available()
    assert ok, detail
    assert "dunst" in detail
    assert "with Done/Snooze buttons" in detail


def test_dbus_prompt_reaches_the_daemon(clean: Desktop, dbus: DbusNotifier) -> None:
    prompt = make_prompt("Posture check")
    dbus.show(prompt)
    entry = next(h for h in shown_then_closed(clean) if h["summary"] == prompt.title)
    assert entry["appname"] == "posturewatch"
    # This dunst renders markup (body-markup): the text must reach its renderer escaped,
    # or "<now>" would be taken for a tag and the text would not read as written.
    assert "chin tucks &lt;now&gt; &amp; relax." in str(entry["message"])


def test_dbus_new_prompt_replaces_the_previous_one(clean: Desktop, dbus: DbusNotifier) -> None:
    first, second = make_prompt("First"), make_prompt("Second")
    dbus.show(first)
    dbus.show(second)
    wait_until(lambda: clean.on_screen() >= 1, 5, "a notification on screen")
    time.sleep(0.2)
    assert clean.on_screen() == 1
    summaries = [h["summary"] for h in shown_then_closed(clean)]
    assert second.title in summaries
    assert first.title not in summaries


def test_dbus_done_button_records_done(clean: Desktop, dbus: DbusNotifier) -> None:
    prompt = make_prompt("Break time")
    dbus.show(prompt)
    wait_until(lambda: clean.on_screen() == 1, 5, "the prompt on screen")
    menu = clean.invoke_action("Done")
    assert "Snooze 15 min" in menu  # both buttons were offered
    answers = collect_answers(dbus)
    assert answers == [PromptAnswer(prompt.id, "done", ANSWER_TIME)]
    # An answered prompt leaves the screen.
    wait_until(lambda: clean.on_screen() == 0, 5, "the answered prompt to close")


def test_dbus_snooze_button_records_snooze(clean: Desktop, dbus: DbusNotifier) -> None:
    prompt = make_prompt("Snooze me")
    dbus.show(prompt)
    wait_until(lambda: clean.on_screen() == 1, 5, "the prompt on screen")
    clean.invoke_action("Snooze 15 min")
    assert collect_answers(dbus) == [PromptAnswer(prompt.id, "snooze_15m", ANSWER_TIME)]


def test_dbus_not_slouching_button_records_a_false_alarm(
    clean: Desktop, dbus: DbusNotifier
) -> None:
    prompt = make_prompt("Head forward")
    dbus.show(prompt)
    wait_until(lambda: clean.on_screen() == 1, 5, "the prompt on screen")
    clean.invoke_action("Not slouching")
    assert collect_answers(dbus) == [PromptAnswer(prompt.id, "not_slouching", ANSWER_TIME)]


def test_dbus_answer_goes_to_the_prompt_on_screen(clean: Desktop, dbus: DbusNotifier) -> None:
    replaced, current = make_prompt("Replaced"), make_prompt("Current")
    dbus.show(replaced)
    dbus.show(current)
    wait_until(lambda: clean.on_screen() == 1, 5, "the prompt on screen")
    clean.invoke_action("Done")
    assert [a.prompt_id for a in collect_answers(dbus)] == [current.id]


def test_dbus_closed_by_user_is_dismissed(clean: Desktop, dbus: DbusNotifier) -> None:
    prompt = make_prompt("Close me")
    dbus.show(prompt)
    wait_until(lambda: clean.on_screen() == 1, 5, "the prompt on screen")
    clean.dunstctl("close")
    assert collect_answers(dbus) == [PromptAnswer(prompt.id, "dismissed", ANSWER_TIME)]


def test_dbus_expired_prompt_is_not_an_answer(clean: Desktop) -> None:
    notifier = DbusNotifier(NotifierSettings(timeout_s=0.3), clock=lambda: ANSWER_TIME)
    try:
        prompt = make_prompt("Expires")
        notifier.show(prompt)
        wait_until(lambda: prompt.title in clean.history_summaries(), 5, "the prompt to expire")
        time.sleep(0.2)
        assert notifier.poll_answers() == []
    finally:
        notifier.close()


def test_dbus_without_actions_offers_no_buttons(clean: Desktop) -> None:
    notifier = DbusNotifier(NotifierSettings(timeout_s=600, with_actions=False), time.time)
    try:
        notifier.show(make_prompt("No buttons"))
        wait_until(lambda: clean.on_screen() == 1, 5, "the prompt on screen")
        (clean.root / "menu.txt").unlink(missing_ok=True)
        clean.dunstctl("context")  # dunst opens no menu for a notification without actions
        time.sleep(0.3)
        assert not (clean.root / "menu.txt").exists()
    finally:
        notifier.close()


def test_dbus_close_takes_our_prompt_off_screen(clean: Desktop) -> None:
    notifier = DbusNotifier(SETTINGS, time.time)
    notifier.show(make_prompt("Goodbye"))
    wait_until(lambda: clean.on_screen() == 1, 5, "the prompt on screen")
    notifier.close()
    wait_until(lambda: clean.on_screen() == 0, 5, "the prompt to close")


# -- plyer and notify-send -------------------------------------------------------------


def test_plyer_prompt_reaches_the_daemon(clean: Desktop) -> None:
    notifier = PlyerNotifier(SETTINGS)
    assert notifier.available()[0], notifier.available()[1]
    prompt = make_prompt("Via plyer")
    notifier.show(prompt)
    entry = next(h for h in shown_then_closed(clean) if h["summary"] == prompt.title)
    assert entry["appname"] == "posturewatch"


def test_plyer_does_not_show_the_same_prompt_twice(clean: Desktop) -> None:
    notifier = PlyerNotifier(SETTINGS)
    prompt = make_prompt("Once")
    notifier.show(prompt)
    notifier.show(prompt)
    summaries = [h["summary"] for h in shown_then_closed(clean)]
    assert summaries.count(prompt.title) == 1


def test_notify_send_prompt_reaches_the_daemon(clean: Desktop) -> None:
    notifier = NotifySendNotifier(SETTINGS)
    assert notifier.available()[0], notifier.available()[1]
    prompt = make_prompt("Via notify-send")
    notifier.show(prompt)
    entry = next(h for h in shown_then_closed(clean) if h["summary"] == prompt.title)
    assert entry["appname"] == "posturewatch"


def test_notify_send_new_prompt_replaces_the_previous_one(clean: Desktop) -> None:
    notifier = NotifySendNotifier(SETTINGS)
    assert notifier.supports_ids()  # notify-send 0.7.9+ on this machine and in CI
    first, second = make_prompt("First by notify-send"), make_prompt("Second by notify-send")
    notifier.show(first)
    notifier.show(second)
    time.sleep(0.2)
    assert clean.on_screen() == 1
    summaries = [h["summary"] for h in shown_then_closed(clean)]
    assert second.title in summaries
    assert first.title not in summaries


# -- the auto chain on a real desktop ------------------------------------------------


def test_auto_chain_uses_dbus_on_a_linux_desktop(clean: Desktop) -> None:
    notifier = make_notifier("auto", SETTINGS, origin_s=0.0, platform="linux")
    try:
        prompt = make_prompt("Auto")
        notifier.show(prompt)
        assert notifier.name == "dbus"
        assert prompt.title in [h["summary"] for h in shown_then_closed(clean)]
    finally:
        notifier.close()


def test_chain_falls_back_to_notify_send_when_dbus_is_unreachable(
    clean: Desktop, caplog: pytest.LogCaptureFixture
) -> None:
    dead_bus = DbusNotifier(SETTINGS, time.time, bus_address=f"unix:path={clean.root}/no-bus")
    chain = FallbackNotifier([dead_bus, NotifySendNotifier(SETTINGS)])
    first, second = make_prompt("Fallback one"), make_prompt("Fallback two")
    with caplog.at_level(logging.INFO):
        chain.show(first)
        chain.show(second)
    assert chain.name == "notify-send"
    # Said once, why dbus was passed over; not once per prompt.
    assert len([r for r in caplog.records if "dbus: cannot connect" in r.getMessage()]) == 1
    assert second.title in [h["summary"] for h in shown_then_closed(clean)]
