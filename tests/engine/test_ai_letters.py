"""Receipts and letters for the AI services' setting switches (ChatGPT, DeepSeek, Gemini,
GitHub Copilot), from real demo bundles of the replicas: in German and Korean they name the
controller (and for Korea its domestic agent, or say where to find it), the right exercised
for a switch, the tool's own finding after the reload in the person's language, and hold no
English outside quotations. Every platform has a controller for both laws and a name as it
writes it, each entry with its source or marked unconfirmed; ``optout-bot platforms`` lists
every platform with its languages."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest

from optout_bot.flow import registry
from optout_bot.records.jurisdiction import _data, controller, platform_name
from optout_bot.records.letter import Checked, check_bundle, compose, render
from tests.engine.test_cli import evidence_folders
from tests.engine.test_documents import ENGLISH, outside_quotations
from tests.support.cli import optout_here
from tests.support.shared import built_once

TODAY = datetime(2027, 3, 1, 10, 0)
AI_SERVICES = ("chatgpt", "claude", "deepseek", "gemini", "github_copilot")
NAMES = {
    "chatgpt": "ChatGPT",
    "claude": "Claude",
    "deepseek": "DeepSeek",
    "gemini": "Gemini",
    "github_copilot": "GitHub Copilot",
}
CONTROLLERS = {
    ("chatgpt", "gdpr"): "OpenAI Ireland Limited",
    ("chatgpt", "pipa"): "OpenAI OpCo, LLC",
    ("claude", "gdpr"): "Anthropic Ireland, Limited",
    ("claude", "pipa"): "Anthropic, PBC",
    ("deepseek", "gdpr"): "Hangzhou DeepSeek Artificial Intelligence Co., Ltd.",
    ("deepseek", "pipa"): "Hangzhou DeepSeek Artificial Intelligence Co., Ltd.",
    ("gemini", "gdpr"): "Google Ireland Limited",
    ("gemini", "pipa"): "Google LLC",
    ("github_copilot", "gdpr"): "GitHub B.V.",
    ("github_copilot", "pipa"): "GitHub, Inc.",
}
LAW = {"de": "gdpr", "ko": "pipa"}
RIGHT = {"de": "Widerspruchsrecht nach Art. 21 DSGVO", "ko": "제37조"}
TOOL_FOUND = {
    "de": "(seine eigene Feststellung, nicht der Wortlaut von {platform})",
    "ko": "({platform}의 문구가 아닌 도구 자체의 판단)",
}
SWITCHED_OFF = {"de": "als ausgeschaltet", "ko": "꺼짐으로 표시했습니다"}


class DemoBundles:
    """The services' demo bundles by (platform, locale): one demo run per language and session,
    run when a test first asks for that language (the slow set asks for Korean)."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.found: dict[tuple[str, str], Path] = {}

    def __getitem__(self, key: tuple[str, str]) -> Path:
        locale = key[1]
        if key not in self.found:
            root = built_once(self.factory, f"ai-demo-{locale}", partial(_demo, locale))
            for folder in evidence_folders(root / "ev"):
                manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
                self.found[(manifest["platform"], locale)] = folder
        return self.found[key]


