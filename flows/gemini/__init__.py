"""The Gemini platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import GeminiFlow

__all__ = ["GeminiFlow"]
