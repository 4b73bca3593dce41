"""The engine is a house with floors, held as data in ``tests/support/floors.py``: imports only
go down, flows and replicas enter through their public faces. Each check is also shown failing
on a small module tree built to break it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.floors import FLOORS, face_breaks, floor_breaks, module_graph, unit_of

REPOSITORY = Path(__file__).resolve().parents[2]


def test_every_engine_package_is_on_a_floor_and_imports_only_go_down() -> None:
    assert floor_breaks(REPOSITORY) == []


def test_every_floor_is_a_package_or_module_that_exists() -> None:
    units = {unit_of(m) for m in module_graph(REPOSITORY)}
    declared = {u for _name, floor in FLOORS for u in floor}
    assert units == declared


@pytest.mark.parametrize(
    ("folder", "face"), [("flows", "optout_bot"), ("fixtures", "optout_bot.replica")]
)
def test_flows_and_replicas_import_only_their_public_face(folder: str, face: str) -> None:
    assert face_breaks(REPOSITORY, folder, face) == []


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


TREE = {
    "optout_bot/__init__.py": "",
    "optout_bot/errors.py": "",
    "optout_bot/labels/__init__.py": "from optout_bot.errors import *\n",
    "optout_bot/flow/__init__.py": "",
    "optout_bot/flow/page.py": "from optout_bot import labels\n",
    "optout_bot/run/__init__.py": "",
    "optout_bot/run/retry.py": "from optout_bot.flow import page\n",
    "optout_bot/run/engine.py": "from optout_bot.run import retry\n",
    "optout_bot/check/__init__.py": "",
    "optout_bot/check/watcher.py": "from optout_bot.run.engine import x\n",
}


def test_a_well_built_tree_has_no_breaks(tmp_path: Path) -> None:
    """The checker's own control: the tree the failing cases start from passes."""
    assert floor_breaks(write(tmp_path, TREE)) == []


def test_an_import_up_a_floor_inside_a_function_is_reported(tmp_path: Path) -> None:
    """The flow retrying by itself: it reaches the run, however deep the import hides."""
    page = "from optout_bot import labels\n\ndef goto():\n    from optout_bot.run import retry\n"
    breaks = floor_breaks(write(tmp_path, {**TREE, "optout_bot/flow/page.py": page}))
    assert "optout_bot.flow.page imports optout_bot.run.retry: run is not below flow" in (
        " ".join(breaks)
    )
    assert any("optout_bot.flow.page reaches" in b and "optout_bot.run.retry" in b for b in breaks)
    assert any("import cycle" in b for b in breaks)  # run.retry imports flow.page back


def test_the_run_reaching_check_mode_through_a_chain_is_reported(tmp_path: Path) -> None:
    """The run importing check mode under TYPE_CHECKING is still an import of check."""
    engine = (
        "from typing import TYPE_CHECKING\nfrom optout_bot.run import retry\n"
        "if TYPE_CHECKING:\n    from optout_bot.check import watcher\n"
    )
    breaks = floor_breaks(write(tmp_path, {**TREE, "optout_bot/run/engine.py": engine}))
    assert any(
        b.startswith("optout_bot.run.engine imports optout_bot.check.watcher") for b in breaks
    )
    assert any(b.startswith("optout_bot.run.engine reaches") for b in breaks)


def test_a_package_on_no_floor_is_reported(tmp_path: Path) -> None:
    tree = {
        **TREE,
        "optout_bot/helpers.py": "",
        "optout_bot/errors.py": "import optout_bot.helpers\n",
    }
    with pytest.raises(LookupError, match=r"optout_bot\.helpers is on no floor"):
        floor_breaks(write(tmp_path, tree))


def test_a_flow_reaching_past_the_public_face_is_reported(tmp_path: Path) -> None:
    tree = {
        "flows/__init__.py": "",
        "flows/demo/flow.py": (
            "from optout_bot import Flow\nfrom optout_bot.flow.page import Target\n"
            "from fixtures.demo import DemoReplica\n"
        ),
        "fixtures/demo/__init__.py": (
            "from optout_bot.replica import Replica\nfrom optout_bot import registry\n"
        ),
    }
    write(tmp_path, tree)
    assert face_breaks(tmp_path, "flows", "optout_bot") == [
        "flows/demo/flow.py:2 imports optout_bot.flow.page (only optout_bot)",
        "flows/demo/flow.py:3 imports fixtures.demo (only optout_bot)",
    ]
    assert face_breaks(tmp_path, "fixtures", "optout_bot.replica") == [
        "fixtures/demo/__init__.py:2 imports optout_bot (only optout_bot.replica)"
    ]
