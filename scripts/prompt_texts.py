"""Every packaged routine's prompt as the notification shows it (title, body) with
its length in characters and lines, for reviewing the wording; the README quotes
the longest.

    python scripts/prompt_texts.py
"""

from __future__ import annotations

from posturewatch.core.scheduler import SchedulerSettings, example_prompt, prompt_body
from posturewatch.inputs.routines_file import load_routines


def main() -> None:
    longest = 0
    for routine in load_routines():
        prompt = example_prompt(routine, SchedulerSettings(), 0.0)
        escalated = prompt_body(routine, 1, 3)
        longest = max(longest, len(prompt.body), len(escalated))
        print(
            f"== {routine.id}: {len(prompt.body)} characters, {len(prompt.body.splitlines())} lines"
            f" ({len(escalated)} with the escalation line)"
        )
        print(f"   {prompt.title}")
        for line in prompt.body.splitlines():
            print(f"   | {line}")
    print(f"longest body: {longest} characters (limit 200)")


if __name__ == "__main__":
    main()
