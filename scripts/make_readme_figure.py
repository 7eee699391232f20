"""Render the README's picture: every catalog datacenter chip to a Chinese buyer, 2022 to the end of coverage.

    python scripts/make_readme_figure.py                 # writes docs/timeline.png
    python scripts/make_readme_figure.py out.png         # or another path

Needs matplotlib (`pip install '.[plot]'`). The figure is computed from the bundled rulebook, never drawn
by hand: rerun this script when the rules or the catalog change.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import chipcontrol as cc  # noqa: E402
from chipcontrol.plot import close, plot_timelines  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUYER, DESTINATION = "ByteDance", "CN"


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "timeline.png"
    rb = cc.load_rulebook()
    start, end = rb.coverage.start, rb.coverage.until
    def released(record) -> object:  # followed from its announcement (the coverage's start if unknown)
        return max(record.release.earliest, start) if record.release else start

    chips = [record for record in rb.chips.values() if record.datacenter.value and released(record) < end]
    timelines = [
        rb.timeline(cc.Order(item=record.id, buyer=BUYER, destination=DESTINATION, date=released(record)), released(record), end)
        for record in chips
    ]
    last = end.fromordinal(end.toordinal() - 1)
    fig = plot_timelines(
        timelines,
        labels=[record.name for record in chips],
        title=f"Could each datacenter chip be sold to {BUYER} in China? {start:%b %Y} to {last:%b %Y}",
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight", facecolor="white", metadata={"Software": None})
    close(fig)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({len(chips)} chips)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
