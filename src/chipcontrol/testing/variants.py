"""Copies of a rulebook that must answer as it does: its rule files laid out otherwise, or its advisory rules
removed. Each is written to a folder of the caller's and loaded with the original's seeds."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

from ..rulebook import Rulebook, load_rulebook
from ..rules import ADVISORY_STATUSES

LAYOUTS = ("merged", "split", "shuffled")


def _rule_files(rulesets: Path) -> list[tuple[Path, dict]]:
    return [(p, yaml.safe_load(p.read_text(encoding="utf-8")) or {}) for p in sorted((rulesets / "rules").glob("*.yaml"))]


def _dump(path: Path, data: dict, sort_keys: bool = False) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=sort_keys), encoding="utf-8")


def _copy(rulebook: Rulebook, target: Path) -> list[tuple[Path, dict]]:
    """The rulesets copied to `target`; returns its rule files (path, data) after removing them from the copy."""
    shutil.copytree(rulebook.root, target)
    files = _rule_files(target)
    for path, _ in files:
        path.unlink()
    return files


def relayout(rulebook: Rulebook, target: Path, how: str) -> Rulebook:
    """The rulebook with its rule files merged into one, split one rule per file, or each file's rules and
    terms shuffled (and keys sorted) under new names; loaded from `target`."""
    files = _copy(rulebook, target)
    out = target / "rules"
    terms = [t for _, data in files for t in data.get("terms", [])]
    rules = [r for _, data in files for r in data.get("rules", [])]
    examples = [e for _, data in files for e in data.get("examples", [])]
    if how == "merged":
        _dump(out / "all.yaml", {"title": "all", "terms": terms, "rules": rules, "examples": examples})
    elif how == "split":
        _dump(out / "terms.yaml", {"title": "terms", "terms": terms, "examples": examples})
        for i, rule in enumerate(rules):
            _dump(out / f"rule-{i:03d}.yaml", {"title": rule["id"], "rules": [rule]})
    elif how == "shuffled":
        shuffle = random.Random(7)
        for path, data in files:
            for key in ("rules", "terms"):
                data[key] = shuffle.sample(data.get(key, []), len(data.get(key, [])))
            _dump(out / f"z-{path.name}", data, sort_keys=True)
    else:
        raise ValueError(f"unknown layout {how!r} (one of {', '.join(LAYOUTS)})")
    return load_rulebook(target, seeds=rulebook._loaded.seeds)


def relayouts(rulebook: Rulebook, workdir: Path) -> dict[str, Rulebook]:
    """Every layout of relayout(), each in a folder of `workdir`."""
    return {how: relayout(rulebook, Path(workdir) / how, how) for how in LAYOUTS}


def without_advisories(rulebook: Rulebook, workdir: Path) -> Rulebook:
    """The rulebook without its proposed, reported and not-export-control rules (and without the mentions of
    them in other rules, discrepancies and examples), loaded from `workdir`/no-advisories."""
    target = Path(workdir) / "no-advisories"
    files = _copy(rulebook, target)
    gone = {r.id for r in rulebook.rules.values() if r.status in ADVISORY_STATUSES}
    for path, data in files:
        data["rules"] = [r for r in data.get("rules", []) if r.get("id") not in gone]
        for rule in data["rules"]:
            for key in ("exempts", "reviews"):
                if key in rule:
                    rule[key] = [i for i in rule[key] if i not in gone]
            rule.pop("examples", None)
        data.pop("examples", None)
        _dump(target / "rules" / path.name, data)
    discrepancies = target / "discrepancies.yaml"
    if discrepancies.exists():
        data = yaml.safe_load(discrepancies.read_text(encoding="utf-8")) or {}
        kept = []
        for item in data.get("discrepancies", []):
            item["rule_ids"] = [i for i in item.get("rule_ids", []) if i not in gone]
            if item["rule_ids"]:
                kept.append(item)
        _dump(discrepancies, {"discrepancies": kept})
    return load_rulebook(target, seeds=rulebook._loaded.seeds)
