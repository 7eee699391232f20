"""Impact reports: what changed between two rulebooks, and which orders of a book the change flips (`chipcontrol diff`).

Rule changes are classified by aspect (dates, effect, review policy, thresholds, condition, scope, status,
exceptions, documentation); a change to a named term counts for every rule that uses it. Catalog changes are
listed by record and field. Over an order book, both rulebooks screen it (`rb.screen`), and every row whose
outcome, review policy or deciding rules differ is reported with the changed rules and catalog records that
took part in either verdict.
"""

from __future__ import annotations

import html
import json
from typing import Any, Literal

from pydantic import Field

from .conditions import Compare, Term, children, walk
from .provenance import Strict


class FieldChange(Strict):
    field: str = Field(description="Path of the field, e.g. 'until' or 'die_area_mm2.value'.")
    before: Any = None
    after: Any = None


class RuleDiff(Strict):
    """A rule added, removed or changed, with the aspects that changed and each field before and after."""

    rule_id: str
    change: Literal["added", "removed", "changed"]
    title: str
    aspects: list[str] = Field(
        description="What changed: dates, effect, review_policy, thresholds, condition, scope, status, exceptions, "
        "documentation (for an added or removed rule: its effect)."
    )
    fields: list[FieldChange] = Field(default_factory=list)


class CatalogChange(Strict):
    """A catalog record (chip, party, country, group, source, term) or the manifest added, removed or changed."""

    catalog: str = Field(description="chips, systems, parties, countries, groups, sources, terms or manifest.")
    id: str
    change: Literal["added", "removed", "changed"]
    fields: list[FieldChange] = Field(default_factory=list)


class RowVerdict(Strict):
    """One row's answer under one rulebook (as a `Screening.table` row has it)."""

    outcome: str | None
    review_policy: str | None
    deciding_rule_ids: list[str]
    error: str | None = None


class Flip(Strict):
    """An order whose verdict differs between the rulebooks, and the changes that took part in it."""

    row: int = Field(description="Row of the order book, from 0.")
    before: RowVerdict
    after: RowVerdict
    because: list[str] = Field(description="Ids of the changed rules that took part in either verdict.")
    catalog: list[str] = Field(default_factory=list, description="Changed catalog records the order reads: 'chips/<id>'.")
    outcome_changed: bool


class Summary(Strict):
    base_hash: str
    head_hash: str
    rules_added: int
    rules_removed: int
    rules_changed: int
    catalog_changes: int
    rows: int | None = Field(default=None, description="Rows of the order book (null: no book was given).")
    flipped: int = Field(default=0, description="Rows whose outcome, review policy or deciding rules changed.")
    outcome_changed: int = Field(default=0, description="Of those, rows whose outcome changed.")
    transitions: dict[str, int] = Field(default_factory=dict, description="'before -> after' outcome: rows.")
    errors: int = Field(default=0, description="Rows in error under either rulebook.")


