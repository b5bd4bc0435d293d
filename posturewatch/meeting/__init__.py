"""Meeting mode: knowing when a prompt would interrupt something (a call, a
presentation, a full-screen film, the desktop's do-not-disturb), so the scheduler
holds it back until that is over.

`signals` holds the one interface (`QuietSignal`), the settings and the
`MeetingDetector` the monitor polls; `linux`, `windows` and `macos` hold one small
class per platform and signal, their parsing kept in pure functions.
"""
