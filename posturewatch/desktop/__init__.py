"""The desktop app: tray icon and windows."""