class ImpactReport(Strict):
    """What a rulebook change did: `rule_changes`, `catalog_changes`, `flipped` rows, `summary`."""

    rule_changes: list[RuleDiff]
    catalog_changes: list[CatalogChange]
    flipped: list[Flip]
    summary: Summary

    def headline(self) -> str:
        s = self.summary
        text = (f"{s.rules_added} rule(s) added, {s.rules_removed} removed, {s.rules_changed} changed; "
                f"{s.catalog_changes} catalog change(s)")
        if s.rows is not None:
            text += f"; {s.flipped} of {s.rows} orders flipped ({s.outcome_changed} with another outcome)"
        return text

    def to_text(self, limit: int = 50) -> str:
        lines = [f"rulebook {self.summary.base_hash[:12]} -> {self.summary.head_hash[:12]}: {self.headline()}"]
        if self.rule_changes:
            lines.append("rule changes:")
            for r in self.rule_changes:
                lines.append(f"  {r.change:8} {r.rule_id} [{', '.join(r.aspects)}]: {r.title}")
                for f in r.fields:
                    lines.append(f"           {f.field}: {_short(f.before)} -> {_short(f.after)}")
        if self.catalog_changes:
            lines.append("catalog changes:")
            for c in self.catalog_changes:
                detail = "; ".join(f"{f.field}: {_short(f.before)} -> {_short(f.after)}" for f in c.fields[:5])
                more = f" (+{len(c.fields) - 5} more)" if len(c.fields) > 5 else ""
                lines.append(f"  {c.change:8} {c.catalog}/{c.id}" + (f": {detail}{more}" if detail else ""))
        if self.flipped:
            lines.append("flipped orders:")
            for f in self.flipped[:limit]:
                lines.append(f"  row {f.row}: {_answer(f.before)} -> {_answer(f.after)}"
                             f" because {', '.join(f.because + f.catalog) or 'of a change no verdict names'}")
            if len(self.flipped) > limit:
                lines.append(f"  … and {len(self.flipped) - limit} more (see --json)")
        if self.summary.transitions:
            lines.append("transitions: " + "; ".join(f"{k}: {v}" for k, v in self.summary.transitions.items()))
        return "\n".join(lines)

    def to_html(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(r.change)}</td><td><code>{e(r.rule_id)}</code></td><td>{e(', '.join(r.aspects))}</td>"
            f"<td>{e(r.title)}</td><td>{'<br>'.join(e(f'{f.field}: {_short(f.before)} -> {_short(f.after)}') for f in r.fields)}</td></tr>"
            for r in self.rule_changes
        )
        catalog = "".join(
            f"<tr><td>{e(c.change)}</td><td><code>{e(c.catalog)}/{e(c.id)}</code></td>"
            f"<td>{'<br>'.join(e(f'{f.field}: {_short(f.before)} -> {_short(f.after)}') for f in c.fields)}</td></tr>"
            for c in self.catalog_changes
        )
        flips = "".join(
            f"<tr><td>{f.row}</td><td>{e(_answer(f.before))}</td><td>{e(_answer(f.after))}</td>"
            f"<td>{e(', '.join(f.because + f.catalog))}</td></tr>"
            for f in self.flipped
        )
        s = self.summary
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>chipcontrol impact report</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
            "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}</style></head><body>"
            f"<h1>Impact report</h1><p>rulebook <code>{e(s.base_hash[:12])}</code> &rarr; <code>{e(s.head_hash[:12])}</code>: "
            f"{e(self.headline())}</p>"
            f"<h2>Rule changes</h2><table><tr><th>change</th><th>rule</th><th>aspects</th><th>title</th><th>fields</th></tr>{rows}</table>"
            f"<h2>Catalog changes</h2><table><tr><th>change</th><th>record</th><th>fields</th></tr>{catalog}</table>"
            f"<h2>Flipped orders</h2><table><tr><th>row</th><th>before</th><th>after</th><th>because</th></tr>{flips}</table>"
            "</body></html>\n"
        )


def diff(base, head, orders: Any = None) -> ImpactReport:
    """The impact report of going from rulebook `base` to rulebook `head` (over an order book, if given)."""
    rule_changes = _rule_changes(base, head)
    catalog_changes = _catalog_changes(base, head)
    summary = {
        "base_hash": base.hash,
        "head_hash": head.hash,
        "rules_added": sum(r.change == "added" for r in rule_changes),
        "rules_removed": sum(r.change == "removed" for r in rule_changes),
        "rules_changed": sum(r.change == "changed" for r in rule_changes),
        "catalog_changes": len(catalog_changes),
    }
    flipped: list[Flip] = []
    if orders is not None:
        flipped, book = _flips(base, head, orders, {r.rule_id for r in rule_changes}, catalog_changes)
        summary.update(book)
    return ImpactReport(rule_changes=rule_changes, catalog_changes=catalog_changes, flipped=flipped, summary=Summary(**summary))


# ------------------------------------------------------------------------------------------------ rules


#: Rule fields -> the aspect a change to them is.
ASPECTS = {
    "effective": "dates", "until": "dates",
    "effect": "effect",
    "review_policy": "review_policy", "reviews": "review_policy", "policy_conditions": "review_policy",
    "kinds": "scope",
    "status": "status", "enforced": "status",
    "exempts": "exceptions", "claim": "exceptions",
}


