"""The evidence recorder: fills one run's evidence bundle as the steps go.

At the end of every step it keeps the page's URL and a full-page screenshot with password
fields and the account's email masked; it holds the flow's notes (form URL, what was
submitted, the platform's answer), keeps the Playwright trace of a run that did not reach its
outcome (secrets scrubbed), the replicas' request log, and writes the final manifest whose hash
goes into the ledger. A disk that fills up never changes the outcome: the message says what is
missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from optout_bot.browser import tracing
from optout_bot.errors import one_line
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import EvidenceBundle, StepRecord
from optout_bot.replica import Replica
from optout_bot.settings import Settings

if TYPE_CHECKING:
    from optout_bot.run.job import Job

MASK_COLOR = "#3a3b3c"


class EvidenceRecorder:
    """One run's bundle, and what the engine writes into it."""

    def __init__(
        self, bundle: EvidenceBundle, settings: Settings, email: str | None, log: Any
    ) -> None:
        self.bundle = bundle
        self.page: Page | None = None  # set once the run has one
        self.failed = False  # some evidence could not be written
        self._settings = settings
        self._email = email
        self._log = log
        self._shown: tuple[str | None, str | None] = (None, None)  # fingerprint, file

    @classmethod
    def create(
        cls, settings: Settings, job: Job, previous_manifest: str | None, log: Any
    ) -> EvidenceRecorder:
        flow = job.flow
        jurisdiction, country = job.account.applicable_law()
        bundle = EvidenceBundle.create(
            settings.output.evidence_dir,
            flow.PLATFORM,
            job.label,
            {
                "mode": job.mode,
                "flow": flow.__module__,
                "flow_version": flow.FLOW_VERSION,
                "description": flow.DESCRIPTION,
                "locale": job.account.locale,
                "jurisdiction": jurisdiction,
                "jurisdiction_country": country,
                "residence_region": job.account.region,
                "previous_manifest_sha256": previous_manifest,
            },
        )
        return cls(bundle, settings, job.account.form_email_or_none(), log)

    @property
    def directory(self) -> Path:
        return self.bundle.directory

    @property
    def facts(self) -> dict[str, Any]:
        return self.bundle.facts

    def last_step(self) -> str | None:
        return self.bundle.steps[-1].name if self.bundle.steps else None

    def note(self, key: str, value: Any) -> None:
        self.bundle.note(key, value)

    def begin_step(self, name: str, attempt: int) -> StepRecord:
        return self.bundle.begin_step(name, attempt)

    def end_step(self, record: StepRecord, status: str, error: BaseException | None = None) -> None:
        """Close the step with the page's URL and a screenshot, unless the page is unchanged
        since the last one taken: then the manifest names that earlier file."""
        url = self._url()
        fingerprint = page_fingerprint(self.page)
        unchanged = fingerprint is not None and fingerprint == self._shown[0]
        shot = None if unchanged else self._screenshot()
        self.bundle.end_step(
            record,
            status=status,
            url=url,
            screenshot=shot,
            same_screenshot_as=self._shown[1] if unchanged else None,
            error=one_line(error) if error is not None else None,
        )
        if shot is not None:
            # Taken just before the picture: a page that changed in between differs from it
            # at the next step too, so it is pictured again rather than wrongly reused.
            self._shown = (fingerprint, record.screenshot)

    def keep_trace(
        self, context: BrowserContext, outcome: Outcome, check: bool, secrets: list[str]
    ) -> None:
        """The trace goes into the evidence only when the run did not reach its outcome."""
        keep = outcome not in (Outcome.SUBMITTED, Outcome.ALREADY_DONE) and not check
        data = tracing.stop(context, keep, secrets)
        if data is not None:
            try:
                self.bundle.add_file(tracing.TRACE, data)
            except OSError as error:
                self._log.warning("trace not kept", error=one_line(error))

    def finish(
        self, outcome: Outcome, message: str, replicas: Sequence[Replica]
    ) -> tuple[str, str | None]:
        """Write the replicas' request log, the receipt and the final manifest: the message
        (naming what could not be written) and the manifest's hash (None when not written)."""
        try:
            if replicas:
                lines = [entry for replica in replicas for entry in replica.log]
                self.bundle.add_file(
                    "replica-requests.jsonl",
                    "".join(_json_line(e) for e in sorted(lines, key=lambda e: e["time"])).encode(
                        "utf-8"
                    ),
                )
            return message, self.bundle.finish(outcome.value, message)
        except OSError as error:  # the outcome stands; the ledger says what is missing
            if not self.failed:
                message = f"{message}; {unwritable(error)}"
            self.failed = True
            return message, None

    def _url(self) -> str | None:
        try:
            return self.page.url if self.page is not None else None
        except PlaywrightError:
            return None

    def _screenshot(self) -> bytes | None:
        """A full-page screenshot with password fields and the account's email masked."""
        page = self.page
        if page is None:
            return None
        mask = [] if self._settings.output.unmasked_evidence else _masks(page, self._email)
        try:
            return page.screenshot(
                full_page=True,
                mask=mask,
                mask_color=MASK_COLOR,
                animations="disabled",
                timeout=self._settings.browser.timeout_ms,
            )
        except (PlaywrightError, PlaywrightTimeout) as error:
            self._log.warning("screenshot failed", error=one_line(error))
            return None


PAGE_STATE = """async () => {
  await document.fonts.ready;  // as a screenshot does
  // A masked screenshot leaves style="" on the elements it masked: no visible change.
  const d = document, parts = [location.href,
    d.documentElement.outerHTML.replaceAll(' style=""', ""),
    d.documentElement.scrollWidth, d.documentElement.scrollHeight, scrollX, scrollY];
  for (const f of d.querySelectorAll("input, textarea, select"))
    parts.push(f.type === "checkbox" || f.type === "radio" ? f.checked : f.value);
  for (const i of d.images) parts.push(i.complete);
  const text = parts.join("\\u0000");
  if (!(self.crypto && crypto.subtle)) return text;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, "0")).join("");
}"""


def page_fingerprint(page: Page | None) -> str | None:
    """What a screenshot of ``page`` would show, as a hash: the address, the DOM, what was
    typed or ticked, the page's size and scroll, which images have loaded (the main frame,
    plus the addresses of its frames), once its fonts are ready. None when it cannot be read
    (then a screenshot is taken). One call into the page instead of a full-page
    screenshot."""
    if page is None:
        return None
    try:
        state = page.evaluate(PAGE_STATE)
        frames = [frame.url for frame in page.frames]
    except PlaywrightError:
        return None
    return hashlib.sha256("\0".join([str(state), *frames]).encode("utf-8")).hexdigest()


def unwritable(error: OSError) -> str:
    """What the person reads when evidence could not be written, and what to do."""
    where = f" to {Path(error.filename).parent}" if error.filename else ""
    return (
        f"the evidence could not be written{where}: {error.strerror or error}; free some "
        "space or choose another folder with --out"
    )


def _masks(page: Page, email: str | None) -> list[Any]:
    masks: list[Any] = [
        page.locator("input[type=password]"),
        page.locator(
            "input[type=email], input[name*=email i], "
            "input[autocomplete=email], input[autocomplete=username]"
        ),
    ]
    if email:
        masks.append(page.get_by_text(email))
    return masks


def _json_line(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False) + "\n"
