"""The scheduler on a simulated clock: scripted working days, exact prompt lists.

Expected prompts are worked out by hand from the rules (written next to each one),
not copied from a run: 5-second updates, sample-and-hold sitting time, break before
posture when both are due.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from posturewatch.core.scheduler import (
    Scheduler,
    SchedulerSettings,
    deviation_targets,
    is_quiet,
    is_working_day,
    next_local_midnight,
    parse_quiet_range,
    pick_routine,
    prompt_body,
    prompt_title,
    quiet_end,
    routine_pool,
    snooze_until,
)
from posturewatch.core.settings import ConfigError, from_table
from posturewatch.core.types import (
    AnswerKind,
    DetectorUpdate,
    Deviation,
    Prompt,
    PromptAnswer,
    Routine,
)
from posturewatch.inputs.routines_file import load_routines

TZ = ZoneInfo("Europe/Berlin")
WED = date(2024, 3, 13)
THU = date(2024, 3, 14)
FRI = date(2024, 3, 15)
SAT = date(2024, 3, 16)


def _routine(rid: str, *targets: str) -> Routine:
    return Routine(
        id=rid,
        title=f"Title {rid}",
        targets=targets,  # type: ignore[arg-type]
        duration_s=60,
        steps=(f"step of {rid}",),
        safety=("safety note",),
    )


# File order matters: pools keep it. head: H1 H2 HS; shoulders: S1 HS; both: H1 H2 S1 HS.
ROUTINES = (
    _routine("H1", "head_forward"),
    _routine("H2", "head_forward"),
    _routine("S1", "shoulder_rounding"),
    _routine("HS", "head_forward", "shoulder_rounding"),
    _routine("W", "long_sitting"),
)

SETTINGS = SchedulerSettings(
    poor_confirm_s=30,
    break_after_min=50,
    cooldown_min=20,
    daily_cap=10,
    quiet_hours=("18:00-09:00",),
    working_days=("mon", "tue", "wed", "thu", "fri"),
    return_grace_min=3,
    resume_gap_s=120,
    resume_grace_min=3,
    away_break_min=5,
    escalate_after_ignored=2,
    prompt_expiry_min=10,
)


def at(day: date, clock: str) -> float:
    """Epoch seconds of a local Berlin wall time "HH:MM" or "HH:MM:SS"."""
    parts = [int(p) for p in clock.split(":")] + [0]
    return datetime(
        day.year, day.month, day.day, parts[0], parts[1], parts[2], tzinfo=TZ
    ).timestamp()


def hhmmss(time_s: float) -> str:
    return datetime.fromtimestamp(time_s, TZ).strftime("%H:%M:%S")


Segment = tuple[str, str, Deviation | None]
"""(local start, state or "off" for no updates at all, dominant deviation)."""


class Day:
    """Feeds a scheduler one scripted day of 5-second updates and answers its prompts."""

    def __init__(self, scheduler: Scheduler, replies: dict[int, tuple[AnswerKind, float]]) -> None:
        self.scheduler = scheduler
        self.replies = replies
        """Prompt number (1-based over the whole run) -> (answer, seconds after showing)."""
        self.prompts: list[Prompt] = []
        self.ignored: list[PromptAnswer] = []
        self._due: list[PromptAnswer] = []

    def run(
        self, day: date, script: Sequence[Segment], end: str, step_s: float = 5
    ) -> list[Prompt]:
        starts = [at(day, seg[0]) for seg in script]
        first = len(self.prompts)
        t, stop, index = starts[0], at(day, end), 0
        while t < stop:
            while index + 1 < len(starts) and t >= starts[index + 1]:
                index += 1
            _, state, dominant = script[index]
            if state != "off":
                self._deliver(t)
                update = DetectorUpdate(
                    time_s=t,
                    state=state,  # type: ignore[arg-type]
                    dominant=dominant if state == "poor" else None,
                )
                for prompt in self.scheduler.step(update):
                    self.prompts.append(prompt)
                    reply = self.replies.get(len(self.prompts))
                    if reply is not None:
                        self._due.append(PromptAnswer(prompt.id, reply[0], t + reply[1]))
                self.ignored += self.scheduler.expire(t)
            t += step_s
        return self.prompts[first:]

    def _deliver(self, t: float) -> None:
        for answer in [a for a in self._due if a.time_s <= t]:
            self._due.remove(answer)
            self.scheduler.answer(answer)


def summary(prompts: Sequence[Prompt]) -> list[tuple[str, str, str, int]]:
    return [(hhmmss(p.time_s), p.kind, p.routine.id, p.level) for p in prompts]


# --- the scripted week -------------------------------------------------------------

WEDNESDAY: list[Segment] = [
    ("08:30", "good", None),
    ("08:50", "poor", "head_forward"),
    ("09:05", "good", None),
    ("09:25", "poor", "shoulder_rounding"),
    ("09:50", "good", None),
    ("10:00", "away", None),  # 8 min away: a real break
    ("10:08", "poor", "head_forward"),  # slouches at once on return
    ("10:15", "good", None),
    ("10:40:05", "off", None),  # laptop asleep 10:40:00 -> 10:43:30 (3.5 min)
    ("10:43:30", "poor", "shoulder_rounding"),
    ("10:55", "good", None),
    ("11:30", "away", None),  # 3 min away: only pauses the sitting timer
    ("11:33", "good", None),
    ("11:40", "poor", "both"),
    ("12:15", "away", None),  # lunch
    ("13:00", "good", None),
    ("13:30", "poor", "shoulder_rounding"),
    ("14:00", "good", None),
    ("14:30:05", "off", None),  # asleep 20 min
    ("14:50", "good", None),
    ("15:00", "poor", "head_forward"),
    ("15:30", "good", None),
    ("17:45", "poor", "head_forward"),
]
WEDNESDAY_REPLIES: dict[int, tuple[AnswerKind, float]] = {
    1: ("done", 60),
    4: ("done", 60),
    5: ("snooze_15m", 30),
    6: ("done", 30),
    11: ("done", 60),  # Thursday's first prompt
}
WEDNESDAY_EXPECTED = [
    # poor since 08:50 but quiet until 09:00; answered done at 09:01
    ("09:00:00", "posture", "H1", 0),
    # sat since 08:30: 50 min at 09:20, cooldown since 09:00 just over; ignored (streak 1)
    ("09:20:00", "break", "W", 0),
    # poor since 09:25 (confirmed 09:25:30), cooldown until 09:40; ignored (streak 2)
    ("09:40:00", "posture", "S1", 0),
    # back at 10:08 and slouching, but grace until 10:11; 2 ignored -> level 1; done
    ("10:11:00", "posture", "H2", 1),
    # resumed 10:43:30: grace until 10:46:30; shoulder pool moves on to HS; snoozed 15 min
    ("10:46:30", "posture", "HS", 0),
    # sitting 32 min at 10:40, +18 after resume -> due 11:01:30; snooze to 11:02,
    # cooldown to 11:06:30; done at 11:07 resets the sitting timer
    ("11:06:30", "break", "W", 0),
    # 'both' pool starts at H1 (last was W); grace after 11:33 ended 11:36; ignored
    ("11:40:30", "posture", "H1", 0),
    # sitting 23 min before the 3-min absence, +27 after 11:33 -> 12:00, cooldown 12:00:30; ignored
    ("12:00:30", "break", "W", 0),
    # lunch reset the timer; poor from 13:30; 2 ignored in a row -> level 1; ignored
    ("13:30:30", "posture", "S1", 1),
    # sitting since 13:00 -> due 13:50, cooldown until 13:50:30; 10th prompt = daily cap
    ("13:50:30", "break", "W", 1),
]

THURSDAY: list[Segment] = [
    ("08:30", "good", None),
    ("09:10", "away", None),  # 4 min: pauses only
    ("09:14", "good", None),
    ("10:10", "away", None),
    ("10:20", "good", None),
    ("11:00", "away", None),
    ("11:10", "good", None),
    ("11:50", "away", None),
    ("13:00", "good", None),
    ("13:45", "away", None),
    ("13:55", "good", None),
    ("14:40", "away", None),
    ("14:50", "good", None),
    ("15:35", "away", None),
    ("15:45", "good", None),
    ("16:30", "away", None),
    ("16:40", "good", None),
    ("17:25", "away", None),  # exactly 5 min: a break, so no prompt at 17:35
    ("17:30", "good", None),
    ("17:40", "poor", "head_forward"),
]
THURSDAY_EXPECTED = [
    # 40 min before the 4-min absence + 10 after -> 50 at 09:24; the only break
    # routine may repeat; yesterday's ignored streak does not carry over; done at 09:25
    ("09:24:00", "break", "W", 0),
    # every later sitting spell is < 50 min; head pool continues at HS; the next
    # chance (cooldown until 18:00:30) and the 18:20 break fall in quiet hours
    ("17:40:30", "posture", "HS", 0),
]

SATURDAY: list[Segment] = [
    ("09:00", "good", None),
    ("10:00", "poor", "head_forward"),
    ("12:00", "good", None),
]


def test_scripted_week_gives_exactly_the_expected_prompts() -> None:
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=TZ)
    week = Day(scheduler, WEDNESDAY_REPLIES)

    assert summary(week.run(WED, WEDNESDAY, end="18:30")) == WEDNESDAY_EXPECTED
    ignored = [
        (p, hhmmss(a.time_s)) for a in week.ignored for p in week.prompts if p.id == a.prompt_id
    ]
    assert [(summary([p])[0][0], t) for p, t in ignored] == [
        ("09:20:00", "09:30:00"),
        ("09:40:00", "09:50:00"),
        ("11:40:30", "11:50:30"),
        ("12:00:30", "12:10:30"),
        ("13:30:30", "13:40:30"),
        ("13:50:30", "14:00:30"),
    ]
    late = scheduler.status(at(WED, "18:29"))
    assert late["prompts_today"] == 10
    assert late["blocked_by"] == "quiet hours"
    assert late["next_possible_prompt_s"] == at(THU, "09:00")

    assert summary(week.run(THU, THURSDAY, end="18:30")) == THURSDAY_EXPECTED
    assert week.run(SAT, SATURDAY, end="17:00") == []


def test_scripted_week_prompts_respect_every_hard_limit() -> None:
    """Properties that must hold whatever the exact list: checked on the same run."""
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=TZ)
    week = Day(scheduler, WEDNESDAY_REPLIES)
    prompts = week.run(WED, WEDNESDAY, end="18:30") + week.run(THU, THURSDAY, end="18:30")
    prompts += week.run(SAT, SATURDAY, end="17:00")
    ids = [p.id for p in prompts]
    assert len(ids) == len(set(ids))
    for earlier, later in itertools.pairwise(prompts):
        assert later.time_s - earlier.time_s >= SETTINGS.cooldown_min * 60
        if not earlier.kind == later.kind == "break":  # the break pool has one routine
            assert earlier.routine.id != later.routine.id
    for prompt in prompts:
        local = datetime.fromtimestamp(prompt.time_s, TZ)
        assert not is_quiet(local.time(), SETTINGS)
        assert is_working_day(local.date(), SETTINGS)
        # A glance says why and what to do; the steps and safety notes are in the
        # break window, not in every notification.
        assert len(prompt.title) <= 60 and prompt.title.split(" for ")[0] in (
            "Head forward",
            "Shoulders rounded",
            "Head forward, shoulders rounded",
            "Sunk into your chair",
            "Seated",
        ), prompt.title
        assert prompt.routine.title in prompt.body
        assert len(prompt.body) <= 200 and len(prompt.body.splitlines()) <= 3
        assert "safety note" not in prompt.body
    per_day: dict[date, int] = {}
    for prompt in prompts:
        day = datetime.fromtimestamp(prompt.time_s, TZ).date()
        per_day[day] = per_day.get(day, 0) + 1
    assert max(per_day.values()) <= SETTINGS.daily_cap


def test_constant_slouching_never_ignored_escalates_but_stays_within_the_cap() -> None:
    settings = dataclasses.replace(
        SETTINGS, daily_cap=8, escalate_after_ignored=3, break_prompts=False
    )
    day = Day(Scheduler(settings, ROUTINES, tz=TZ), replies={})
    prompts = day.run(WED, [("09:00", "poor", "head_forward")], end="18:00")
    # confirmed 09:00:30, then one every 20-min cooldown until 8 are out; each expires
    # 10 min later, so prompt k follows k ignored ones: level 1 from the 4th.
    expected_times = [at(WED, "09:00:30") + k * 20 * 60 for k in range(8)]
    assert [p.time_s for p in prompts] == expected_times
    assert [p.level for p in prompts] == [0, 0, 0, 1, 1, 1, 1, 1]
    assert [p.routine.id for p in prompts] == ["H1", "H2", "HS"] * 2 + ["H1", "H2"]
    # Escalation is in the wording only: a gentle line once prompts go unanswered.
    assert "reminders went by" in prompts[3].body
    assert "reminders went by" not in prompts[2].body
    assert prompts[3].title.startswith("Head forward for ")


def test_recalibration_and_uncertain_states_hold_posture_prompts_but_not_breaks() -> None:
    day = Day(Scheduler(SETTINGS, ROUTINES, tz=TZ), replies={})
    # An hour "poor" against a baseline that no longer fits the desk: no posture
    # prompt, but sitting still counts, so the break comes after 50 minutes.
    recalibrating = [
        DetectorUpdate(
            time_s=at(WED, "09:00") + 5 * i, state="poor", dominant="both", recalibrate=True
        )
        for i in range(720)
    ]
    prompts = [p for u in recalibrating for p in day.scheduler.step(u)]
    assert summary(prompts) == [("09:50:00", "break", "W", 0)]
    # Uncertain (looking down, head turned) is still sitting: the break comes at 50 min.
    other = Day(Scheduler(SETTINGS, ROUTINES, tz=TZ), replies={})
    prompts = other.run(THU, [("09:00", "uncertain", None)], end="10:30")
    assert summary(prompts) == [("09:50:00", "break", "W", 0)]


def test_pause_holds_prompts_until_resume_or_the_given_time() -> None:
    scheduler = Scheduler(dataclasses.replace(SETTINGS, break_prompts=False), ROUTINES, tz=TZ)
    day = Day(scheduler, replies={})
    scheduler.pause(None)
    assert day.run(WED, [("09:00", "poor", "head_forward")], end="10:00") == []
    assert scheduler.status(at(WED, "10:00"))["paused"] is True
    scheduler.resume(at(WED, "10:00"))
    assert summary(day.run(WED, [("10:00", "poor", "head_forward")], end="10:01")) == [
        ("10:00:00", "posture", "H1", 0)
    ]
    other = Scheduler(dataclasses.replace(SETTINGS, break_prompts=False), ROUTINES, tz=TZ)
    other.pause(at(THU, "09:30"))
    prompts = Day(other, replies={}).run(THU, [("09:00", "poor", "shoulder_rounding")], "09:45")
    assert summary(prompts) == [("09:30:00", "posture", "S1", 0)]


def test_snoozes_hold_prompts_for_their_span_and_snooze_day_until_tomorrow() -> None:
    settings = dataclasses.replace(SETTINGS, break_prompts=False)
    day = Day(Scheduler(settings, ROUTINES, tz=TZ), {1: ("snooze_1h", 30), 2: ("snooze_day", 60)})
    prompts = day.run(WED, [("09:00", "poor", "head_forward")], end="18:00")
    # 09:00:30, snoozed at 09:01:00 for an hour -> 10:01:00, snoozed for the day at 10:02.
    assert summary(prompts) == [
        ("09:00:30", "posture", "H1", 0),
        ("10:01:00", "posture", "H2", 0),
    ]
    prompts = day.run(THU, [("08:30", "good", None), ("09:00", "poor", "head_forward")], "09:10")
    assert summary(prompts) == [("09:00:30", "posture", "HS", 0)]


@pytest.mark.parametrize(
    ("reply", "second_break"),
    [
        # snoozed: due again once allowed (snooze to 10:05:30, cooldown to 10:10:00)
        ("snooze_15m", "10:10:00"),
        # dismissed: a fresh 50 min of sitting from the 09:50 prompt
        ("dismissed", "10:40:00"),
    ],
)
def test_a_snoozed_break_comes_back_but_a_dismissed_one_waits_a_full_interval(
    reply: AnswerKind, second_break: str
) -> None:
    day = Day(Scheduler(SETTINGS, ROUTINES, tz=TZ), {1: (reply, 30)})
    prompts = day.run(WED, [("09:00", "good", None)], end="10:45")
    assert summary(prompts) == [
        ("09:50:00", "break", "W", 0),
        (second_break, "break", "W", 0),
    ]


def test_done_restarts_the_poor_posture_confirmation() -> None:
    """'Done' means the user sat up: a slouch seen after that must persist afresh."""
    settings = dataclasses.replace(
        SETTINGS, cooldown_min=1, poor_confirm_s=300, break_prompts=False
    )
    day = Day(Scheduler(settings, ROUTINES, tz=TZ), {1: ("done", 60)})
    prompts = day.run(WED, [("09:00", "poor", "head_forward")], end="09:15")
    # 09:05 first; done at 09:06 -> poor again from 09:06, confirmed at 09:11 (not 09:06)
    assert summary(prompts)[:2] == [
        ("09:05:00", "posture", "H1", 0),
        ("09:11:00", "posture", "H2", 0),
    ]


def test_short_away_spells_pause_the_sitting_timer_and_long_ones_reset_it() -> None:
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=TZ)
    day = Day(scheduler, replies={})
    script: list[Segment] = [
        ("09:00", "good", None),
        ("09:30", "away", None),
        ("09:34", "good", None),
    ]
    day.run(WED, script, end="09:40")
    # 30 min + 6 min; the 4 min away neither count nor reset; nor do 4:55 min more
    day.run(WED, [("09:40", "away", None)], end="09:45")
    assert scheduler.status(at(WED, "09:45"))["sitting_min"] == 36.0
    day.run(WED, [("09:45:00", "away", None)], end="09:45:10")  # 5 min away at 09:45:05
    assert scheduler.status(at(WED, "09:45:10"))["sitting_min"] == 0.0


def test_status_reports_sitting_prompts_snooze_and_next_chance() -> None:
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=TZ)
    day = Day(scheduler, {1: ("snooze_1h", 60)})
    day.run(WED, [("09:00", "poor", "shoulder_rounding")], end="09:02:05")
    status = scheduler.status(at(WED, "09:02"))
    assert status["sitting_min"] == 2.0
    assert status["prompts_today"] == 1
    assert status["snoozed_until"] == at(WED, "10:01:30")
    assert status["next_possible_prompt_s"] == at(WED, "10:01:30")
    assert status["blocked_by"] == "snoozed"
    assert status["pending"] == []


def test_pending_and_expire_report_unanswered_prompts_once() -> None:
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=TZ)
    t0 = at(WED, "09:30")
    for i in range(7):
        prompts = scheduler.step(DetectorUpdate(t0 + 5 * i, "poor", "head_forward"))
    (prompt,) = prompts
    assert [p.id for p in scheduler.pending(t0 + 60)] == [prompt.id]
    assert scheduler.expire(t0 + 60) == []
    expired = scheduler.expire(prompt.time_s + 600)
    assert expired == [PromptAnswer(prompt.id, "ignored", prompt.time_s + 600)]
    assert scheduler.expire(prompt.time_s + 900) == []
    assert scheduler.pending(prompt.time_s + 601) == []


def test_packaged_routines_rotate_without_repeats() -> None:
    routines = load_routines()
    settings = dataclasses.replace(SETTINGS, break_prompts=False, daily_cap=50)
    prompts = Day(Scheduler(settings, routines, tz=TZ), replies={}).run(
        WED, [("09:00", "poor", "head_forward")], end="18:00"
    )
    head = [r.id for r in routines if "head_forward" in r.targets]
    assert [p.routine.id for p in prompts[: len(head)]] == head
    assert all(a.routine.id != b.routine.id for a, b in itertools.pairwise(prompts))


def test_system_local_zone_works_without_a_tz() -> None:
    scheduler = Scheduler(
        dataclasses.replace(
            SETTINGS,
            quiet_hours=(),
            working_days=tuple(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
        ),
        ROUTINES,
    )
    t0 = at(WED, "12:00")
    prompts = [p for i in range(10) for p in scheduler.step(DetectorUpdate(t0 + 5 * i, "poor"))]
    assert len(prompts) == 1
    assert scheduler.status(t0 + 60)["prompts_today"] == 1


# --- pure helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [
        ("08:59:59", True),
        ("09:00", False),
        ("12:00", False),
        ("17:59:59", False),
        ("18:00", True),
        ("23:30", True),
        ("00:00", True),
    ],
)
def test_is_quiet_wraps_midnight_start_inclusive_end_exclusive(clock: str, quiet: bool) -> None:
    local = time.fromisoformat(clock)
    assert is_quiet(local, SETTINGS) is quiet


def test_is_quiet_with_several_ranges_and_with_none() -> None:
    lunch = dataclasses.replace(SETTINGS, quiet_hours=("12:30-13:15", "22:00-07:00"))
    assert is_quiet(time(12, 45), lunch)
    assert not is_quiet(time(13, 15), lunch)
    assert is_quiet(time(6, 59), lunch)
    assert not is_quiet(time(7, 0), lunch)
    never = dataclasses.replace(SETTINGS, quiet_hours=())
    assert not any(is_quiet(time(h, 0), never) for h in range(24))


def test_is_working_day_follows_the_local_weekday() -> None:
    assert is_working_day(WED, SETTINGS)
    assert not is_working_day(SAT, SETTINGS)
    assert not is_working_day(SAT + timedelta(days=1), SETTINGS)
    assert is_working_day(SAT, dataclasses.replace(SETTINGS, working_days=("sat",)))


def test_snooze_until_spans_and_rest_of_the_local_day() -> None:
    t = at(WED, "15:20")
    assert snooze_until("snooze_15m", t, TZ) == t + 900
    assert snooze_until("snooze_1h", t, TZ) == t + 3600
    assert snooze_until("snooze_day", t, TZ) == at(THU, "00:00")
    assert snooze_until("done", t, TZ) is None
    assert snooze_until("dismissed", t, TZ) is None


def test_next_local_midnight_across_the_spring_dst_change() -> None:
    # Berlin springs forward on 2024-03-31: that local day lasts 23 hours.
    sat_noon = datetime(2024, 3, 30, 11, 0, tzinfo=timezone.utc).timestamp()
    sun_midnight = datetime(2024, 3, 30, 23, 0, tzinfo=timezone.utc).timestamp()  # CET
    mon_midnight = datetime(2024, 3, 31, 22, 0, tzinfo=timezone.utc).timestamp()  # CEST
    assert next_local_midnight(sat_noon, TZ) == sun_midnight
    assert next_local_midnight(sun_midnight + 1, TZ) == mon_midnight


def test_quiet_end_points_at_the_end_of_the_range() -> None:
    assert quiet_end(at(WED, "20:00"), SETTINGS, TZ) == at(THU, "09:00")
    assert quiet_end(at(WED, "07:00"), SETTINGS, TZ) == at(WED, "09:00")
    assert quiet_end(at(WED, "12:00"), SETTINGS, TZ) is None


def test_next_possible_prompt_skips_quiet_evening_and_weekend() -> None:
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=TZ)
    t0 = at(FRI, "17:50")
    prompts = [p for i in range(10) for p in scheduler.step(DetectorUpdate(t0 + 5 * i, "poor"))]
    assert len(prompts) == 1
    assert scheduler.next_possible_prompt(t0 + 60) == at(date(2024, 3, 18), "09:00")


def test_pick_routine_round_robin_skips_the_last_suggestion() -> None:
    pool = routine_pool(ROUTINES, ("head_forward",))
    assert [r.id for r in pool] == ["H1", "H2", "HS"]
    assert pick_routine(pool, 0, None) == (pool[0], 1)
    assert pick_routine(pool, 0, "H1") == (pool[1], 2)
    assert pick_routine(pool, 2, None) == (pool[2], 0)
    assert pick_routine(pool, 2, "HS") == (pool[0], 1)
    single = routine_pool(ROUTINES, ("long_sitting",))
    assert pick_routine(single, 0, "W") == (single[0], 0)
    assert pick_routine([], 0, None) is None


def test_deviation_targets() -> None:
    assert deviation_targets("head_forward") == ("head_forward",)
    assert deviation_targets("shoulder_rounding") == ("shoulder_rounding",)
    assert set(deviation_targets("both")) == {"head_forward", "shoulder_rounding"}
    assert set(deviation_targets(None)) == {"head_forward", "shoulder_rounding"}


def test_prompt_wording_fits_a_glance_and_says_why() -> None:
    """Summary at most 60 characters naming what deviated (or how long you sat);
    body at most 3 lines and 200 characters naming the routine. Every packaged
    routine, every deviation, with and without the escalation line."""
    for routine in load_routines():
        for dominant, why in (
            ("head_forward", "Head forward"),
            ("shoulder_rounding", "Shoulders rounded"),
            ("both", "Head forward, shoulders rounded"),
            ("sinking", "Sunk into your chair"),
        ):
            title = prompt_title("posture", dominant, 150.0)
            assert title == f"{why} for 2 minutes" and len(title) <= 60
        assert prompt_title("break", None, 50 * 60) == "Seated for 50 minutes: time to stand up"
        for level, ignored in ((0, 0), (1, 3)):
            body = prompt_body(routine, level, ignored)
            assert routine.title in body
            assert len(body) <= 200 and len(body.splitlines()) <= 3, body
            assert not any(note in body for note in routine.safety)
            assert ("3 reminders" in body) == (level == 1)


# --- settings ----------------------------------------------------------------------


def test_default_settings_are_valid_and_load_from_a_config_table() -> None:
    assert SchedulerSettings() == from_table(SchedulerSettings, {}, "config.toml [scheduler]")
    loaded = from_table(
        SchedulerSettings,
        {"quiet_hours": [], "working_days": ["sat", "sun"], "daily_cap": 3},
        "config.toml [scheduler]",
    )
    assert loaded.quiet_hours == () and loaded.working_days == ("sat", "sun")


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"quiet_hours": ["25:00-09:00"]}, "quiet_hours"),
        ({"quiet_hours": ["18:00"]}, "quiet_hours"),
        ({"quiet_hours": ["9:00-09:00"]}, "quiet_hours"),
        ({"working_days": ["mon", "funday"]}, "working_days"),
        ({"working_days": []}, "working_days"),
        ({"working_days": ["mon", "mon"]}, "working_days"),
        ({"daily_cap": 0}, "daily_cap"),
        ({"cooldown_min": 0.5}, "cooldown_min"),
        ({"break_after_min": 5}, "break_after_min"),
        ({"poor_confirm_s": -1}, "poor_confirm_s"),
        ({"away_break_min": 0}, "away_break_min"),
        ({"prompt_expiry_min": 0}, "prompt_expiry_min"),
    ],
)
def test_bad_settings_name_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=rf"config.toml \[scheduler\]: {key}"):
        from_table(SchedulerSettings, table, "config.toml [scheduler]")


def test_parse_quiet_range() -> None:
    assert parse_quiet_range("18:00-09:00") == (18 * 60, 9 * 60)
    assert parse_quiet_range("12:30-13:15") == (12 * 60 + 30, 13 * 60 + 15)
    with pytest.raises(ValueError, match="quiet_hours"):
        parse_quiet_range("noon-1pm")


def test_new_settings_keep_the_day_and_move_the_break_by_the_difference() -> None:
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=TZ)
    day = Day(scheduler, {1: ("snooze_15m", 30)})
    day.run(WED, [("09:00", "poor", "head_forward")], end="09:02:05")  # one prompt, snoozed
    day.run(WED, [("09:02:05", "good", None)], end="09:30")
    before = scheduler.status(at(WED, "09:30"))
    scheduler.set_settings(dataclasses.replace(SETTINGS, break_after_min=40))
    after = scheduler.status(at(WED, "09:30"))
    for key in ("sitting_min", "prompts_today", "snoozed_until", "next_possible_prompt_s"):
        assert after[key] == before[key], key  # the day, the snooze, the cooldown kept
    prompts = day.run(WED, [("09:30", "good", None)], end="09:50")
    # Sitting since 09:00 (the snooze and cooldown end by 09:22): due at 40 min, not 50.
    assert [(p.kind, hhmmss(p.time_s)) for p in prompts] == [("break", "09:40:00")]
