"""Command-line client for the approval workflow: `python -m client --help`."""
