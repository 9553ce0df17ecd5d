"""The ``ftgate`` subcommands, one module per family; ``shared.cli`` imports each only
when its command runs, so that a command never pays for another's SDKs."""
