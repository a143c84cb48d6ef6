"""Write fitted scores into the rule files, line by line, so comments and layout stay as they were.

Only a rule's one-line ``score: {...}`` is rewritten. The first time a rule is fitted, its hand-set
line is kept above it as ``score_prior: {...}`` (the prior the fit shrinks toward); after that the
prior line is never touched. A YAML round trip would drop the files' comments and anchors, hence
the line edit; the files are read back through the validator afterwards and must give the fitted
scores, so an edit that went wrong is an error, not a silently different rule base.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from lossadvisor.advice.ruleset import RuleSet, read_rule_file
from lossadvisor.advice.score_fit import FittedScore, score_drift, score_table
from lossadvisor.errors import ConfigError

_RULE_START = re.compile(r"^- id:\s*(?P<id>\S+)\s*$")
_SCORE_LINE = re.compile(r"^  (?P<key>score|score_prior):\s*(?P<value>\{.*\}|[0-9.]+)\s*$")


def format_scores(table: tuple[tuple[str, float], ...]) -> str:
    """A score table as a one-line YAML flow mapping (``{default: 0.7, f1: 0.8}``)."""
    return "{" + ", ".join(f"{name}: {value:g}" for name, value in table) + "}"


def write_scores(rules_dir: Path | str, fitted: Mapping[str, tuple[FittedScore, ...]]) -> list[Path]:
    """Rewrite the ``score:`` line of every fitted rule in ``rules_dir``/*.yaml; the files changed."""
    changed = []
    for path in sorted(Path(rules_dir).glob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        new = rewrite_text(text, fitted, str(path))
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
        drift = score_drift(RuleSet(tuple(read_rule_file(path))), fitted)
        if drift:
            raise ConfigError(f"{path}: after writing, the scores still differ from the fit: {drift[0]}")
    return changed


def rewrite_text(text: str, fitted: Mapping[str, tuple[FittedScore, ...]], where: str = "rules") -> str:
    """The file's text with each fitted rule's score line replaced (and its prior line added once)."""
    return "".join(_rewrite_block(block, fitted, where) for block in _blocks(text))


def _blocks(text: str) -> list[list[str]]:
    """The file's lines cut before each ``- id:`` line (the first block is the file's header)."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines(keepends=True):
        if _RULE_START.match(line.rstrip("\n")):
            blocks.append([])
        blocks[-1].append(line)
    return blocks


def _rewrite_block(block: list[str], fitted: Mapping[str, tuple[FittedScore, ...]], where: str) -> str:
    start = _RULE_START.match(block[0].rstrip("\n")) if block else None
    if start is None or start["id"] not in fitted:
        return "".join(block)
    rule_id = start["id"]
    matches = [(_SCORE_LINE.match(line.rstrip("\n")), i) for i, line in enumerate(block)]
    keys = {m["key"]: i for m, i in matches if m}
    if "score" not in keys:
        raise ConfigError(f"{where}: rule {rule_id}: no one-line 'score: {{...}}' to rewrite; "
                          "write its score as a one-line mapping first")
    i = keys["score"]
    ending = "\n" if block[i].endswith("\n") else ""
    new = [f"  score: {format_scores(score_table(fitted[rule_id]))}{ending}"]
    if "score_prior" not in keys:
        new.insert(0, f"  score_prior: {_SCORE_LINE.match(block[i].rstrip(chr(10)))['value']}\n")
    return "".join(block[:i] + new + block[i + 1:])
