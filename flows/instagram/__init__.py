"""The Instagram platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import InstagramFlow

__all__ = ["InstagramFlow"]