def _rule_changes(base, head) -> list[RuleDiff]:
    out = []
    for rule_id in sorted(set(base.rules) | set(head.rules)):
        before, after = base.rules.get(rule_id), head.rules.get(rule_id)
        if before is None or after is None:
            rule = after or before
            aspects = [rule.effect.value] if rule.effect else ["review_policy" if rule.reviews else "advisory"]
            out.append(RuleDiff(rule_id=rule_id, change="added" if before is None else "removed", title=rule.title, aspects=aspects,
                                fields=[FieldChange(field="when", before=None if before is None else rule.when,
                                                    after=rule.when if before is None else None)]))
            continue
        fields, aspects = [], []
        old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
        for name in sorted(set(old) | set(new)):
            if name != "when" and old.get(name) != new.get(name):
                fields.append(FieldChange(field=name, before=old.get(name), after=new.get(name)))
                aspects.append(ASPECTS.get(name, "documentation"))
        a, b = base.conditions[rule_id], head.conditions[rule_id]
        if a != b or before.when != after.when:
            moved = _threshold_moves(a, b)
            if moved is not None:
                aspects.append("thresholds")
                fields += moved
            else:
                aspects.append("condition")
                fields += _condition_fields(base, head, before, after)
        if fields:
            out.append(RuleDiff(rule_id=rule_id, change="changed", title=after.title, aspects=sorted(set(aspects)), fields=fields))
    return out


def _condition_fields(base, head, before, after) -> list[FieldChange]:
    """The condition as written, where it changed, and each term it uses whose own condition changed."""
    fields = []
    if before.when != after.when:
        fields.append(FieldChange(field="when", before=before.when, after=after.when))
    names = sorted({n.name for n in walk(base.conditions[before.id]) if isinstance(n, Term)}
                   | {n.name for n in walk(head.conditions[after.id]) if isinstance(n, Term)})
    for name in names:
        a, b = base._loaded.terms.get(name), head._loaded.terms.get(name)
        if (a and a.when) != (b and b.when):
            fields.append(FieldChange(field=f"term {name}", before=a.when if a else None, after=b.when if b else None))
    return fields


def _threshold_moves(a, b) -> list[FieldChange] | None:
    """The thresholds that moved when two conditions differ only in their numbers (None when the shape differs)."""
    nodes_a, nodes_b = list(_leaves(a)), list(_leaves(b))
    if len(nodes_a) != len(nodes_b) or _shape(a) != _shape(b):
        return None
    moves = []
    for (x, term), (y, _) in zip(nodes_a, nodes_b):
        if x != y:
            where = f"term {term}" if term else "condition"
            moves.append(FieldChange(field=f"{where}: {x.fact} {x.op}", before=x.value, after=y.value))
    seen, unique = set(), []
    for move in moves:  # a term used twice in a condition moves once
        key = (move.field, move.before, move.after)
        if key not in seen:
            seen.add(key)
            unique.append(move)
    return unique or None


def _leaves(expr, term: str | None = None):
    if isinstance(expr, Term):
        yield from _leaves(expr.expr, expr.name)
    elif isinstance(expr, Compare):
        yield expr, term
    else:
        for child in children(expr):
            yield from _leaves(child, term)


def _shape(expr):
    """The condition with every numeric threshold blanked."""
    if isinstance(expr, Compare):
        return (expr.fact, expr.op, None if isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool) else expr.value)
    if isinstance(expr, Term):
        return ("term", expr.name, _shape(expr.expr))
    kids = children(expr)
    return (type(expr).__name__, tuple(_shape(k) for k in kids)) if kids else expr


# ------------------------------------------------------------------------------------------------ catalogs


CATALOGS = ("chips", "systems", "parties", "countries", "groups", "sources", "terms")


def _catalog_changes(base, head) -> list[CatalogChange]:
    out = []
    for catalog in CATALOGS:
        a, b = _records(base, catalog), _records(head, catalog)
        for ident in sorted(set(a) | set(b)):
            if ident not in b or ident not in a:
                out.append(CatalogChange(catalog=catalog, id=ident, change="removed" if ident not in b else "added"))
                continue
            fields = _field_changes(a[ident], b[ident])
            if fields:
                out.append(CatalogChange(catalog=catalog, id=ident, change="changed", fields=fields))
    manifest = _field_changes(base._loaded.manifest.model_dump(mode="json"), head._loaded.manifest.model_dump(mode="json"))
    if manifest:
        out.append(CatalogChange(catalog="manifest", id="rulebook.yaml", change="changed", fields=manifest))
    return out


