"""The X platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from flows.x.flow import XFlow

__all__ = ["XFlow"]
