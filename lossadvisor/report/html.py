"""Render the one-page report as self-contained HTML or as Markdown, with Jinja2 templates.

Both formats render the same :class:`~lossadvisor.report.page.PageContent`. HTML inlines its CSS and
its charts (SVG from :mod:`lossadvisor.report.charts`), so the file opens offline and can be attached
to a CI run; Markdown (a pull-request comment) omits the charts and says the HTML has them.
"""

from __future__ import annotations

from pathlib import Path

from lossadvisor.profiling.profile import Profile
from lossadvisor.report.page import PageContent, page_content

TEMPLATES = Path(__file__).parent / "templates"


def _environment(autoescape: bool):
    import jinja2

    # A key missing from an older or newer saved file renders as an empty value, not an error.
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=autoescape,
                             undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["pct"] = lambda v, digits=1: f"{v:.{digits}%}" if isinstance(v, (int, float)) else "–"
    env.filters["num"] = lambda v: "–" if v is None or isinstance(v, jinja2.Undefined) else (
        f"{v:.4g}" if isinstance(v, float) else str(v))
    env.filters["fixed"] = lambda v, digits=2: f"{v:.{digits}f}" if isinstance(v, (int, float)) else "–"
    env.filters["cell"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    return env


def render_html(profile: Profile | None, recommendation: dict | None, trial: dict | None,
                check: dict | None = None) -> str:
    """The self-contained page: inline CSS, inline SVG charts, no script, no network."""
    from markupsafe import Markup

    from lossadvisor.report.charts import profile_charts, require_matplotlib, trial_charts

    require_matplotlib()
    content = page_content(profile, recommendation, trial, check)
    charts = {**(profile_charts(profile) if profile is not None else {}), **(trial_charts(trial) if trial else {})}
    svg = {key: Markup(chart.svg) for key, chart in charts.items()}
    return _environment(True).get_template("report.html.j2").render(page=content, charts=charts, svg=svg)


def render_markdown(profile: Profile | None, recommendation: dict | None, trial: dict | None,
                    check: dict | None = None) -> str:
    """The same content as Markdown for a pull-request comment; charts are omitted (the HTML has them)."""
    content: PageContent = page_content(profile, recommendation, trial, check)
    return _environment(False).get_template("report.md.j2").render(page=content)
