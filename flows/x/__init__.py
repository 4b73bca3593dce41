"""The X platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import XFlow

__all__ = ["XFlow"]
