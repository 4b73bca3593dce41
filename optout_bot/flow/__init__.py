"""The floor flows and replicas stand on: the ``Flow`` a platform subclasses, finding elements
on its pages (``page``) and finding the flows themselves (``registry``).

It never imports ``run``, ``check`` or ``replica``: what a flow needs from the engine (page
loads tried again, second factors, evidence notes) is lent to it as an object the engine hands
in, so "a flow never retries; the engine does" holds by construction.
"""

from optout_bot.flow.flow import (
    FORM_STEPS,
    SETTING_STEPS,
    AccountView,
    Flow,
    FlowServices,
    State,
    Step,
)

__all__ = ["FORM_STEPS", "SETTING_STEPS", "AccountView", "Flow", "FlowServices", "State", "Step"]
