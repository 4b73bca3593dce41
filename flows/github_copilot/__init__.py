"""The Github Copilot platform: its flow (``flow.py``), strings (``labels/``) and baselines."""

from flows.github_copilot.flow import GithubCopilotFlow

__all__ = ["GithubCopilotFlow"]
