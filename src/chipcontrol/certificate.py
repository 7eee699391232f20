"""Decision certificates: a self-contained record of one verdict, digested and optionally signed, and its re-check.

A certificate holds the order as asked, the inputs the rules read (each with its source and confidence), the
decision (outcome, review policy, deciding rules with their citations), the rulebook's hash and coverage, the
SHA-256 of every cited source, the library version and the time it was made; `digest` is the SHA-256 of the
canonical JSON of all of that, and `signature` (optional) an Ed25519 signature of the digest. `verify` recomputes
the digest, checks the signature, evaluates the order again and says `identical` or exactly what differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from .conditions import ConditionCheck, groups_key
from .errors import InputError
from .facts import COUNTRY_FACTS, ResolvedOrder, build_facts
from .order import Order
from .parties import ListName, PartyRecord
from .provenance import Confidence, Strict
from .rules import Effect, Kind, Posture, ReviewPolicy
from .sources import Citation, SourceKind
from .verdict import Advisory, LegalBasisView, Outcome, Role, Verdict
from .version import __version__

#: The certificate format this module writes and reads.
FORMAT = "chipcontrol-certificate/1"
#: Fields outside the digest: the digest itself and the signature of it.
UNDIGESTED = ("digest", "signature")


# ------------------------------------------------------------------------------------------------ the record


class InputFact(Strict):
    """A fact a rule of the verdict read, with the order's value and where that value comes from."""

    fact: str = Field(description="The fact's name, as conditions write it (e.g. 'chip.tpp').")
    value: Any = Field(description="The value the rules read; null when unknown.")
    groups: list[str] | None = Field(default=None, description="For a country: its EAR country groups on the order's date.")
    source: str = Field(description="Where the value comes from: a catalog figure's source, an instrument id, or the order.")
    confidence: Confidence | None = Field(default=None, description="The catalog's confidence label; null for what the order states.")
    note: str | None = None


class RuleRecord(Strict):
    """A rule that fired (or could not be decided) for the order: its part, its tests, its authority."""

    rule_id: str
    title: str
    role: Role
    effect: Effect | None
    review_policy: ReviewPolicy | None = None
    checks: list[ConditionCheck] = Field(description="Each test with the order's actual value and the margin.")
    legal_basis: LegalBasisView
    citations: list[Citation]


class MissedRule(Strict):
    """An applicable rule that did not fire, with the tests the order missed (and by how much)."""

    rule_id: str
    effect: Effect | None
    checks: list[ConditionCheck]


class DecisionRecord(Strict):
    """The verdict as certified: outcome, review policy, deciding rules and their evidence."""

    outcome: Outcome
    permitted: bool | None
    review_policy: ReviewPolicy | None
    policy_conditions: list[str]
    reason: str
    deciding_rule_ids: list[str]
    findings: list[RuleRecord] = Field(description="Rules that fired or could not be decided, deciding ones first.")
    checked: list[MissedRule] = Field(description="Applicable rules that did not fire.")
    advisories: list[Advisory]
    reason_citations: list[Citation]
    posture: Posture
    provisional: bool
    engine: str = Field(description="The engine that evaluated it (engines agree: design.md §3, rule 10).")


class CoverageRecord(Strict):
    """What the rulebook speaks for (design.md §3, rule 6)."""

    start: dt.date
    until: dt.date = Field(description="Exclusive: the verified horizon.")
    provisional_until: dt.date | None
    kinds: list[Kind]
    excluded_destinations: list[str]


class RulebookRecord(Strict):
    name: str
    hash: str = Field(description="The rulebook's content hash (every verdict carries it).")
    coverage: CoverageRecord


class SourceDigest(Strict):
    """The SHA-256 of a cited source: of its text for an article we hold, of its catalog record for an instrument."""

    source_id: str
    kind: SourceKind
    hashed: Literal["text", "metadata"] = Field(
        description="'text': the article's file in seeds/; 'metadata': the instrument's record in sources.yaml "
        "(we hold no text of instruments)."
    )
    sha256: str
    file: str | None = Field(default=None, description="For an article: its file, relative to the seeds folder.")


class Signer(Strict):
    """Who signed: part of the digest, so a signature cannot be stripped without altering the record."""

    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, hex.")


class EvaluationOptions(Strict):
    """How the order was evaluated (re-used by `verify`)."""

    posture: Posture
    provisional: bool


