"""``optout-bot new-platform NAME``: the two folders and the test module of a new platform.

It writes ``flows/NAME/`` (a flow with TODOs where the real pages go, and its English label
file), ``fixtures/NAME/`` (a small replica: a sign-in page and a setting the server keeps) and
``tests/flows/test_NAME.py`` (a table of cases and the replica-strings check). Together they
pass the project's tests as written; the TODOs say what to replace with the real site.
"""

from __future__ import annotations

import importlib
import keyword
import re
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template

from optout_bot.check.pages import plan_every_page
from optout_bot.errors import ConfigError
from optout_bot.flow import registry
from optout_bot.run.engine import ProgressHook, RunResult
from optout_bot.run.jobs import run_jobs
from optout_bot.settings import Settings

NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
LIVE_CHECK = ".github/workflows/check-live.yml"
MATRIX_PLATFORMS = re.compile(r"^(?P<indent>\s*)platform: \[(?P<names>[^\]]*)\]", re.MULTILINE)
# template file → where it goes, relative to the project root
FILES = {
    "flow_init.py.txt": "flows/{name}/__init__.py",
    "flow.py.txt": "flows/{name}/flow.py",
    "labels_en.toml.txt": "flows/{name}/labels/en.toml",
    "replica_init.py.txt": "fixtures/{name}/__init__.py",
    "base.html.txt": "fixtures/{name}/templates/base.html",
    "login.html.txt": "fixtures/{name}/templates/login.html",
    "home.html.txt": "fixtures/{name}/templates/home.html",
    "settings.html.txt": "fixtures/{name}/templates/settings.html",
    "test_platform.py.txt": "tests/flows/test_{name}.py",
}


@dataclass(frozen=True)
class Names:
    """What the templates call the platform."""

    name: str

    @property
    def title(self) -> str:
        return " ".join(part.capitalize() for part in self.name.split("_"))

    @property
    def camel(self) -> str:
        return self.title.replace(" ", "")

    def substitutions(self) -> dict[str, str]:
        return {
            "name": self.name,
            "title": self.title,
            "flow_class": f"{self.camel}Flow",
            "replica_class": f"{self.camel}Replica",
            "account_class": f"{self.camel}Account",
            "origin": f"https://www.{self.name.replace('_', '-')}.example",
        }


def project_root(start: Path) -> Path:
    """The clone to write into: ``start``, which must hold ``flows/`` and ``fixtures/``."""
    if not (
        (start / "flows" / "__init__.py").is_file()
        and (start / "fixtures" / "__init__.py").is_file()
    ):
        raise ConfigError(
            f"{start} is not an optout-bot clone (no flows/ and fixtures/ "
            "packages): run new-platform at the top of your clone, or pass --root"
        )
    return start


def new_platform(name: str, root: Path) -> list[Path]:
    """Write the new platform's files under ``root``; refuse a bad or taken name."""
    if not NAME.match(name) or keyword.iskeyword(name):
        raise ConfigError(
            f"platform name {name!r}: use 2-31 lower-case letters, digits or _, "
            "starting with a letter"
        )
    names = Names(name)
    targets = {template: root / path.format(name=name) for template, path in FILES.items()}
    taken = [
        str(p.relative_to(root))
        for p in (root / "flows" / name, root / "fixtures" / name, targets["test_platform.py.txt"])
        if p.exists()
    ]
    if taken:
        raise ConfigError(f"platform {name!r} exists already: {', '.join(taken)}")
    source = files("optout_bot") / "templates" / "new_platform"
    for template, target in targets.items():
        text = Template(source.joinpath(template).read_text(encoding="utf-8"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.substitute(names.substitutions()), encoding="utf-8")
    written = list(targets.values())
    if add_to_live_check(root, name):
        written.append(root / LIVE_CHECK)
    return written


def add_to_live_check(root: Path, name: str) -> bool:
    """Put the platform in the scheduled live check's matrix (its secrets are then named
    TEST_<NAME>_<LANG>_…); False when the clone has no such workflow or already lists it."""
    workflow = root / LIVE_CHECK
    if not workflow.is_file():
        return False
    text = workflow.read_text(encoding="utf-8")
    found = MATRIX_PLATFORMS.search(text)
    if found is None:
        return False
    names = [n.strip() for n in found.group("names").split(",") if n.strip()]
    if name in names:
        return False
    listed = f"{found.group('indent')}platform: [{', '.join([*names, name])}]"
    workflow.write_text(text[: found.start()] + listed + text[found.end() :], encoding="utf-8")
    return True


def record_baselines(
    settings: Settings, name: str, progress: ProgressHook | None = None
) -> list[RunResult]:
    """The new platform's ARIA baselines, recorded from its replica (what
    ``optout-bot check --replica NAME --update-baselines`` does); evidence and ledger go to a
    temporary folder, not the user's."""
    importlib.invalidate_caches()
    registry.discover.cache_clear()
    registry.get_flow(name)  # the new folder must be in the flows package this process runs
    with tempfile.TemporaryDirectory(prefix="optout-bot-new-platform-") as scratch:
        settings = settings.model_copy(deep=True)
        settings.output.evidence_dir = Path(scratch) / "evidence"
        settings.output.ledger = Path(scratch) / "ledger.sqlite3"
        settings.output.save_sessions = False
        plan = plan_every_page([name], None, update_baselines=True)
        return run_jobs(settings, plan.jobs, progress=progress)
