"""The Facebook platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from flows.facebook.flow import FacebookFlow

__all__ = ["FacebookFlow"]
