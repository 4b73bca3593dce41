"""The Deepseek platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import DeepseekFlow

__all__ = ["DeepseekFlow"]
