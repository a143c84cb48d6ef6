"""Render a :class:`~lossadvisor.checks.CheckResult` for people and for CI systems.

Formats: ``text`` (a rich table), ``json`` (versioned), ``junit`` (one test case per
check, read by CI test reporters), ``github`` (workflow annotations) and ``markdown``
(a pull-request comment). Renderers compute nothing: every value comes from the result.
In junit and github output a failed warning counts as a failure only under ``--strict``,
so what the CI report shows matches the exit code.
"""

from __future__ import annotations

import io
import json
import math
import xml.etree.ElementTree as ET
from typing import Callable, Mapping

from lossadvisor.checks.outcome import FAILED, PASSED, SKIPPED, CheckResult, Finding
from lossadvisor.vocabulary import CHECK_SCHEMA_VERSION

FORMATS = ("text", "json", "junit", "github", "markdown")
SYMBOLS = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP"}


def resolve_format(name: str, environ: Mapping[str, str]) -> str:
    """``auto`` becomes ``github`` inside GitHub Actions (which sets GITHUB_ACTIONS=true), else ``text``;
    ``GITHUB_ACTIONS=false`` (a user switching it off, e.g. to reproduce a run locally) means text."""
    if name == "auto":
        return "github" if environ.get("GITHUB_ACTIONS", "").strip().lower() == "true" else "text"
    return name


def render_check(result: CheckResult, fmt: str, width: int = 100) -> str:
    """The report in one of :data:`FORMATS`; `width` is the text format's console width."""
    renderers: dict[str, Callable[[CheckResult], str]] = {
        "text": render_text,
        "json": render_json,
        "junit": render_junit,
        "github": render_github,
        "markdown": render_markdown,
    }
    return render_text(result, width) if fmt == "text" else renderers[fmt](result)


def verdict(result: CheckResult) -> str:
    return "passed" if result.exit_code == 0 else "failed"


def summary_line(result: CheckResult) -> str:
    """"failed: 1 error, 2 warnings, 12 passed, 2 skipped"."""
    counts = result.counts()
    parts = [
        f"{counts['failed_errors']} error{'s' * (counts['failed_errors'] != 1)}",
        f"{counts['failed_warnings']} warning{'s' * (counts['failed_warnings'] != 1)}",
        f"{counts['passed']} passed",
        f"{counts['skipped']} skipped",
    ]
    return f"{verdict(result)}: {', '.join(parts)}" + (" (--strict: warnings fail)" if result.strict else "")


def render_text(result: CheckResult, width: int = 100) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False, soft_wrap=False,
                      markup=False, emoji=False)  # data text ("[a]", ":smile:") must print as is
    title = f"lossadvisor check: {result.source}" + (f" (baseline {result.baseline})" if result.baseline else "")
    table = Table(title=title, show_lines=False, expand=False)
    for column in ("", "ID", "check", "level", "result"):
        table.add_column(column, overflow="fold")
    for finding in result.findings:
        table.add_row(SYMBOLS[finding.status], finding.id, finding.name, finding.level, finding.message)
    console.print(table)
    if result.config:
        console.print(f"config: {result.config}")
    console.print(summary_line(result))
    return buffer.getvalue()


def _plain(value):
    """JSON has no inf or NaN: write them as the strings "inf", "-inf", "nan"."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _finding_dict(finding: Finding, result: CheckResult) -> dict:
    return {
        "id": finding.id,
        "name": finding.name,
        "level": finding.level,
        "status": finding.status,
        "blocking": result.blocking(finding),
        "message": finding.message,
        "observed": _plain(finding.observed),
        "limit": _plain(finding.limit),
        "target": finding.target,
    }


def render_json(result: CheckResult) -> str:
    document = {
        "schema_version": CHECK_SCHEMA_VERSION,
        "source": result.source,
        "baseline": result.baseline,
        "config": result.config,
        "strict": result.strict,
        "passed": result.exit_code == 0,
        "exit_code": result.exit_code,
        "summary": result.counts(),
        "findings": [_finding_dict(f, result) for f in result.findings],
    }
    return json.dumps(document, indent=2, allow_nan=False, default=str)


def render_junit(result: CheckResult) -> str:
    counts = result.counts()
    failures = sum(result.blocking(f) for f in result.findings)
    suites = ET.Element("testsuites", name="lossadvisor check", tests=str(len(result.findings)), failures=str(failures))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"lossadvisor check {result.source}",
        tests=str(len(result.findings)),
        failures=str(failures),
        errors="0",
        skipped=str(counts["skipped"]),
    )
    for finding in result.findings:
        case = ET.SubElement(suite, "testcase", classname="lossadvisor.check", name=finding.title)
        if result.blocking(finding):
            failure = ET.SubElement(case, "failure", message=finding.message, type=finding.level)
            failure.text = f"{finding.level}: {finding.message}"
        elif finding.status == SKIPPED:
            ET.SubElement(case, "skipped", message=finding.message)
        else:
            prefix = "warning (not failing without --strict)" if finding.status == FAILED else "passed"
            ET.SubElement(case, "system-out").text = f"{prefix}: {finding.message}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: CheckResult) -> str:
    """One workflow command per failed check: ``::error file=...,title=...::message``."""
    lines = []
    for finding in result.findings:
        if finding.status != FAILED:
            continue
        command = "error" if result.blocking(finding) else "warning"
        properties = f"file={_escape_property(result.source)},title={_escape_property(finding.title)}"
        lines.append(f"::{command} {properties}::{_escape_data(finding.message)}")
    lines.append(f"lossadvisor check {result.source}: {summary_line(result)}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: CheckResult) -> str:
    mark = "✅" if result.exit_code == 0 else "❌"
    against = f" against baseline `{result.baseline}`" if result.baseline else ""
    lines = [f"### {mark} lossadvisor check {verdict(result)}", "", f"`{result.source}`{against}: {summary_line(result)}", ""]
    header = ["| | check | level | result |", "|---|---|---|---|"]
    problems = [f for f in result.findings if f.status == FAILED]
    others = [f for f in result.findings if f.status != FAILED]
    if problems:
        lines += header
        for f in problems:
            icon = "❌" if result.blocking(f) else "⚠️"
            lines.append(f"| {icon} | `{f.id}` {f.name} | {f.level} | {_cell(f.message)} |")
        lines.append("")
    if others:
        lines += [f"<details><summary>{len(others)} passed or skipped</summary>", "", *header]
        for f in others:
            icon = "✅" if f.status == PASSED else "⏭️"
            lines.append(f"| {icon} | `{f.id}` {f.name} | {f.level} | {_cell(f.message)} |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
