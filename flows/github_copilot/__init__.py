"""The Github Copilot platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from .flow import GithubCopilotFlow

__all__ = ["GithubCopilotFlow"]