class Certificate(Strict):
    """A self-contained, re-checkable record of one decision (`chipcontrol check --certificate FILE`)."""

    format: Literal["chipcontrol-certificate/1"] = FORMAT
    created: dt.datetime = Field(description="When the certificate was made (UTC).")
    library_version: str
    order: dict[str, Any] = Field(description="The Order as asked: the fields the caller set, as JSON.")
    evaluation: EvaluationOptions
    inputs: list[InputFact] = Field(description="Every fact the applicable rules read, with its provenance.")
    verdict: DecisionRecord
    rulebook: RulebookRecord
    sources: list[SourceDigest] = Field(description="Every source the verdict cites, hashed.")
    signer: Signer | None = Field(default=None, description="The key that signed the certificate, if signed.")
    digest: str = Field(description="SHA-256 of the canonical JSON (sorted keys, no spaces) of every other field "
                        "but `signature`.")
    signature: str | None = Field(default=None, description="Ed25519 signature of the digest (its hex text), hex.")

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False)


# ------------------------------------------------------------------------------------------------ making one


def certificate(
    rulebook,
    order: Order,
    *,
    engine: str | None = None,
    posture: Posture | str = Posture.ENFORCED,
    provisional: bool = False,
    now: dt.datetime | None = None,
) -> Certificate:
    """Evaluate `order` under `rulebook` and certify the verdict (unsigned; see `sign`)."""
    if not isinstance(order, Order):
        raise InputError(f"expected a chipcontrol Order, got {type(order).__name__}")
    verdict = rulebook.evaluate(order, engine=engine, posture=posture, provisional=provisional)
    body = _body(rulebook, order, verdict)
    created = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    data = {
        "format": FORMAT,
        "created": created,
        "library_version": __version__,
        **body,
        "digest": "",
    }
    return _digested(Certificate(**data))


def _digested(cert: Certificate) -> Certificate:
    return cert.model_copy(update={"digest": digest_of(cert.model_dump(mode="json"))})


def _body(rulebook, order: Order, verdict: Verdict) -> dict[str, Any]:
    """The parts of a certificate that re-evaluating the order must reproduce."""
    resolved = rulebook.resolve(order)
    facts = build_facts(resolved, rulebook.groups_on)
    rule_ids = [f.rule_id for f in [*verdict.findings, *verdict.checked]]
    decision = _decision(verdict)
    cov = rulebook.coverage
    return {
        "order": order.model_dump(mode="json", exclude_unset=True),
        "evaluation": EvaluationOptions(posture=verdict.posture, provisional=verdict.provisional),
        "inputs": _inputs(rulebook, order, resolved, facts, rule_ids),
        "verdict": decision,
        "rulebook": RulebookRecord(
            name=rulebook.name,
            hash=rulebook.hash,
            coverage=CoverageRecord(
                start=cov.start,
                until=cov.until,
                provisional_until=cov.provisional_until,
                kinds=cov.kinds,
                excluded_destinations=sorted({c for e in cov.excluded_destinations for c in e.countries}),
            ),
        ),
        "sources": source_digests(rulebook, _cited_sources(decision)),
    }


def _decision(verdict: Verdict) -> DecisionRecord:
    """The verdict's certified fields (DecisionRecord names them; findings and checked rules as their records)."""
    return DecisionRecord.model_validate(verdict, from_attributes=True)


def _cited_sources(decision: DecisionRecord) -> list[str]:
    ids = [c.source_id for f in decision.findings for c in f.citations]
    ids += [f.legal_basis.source_id for f in decision.findings]
    ids += [c.source_id for a in decision.advisories for c in a.citations]
    ids += [c.source_id for c in decision.reason_citations]
    return sorted(set(ids))


