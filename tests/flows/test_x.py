"""X: the user's story against the replica, in every locale and both page versions.

Every test asserts what the replica stored and logged (its settings, ``setting_changed`` events
and login attempts) and the outcome; none trusts a file's mere existence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.x import CONTROLS, SAVE_PATH, TASK_PATH, XReplica
from flows.x import XFlow
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import verify_bundle
from optout_bot.replica import Replica
from optout_bot.replica.faults import FaultPlan
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, evidence, manifest_of, run_case

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "x"
    changed: tuple[str, ...] = ()
    """The controls the replica must log exactly one ``setting_changed`` for."""

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": None, **self.config})

    def state(self, replica: Replica, user: Account) -> dict[str, bool]:
        assert isinstance(replica, XReplica)
        return replica.settings_of(user.login)

    def check_received(self, replica: Replica, user: Account, result: RunResult,
                       before: Any) -> None:
        assert isinstance(replica, XReplica)
        changes = replica.events("setting_changed")
        assert sorted(e["control"] for e in changes) == sorted(self.changed)
        assert all(e["value"] is False and e["previous"] is True for e in changes)
        after = replica.settings_of(user.login)
        if self.outcome.ok:
            assert after == dict.fromkeys(CONTROLS[self.version], False)
        else:
            assert after == before
        assert [a["ok"] for a in replica.login_attempts] == [True]


CASES = [
    *(Case("turned_off", v, loc, Outcome.SUBMITTED, changed=CONTROLS[v])
      for v in ("2025", "2024") for loc in ("en", "de", "ko")),
    *(Case("already_off", v, loc, Outcome.ALREADY_DONE,
           {"training_on": False, "collaborators_on": False})
      for v, loc in (("2025", "en"), ("2025", "ko"), ("2024", "de"))),
    Case("only_collaborators_on", "2025", "de", Outcome.SUBMITTED, {"training_on": False},
         changed=("third_party_collaborators",)),
    Case("only_training_on", "2025", "ko", Outcome.SUBMITTED, {"collaborators_on": False},
         changed=("grok_training",)),
    # 2024 has no collaborators control: a stored "on" there is not on the page.
    Case("collaborators_not_on_2024_page", "2024", "en", Outcome.ALREADY_DONE,
         {"training_on": False}),
    Case("unusual_activity_email_login", "2025", "en", Outcome.SUBMITTED,
         {"unusual_activity": True}, changed=CONTROLS["2025"]),
    Case("unusual_activity_username_login", "2024", "ko", Outcome.SUBMITTED,
         {"unusual_activity": True, "username": "mina_k"}, {"login": "mina_k"},
         changed=CONTROLS["2024"]),
    Case("totp_with_seed", "2025", "de", Outcome.SUBMITTED,
         {"two_factor": "totp", "totp_seed": SEED}, {"totp_seed": SEED},
         changed=CONTROLS["2025"]),
    Case("totp_without_seed", "2025", "en", Outcome.NEEDS_HUMAN,
         {"two_factor": "totp", "totp_seed": SEED}, message="authenticator"),
    Case("unusual_then_totp", "2024", "en", Outcome.SUBMITTED,
         {"unusual_activity": True, "two_factor": "totp", "totp_seed": SEED},
         {"totp_seed": SEED}, changed=CONTROLS["2024"]),
    Case("no_birthday", "2025", "en", Outcome.UNAVAILABLE, {"birthday": False},
         message="no birthday is set or the account holder is under 18"),
    Case("under_18", "2024", "ko", Outcome.UNAVAILABLE, {"age": 16},
         message="이 설정은 내 계정에서 사용할 수 없습니다"),
]


def seeded(version: str = "2025", locale: str = "en", config: dict[str, Any] | None = None,
           **seed: Any) -> tuple[XReplica, Account]:
    replica = XReplica(version=version, locale=locale)
    user = account(locale=locale, country=None, **(config or {}))
    assert user.password is not None
    replica.seed_account(login=user.login, password=user.password.get_secret_value(),
                         email=user.email or "mina@example.org", locale=locale, **seed)
    return replica, user


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def test_second_run_sends_nothing(runner: FlowRunner) -> None:
    replica, user = seeded()
    first = runner.run(XFlow, replica, user, trust_ledger=False)
    second = runner.run(XFlow, replica, user, trust_ledger=False)
    assert (first.outcome, second.outcome) == (Outcome.SUBMITTED, Outcome.ALREADY_DONE)
    assert len(replica.events("setting_changed")) == 2
    assert [e["event"] for e in replica.log if e["event"].startswith("setting_")] == \
        ["setting_changed", "setting_changed"]


def test_wrong_password_is_tried_once(runner: FlowRunner) -> None:
    replica, user = seeded()
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(XFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED and "rejected the password" in result.message
    assert [a["ok"] for a in replica.login_attempts] == [False]
    assert replica.settings_of(user.login) == {"grok_training": True,
                                               "third_party_collaborators": True}


def test_unknown_login_is_reported_and_not_retried(runner: FlowRunner) -> None:
    replica, user = seeded(locale="de")
    result = runner.run(XFlow, replica, user.model_copy(update={"login": "nobody@example.org"}))
    assert result.outcome is Outcome.LOGIN_FAILED and "nobody@example.org" in result.message
    assert len(replica.login_attempts) == 1


def test_a_change_the_server_drops_is_not_reported_as_done(runner: FlowRunner) -> None:
    """The page shows the box unchecked after the click, but the server stored nothing: the
    reload shows it on again, and the flow must say so instead of reporting success."""
    replica, user = seeded()
    replica.ignore_changes = True
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.FAILED
    assert "still shows on" in result.message
    assert len(replica.events("setting_change_dropped")) == 2
    assert replica.events("setting_changed") == []
    manifest = manifest_of(result)
    assert set(manifest["notes"]["controls_after"].values()) == {"on"}


def test_a_failed_save_is_checked_then_sent_again(runner: FlowRunner) -> None:
    replica, user = seeded("2024")
    replica.faults = FaultPlan(rate=1, kinds=("server_error",), match=SAVE_PATH, limit=1)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("fault_injected")) == 1
    assert [e["control"] for e in replica.events("setting_changed")] == ["grok_training"]
    assert replica.settings_of(user.login) == {"grok_training": False}


def test_a_lost_answer_is_checked_not_sent_twice(runner: FlowRunner) -> None:
    """The server stored the first change but its answer was lost: the flow asks the page,
    sends only the control still on, and never repeats the stored one."""
    replica, user = seeded("2025")
    replica.faults = FaultPlan(rate=1, kinds=("lost_answer",), match=SAVE_PATH, limit=1)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("fault_injected")) == 1
    assert sorted(e["control"] for e in replica.events("setting_changed")) == \
        ["grok_training", "third_party_collaborators"]
    assert replica.settings_of(user.login) == {"grok_training": False,
                                               "third_party_collaborators": False}


def test_a_failed_login_request_starts_the_login_over(runner: FlowRunner) -> None:
    replica, user = seeded("2025", "ko")
    replica.faults = FaultPlan(rate=1, kinds=("cut",), match=TASK_PATH, limit=1)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("fault_injected")) == 1
    assert [a["ok"] for a in replica.login_attempts] == [True]
    assert len(replica.events("setting_changed")) == 2


def test_evidence_records_each_control_before_and_after(runner: FlowRunner) -> None:
    replica, user = seeded("2025", "ko", collaborators_on=False)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED
    folder = evidence(result)
    manifest = manifest_of(result)
    labels = XFlow.label_book()
    training, collaborators = (labels.text("training_2025", "ko"),
                               labels.text("collaborators_2025", "ko"))
    assert manifest["notes"]["controls_before"] == {training: "on", collaborators: "off"}
    assert manifest["notes"]["controls_after"] == {training: "off", collaborators: "off"}
    assert manifest["submitted"] == {training: "off"}
    assert manifest["form_version"] == "2025"
    assert manifest["form_url"] == "https://x.com/settings/grok_settings"
    assert [s["name"] for s in manifest["steps"]] == [
        "log_in", "open_settings", "read_state", "turn_off", "verify"]
    requests = [json.loads(line) for line in
                (folder / "replica-requests.jsonl").read_text().splitlines()]
    assert [(r["event"], r["control"]) for r in requests if r["event"] == "setting_changed"] \
        == [("setting_changed", "grok_training")]
    assert verify_bundle(folder) == []


def test_a_reworded_training_checkbox_is_reported_not_skipped(
        runner: FlowRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """If X rewords the training checkbox, the flow must not turn off only the control it still
    recognises and call that success."""
    replica, user = seeded()
    monkeypatch.setitem(replica.text("en"), "training_2025",
                        "Let xAI learn from your posts and your Grok chats")
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED
    assert "training_2025" in result.message
    assert replica.events("setting_changed") == []
