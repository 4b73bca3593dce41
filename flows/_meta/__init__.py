"""What Facebook, Instagram and Threads share: the objection form's steps (``flow.py``) and its
strings (``labels/``)."""

from .flow import MIN_REASON_2024, MetaFlow

__all__ = ["MIN_REASON_2024", "MetaFlow"]
