"""Installed copies of the repository's ``flows/`` and ``fixtures/`` (see ``optout_bot.layout``);
empty in a checkout."""
