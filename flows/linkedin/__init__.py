"""The LinkedIn platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import LinkedInFlow

__all__ = ["LinkedInFlow"]
