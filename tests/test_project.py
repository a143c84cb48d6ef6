"""The project's front door: README and CI agree, the CLI starts without heavy imports."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci in (ROOT / "README.md").read_text()


def test_help_does_not_import_torch_or_sklearn():
    code = ("import sys; from typer.testing import CliRunner; from lossadvisor.cli.main import app; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
            "heavy = [m for m in ('torch', 'sklearn', 'cleanlab', 'pandas', 'scipy') if m in sys.modules]; "
            "print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_data_command_takes_the_same_data_options():
    import typer.main

    from lossadvisor.cli.main import app
    from lossadvisor.cli.options import DATA_OPTIONS

    group = typer.main.get_command(app)
    expected = {name for name, _, _ in DATA_OPTIONS}
    for name in ("profile", "recommend", "trial", "check"):
        params = {p.name for p in group.commands[name].params}
        assert expected <= params, (name, expected - params)


def test_usage_errors_are_one_line_with_exit_2():
    from typer.testing import CliRunner

    from lossadvisor.cli.main import app

    runner = CliRunner()
    for args, message in ((["profile", "--bogus"], "No such option: --bogus"),
                          (["check", "x.csv", "--max-imbalance", "abc"], "Invalid value for '--max-imbalance'"),
                          (["nope"], "No such command 'nope'")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("error: ") and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    bare = runner.invoke(app, [])
    assert bare.exit_code == 0 and "Usage: lossadvisor" in bare.stdout


def test_the_public_api_is_listed_in_one_place_and_each_name_resolves() -> None:
    import re

    import lossadvisor

    public = [name for name in lossadvisor.__all__ if name != "__version__"]
    api_table = re.findall(r"^\| `(\w+)` \| `([\w.]+)` \|", (ROOT / "docs" / "api.md").read_text(), re.MULTILINE)
    assert [name for name, _ in api_table] == public
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Python API"):readme.index("```python", readme.index("## Python API"))]
    listed = section.split("says which):")[1].split("How the package")[0]
    assert re.findall(r"`(\w+)`", listed) == public
    for name, module in api_table:
        obj = getattr(lossadvisor, name)
        assert obj.__module__ == module, f"{name} is defined in {obj.__module__}, docs/api.md says {module}"