def _demo(locale: str, root: Path) -> None:
    done = optout_here(
        "--out",
        "ev",
        "--ledger",
        "ledger.sqlite3",
        "demo",
        *AI_SERVICES,
        "--locale",
        locale,
        cwd=root,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def demo_bundles(tmp_path_factory: pytest.TempPathFactory) -> DemoBundles:
    """The services' demo bundles, one demo run per language asked for."""
    return DemoBundles(tmp_path_factory)


def checked(folder: Path) -> Checked:
    """The bundle as a letter reads it, its chain checked against the demo's ledger."""
    return check_bundle(folder, folder.parents[3] / "ledger.sqlite3")


@pytest.mark.browser  # the command starts a browser in this process
@pytest.mark.parametrize("locale", list(LAW))
@pytest.mark.parametrize("platform", AI_SERVICES)
def test_a_switch_letter_names_controller_right_and_finding_in_the_person_s_language(
    demo_bundles: DemoBundles, platform: str, locale: str
) -> None:
    folder = demo_bundles[(platform, locale)]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outcome"] == "submitted" and manifest["jurisdiction"] == LAW[locale]
    assert checked(folder).problems == []
    receipt = (folder / "receipt.html").read_text(encoding="utf-8")
    assert CONTROLLERS[(platform, LAW[locale])] in receipt  # the receipt names it too
    name = NAMES[platform]
    for to in ("authority", "platform"):
        composed = compose(checked(folder), to, TODAY, region="Berlin", practice=True)
        text = render(composed, "text")
        one_line = " ".join(text.split())
        assert CONTROLLERS[(platform, LAW[locale])] in one_line
        assert RIGHT[locale] in one_line
        assert TOOL_FOUND[locale].format(platform=name) in one_line
        assert SWITCHED_OFF[locale] in one_line
        english = sorted(
            {w for w in re.findall(r"[A-Za-z]+", outside_quotations(text)) if w.lower() in ENGLISH}
        )
        assert english == [], english
    if locale == "ko":  # the controller's letter says who its domestic agent is, or where
        assert "국내대리인 (개인정보 보호법 제31조의2)" in one_line


@pytest.mark.browser  # the command starts a browser in this process
def test_the_tool_s_finding_quotes_only_the_platform_s_names_of_its_settings(
    demo_bundles: DemoBundles,
) -> None:
    folder = demo_bundles[("gemini", "de")]
    notes = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    conclusion = notes["conclusion"]
    assert conclusion["key"] == "settings_off_after_reload"
    one_line = " ".join(
        render(compose(checked(folder), "authority", TODAY, practice=True), "text").split()
    )
    setting, other = conclusion["quoted"]["setting"], conclusion["quoted"]["other"]
    assert f"die Einstellungen „{setting}“ und „{other}“ als ausgeschaltet" in one_line


@pytest.mark.parametrize("law", ["gdpr", "pipa"])
def test_every_platform_has_a_controller_for_each_law_and_its_own_name(law: str) -> None:
    platforms = {*registry.discover(), *NAMES}
    for platform in platforms:
        owner = controller(platform, law)
        assert owner is not None, platform
        assert platform in _data("controllers.toml")["names"], platform
    for platform, name in NAMES.items():
        assert platform_name(platform) == name
        owner = controller(platform, law)
        assert owner is not None and owner.name == CONTROLLERS[(platform, law)]


def test_every_controller_entry_has_a_source_or_says_where_we_looked() -> None:
    for law in ("gdpr", "pipa"):
        for key, entry in _data("controllers.toml")[law].items():
            sourced = bool(entry.get("source") and entry.get("seen"))
            looked = bool(entry.get("unconfirmed") and entry.get("looked"))
            assert sourced or looked, (law, key)
            if entry.get("address_unconfirmed"):
                assert entry.get("address_looked"), (law, key)
            if entry.get("agent_unconfirmed"):
                assert entry.get("agent_looked"), (law, key)
            elif entry.get("agent"):
                assert entry.get("agent_source") and entry.get("agent_seen"), (law, key)


def test_platforms_lists_every_flow_with_its_languages(tmp_path: Path) -> None:
    shown = optout_here("platforms", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    flows = registry.discover()
    assert set(AI_SERVICES) <= set(flows)
    for name, flow in flows.items():
        [at] = [i for i, line in enumerate(lines) if line.split(" ", 1)[0] == name]
        coverage = lines[at + 3]
        assert coverage.strip().startswith("flow strings with a public source:"), name
        shown_locales = [part.split()[0] for part in coverage.split(":", 1)[1].split(" · ")]
        assert shown_locales == list(flow.locales()), name
        assert (flow.URLS.get("form") or flow.URLS.get("settings") or "") in lines[at + 1]
    for name in AI_SERVICES:
        assert {"en", "de", "ko"} <= set(flows[name].locales())
