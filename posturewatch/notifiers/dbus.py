"""Backend "dbus": the freedesktop notification service, spoken directly with jeepney.

The only Linux backend with buttons: Done and Snooze come back as D-Bus signals.
Daemons send those signals to the connection that created the notification, so
one connection both shows prompts and receives answers; poll_answers() drains it
without blocking, which keeps the backend free of threads (call it from the loop
that calls show()). A new prompt reuses our previous notification's id
(replaces_id), so prompts replace each other instead of piling up.
"""

from __future__ import annotations

import html
import logging
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from posturewatch.core.types import AnswerKind, Prompt, PromptAnswer
from posturewatch.notifiers import (
    ACTIONS,
    APP_NAME,
    NOT_SLOUCHING,
    Clock,
    Notifier,
    NotifierError,
    NotifierSettings,
)

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
URGENCY_BYTE = {"low": 0, "normal": 1, "critical": 2}
CLOSED_BY_USER = 2
"""NotificationClosed reasons: 1 expired, 2 dismissed by the user, 3 closed by us, 4 other."""
CALL_TIMEOUT_S = 5.0
REMEMBERED_IDS = 32
ACTION_ANSWERS: dict[str, AnswerKind] = {
    "done": "done",
    "snooze_15m": "snooze_15m",
    "not_slouching": "not_slouching",
}
NO_SESSION_BUS = "no D-Bus session bus: run inside a desktop session"
ACTION_SHOW_ME = "show_me"
SHOW_ME: tuple[str, str] = (ACTION_SHOW_ME, "Show me")
"""Offered when someone listens (the desktop app's break window): not an answer,
it opens the routine's steps; the prompt stays open until answered there."""


def session_bus_address(environ: Mapping[str, str] | None = None) -> str | None:
    """The session bus address, or None when there is no session bus to talk to."""
    env = os.environ if environ is None else environ
    address = env.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime_dir = env.get("XDG_RUNTIME_DIR")
    if runtime_dir and os.path.exists(os.path.join(runtime_dir, "bus")):
        return f"unix:path={runtime_dir}/bus"
    return None


def answer_for_signal(member: str, body: tuple[Any, ...]) -> AnswerKind | None:
    """What a notification signal means for the prompt: an action key, a dismissal,
    or nothing (expired, closed by us, an action we did not offer)."""
    if member == "ActionInvoked" and len(body) >= 2:
        return ACTION_ANSWERS.get(str(body[1]))
    if member == "NotificationClosed" and len(body) >= 2 and body[1] == CLOSED_BY_USER:
        return "dismissed"
    return None


def notify_actions(
    capabilities: frozenset[str], with_actions: bool, show_me: bool = False, posture: bool = False
) -> list[str]:
    """The Notify `actions` argument: key, label, key, label... when the daemon has
    buttons; a posture prompt also gets Not slouching, and with `show_me` a Show me
    button comes last."""
    if not with_actions or "actions" not in capabilities:
        return []
    pairs = (*ACTIONS, *((NOT_SLOUCHING,) if posture else ()), *((SHOW_ME,) if show_me else ()))
    return [item for pair in pairs for item in pair]


def expire_timeout_ms(timeout_s: float) -> int:
    """0 s means "until closed", which is also the protocol's 0."""
    return max(0, round(timeout_s * 1000))


def _address() -> Any:
    from jeepney import DBusAddress

    return DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE)


def _call(conn: Any, message: Any) -> tuple[Any, ...]:
    """Send a method call and return its reply body; a D-Bus error raises."""
    from jeepney.wrappers import unwrap_msg

    reply = conn.send_and_get_reply(message, timeout=CALL_TIMEOUT_S)
    return tuple(unwrap_msg(reply))


def _method(member: str, signature: str | None = None, body: tuple[Any, ...] = ()) -> Any:
    from jeepney import new_method_call

    return new_method_call(_address(), member, signature, body)


