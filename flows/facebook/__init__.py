"""The Facebook platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import FacebookFlow

__all__ = ["FacebookFlow"]
