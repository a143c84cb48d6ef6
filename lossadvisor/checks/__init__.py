"""The CI gate: thresholds and a profile (and a baseline's drift) → findings → an exit code."""
