"""Check reports: JUnit XML (one test case per platform and step, so CI shows it natively),
JSON, and an HTML page with screenshots and diffs for the volunteer who repairs a flow."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jinja2

from optout_bot.run.engine import RunResult

_pages = jinja2.Environment(
    loader=jinja2.PackageLoader("optout_bot.check", "templates"), autoescape=True
)


def to_json(results: list[RunResult]) -> list[dict[str, Any]]:
    out = []
    for result in results:
        checks = []
        for check in result.checks:
            item = asdict(check)
            item.pop("aria_snapshot", None)
            if check.diff is not None:
                item["diff"] = {
                    "baseline": str(check.diff.baseline),
                    "breaking": check.diff.breaking,
                    "harmless": check.diff.harmless,
                    "text": check.diff.text,
                    "missing_baseline": check.diff.missing_baseline,
                }
            checks.append(item)
        out.append(
            {
                "platform": result.platform,
                "account": result.account,
                "verdict": result.check_verdict,
                "outcome": result.outcome.value,
                "message": result.message,
                "seconds": round(result.seconds, 2),
                "evidence_dir": str(result.evidence_dir),
                "steps": checks,
            }
        )
    return out


def write_json(results: list[RunResult], path: Path) -> None:
    path.write_text(
        json.dumps(to_json(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def write_junit(results: list[RunResult], path: Path) -> None:
    """``<testsuites>`` with one suite per flow run and one case per step."""
    suites = ET.Element("testsuites", name="optout-bot check")
    for result in results:
        cases = result.checks
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{result.platform}.{result.account}",
            tests=str(len(cases)),
            failures=str(sum(c.status == "ui_changed" for c in cases)),
            errors=str(sum(c.status == "error" for c in cases)),
            skipped=str(sum(c.status == "skipped" for c in cases)),
            time=f"{result.seconds:.3f}",
        )
        for check in cases:
            case = ET.SubElement(
                suite,
                "testcase",
                name=check.step,
                classname=f"{result.platform}.{result.account}",
                time=f"{check.seconds:.3f}",
            )
            if check.status == "ui_changed":
                failure = ET.SubElement(case, "failure", type="ui_changed", message=check.detail)
                failure.text = check.diff.text if check.diff and check.diff.text else None
            elif check.status == "error":
                ET.SubElement(case, "error", type="could_not_run", message=check.detail)
            elif check.status == "skipped":
                ET.SubElement(case, "skipped", message=check.detail)
            elif check.detail:
                ET.SubElement(case, "system-out").text = check.detail
            if check.unconfirmed:
                ET.SubElement(case, "system-err").text = (
                    "relied on unconfirmed labels: " + ", ".join(check.unconfirmed)
                )
    ET.indent(suites)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def write_html(results: list[RunResult], path: Path) -> None:
    """A page per check run: verdicts, each step's screenshot and its diff from the baseline."""

    def relative(folder: Path | None, name: str | None) -> str | None:
        if folder is None or name is None:
            return None
        return os.path.relpath(folder / name, path.parent)

    rows = [
        {
            "result": r,
            "verdict": r.check_verdict,
            "steps": [
                {"check": c, "shot": relative(r.evidence_dir, c.screenshot)} for c in r.checks
            ],
        }
        for r in results
    ]
    path.write_text(_pages.get_template("check-report.html").render(rows=rows), encoding="utf-8")
