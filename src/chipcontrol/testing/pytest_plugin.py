"""pytest plugin (registered by the package's `pytest11` entry point): `pytest --chipcontrol-rulesets [PATH]`
adds one test per example of the rulebook's rule files and one per property of chipcontrol.testing, run
against the rulesets folder at PATH (the bundled one when PATH is left out). Property runs are derandomized:
the same orders every run, so a red run is reproducible.

Nothing is imported from chipcontrol (nor hypothesis) unless the option is given.
"""

from __future__ import annotations

import pytest

BUNDLED = "bundled"


def pytest_addoption(parser) -> None:
    group = parser.getgroup("chipcontrol", "chipcontrol rulebook checks")
    group.addoption(
        "--chipcontrol-rulesets",
        nargs="?",
        const=BUNDLED,
        default=None,
        metavar="PATH",
        help="check the examples and properties of the rulesets folder PATH (no PATH: the bundled rulebook)",
    )
    group.addoption(
        "--chipcontrol-max-examples", type=int, default=100, metavar="N", help="orders per property (default 100)"
    )


class RulebookChecks(pytest.Collector):
    """The parent of the checks (their node ids read `chipcontrol-rulesets::property[...]`)."""

    def collect(self):
        return []


class RulebookCheck(pytest.Item):
    """One example or one property of the rulebook under test; a failure shows its message, not a traceback."""

    def __init__(self, *, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        failure = self.check()
        if failure:
            raise _Failed(failure)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, _Failed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.name


class _Failed(Exception):
    """A check's failure message."""


def _rulebook(config):
    from chipcontrol.errors import RulebookError
    from chipcontrol.rulebook import load_rulebook

    path = config.getoption("chipcontrol_rulesets")
    try:
        return load_rulebook(None if path == BUNDLED else path)
    except RulebookError as exc:
        raise pytest.UsageError(f"--chipcontrol-rulesets {path}: {exc}") from None


def pytest_collection_modifyitems(session, config, items) -> None:
    if config.getoption("chipcontrol_rulesets") is None:
        return
    try:
        from chipcontrol.testing import check_rulebook
        from chipcontrol.testing.properties import PROPERTIES
    except ImportError as exc:
        raise pytest.UsageError(str(exc)) from None
    from chipcontrol.rule_examples import check_example, examples_of

    rulebook = _rulebook(config)
    parent = RulebookChecks.from_parent(session, name="chipcontrol-rulesets")
    max_examples = config.getoption("chipcontrol_max_examples")
    for placed in examples_of(rulebook):
        items.append(RulebookCheck.from_parent(
            parent, name=f"example[{placed.file}:{placed.line}]",
            check=lambda placed=placed: check_example(rulebook, placed).failure,
        ))

    def run_property(name: str) -> str | None:
        result = check_rulebook(rulebook, max_examples, properties=[name], derandomize=True).results[0]
        return result.failure

    for name in PROPERTIES:
        items.append(RulebookCheck.from_parent(parent, name=f"property[{name}]", check=lambda name=name: run_property(name)))
