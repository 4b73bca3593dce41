"""The local web page, ``optout-bot ui``: accounts, runs with live progress, the hand-over,
evidence and check mode for people who do not use a terminal.

Server-rendered pages (Starlette, Jinja2) in the person's language, a little vendored
JavaScript for the live parts, and a guard in front of everything (``guard``): loopback only,
a one-time key in the first address, then a cookie; Host, Origin and a CSRF token checked.
"""
