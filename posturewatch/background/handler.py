"""Answers the control channel's requests (ping, status, pause, resume, stop,
feedback) for the running instance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import Any

from posturewatch.background import control
from posturewatch.background.instance import InstanceInfo
from posturewatch.background.pauses import MonitorLike, PauseControl

log = logging.getLogger(__name__)

MAX_PAUSE_S = 7 * 86400.0
"""The longest pause one request may ask for; `resume` or no duration for longer."""
FEEDBACK_KINDS = {"slouching": "slouching", "not_slouching": "not_slouching", "reset": None}
"""The `feedback` request's `kind`, and what the monitor is told (None: forget)."""


def today_summary(source: Any, now_s: float, tz: tzinfo | None = None) -> dict[str, Any]:
    """Today's numbers so far from a store (report.ReportSource), for `status`."""
    from posturewatch.report.model import build_daily

    day = datetime.fromtimestamp(now_s, tz).date()
    report = build_daily(source, day, tz, context=False)
    minutes = report.minutes
    share = minutes.good_share
    return {
        "date": day.isoformat(),
        "seated_min": round(minutes.seated, 1),
        "good_min": round(minutes.good, 1),
        "poor_min": round(minutes.poor, 1),
        "away_min": round(minutes.away, 1),
        "good_share": None if share is None else round(share, 3),
        "prompts": report.prompts.shown,
        "breaks_done": report.prompts.done,
    }


@dataclass(eq=False)
class ServiceHandler:
    """Answers control requests for the running instance."""

    monitor: MonitorLike
    pauses: PauseControl
    stop: Callable[[], None]
    info: InstanceInfo
    store: Any = None
    feedback: Callable[[Any], dict[str, Any]] | None = None
    """Monitor.feedback: learn from "slouching" / "not_slouching", None to reset."""

    def __call__(self, request: control.Message) -> control.Message:
        cmd = request.get("cmd")
        if cmd == "ping":
            return {"ok": True, "instance": asdict(self.info)}
        if cmd == "status":
            return {
                "ok": True,
                "instance": asdict(self.info),
                "pause_reason": self.pauses.reason(),
                "monitor": self.monitor.status(),
                "today": self._today(),
            }
        if cmd == "pause":
            seconds = request.get("seconds")
            if seconds is not None and (
                not isinstance(seconds, int | float)
                or isinstance(seconds, bool)
                or not 0 < seconds <= MAX_PAUSE_S
            ):
                return {
                    "ok": False,
                    "error": f"pause: seconds must be a number above 0 and at most "
                    f"{MAX_PAUSE_S:.0f} (7 days), got {str(seconds)[:40]}",
                }
            until = self.pauses.pause(None if seconds is None else float(seconds))
            log.info("paused %s", "until resume" if until is None else f"until {until:.0f}")
            return {"ok": True, "paused_until": until}
        if cmd == "resume":
            self.pauses.resume()
            log.info("resumed")
            return {"ok": True, "pause_reason": self.pauses.reason()}
        if cmd == "feedback":
            kind = request.get("kind")
            if not isinstance(kind, str) or kind not in FEEDBACK_KINDS:
                return {
                    "ok": False,
                    "error": f"feedback: kind must be one of {', '.join(FEEDBACK_KINDS)}, "
                    f"got {str(kind)[:40]!r}",
                }
            if self.feedback is None:
                return {"ok": False, "error": "feedback: this instance does not learn"}
            reply = self.feedback(FEEDBACK_KINDS[kind])
            log.info("feedback %s: %s", kind, reply.get("message", ""))
            return {"ok": True, **reply}
        if cmd == "stop":
            log.info("stop requested over the control channel")
            self.stop()
            return {"ok": True}
        return {"ok": False, "error": f"unknown command {str(cmd)[:40]!r}"}

    def _today(self) -> dict[str, Any] | None:
        store = self.store
        if store is None:
            return None
        try:
            store.flush()  # so the answer includes the last few seconds
            return today_summary(store, self.pauses.now())
        except Exception as exc:  # status must answer even when the database cannot
            log.warning("could not read today's numbers: %s", exc)
            return None
