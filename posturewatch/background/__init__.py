"""Running in the background: the instance lock, the control channel, the
desktop's lock and suspend events, and start at login."""
