"""Sub-commands of `posturewatch`, one module each (see cli.py)."""
