"""All platform knowledge, one folder per platform: ``flows/<name>/`` holds the flow
(``flow.py``), its strings (``labels/<lang>.toml``) and its ARIA baselines (``baselines/``).

Folders whose name starts with ``_`` hold what several platforms share (``_meta``); they are
not platforms. The engine finds platforms by folder (``optout_bot.flow.registry``).
"""
