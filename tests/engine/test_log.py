"""The redaction processor removes secrets whatever key they hide under."""

from __future__ import annotations

import io
import json

from optout_bot import log


def test_secrets_are_removed_from_values_keys_and_nested_structures() -> None:
    stream = io.StringIO()
    log.redactor.add(["s3cr3t-pass", "JBSWY3DPEHPK3PXP"])
    log.configure(json_lines=True, stream=stream)
    log.get_logger(platform="facebook").info(
        "typed s3cr3t-pass into the form",
        detail={"nested": ["x s3cr3t-pass y"]},
        password="anything",
        cookie="c_user=1",
        note="seed JBSWY3DPEHPK3PXP",
    )
    line = json.loads(stream.getvalue())
    text = stream.getvalue()
    assert "s3cr3t-pass" not in text and "JBSWY3DPEHPK3PXP" not in text
    assert line["password"] == log.REDACTED and line["cookie"] == log.REDACTED
    assert line["platform"] == "facebook"
    assert line["event"] == f"typed {log.REDACTED} into the form"


def test_plain_console_lines_are_redacted_too() -> None:
    stream = io.StringIO()
    log.redactor.add(["hunter2-canary"])
    log.configure(stream=stream)
    log.get_logger().info("oops hunter2-canary")
    assert "hunter2-canary" not in stream.getvalue()
    assert "oops" in stream.getvalue()


def test_a_secret_registered_later_is_removed_from_the_next_line_in_every_spelling() -> None:
    """The spellings are worked out once per set of secrets: a secret added after a first
    line must still be found in the next, and a longer secret holding a shorter one goes
    first (else its tail would be left)."""
    stream = io.StringIO()
    log.redactor.add(["tail-canary"])
    log.configure(json_lines=True, stream=stream)
    log.get_logger().info("first line", detail="tail-canary")
    log.redactor.add(["later canary/+~"])
    log.redactor.add(["tail-canary-and-more"])
    log.get_logger().info(
        "second line",
        typed="later canary/+~",
        address="https://example.org/?q=later%20canary%2F%2B~",
        form="x=later+canary%2F%2B%7E",
        longer="tail-canary-and-more",
    )
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["detail"] == log.REDACTED
    assert "canary" not in json.dumps(second)
    assert second["longer"] == log.REDACTED
