"""The notebooks in examples/ run, and still show what the library says.

Each notebook is executed again, in a kernel running this interpreter, and every output a reader sees is
compared with the committed one: printed text, and the richest form of each displayed value (the HTML of
a verdict, a timeline or a table; the plain text otherwise). Figures are compared by presence only, never
pixel by pixel. Volatile bits are normalised first: hex digests (the rulebook hash), memory addresses,
the engine's name and the library's version in verdict footers, temporary paths. stderr is ignored
(environment noise such as matplotlib's font-cache notice).

When a test fails because the library's answer changed on purpose, rebuild the notebooks with
`python scripts/build_notebooks.py` and review the diff of their outputs before committing.
"""

from __future__ import annotations

import copy
import difflib
import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEEDS = ROOT / "seeds"
EXPECTED = [
    "01_was_this_order_legal.ipynb",
    "02_how_the_controls_moved.ipynb",
    "03_same_chip_other_buyer.ipynb",
    "04_write_your_own_rule.ipynb",
    "05_audit_trail.ipynb",
]

if os.environ.get("CI"):  # in CI a missing test dependency is a failure, not a skip
    import ipykernel  # noqa: F401
    import matplotlib  # noqa: F401
    import nbclient  # noqa: F401
    import nbformat
else:
    nbformat = pytest.importorskip("nbformat")
    for module in ("nbclient", "ipykernel", "matplotlib"):
        pytest.importorskip(module, reason=f"the notebook tests need {module} (pip install '.[test]')")


def _builder():
    """scripts/build_notebooks.py, which writes the notebooks and knows how to execute them."""
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "scripts" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------ comparison

_VOLATILE = [
    (re.compile(r"\b[0-9a-f]{12,64}\b"), "<hex>"),  # rulebook hash, sha256 of a file
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "0x<address>"),
    (re.compile(r"\bengine [A-Za-z_][\w-]*"), "engine <engine>"),
    (re.compile(r"\bchipcontrol \d+\.\d+[\w.+-]*"), "chipcontrol <version>"),
    (re.compile(r"(/tmp|/var/folders|/private/var)/[^\s'\"<>]+"), "<tmp>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def shown(outputs) -> list[tuple[str, str]]:
    """What a reader sees of a cell's outputs, as (kind, normalised text); a figure is ("image/png", "")."""
    items: list[tuple[str, str]] = []
    for out in outputs:
        if out.output_type == "stream":
            if out.name != "stdout":
                continue
            if items and items[-1][0] == "stdout":  # a print may arrive in several chunks
                items[-1] = ("stdout", items[-1][1] + out.text)
            else:
                items.append(("stdout", out.text))
        elif out.output_type in ("display_data", "execute_result"):
            data = out.get("data", {})
            if "image/png" in data:
                items.append(("image/png", ""))
            elif "text/html" in data:  # one tag a line, so that a difference reads as a short diff
                items.append(("text/html", re.sub(r">\s*<", ">\n<", data["text/html"])))
            else:
                items.append(("text/plain", data.get("text/plain", "")))
        elif out.output_type == "error":
            items.append(("error", f"{out.ename}: {out.evalue}"))
    return [(kind, normalise(text)) for kind, text in items]


def _difference(where: str, committed: list[tuple[str, str]], fresh: list[tuple[str, str]]) -> str:
    left = [f"[{kind}]\n{text}" for kind, text in committed]
    right = [f"[{kind}]\n{text}" for kind, text in fresh]
    diff = difflib.unified_diff(
        "\n".join(left).splitlines(), "\n".join(right).splitlines(), "committed", "now", lineterm="", n=2
    )
    lines = list(diff)
    more = f"\n... {len(lines) - 80} more diff lines" if len(lines) > 80 else ""
    return f"{where}: the output differs from the committed one:\n" + "\n".join(lines[:80]) + more


# ------------------------------------------------------------------------------------------ tests


def test_the_notebooks_of_the_issues_are_there():
    assert sorted(p.name for p in EXAMPLES.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_and_shows_what_the_library_says_now(name):
    committed = nbformat.read(EXAMPLES / name, as_version=4)
    fresh = copy.deepcopy(committed)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    _builder().execute(fresh, cwd=EXAMPLES)  # raises CellExecutionError, with the traceback, if a cell fails

    code_cells = [(c, f) for c, f in zip(committed.cells, fresh.cells) if c.cell_type == "code"]
    assert code_cells, f"{name} has no code cell"
    problems = []
    for index, (old, new) in enumerate(code_cells, start=1):
        assert old.source == new.source
        before, now = shown(old.outputs), shown(new.outputs)
        if before != now:
            head = old.source.strip().splitlines()[0][:70]
            problems.append(_difference(f"{name}, code cell {index} ({head!r})", before, now))
    if problems:
        more = f"\n\n({len(problems)} cells differ)" if len(problems) > 3 else ""
        pytest.fail("\n\n".join(problems[:3]) + more, pytrace=False)


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_has_outputs_committed_and_no_error(name):
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "commit the notebook executed (scripts/build_notebooks.py)"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_the_one_the_build_script_writes(name):
    """The notebooks are generated: an edit made by hand would be lost at the next build."""
    committed = nbformat.read(EXAMPLES / name, as_version=4)
    written = _builder().NOTEBOOKS[name]()
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in written]


_QUOTE = re.compile(r"« (.+?) »", re.S)
_SPACE = re.compile(r"\s+")


def _ws(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


@pytest.mark.parametrize("name", EXPECTED)
def test_every_quotation_in_a_notebook_is_verbatim_from_an_article(name):
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    articles = {p.name: _ws(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    quotes = [(q, cell.source) for cell in nb.cells if cell.cell_type == "markdown" for q in _QUOTE.findall(cell.source)]
    if name != "04_write_your_own_rule.ipynb":
        assert quotes, f"{name} quotes no article"
    for quote, source in quotes:
        linked = re.findall(r"\]\(\.\./seeds/([^)]+)\)", source)
        assert any(_ws(quote) in articles.get(file, "") for file in linked), f"not verbatim in the linked article: {quote!r}"
