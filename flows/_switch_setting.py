"""What the AI services' settings flows share (ChatGPT, Claude, DeepSeek): one training
switch in a settings panel, read before anything changes, turned off with one click, and
proved by reading it again after a reload. A platform's flow says where the panel is
(``switches``, ``training_switch``, ``reread``) and how its pages name things."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from playwright.sync_api import Locator, expect

from optout_bot import Flow, FlowError, State, Switch, UiChanged

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

    def reread(self) -> None:
        raise NotImplementedError

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
