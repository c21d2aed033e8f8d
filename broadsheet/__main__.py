"""`python -m broadsheet` runs the CLI."""

from broadsheet.cli import main

main()
