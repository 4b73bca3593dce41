"""The Claude platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import ClaudeFlow

__all__ = ["ClaudeFlow"]
