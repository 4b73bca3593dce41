"""Check mode: ARIA snapshots compared with baselines, and the reports a volunteer reads."""
