"""``python -m optout_bot`` is the same as the ``optout-bot`` command."""

from optout_bot.cli import main

main()
