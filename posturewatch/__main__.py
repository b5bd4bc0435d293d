"""`python -m posturewatch` is the same as the `posturewatch` command."""

from posturewatch.cli import main

raise SystemExit(main())