def source_digests(rulebook, source_ids: list[str]) -> list[SourceDigest]:
    """The SHA-256 of each source: its article text (the file's bytes) or, for an instrument, its catalog record."""
    seeds = rulebook._loaded.seeds
    out = []
    for source_id in source_ids:
        source = rulebook.sources[source_id]
        if source.kind is SourceKind.ARTICLE:
            digest = hashlib.sha256((seeds / source.file).read_bytes()).hexdigest()
            out.append(SourceDigest(source_id=source_id, kind=source.kind, hashed="text", sha256=digest, file=source.file))
        else:
            record = json.dumps(source.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            digest = hashlib.sha256(record.encode("utf-8")).hexdigest()
            out.append(SourceDigest(source_id=source_id, kind=source.kind, hashed="metadata", sha256=digest))
    return out


# ------------------------------------------------------------------------------------------------ inputs


def _inputs(rulebook, order: Order, resolved: ResolvedOrder, facts: dict, rule_ids: list[str]) -> list[InputFact]:
    """Every fact the applicable rules read, with the order's value and its provenance."""
    used = sorted(set().union(*(rulebook.facts_used[r] for r in rule_ids))) if rule_ids else []
    out = []
    for name in used:
        value = facts.get(name)
        if isinstance(value, (set, frozenset)):
            value = sorted(value)
        groups = None
        if name in COUNTRY_FACTS and value is not None:
            groups = sorted(facts.get(groups_key(name), ()))
        source, confidence, note = _provenance(rulebook, order, resolved, name, value)
        out.append(InputFact(fact=name, value=value, groups=groups, source=source, confidence=confidence, note=note))
    return out


_ORDER = ("the order", None, None)


def _provenance(rulebook, order: Order, resolved: ResolvedOrder, name: str, value) -> tuple[str, Confidence | None, str | None]:
    head, _, field = name.partition(".")
    if head == "chip":
        return _chip_provenance(rulebook, resolved, field, value)
    if head in ("buyer", "seller"):
        party = resolved.buyer if head == "buyer" else resolved.seller
        return _party_provenance(rulebook, resolved, party, head, field, value)
    if name == "destination" and order.destination is None:
        return ("the buyer's headquarters (the order gives no destination)", None, None)
    if name == "order.origin" and order.origin is None:
        return ("derived from the order's kind", None, None)
    return _ORDER


def _chip_provenance(rulebook, resolved: ResolvedOrder, field: str, value):
    chip = resolved.chip
    if chip is None:
        return ("the order has no item", None, None)
    record = rulebook.chips.get(chip.id)
    if record is None or record.name != chip.name:
        return ("the order (an inline chip)", None, None)
    if field in ("id", "vendor"):
        return (f"chip catalog ({record.id})", None, None)
    if field == "performance_density":
        return ("derived: TPP / applicable die area", Confidence.COMPUTED, None)
    if field == "tpp":
        if not record.peak_rates:
            return ("the order (an inline chip)", None, None) if value is not None else ("not published", None, None)
        best = max(record.peak_rates, key=lambda r: r.dense_tops * r.bits)
        note = f"{best.format}: {best.dense_tops:g} dense TOPS x {best.bits} bits" + (f"; {best.note}" if best.note else "")
        return (best.source, best.confidence, note)
    figure = getattr(record, field, None)
    if figure is None or (figure.value is None and value is not None):
        return ("the order (a figure the catalog lacks)", None, None)
    return (figure.source, figure.confidence, figure.note)


def _party_provenance(rulebook, resolved: ResolvedOrder, party, role: str, field: str, value):
    if party is None:
        return ("no such party in the order", None, None)
    record: PartyRecord | None = rulebook.parties.get(party.id or "")
    if record is None or record.name != party.name:
        if field == "entity_listed" and party.lists is None:
            return ("screened by name against the catalog's listed parties", None, None)
        return (f"the order (an inline {role})", None, None)
    if field == "id":
        return (f"party catalog ({record.id})", None, None)
    if field == "headquarters":
        hq = record.headquarters
        return (hq.citation.source if hq.citation else "catalog/parties.yaml", hq.confidence, hq.note)
    if field == "ultimate_parent_headquarters":
        top, seen = record, {record.id}
        while top.parent and top.parent not in seen:
            seen.add(top.parent)
            top = rulebook.parties[top.parent]
        hq = top.headquarters
        return (hq.citation.source if hq.citation else "catalog/parties.yaml", hq.confidence, f"ultimate parent: {top.name}")
    if field == "entity_listed":
        entries = [e for e in record.lists if e.list is ListName.ENTITY_LIST and e.active_on(resolved.date)]
        if not entries:
            return (f"catalog/parties.yaml: no Entity List entry in force on {resolved.date}", None, None)
        note = "; ".join(f"listed {e.added}" + (f" as {e.listed_as}" if e.listed_as else "") for e in entries)
        return (", ".join(e.source for e in entries), entries[0].confidence, note)
    if field == "listed_owner_share":
        owners = ", ".join(f"{o.party} {o.share if o.share is not None else '?'} ({o.source})" for o in record.owners)
        return ("ownership in catalog/parties.yaml", None, f"direct owners: {owners}" if owners else "no owners recorded")
    outbound = "ai_training_compute_ops" if field == "ai_training_compute_log10_ops" else field
    figure = getattr(record.outbound, outbound, None)
    if figure is not None:
        return (figure.source, figure.confidence, figure.note)
    return ("catalog/parties.yaml", None, None)


# ------------------------------------------------------------------------------------------------ digest, signature


def canonical(data: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8, and a number's value rather than its spelling (400.0 and
    400 are the same number; tools such as jq rewrite one as the other)."""
    return json.dumps(
        _numbers_by_value(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def _numbers_by_value(data: Any) -> Any:
    if isinstance(data, float) and data.is_integer():
        return int(data)
    if isinstance(data, dict):
        return {key: _numbers_by_value(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_numbers_by_value(value) for value in data]
    return data


def digest_of(data: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a certificate's fields, without `digest` and `signature`."""
    return hashlib.sha256(canonical({k: v for k, v in data.items() if k not in UNDIGESTED})).hexdigest()


def _crypto():
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise InputError("signatures need the 'cryptography' package: pip install 'chipcontrol[audit]'") from None
    return serialization, ed25519


def _read_key(key: str | Path | bytes, private: bool):
    """An Ed25519 key from PEM bytes or a PEM file (`openssl genpkey -algorithm ed25519`)."""
    serialization, ed25519 = _crypto()
    what = "private" if private else "public"
    if isinstance(key, bytes):
        data = key
    else:
        try:
            data = Path(key).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read the {what} key {str(key)!r}: {exc.strerror or exc}") from None
    try:
        loaded = (
            serialization.load_pem_private_key(data, password=None) if private else serialization.load_pem_public_key(data)
        )
    except (ValueError, TypeError) as exc:
        raise InputError(f"the {what} key is not a PEM {what} key without a passphrase ({exc})") from None
    wanted = ed25519.Ed25519PrivateKey if private else ed25519.Ed25519PublicKey
    if not isinstance(loaded, wanted):
        raise InputError(f"the {what} key is a {type(loaded).__name__}, not an Ed25519 key")
    return loaded


def _raw_public(public) -> str:
    serialization, _ = _crypto()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign(cert: Certificate, private_key: str | Path | bytes) -> Certificate:
    """The certificate signed (Ed25519, over its digest) with a PEM private key (file path or bytes)."""
    key = _read_key(private_key, private=True)
    signed = _digested(cert.model_copy(update={"signer": Signer(public_key=_raw_public(key.public_key()))}))
    return signed.model_copy(update={"signature": key.sign(signed.digest.encode("utf-8")).hex()})


def key_fingerprint(public_key_hex: str) -> str:
    """A short name of a public key: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def write(cert: Certificate, path: str | Path) -> None:
    try:
        Path(path).write_text(cert.to_json() + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the certificate {str(path)!r}: {exc.strerror or exc}") from None


# ------------------------------------------------------------------------------------------------ verify


class Status(str, Enum):
    """What `verify` found, best first."""

    IDENTICAL = "identical"  # intact; re-evaluation gives the same record
    HOLDS = "holds"  # intact; something changed (the rulebook), but the answer and the cited texts did not
    CHANGED = "changed"  # intact; re-evaluation gives another outcome, review policy or deciding rules
    SOURCE_CHANGED = "source_changed"  # intact; the answer holds, but a cited article's text changed
    NOT_EVALUABLE = "not_evaluable"  # intact; the order can no longer be evaluated (a name the rulebook dropped)
    ALTERED = "altered"  # the record does not match its digest
    BAD_SIGNATURE = "bad_signature"  # the signature does not verify, or not with the key given


class Verification(Strict):
    """The result of re-checking a certificate: whether it is intact and still holds, and what differs."""

    status: Status
    ok: bool = Field(description="True only for an intact record whose answer still holds (exit 0).")
    message: str = Field(description="One line: the finding.")
    differences: list[str] = Field(default_factory=list, description="Each difference: path: recorded -> now.")
    signed_by: str | None = Field(default=None, description="Fingerprint of the signing key, when signed.")


def read(path: str | Path) -> dict[str, Any]:
    """A certificate file's JSON object; InputError when it cannot be read or is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the certificate {str(path)!r}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{str(path)!r} is not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or "digest" not in data or "format" not in data:
        raise InputError(f"{str(path)!r} is not a chipcontrol certificate (no format or digest)")
    return data


def verify(data: dict[str, Any] | Certificate, rulebook, public_key: str | Path | bytes | None = None) -> Verification:
    """Re-check a certificate (its JSON object): digest, signature, then the answer under `rulebook`."""
    if isinstance(data, Certificate):
        data = data.model_dump(mode="json")
    try:
        computed = digest_of(data)
    except (TypeError, ValueError) as exc:
        return _verdict(Status.ALTERED, f"altered: the record cannot be digested ({exc})")
    if data.get("digest") != computed:
        recorded = str(data.get("digest"))[:12]
        return _verdict(
            Status.ALTERED, f"altered: the record does not match its digest (recorded {recorded}…, computed {computed[:12]}…)"
        )
    signed_by, failure = _check_signature(data, public_key)
    if failure:
        return _verdict(Status.BAD_SIGNATURE, failure, signed_by=signed_by)
    if data.get("format") != FORMAT:
        raise InputError(f"certificate format {data.get('format')!r} is not one this chipcontrol reads ({FORMAT})")
    try:
        cert = Certificate.model_validate(data)
        order = Order(**cert.order)
    except (ValidationError, InputError) as exc:
        raise InputError(f"the certificate is intact but not readable by chipcontrol {__version__}: {str(exc).splitlines()[0]}") from None
    try:
        verdict = rulebook.evaluate(order, posture=cert.evaluation.posture, provisional=cert.evaluation.provisional)
        now = _body(rulebook, order, verdict)
    except InputError as exc:
        return _verdict(
            Status.NOT_EVALUABLE, f"no longer holds: the order cannot be evaluated under this rulebook: {exc}", signed_by=signed_by
        )
    fresh = {k: (v.model_dump(mode="json") if hasattr(v, "model_dump") else v) for k, v in now.items()}
    fresh["sources"] = [s.model_dump(mode="json") for s in now["sources"]]
    fresh["inputs"] = [i.model_dump(mode="json") for i in now["inputs"]]
    return _compare(cert, data, fresh, signed_by)


def _check_signature(data: dict[str, Any], public_key) -> tuple[str | None, str | None]:
    """(signer's fingerprint, failure message or None)."""
    signer, signature = data.get("signer"), data.get("signature")
    if signer is None:
        if signature is not None:
            return None, "bad signature: the record carries a signature but names no signer"
        if public_key is not None:
            return None, "bad signature: the certificate is not signed, but a public key was given to check it with"
        return None, None
    if signature is None:
        return None, "bad signature: the record names a signer but its signature was removed"
    try:
        sig = Signer.model_validate(signer)
        raw = bytes.fromhex(sig.public_key)
        value = bytes.fromhex(signature) if isinstance(signature, str) else None
    except (ValidationError, ValueError):
        return None, "bad signature: the signer or the signature is malformed"
    if value is None:
        return None, "bad signature: the signature is not hex text"
    _, ed25519 = _crypto()
    fingerprint = key_fingerprint(sig.public_key)
    try:
        embedded = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        embedded.verify(value, data["digest"].encode("utf-8"))
    except Exception:  # cryptography raises InvalidSignature or ValueError for a malformed key
        return fingerprint, f"bad signature: the signature does not verify with the key it names ({fingerprint})"
    if public_key is not None:
        trusted = _raw_public(_read_key(public_key, private=False))
        if trusted != sig.public_key:
            return fingerprint, (
                f"bad signature: signed by key {fingerprint}, not by the given public key {key_fingerprint(trusted)}"
            )
    return fingerprint, None


def _verdict(status: Status, message: str, differences: list[str] | None = None, signed_by: str | None = None) -> Verification:
    ok = status in (Status.IDENTICAL, Status.HOLDS)
    return Verification(status=status, ok=ok, message=message, differences=differences or [], signed_by=signed_by)


def _answer(decision: dict) -> str:
    rules = ", ".join(decision["deciding_rule_ids"]) or "no restricting rule"
    policy = f", {decision['review_policy']}" if decision.get("review_policy") else ""
    return f"{decision['outcome']} ({rules}{policy})"


def _compare(cert: Certificate, data: dict[str, Any], fresh: dict[str, Any], signed_by: str | None) -> Verification:
    """The intact record against what the order gives now: identical, holds, changed, source changed, or altered
    (a record whose digest was recomputed after a change: the same rulebook and library cannot answer differently)."""
    recorded = {k: data[k] for k in fresh}
    recorded["verdict"] = {k: v for k, v in recorded["verdict"].items() if k != "engine"}
    fresh["verdict"] = {k: v for k, v in fresh["verdict"].items() if k != "engine"}
    differences = list(_differences("", recorded, fresh))
    signer = f"; signed by key {signed_by}" if signed_by else ""
    was, now = recorded["verdict"], fresh["verdict"]
    old_hash, new_hash = recorded["rulebook"]["hash"], fresh["rulebook"]["hash"]
    if not differences:
        return _verdict(Status.IDENTICAL, f"identical: {_answer(now)} under rulebook {new_hash[:12]}…{signer}", [], signed_by)
    texts_then = {s["source_id"]: s["sha256"] for s in recorded["sources"] if s["hashed"] == "text"}
    texts_now = {s["source_id"]: s["sha256"] for s in fresh["sources"] if s["hashed"] == "text"}
    changed_texts = sorted(s for s in texts_then if s in texts_now and texts_then[s] != texts_now[s])
    texts = f"the text of {', '.join(changed_texts)} changed" if changed_texts else ""
    same_code = old_hash == new_hash and cert.library_version == __version__
    answer_changed = any(was[k] != now[k] for k in ("outcome", "review_policy", "deciding_rule_ids"))
    parts = ", ".join(sorted({d.split(":", 1)[0].split("[", 1)[0] for d in differences}))
    if same_code and not (texts and not answer_changed):
        return _verdict(
            Status.ALTERED,
            f"altered: the record was changed and digested again: the same rulebook and library give {_answer(now)}, "
            f"the record says {_answer(was)}; these differ: {parts}{signer}",
            differences,
            signed_by,
        )
    if old_hash != new_hash:
        rulebook_change = f"the rulebook changed ({old_hash[:12]}… -> {new_hash[:12]}…)"
    else:
        rulebook_change = f"the rulebook is the same, the library is {__version__} (was {cert.library_version})"
    if answer_changed:
        also = f"; {texts}" if texts else ""
        return _verdict(
            Status.CHANGED,
            f"changed: {rulebook_change} and the outcome changed: {_answer(was)} -> {_answer(now)}{also}{signer}",
            differences,
            signed_by,
        )
    if texts:
        return _verdict(
            Status.SOURCE_CHANGED,
            f"source changed: {texts}; {rulebook_change}, and the outcome did not change: {_answer(now)}{signer}",
            differences,
            signed_by,
        )
    return _verdict(
        Status.HOLDS,
        f"holds: {rulebook_change} but the outcome did not: {_answer(now)}; for this order these differ: {parts}{signer}",
        differences,
        signed_by,
    )


#: List items compared by their key rather than their position.
_KEYS = ("fact", "rule_id", "source_id", "test")


def _differences(path: str, old: Any, new: Any):
    """Each difference between two JSON values, as 'path: old -> new' (list records matched by id)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new)):
            sub = f"{path}.{k}" if path else k
            if k not in new:
                yield f"{sub}: removed"
            elif k not in old:
                yield f"{sub}: added"
            else:
                yield from _differences(sub, old[k], new[k])
        return
    if isinstance(old, list) and isinstance(new, list):
        key = _list_key(old + new)
        if key and _unique(old, key) and _unique(new, key):
            before = {item[key]: item for item in old}
            after = {item[key]: item for item in new}
            for ident in sorted(set(before) | set(after)):
                sub = f"{path}[{ident}]"
                if ident not in after:
                    yield f"{sub}: removed"
                elif ident not in before:
                    yield f"{sub}: added"
                else:
                    yield from _differences(sub, before[ident], after[ident])
            if [i[key] for i in old if i[key] in after] != [i[key] for i in new if i[key] in before]:
                yield f"{path}: order changed"
            return
        if len(old) != len(new):
            yield f"{path}: {_short(old)} -> {_short(new)}"
            return
        for i, (a, b) in enumerate(zip(old, new)):
            yield from _differences(f"{path}[{i}]", a, b)
        return
    if _numbers_by_value(old) != _numbers_by_value(new) or _kind(old) != _kind(new):
        yield f"{path}: {_short(old)} -> {_short(new)}"


def _kind(value: Any) -> type:
    """A JSON value's kind: numbers are one kind whatever their spelling (but a bool is not a number)."""
    return float if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value)


def _list_key(items: list) -> str | None:
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _KEYS:
        values = [i.get(key) for i in items]
        if all(isinstance(v, str) for v in values):
            return key
    return None


def _unique(items: list, key: str) -> bool:
    values = [i[key] for i in items]
    return len(values) == len(set(values))


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
