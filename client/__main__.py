"""Entry point: `python -m client --help`."""

from client.cli import main

raise SystemExit(main())
