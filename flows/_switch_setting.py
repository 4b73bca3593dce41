"""What the AI services' settings flows share (ChatGPT, Claude, DeepSeek): one training
switch in a settings panel, read before anything changes, turned off with one click, and
proved by reading it again after a reload. A platform's flow says where the panel is
(``switches``, ``training_switch``, ``open_panel``) and how its pages name things."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from playwright.sync_api import Locator, expect

from optout_bot import Flow, FlowError, State, Switch, Target, UiChanged

TRAINING = "toggle"
"""The label key of the training switch in every one of these flows."""


class SwitchSettingFlow(Flow):
    SERVICE: ClassVar[str]
    """The service as it names itself, in the tool's own sentences."""
    SWITCH_ELEMENT: ClassVar[str]
    """The switch's human name in errors (``"data controls: Improve the model switch"``)."""
    PANEL_NAME: ClassVar[str]
    """Where the switch is, in the confirmation sentence (``"Data controls"``)."""

    def switches(self) -> dict[str, Switch]:
        raise NotImplementedError

    def training_switch(self) -> Locator:
        raise NotImplementedError

    def open_panel(self) -> None:
        """From the settings page to the panel that shows the training switch."""
        raise NotImplementedError

    def next_page(self, what: str, **choices: list[Target]) -> str:
        """Which page the service shows next (signed in: what its ``SIGNED_IN`` shows); a bot
        wall is the person's (headed) or the end."""
        assert self.SIGNED_IN is not None, f"{type(self).__name__} says how it looks signed in"
        while True:
            seen = self.wait_for_any(
                {
                    "signed_in": list(self.SIGNED_IN.shows),
                    **choices,
                    "bot_wall": self.bot_wall_targets(),
                },
                what=f"sign-in: {what}",
            )
            if seen != "bot_wall":
                return seen
            self.at_bot_wall()

    def open_settings(self) -> None:
        self.goto("settings")
        self.services.note("form_url", self.urls["settings"])
        self.services.note("form_version", self.VERSIONS[-1])
        self.open_panel()

    def reread(self) -> None:
        """The settings page loaded again: only what the service stored shows."""
        self.goto("settings")
        self.reload()
        self.open_panel()

    def check_step(self, step: str) -> None:
        """Check mode: the switch is there and could be turned off; it is not touched."""
        if not self.training_switch().is_enabled():
            raise UiChanged(f"{self.SWITCH_ELEMENT} (disabled)", step=self.step)

    def is_applied(self) -> bool:
        self.reread()
        return not self.training_switch().is_checked()

    def left_as_they_were(self, shown: Mapping[str, Switch]) -> list[str]:
        """The switches the flow leaves alone and names in its confirmation: the unknown ones."""
        return [s.name for s in shown.values() if s.key is None]

    @staticmethod
    def states(shown: Mapping[str, Switch]) -> dict[str, str]:
        return {s.name: "on" if s.on else "off" for s in shown.values()}

    def read_state(self) -> State:
        shown = self.switches()
        self.services.note("controls_before", self.states(shown))
        if TRAINING not in shown:
            raise UiChanged(self.SWITCH_ELEMENT, step=self.step)
        if not shown[TRAINING].on:
            return State.DONE
        self.services.submitted({shown[TRAINING].name: "off"})
        return State.NOT_DONE

    def turn_off(self) -> None:
        """One click; the page shows the switch off once the service saved it."""
        switch = self.training_switch()
        if switch.is_checked():
            switch.click()
        expect(switch).not_to_be_checked(timeout=self.timeout_ms)

    def verify(self) -> None:
        """Reload: only what the service stored counts."""
        self.reread()
        shown = self.switches()
        self.services.note("controls_after", self.states(shown))
        if shown[TRAINING].on:
            raise FlowError(
                f"«{shown[TRAINING].name}» is on again after a reload: "
                f"{self.SERVICE} did not keep it",
                step=self.step,
            )
        # The tool's finding, in the person's language on receipts and letters; only the
        # setting's name is the service's own words.
        self.services.note(
            "conclusion",
            {"key": "setting_off_after_reload", "quoted": {"setting": shown[TRAINING].name}},
        )
        left = self.left_as_they_were(shown)
        also = f" Left as they were: {', '.join(f'«{n}»' for n in left)}." if left else ""
        self.services.confirmation(
            f"«{shown[TRAINING].name}» is off after reloading {self.PANEL_NAME}.{also}"
        )
