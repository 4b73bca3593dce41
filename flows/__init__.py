"""One module per platform; every platform's knowledge lives here and nowhere else.

Modules whose name starts with ``_`` hold what several platforms share (``_meta``).
"""