def _records(rulebook, catalog: str) -> dict[str, dict]:
    loaded = rulebook._loaded
    records = getattr(loaded, catalog)
    out = {}
    for ident, record in records.items():
        data = record.model_dump(mode="json")
        if catalog == "chips":
            data["tpp (derived)"] = record.tpp
        out[ident] = data
    return out


def _field_changes(a: dict, b: dict) -> list[FieldChange]:
    flat_a, flat_b = _flat(a), _flat(b)
    return [
        FieldChange(field=k, before=flat_a.get(k), after=flat_b.get(k))
        for k in sorted(set(flat_a) | set(flat_b), key=lambda k: (k != "tpp (derived)", k))
        if flat_a.get(k) != flat_b.get(k)
    ]


def _flat(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out = {}
        for k, v in value.items():
            out.update(_flat(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flat(v, f"{path}[{i}]"))
        return out
    return {path: value}


# ------------------------------------------------------------------------------------------------ the order book


def _flips(base, head, orders, changed_rules: set[str], catalog_changes: list[CatalogChange]):
    """(flipped rows, summary fields) of screening `orders` under both rulebooks."""
    before, after = base.screen(orders), head.screen(orders)
    columns = ["outcome", "review_policy", "deciding_rule_ids", "error"]
    rows_a, rows_b = before.table.select(columns).to_pylist(), after.table.select(columns).to_pylist()
    changed_records = {(c.catalog, c.id) for c in catalog_changes}
    flipped, transitions = [], {}
    for i, (a, b) in enumerate(zip(rows_a, rows_b)):
        if a == b:
            continue
        was, now = RowVerdict(**a), RowVerdict(**b)
        because, catalog = _responsible((base, head), before, after, i, changed_rules, changed_records)
        changed = a["outcome"] != b["outcome"]
        if changed:
            key = f"{a['outcome'] or 'error'} -> {b['outcome'] or 'error'}"
            transitions[key] = transitions.get(key, 0) + 1
        flipped.append(Flip(row=i, before=was, after=now, because=because, catalog=catalog, outcome_changed=changed))
    errors = sum(1 for a, b in zip(rows_a, rows_b) if a["error"] or b["error"])
    summary = {
        "rows": len(rows_a),
        "flipped": len(flipped),
        "outcome_changed": sum(f.outcome_changed for f in flipped),
        "transitions": dict(sorted(transitions.items(), key=lambda kv: -kv[1])),
        "errors": errors,
    }
    return flipped, summary


def _responsible(rulebooks, before, after, row: int, changed_rules: set[str], changed_records: set[tuple[str, str]]):
    """The changed rules that took part in either verdict of a row (fired, decided, suppressed or became
    undecidable; else any that was checked), and the changed catalog records the order reads."""
    verdicts = []
    for screening in (before, after):
        try:
            verdicts.append(screening.verdict(row))
        except Exception:  # a row in error under one rulebook has no verdict there
            continue
    fired = {f.rule_id for v in verdicts for f in v.findings}
    because = sorted(changed_rules & fired) or sorted(changed_rules & {f.rule_id for v in verdicts for f in v.checked})
    catalog = set()
    groups = {g for c, g in changed_records if c == "groups"}
    for v in verdicts:
        o = v.order
        countries = {o.destination, o.ear_destination, o.buyer_headquarters}
        for record in (("chips", o.item_id), ("parties", o.buyer_id), ("parties", o.seller_id),
                       *(("countries", c) for c in countries)):
            if record in changed_records:
                catalog.add(f"{record[0]}/{record[1]}")
        for group in groups:
            members = {m.country for rb in rulebooks if group in rb.groups for m in rb.groups[group].members}
            if members & countries:
                catalog.add(f"groups/{group}")
    return because, sorted(catalog)


def _answer(row: RowVerdict) -> str:
    if row.error:
        return f"error ({row.error})"
    rules = ", ".join(row.deciding_rule_ids) or "no restricting rule"
    policy = f", {row.review_policy}" if row.review_policy else ""
    return f"{row.outcome} ({rules}{policy})"


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
