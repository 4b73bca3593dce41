"""The Chatgpt platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import ChatgptFlow

__all__ = ["ChatgptFlow"]
