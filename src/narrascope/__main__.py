"""`python -m narrascope` runs the CLI."""

from narrascope.cli import main

main()
