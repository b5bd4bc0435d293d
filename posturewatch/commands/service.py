"""`posturewatch start | stop | status | pause | resume`: the background instance.

`start` launches one detached instance (`start --foreground` in a new session,
output to service.log in the data directory) and waits until it answers on the
control channel; the other commands talk to it over that channel.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import datetime
from typing import Any

from posturewatch.background import control
from posturewatch.background.handler import today_summary
from posturewatch.background.instance import InstanceInfo, instance_running, read_instance_info
from posturewatch.background.process import spawn_detached, stop_instance, wait_until_ready
from posturewatch.background.service import ServiceSettings, run_service
from posturewatch.commands.options import (
    OneLineFormatter,
    Subparsers,
    add_command,
    add_monitor_arguments,
    run_options,
)
from posturewatch.context import Context
from posturewatch.core.durations import parse_duration
from posturewatch.core.scheduler import next_break_text
from posturewatch.inputs.power import power_text
from posturewatch.inputs.sources import check_source_spec
from posturewatch.notifiers import check_backend_name
from posturewatch.paths import expand_user

PAUSE_FROM_TRAY_S = 30 * 60.0


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "start",
        "start watching in the background (one instance per user)",
        "Start the background instance: it watches posture through the camera and prompts "
        "breaks until `posturewatch stop`. A second start reports the running one.",
        ["posturewatch start", "posturewatch start --source camera:1"],
        handler=handle_start,
    )
    add_monitor_arguments(p)
    p.add_argument(
        "--foreground",
        action="store_true",
        help="be the instance in this process instead of detaching (for service managers "
        "and for watching its log)",
    )

    add_command(
        sub,
        "stop",
        "stop the background instance (store flushed first)",
        "Ask the background instance to stop; it flushes the store and lets the camera go. "
        "After a few seconds without an answer it is sent SIGTERM.",
        ["posturewatch stop"],
        handler=handle_stop,
    )

    p = add_command(
        sub,
        "status",
        "is it running, its state, today's summary so far, the next check",
        "Ask the background instance how it is doing; when none runs, today's numbers are "
        "read from the store.",
        ["posturewatch status", "posturewatch status --json"],
        handler=handle_status,
    )
    p.add_argument("--json", action="store_true", help="print the raw status as JSON")

    p = add_command(
        sub,
        "pause",
        "stop checking and prompting (the camera is released)",
        "Pause the background instance for DURATION (e.g. 90s, 30m, 1h, 1h30m), or until "
        "`posturewatch resume` when no duration is given.",
        ["posturewatch pause 30m", "posturewatch pause"],
        handler=handle_pause,
    )
    p.add_argument(
        "duration", nargs="?", metavar="DURATION", help="how long, e.g. 30m (default: until resume)"
    )

    add_command(
        sub,
        "resume",
        "resume checking after a pause",
        "End a pause of the background instance; checks start again at once.",
        ["posturewatch resume"],
        handler=handle_resume,
    )


def service_settings(ctx: Context) -> ServiceSettings:
    return ctx.config.service


def _clock_text(epoch_s: float | None) -> str:
    if epoch_s is None:
        return "-"
    moment = datetime.fromtimestamp(epoch_s)
    if moment.date() == datetime.now().date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M")


def _self_command(args: argparse.Namespace) -> list[str]:
    """How to invoke this same program, with the global options that matter."""
    argv = [sys.executable, "-m", "posturewatch"]
    if getattr(args, "data_dir", None):
        argv += ["--data-dir", str(expand_user(args.data_dir, "--data-dir").resolve())]
    if getattr(args, "verbose", False):
        argv.append("--verbose")
    return argv


def background_argv(args: argparse.Namespace) -> list[str]:
    """The detached child's command line: `start --foreground` with the same choices.
    Paths are made absolute, so the child does not depend on this shell's folder."""
    argv = [*_self_command(args), "start", "--foreground"]
    if args.source:
        source = expand_user(args.source, "--source")
        argv += ["--source", str(source.resolve()) if source.exists() else args.source]
    for flag, value in (
        ("--fps", args.fps),
        ("--view", args.view),
        ("--notifier", args.notifier),
        ("--profile", args.profile),
        ("--sensitivity", args.sensitivity),
    ):
        if value is not None:
            argv += [flag, str(value)]
    for flag, path in (("--model", args.model), ("--calibration", args.calibration)):
        if path is not None:
            argv += [flag, str(expand_user(path, flag).resolve())]
    return argv