class DbusNotifier(Notifier):
    name = "dbus"

    def __init__(
        self, settings: NotifierSettings, clock: Clock, bus_address: str | None = None
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._bus_address = bus_address
        self._conn: Any = None
        self._signals: Any = None
        self._capabilities: frozenset[str] = frozenset()
        self._current_id = 0
        """Our notification on screen (0 = none), replaced by the next prompt."""
        self._prompt_ids: OrderedDict[int, str] = OrderedDict()
        self._answered: set[int] = set()
        self._pending: list[PromptAnswer] = []
        self.on_show_me: Callable[[str], None] | None = None
        """Called with the prompt id when Show me is clicked (from poll_answers'
        thread); None: no Show me button."""

    # -- connection -------------------------------------------------------------

    def _open(self) -> Any:
        from jeepney.io.blocking import open_dbus_connection

        address = self._bus_address or session_bus_address()
        if address is None:
            raise NotifierError(f"{NO_SESSION_BUS} (DBUS_SESSION_BUS_ADDRESS is not set)")
        return open_dbus_connection(bus=address)

    def _connect(self) -> Any:
        if self._conn is not None:
            return self._conn
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus

        conn = self._open()
        try:
            rule = MatchRule(type="signal", interface=INTERFACE, path=OBJECT_PATH)
            self._signals = conn.filter(rule, bufsize=256).queue
            # Most daemons address signals to us; AddMatch also catches those that broadcast.
            _call(conn, message_bus.AddMatch(rule))
            (caps,) = _call(conn, _method("GetCapabilities"))
        except Exception:
            conn.close()
            raise
        self._capabilities = frozenset(caps)
        self._conn = conn
        return conn

    def _disconnect(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    # -- prompts ----------------------------------------------------------------

    def _show(self, prompt: Prompt) -> None:
        try:
            conn = self._connect()
            # Take in answers to the prompt on screen before its id is reused.
            self._drain()
            body = prompt.body
            if "body-markup" in self._capabilities:
                body = html.escape(body, quote=False)
            urgency = URGENCY_BYTE[self.settings.urgency_for(prompt)]
            args = (
                APP_NAME,
                self._current_id,
                "",
                prompt.title,
                body,
                notify_actions(
                    self._capabilities,
                    self.settings.with_actions,
                    self.on_show_me is not None,
                    posture=prompt.kind == "posture",
                ),
                {"urgency": ("y", urgency)},
                expire_timeout_ms(self.settings.timeout_s),
            )
            (new_id,) = _call(conn, _method("Notify", "susssasa{sv}i", args))
        except NotifierError:
            raise
        except Exception as exc:
            self._disconnect()
            raise NotifierError(f"D-Bus Notify failed: {type(exc).__name__}: {exc}") from exc
        new_id = int(new_id)
        if self._current_id and new_id != self._current_id:
            # The daemon did not replace (ours was closed meanwhile, or it ignores
            # replaces_id): make sure the old prompt does not stay beside the new one.
            self._close_notification(self._current_id)
        self._current_id = new_id
        self._remember(new_id, prompt.id)

    def _remember(self, notification_id: int, prompt_id: str) -> None:
        self._prompt_ids[notification_id] = prompt_id
        self._prompt_ids.move_to_end(notification_id)
        self._answered.discard(notification_id)
        while len(self._prompt_ids) > REMEMBERED_IDS:
            old, _ = self._prompt_ids.popitem(last=False)
            self._answered.discard(old)

    def _close_notification(self, notification_id: int) -> None:
        try:
            _call(self._conn, _method("CloseNotification", "u", (notification_id,)))
        except Exception as exc:  # already gone: nothing to do
            log.debug("CloseNotification(%d): %s", notification_id, exc)

    # -- answers ----------------------------------------------------------------

    def _drain(self) -> None:
        """Read every signal already waiting, without blocking."""
        from jeepney import HeaderFields

        while True:
            try:
                self._conn.recv_messages(timeout=0)
            except TimeoutError:
                break
        while self._signals:
            msg = self._signals.popleft()
            member = str(msg.header.fields.get(HeaderFields.member, ""))
            self._on_signal(member, tuple(msg.body))

    def _on_signal(self, member: str, body: tuple[Any, ...]) -> None:
        if not body:
            return
        notification_id = int(body[0])
        prompt_id = self._prompt_ids.get(notification_id)
        if prompt_id is None:
            return  # another program's notification (daemons that broadcast)
        if member == "NotificationClosed" and notification_id == self._current_id:
            self._current_id = 0
        if member == "ActionInvoked" and len(body) >= 2 and str(body[1]) == ACTION_SHOW_ME:
            self._show_me(notification_id, prompt_id)
            return
        answer = answer_for_signal(member, body)
        # One answer per prompt: the close that follows a clicked button is not a dismissal.
        if answer is None or notification_id in self._answered:
            return
        self._answered.add(notification_id)
        self._pending.append(PromptAnswer(prompt_id, answer, self._clock()))
        if member == "ActionInvoked" and notification_id == self._current_id:
            # Answered, so it has done its job; some daemons (dunst's menu) leave it up.
            self._close_notification(notification_id)
            self._current_id = 0

    def _show_me(self, notification_id: int, prompt_id: str) -> None:
        """Hand the prompt to the break window; the notification has done its job."""
        if self.on_show_me is not None:
            try:
                self.on_show_me(prompt_id)
            except Exception as exc:
                log.warning("Show me failed: %s", exc)
        if notification_id == self._current_id:
            self._close_notification(notification_id)
            self._current_id = 0

    def poll_answers(self) -> list[PromptAnswer]:
        if self._conn is None:
            return []
        try:
            self._drain()
        except Exception as exc:
            self._disconnect()
            raise NotifierError(f"D-Bus connection lost: {type(exc).__name__}: {exc}") from exc
        answers, self._pending = self._pending, []
        return answers

    def close(self) -> None:
        if self._conn is None:
            return
        if self._current_id:
            self._close_notification(self._current_id)
            self._current_id = 0
        self._disconnect()

    def available(self) -> tuple[bool, str]:
        try:
            import jeepney  # noqa: F401
        except ImportError:
            return False, "install jeepney (pip install jeepney) for notifications with buttons"
        if (self._bus_address or session_bus_address()) is None:
            return False, NO_SESSION_BUS
        try:
            conn = self._open()
        except Exception as exc:
            return False, f"cannot connect to the D-Bus session bus ({exc})"
        try:
            name, vendor, version, _spec = _call(conn, _method("GetServerInformation"))
            (caps,) = _call(conn, _method("GetCapabilities"))
        except Exception as exc:
            return False, (
                f"no notification daemon on the session bus ({type(exc).__name__}: {exc}); "
                "start one (e.g. dunst) or log into a desktop session"
            )
        finally:
            conn.close()
        buttons = "with Done/Snooze buttons" if "actions" in caps else "without buttons"
        return True, f"{name} {version} ({vendor}), {buttons}"


def send_notice(title: str, body: str, bus_address: str | None = None) -> bool:
    """One plain notification without buttons (e.g. "the camera is busy"); False when
    no notification daemon answers. Opens and closes its own connection."""
    from jeepney.io.blocking import open_dbus_connection

    address = bus_address or session_bus_address()
    if address is None:
        return False
    try:
        conn = open_dbus_connection(bus=address)
    except Exception as exc:
        log.info("notice not shown: %s", exc)
        return False
    try:
        args: tuple[Any, ...] = (APP_NAME, 0, "", title, html.escape(body, quote=False), [], {}, -1)
        _call(conn, _method("Notify", "susssasa{sv}i", args))
    except Exception as exc:
        log.info("notice not shown: %s", exc)
        return False
    finally:
        conn.close()
    return True
