"""The Gemini platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from flows.gemini.flow import GeminiFlow

__all__ = ["GeminiFlow"]