def handle_start(args: argparse.Namespace, ctx: Context) -> int:
    settings = service_settings(ctx)
    runtime_dir = ctx.paths.runtime_dir
    if instance_running(runtime_dir):
        _print_already_running(read_instance_info(runtime_dir))
        return 0
    if args.foreground:
        return _run_foreground(args, ctx, settings)
    # A typo is named here, in this terminal, not in the log of a child that died.
    if args.source:
        check_source_spec(args.source)
    check_backend_name(args.notifier or ctx.config.notifications.backend)
    proc = spawn_detached(background_argv(args), ctx.paths)
    info = wait_until_ready(proc, ctx.paths, settings.start_timeout_s)
    if info.pid != proc.pid:
        _print_already_running(info)
    else:
        print(f"posturewatch started in the background ({info.describe()}); log: {info.log_file}")
    return 0


def _print_already_running(info: InstanceInfo | None) -> None:
    described = info.describe() if info else "details unknown"
    print(f"posturewatch is already running ({described})")


def _log_with_times() -> None:
    """The service's own log lines say when; when detached, stderr is the log file."""
    logging.getLogger("posturewatch.background").setLevel(logging.INFO)
    if not sys.stderr.isatty():
        stamped = OneLineFormatter(
            "%(asctime)s posturewatch: %(levelname)s: %(message)s", tracebacks=True
        )
        for handler in logging.getLogger().handlers:
            handler.setFormatter(stamped)


def _run_foreground(args: argparse.Namespace, ctx: Context, settings: ServiceSettings) -> int:
    from posturewatch.app import Application

    _log_with_times()
    # The background instance paces a recording as a camera would deliver it, keeps
    # the store, and starts "now"; `run` is the command for replaying fast.
    options = run_options(args, realtime=True, start_at=None, record=None, keep_store=True)
    spec = options.source.spec_or_camera(ctx.config)

    def open_app() -> Application:
        return Application.open(ctx.paths, ctx.config, options)

    return run_service(ctx.paths, open_app, spec, settings)


def handle_stop(args: argparse.Namespace, ctx: Context) -> int:
    started = time.monotonic()
    outcome = stop_instance(ctx.paths.runtime_dir, service_settings(ctx))
    if outcome == "not running":
        print("posturewatch is not running")
    else:
        print(f"posturewatch {outcome} in {time.monotonic() - started:.1f} s")
    return 0


def handle_pause(args: argparse.Namespace, ctx: Context) -> int:
    # An empty DURATION is a mistake (parse_duration says so), not "until resume".
    seconds = parse_duration(args.duration) if args.duration is not None else None
    answer = control.send_request(ctx.paths.runtime_dir, {"cmd": "pause", "seconds": seconds})
    until = answer.get("paused_until")
    if until is None:
        print("posturewatch paused until you run `posturewatch resume`")
    else:
        print(f"posturewatch paused until {_clock_text(float(until))}")
    return 0


def handle_resume(args: argparse.Namespace, ctx: Context) -> int:
    answer = control.send_request(ctx.paths.runtime_dir, {"cmd": "resume"})
    reason = answer.get("pause_reason")
    if reason:
        print(f"posturewatch resumed; checks start again when no longer {reason}")
    else:
        print("posturewatch resumed")
    return 0


def handle_status(args: argparse.Namespace, ctx: Context) -> int:
    runtime_dir = ctx.paths.runtime_dir
    status: dict[str, Any]
    if instance_running(runtime_dir):
        try:
            status = control.send_request(runtime_dir, {"cmd": "status"})
            status["running"] = True
        except control.NotRunning:
            status = {"running": False}
    else:
        status = {"running": False}
    if not status["running"]:
        status["today"] = today_from_store(ctx)
    if args.json:
        print(json.dumps(status, default=str, indent=2, sort_keys=True))
    else:
        print(format_status(status))
    return 0


def today_from_store(ctx: Context) -> dict[str, Any] | None:
    """Today's summary read from the store when no instance runs (None without one)."""
    if not ctx.paths.database.exists():
        return None
    from posturewatch.store.database import Store

    with Store(ctx.paths.database, ctx.config.store, read_only=True) as store:
        return today_summary(store, time.time())


