"""The Claude platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from flows.claude.flow import ClaudeFlow

__all__ = ["ClaudeFlow"]
