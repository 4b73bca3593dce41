"""A new language is new files only.

For each platform, its label files are copied into a temporary folder as a language no platform
has (``xx``), every English string altered (ROT13, placeholders kept), and the label path is
pointed at that folder. Without any change to Python, the replica then shows its pages in
``xx``, the flow finds its way through them, and the replica receives the right submission
exactly once.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from fixtures._meta import MetaReplica
from optout_bot import labels
from optout_bot.flow.registry import discover
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica, replica_class
from tests.conftest import FlowRunner, account

NEW = "xx"


def altered(text: str) -> str:
    """ROT13 of every letter outside ``{placeholders}``: a wording no other language has."""
    return "".join(
        part if re.fullmatch(r"\{\w+\}", part) else codecs.encode(part, "rot13")
        for part in re.split(r"(\{\w+\})", text)
    )


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def add_language(folder: Path, root: Path) -> Path:
    """``<root>/<folder name>/xx.toml`` from the folder's English file, every text altered."""
    english = labels.read_file(folder / "labels" / "en.toml")
    lines = [f"# {folder.name} labels in {NEW}: a language added by files alone"]
    for key, variants in english.items():
        for variant in variants:
            lines += [
                f"[[{key}]]",
                f"text = {toml_string(altered(variant.text))}",
                "unconfirmed = true",
            ]
    target = root / folder.name / f"{NEW}.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@dataclass(frozen=True)
class Case:
    platform: str
    version: str
    shown: str
    """A label key whose altered wording the outcome's message must quote: the platform's
    confirmation, read from the page in the new language."""
    changes: tuple[str, ...]
    """What the replica must have changed, each exactly once."""


OBJECTION = ("objection_confirmed",)
CASES = [
    Case("facebook", "2024", "confirmed", OBJECTION),
    Case("instagram", "2025", "confirmed", OBJECTION),
    Case("threads", "2025", "confirmed", OBJECTION),
    Case("x", "2025", "training_2025", ("allow_xai_data_sharing",)),
    Case("linkedin", "2025", "toggle", ("data_for_generative_ai_improvement",)),
]


def received(replica: Replica) -> list[str]:
    """What changed on the platform, one entry per change."""
    kinds = {"objection_confirmed", "setting_changed"}
    return [
        str(e.get("control") or e.get("setting") or e["event"])
        for e in replica.log
        if e["event"] in kinds
    ]


@pytest.mark.parametrize("case", CASES, ids=[c.platform for c in CASES])
def test_a_language_added_as_files_runs_against_the_replica(
    case: Case, runner: FlowRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = discover()[case.platform]
    assert NEW not in flow.locales()
    root = tmp_path / "labels"
    written = [
        add_language(folder, root)
        for folder in flow.label_folders()
        if (folder / "labels" / "en.toml").is_file()
    ]
    assert written
    monkeypatch.setenv(labels.LABELS_PATH_ENV, str(root))
    assert NEW in flow.locales()

    replica = replica_class(case.platform)(version=case.version, locale=NEW)
    user = account(locale=NEW, country="DE")  # the 2024 form's list also answers to the code
    assert user.password is not None and user.email is not None
    replica.seed_account(
        login=user.login,
        password=user.password.get_secret_value(),
        email=user.email,
        locale=NEW,
        country=user.country,
    )
    result = runner.run(flow, replica, user)

    assert result.outcome is Outcome.SUBMITTED, result.message
    english = flow.label_book().text(case.shown, "en")
    assert altered(english) in result.message and english not in result.message
    assert sorted(received(replica)) == sorted(case.changes)
    if isinstance(replica, MetaReplica):
        assert [(s["locale"], s["version"]) for s in replica.submissions] == [(NEW, case.version)]
        assert len(replica.events("objection_received")) == 1