def format_status(status: dict[str, Any]) -> str:
    """Human lines for `status` (pure: tested on the dict the instance answers)."""
    lines: list[str] = []
    if not status.get("running"):
        lines.append("posturewatch is not running (start it with `posturewatch start`)")
        today = status.get("today")
        if today:
            lines.append(_today_line(today))
        return "\n".join(lines)
    instance = status.get("instance", {})
    monitor = status.get("monitor", {})
    since = instance.get("since_s")
    lines.append(
        f"posturewatch is running (pid {instance.get('pid')}, since {_clock_text(since)}, "
        f"source {instance.get('source')})"
    )
    state = monitor.get("state", "unknown")
    reason = status.get("pause_reason")
    if state == "paused" and monitor.get("paused_on_battery"):
        lines.append("state: paused (on battery), until back on mains power")
    elif state == "paused":
        until = monitor.get("paused_until")
        why = f" ({reason})" if reason else ""
        lines.append(
            f"state: paused{why}, "
            + ("until resume" if until is None else f"until {_clock_text(float(until))}")
        )
    else:
        dominant = monitor.get("dominant")
        lines.append(f"state: {state}" + (f" ({dominant.replace('_', ' ')})" if dominant else ""))
    if monitor.get("quiet") and state != "paused":
        lines.append(f"quiet: in a meeting ({monitor['quiet']}); prompts wait until it ends")
    if monitor.get("camera_unavailable_since") is not None:
        retry = monitor.get("camera_retry_at_s")
        lines.append(
            f"camera unavailable since {_clock_text(float(monitor['camera_unavailable_since']))}; "
            + ("retrying" if retry is None else f"trying again at {_clock_text(float(retry))}")
        )
    if monitor.get("recalibrate"):
        lines.append(
            "the camera or desk changed and no saved setup fits: "
            "run `posturewatch calibrate --profile NAME` for this setup"
        )
    if monitor.get("profile"):
        lines.append(f"setup: {monitor['profile']}")
    power = power_text(monitor.get("power"))
    if power and not monitor.get("paused_on_battery"):
        lines.append(power)
    lines.append(
        f"this run: {monitor.get('samples', 0)} checks, {monitor.get('prompts', 0)} prompts"
    )
    learned = monitor.get("learned")
    if learned and learned != "as calibrated":
        lines.append(f"thresholds {learned} (`posturewatch feedback reset` to undo)")
    next_check = monitor.get("next_check_s")
    if next_check is not None and state != "paused":
        lines.append(f"next check: {_clock_text(float(next_check))}")
    today = status.get("today")
    if today:
        lines.append(_today_line(today))
    scheduler = monitor.get("scheduler")
    if isinstance(scheduler, dict):
        lines += _scheduler_lines(scheduler, paused=state == "paused")
    return "\n".join(lines)


def _today_line(today: dict[str, Any]) -> str:
    share = today.get("good_share")
    good = "" if share is None else f", {share * 100:.0f}% of it upright"
    return (
        f"today so far: {today.get('seated_min', 0):g} min seated{good}, "
        f"{today.get('poor_min', 0):g} min slouched, {today.get('prompts', 0)} prompts "
        f"({today.get('breaks_done', 0)} done)"
    )


def _scheduler_lines(scheduler: dict[str, Any], paused: bool) -> list[str]:
    lines = [
        f"sitting without a break: {scheduler.get('sitting_min', 0):g} min; prompts today: "
        f"{scheduler.get('prompts_today', 0)} of at most {scheduler.get('daily_cap', '?')}"
    ]
    next_break = next_break_text(scheduler.get("next_break_s"), time.time())
    if next_break and not paused:
        lines.append(next_break[0].lower() + next_break[1:])
    snoozed = scheduler.get("snoozed_until")
    if snoozed is not None:
        lines.append(f"snoozed until {_clock_text(float(snoozed))}")
    blocked = scheduler.get("blocked_by")
    next_prompt = scheduler.get("next_possible_prompt_s")
    if not paused and next_prompt is not None and not scheduler.get("quiet"):
        why = f" ({blocked})" if blocked else ""
        lines.append(f"next prompt possible: {_clock_text(float(next_prompt))}{why}")
    return lines
