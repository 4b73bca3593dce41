"""The Threads platform: its flow (``flow.py``) and baselines; its strings are Instagram's."""

from .flow import ThreadsFlow

__all__ = ["ThreadsFlow"]
