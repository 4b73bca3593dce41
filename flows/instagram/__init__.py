"""The Instagram platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from flows.instagram.flow import InstagramFlow

__all__ = ["InstagramFlow"]
