"""Decision certificates: a fresh one verifies; any altered value, a wrong key, a changed rulebook or source is caught."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import sys

import pytest

import chipcontrol as cc
from chipcontrol import certificate as cert
from chipcontrol.cli import main
from chipcontrol.resources import bundled_seeds

from .conftest import add_rule, copy_rulesets, edit, hypothetical

pytest.importorskip("cryptography")
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

#: ByteDance's A800 order in March 2024 (article 000's stockpiling story): licence required since 2023-11-17.
ORDER = cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2024-03-01")
DECIDING = ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)


def _keys(tmp_path, name: str):
    key = ed25519.Ed25519PrivateKey.generate()
    private = tmp_path / f"{name}.pem"
    public = tmp_path / f"{name}.pub"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


@pytest.fixture(scope="module")
def record(rb) -> cert.Certificate:
    return cert.certificate(rb, ORDER, now=NOW)


@pytest.fixture(scope="module")
def data(record) -> dict:
    return json.loads(record.to_json())


def test_a_fresh_certificate_records_the_decision_and_verifies_as_identical(rb, record, data):
    assert record.verdict.outcome is cc.Outcome.LICENSE_REQUIRED
    assert record.verdict.deciding_rule_ids == DECIDING
    assert record.verdict.review_policy is cc.ReviewPolicy.PRESUMPTION_OF_DENIAL
    assert record.rulebook.hash == rb.hash
    assert record.created == NOW
    result = cert.verify(data, rb)
    assert result.status is cert.Status.IDENTICAL and result.ok
    assert result.message.startswith("identical: license_required (bis-3a090-2023-destinations")
    assert result.differences == []


def test_the_digest_is_the_sha256_of_the_canonical_json_of_every_field_but_digest_and_signature(data):
    """Canonical: sorted keys, no spaces, UTF-8, integral numbers written as integers (400.0 as 400)."""
    body = {k: v for k, v in data.items() if k not in ("digest", "signature")}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    text = re.sub(r'(?<=[:\[,])(-?\d+)\.0(?=[,\]}])', r"\1", text)  # only numbers sit between these delimiters
    assert data["digest"] == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_record_rewritten_by_a_json_tool_that_spells_numbers_differently_still_verifies(rb, data):
    """jq writes 400.0 as 400: the same numbers, so the same digest and the same answer."""
    text = json.dumps(data)
    rewritten = re.sub(r"(?<=[:\[,] )(-?\d+)\.0(?=[,\]}])|(?<=[:\[,])(-?\d+)\.0(?=[,\]}])", lambda m: m.group(1) or m.group(2), text)
    assert rewritten != text
    result = cert.verify(json.loads(rewritten), rb)
    assert result.status is cert.Status.IDENTICAL, result.message


def test_the_order_is_recorded_as_asked_not_as_resolved(data):
    assert data["order"] == {"item": "A800", "buyer": "ByteDance", "destination": "CN", "date": "2024-03-01"}


def test_each_chip_figure_and_party_fact_the_rules_read_is_recorded_with_its_source_and_confidence(rb, record):
    inputs = {i.fact: i for i in record.inputs}
    tpp = inputs["chip.tpp"]
    rate = max(rb.chips["nvidia-a800-sxm"].peak_rates, key=lambda r: r.dense_tops * r.bits)
    assert (tpp.value, tpp.source, tpp.confidence) == (4990.4, rate.source, rate.confidence)
    assert inputs["chip.performance_density"].confidence is cc.provenance.Confidence.COMPUTED
    io = rb.chips["nvidia-a800-sxm"].io_bidirectional_gbps
    assert (inputs["chip.io_bidirectional_gbps"].value, inputs["chip.io_bidirectional_gbps"].source) == (io.value, io.source)
    hq = inputs["buyer.headquarters"]
    assert (hq.value, hq.groups, hq.confidence) == ("CN", ["D:1", "D:4", "D:5"], rb.parties["bytedance"].headquarters.confidence)
    assert inputs["destination"].source == "the order"
    assert inputs["buyer.entity_listed"].value is False


def test_every_cited_article_is_hashed_by_its_text_and_every_instrument_by_its_record(rb, record):
    cited = {c.source_id for f in record.verdict.findings for c in f.citations}
    digests = {s.source_id: s for s in record.sources}
    assert cited <= set(digests)
    articles = [s for s in record.sources if s.kind is cc.sources.SourceKind.ARTICLE]
    instruments = [s for s in record.sources if s.kind is cc.sources.SourceKind.INSTRUMENT]
    assert articles and instruments
    for s in articles:
        assert s.hashed == "text"
        assert s.sha256 == hashlib.sha256((bundled_seeds() / rb.sources[s.source_id].file).read_bytes()).hexdigest()
    assert all(s.hashed == "metadata" and s.file is None for s in instruments)


# ------------------------------------------------------------------------------------------------ tampering


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _altered(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    return [*value, "x"]  # an empty list


def _tamper(data: dict, path: tuple) -> dict:
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = _altered(target[path[-1]])
    return out


TOP_LEVEL = ["format", "created", "library_version", "order", "evaluation", "inputs", "verdict", "rulebook", "sources", "digest"]


@pytest.mark.parametrize("field", TOP_LEVEL)
def test_altering_any_top_level_field_fails_verification(rb, data, field):
    path = next(p for p in _leaves(data) if p and p[0] == field)
    result = cert.verify(_tamper(data, path), rb)
    assert not result.ok
    assert result.status is cert.Status.ALTERED
    assert result.message.startswith("altered: the record does not match its digest")


def test_altering_any_single_value_of_a_signed_certificate_fails_verification(rb, record, tmp_path):
    private, public = _keys(tmp_path, "auditor")
    signed = json.loads(cert.sign(record, private).to_json())
    assert cert.verify(signed, rb, public_key=public).ok
    paths = list(_leaves(signed))
    assert len(paths) > 100
    survivors = [p for p in paths if cert.verify(_tamper(signed, p), rb, public_key=public).ok]
    assert survivors == []


def _set_outcome(data):
    data["verdict"]["outcome"] = "permitted"


def _set_reason(data):
    data["verdict"]["reason"] = "permitted: nothing applies"


def _set_tpp(data):
    next(i for i in data["inputs"] if i["fact"] == "chip.tpp")["value"] = 4700.0


@pytest.mark.parametrize("alter", [_set_outcome, _set_reason, _set_tpp])
def test_a_record_altered_and_digested_again_is_caught_by_re_evaluating_it(rb, data, alter):
    forged = copy.deepcopy(data)
    alter(forged)
    forged["digest"] = cert.digest_of(forged)
    result = cert.verify(forged, rb)
    assert (result.status, result.ok) == (cert.Status.ALTERED, False)
    assert result.message.startswith("altered: the record was changed and digested again: the same rulebook and library give "
                                     "license_required (bis-3a090-2023-destinations")


def test_removing_the_signature_of_a_signed_certificate_is_caught_even_without_a_key(rb, record, tmp_path):
    private, _ = _keys(tmp_path, "auditor")
    stripped = json.loads(cert.sign(record, private).to_json())
    stripped["signature"] = None
    result = cert.verify(stripped, rb)
    assert (result.status, result.ok) == (cert.Status.BAD_SIGNATURE, False)
    stripped.pop("signer")
    assert cert.verify(stripped, rb).status is cert.Status.ALTERED


# ------------------------------------------------------------------------------------------------ signatures


def test_a_signed_certificate_verifies_with_its_public_key_and_names_the_signer(rb, record, tmp_path):
    private, public = _keys(tmp_path, "auditor")
    signed = cert.sign(record, private)
    result = cert.verify(json.loads(signed.to_json()), rb, public_key=public)
    assert result.status is cert.Status.IDENTICAL
    assert result.signed_by == cert.key_fingerprint(signed.signer.public_key)
    assert f"signed by key {result.signed_by}" in result.message


def test_a_signed_certificate_checked_with_another_key_fails(rb, record, tmp_path):
    private, _ = _keys(tmp_path, "auditor")
    _, other = _keys(tmp_path, "someone-else")
    result = cert.verify(json.loads(cert.sign(record, private).to_json()), rb, public_key=other)
    assert (result.status, result.ok) == (cert.Status.BAD_SIGNATURE, False)
    assert "not by the given public key" in result.message


def test_a_certificate_re_signed_by_a_forger_fails_against_the_trusted_key(rb, record, tmp_path):
    private, public = _keys(tmp_path, "auditor")
    forger, _ = _keys(tmp_path, "forger")
    forged = json.loads(cert.sign(record, forger).to_json())
    assert cert.verify(forged, rb).ok  # intact and self-consistent...
    assert cert.verify(forged, rb, public_key=public).status is cert.Status.BAD_SIGNATURE  # ...but not the auditor's


def test_an_unsigned_certificate_checked_with_a_key_fails(rb, data, tmp_path):
    _, public = _keys(tmp_path, "auditor")
    result = cert.verify(data, rb, public_key=public)
    assert (result.status, result.ok) == (cert.Status.BAD_SIGNATURE, False)


def test_signing_without_the_cryptography_package_is_one_clear_error(record, tmp_path, monkeypatch):
    private, _ = _keys(tmp_path, "auditor")
    for name in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(cc.InputError, match=r"pip install 'chipcontrol\[audit\]'"):
        cert.sign(record, private)


# ------------------------------------------------------------------------------------------------ the rulebook changed


def test_a_rulebook_change_that_keeps_the_outcome_is_reported_as_such_and_still_holds(tmp_path, data):
    rulesets = copy_rulesets(tmp_path)
    add_rule(rulesets, "bis-acs-ifr-2023-10.yaml", hypothetical(
        "test-exascale-chips", "Chips far beyond any catalog chip", "chip.tpp >= 1000000",
        effective="2022-01-01", effect="license_required",
    ))
    changed = cc.load_rulebook(rulesets)
    result = cert.verify(data, changed)
    assert (result.status, result.ok) == (cert.Status.HOLDS, True)
    assert result.message.startswith(f"holds: the rulebook changed ({data['rulebook']['hash'][:12]}")
    assert "but the outcome did not: license_required (bis-3a090-2023-destinations" in result.message
    assert "verdict.checked[test-exascale-chips]: added" in result.differences


def test_a_rulebook_change_that_flips_the_outcome_is_reported_with_both_answers(tmp_path, data):
    rulesets = copy_rulesets(tmp_path)
    add_rule(rulesets, "bis-acs-ifr-2023-10.yaml", hypothetical(
        "test-bytedance-prohibited", "ByteDance may receive nothing", 'buyer.id == "bytedance"',
        effective="2022-01-01", effect="prohibited",
    ))
    result = cert.verify(data, cc.load_rulebook(rulesets))
    assert (result.status, result.ok) == (cert.Status.CHANGED, False)
    assert "the outcome changed: license_required (bis-3a090-2023-destinations, bis-3a090-2023-headquarters, " \
           "presumption_of_denial) -> prohibited (test-bytedance-prohibited)" in result.message


def _raise_2023_thresholds(rulesets, tpp: bool = True, density: bool = True) -> None:
    """The 2023 3A090.a test with TPP 5000 (not 4800) and performance density 6.5 (not 5.92): the A800
    (TPP 4990.4, PD 6.04) passes both."""
    rules = rulesets / "rules" / "bis-acs-ifr-2023-10.yaml"
    if tpp:
        edit(rules, "when: chip.tpp >= 4800", "when: chip.tpp >= 5000")
    if density:
        edit(rules, "when: chip.tpp >= 1600 and chip.performance_density >= 5.92", "when: chip.tpp >= 1600 and chip.performance_density >= 6.5")


def test_a_raised_tpp_threshold_alone_still_catches_the_a800_by_density_so_the_answer_holds(tmp_path, data):
    rulesets = copy_rulesets(tmp_path)
    _raise_2023_thresholds(rulesets, density=False)
    result = cert.verify(data, cc.load_rulebook(rulesets))
    assert (result.status, result.ok) == (cert.Status.HOLDS, True)
    assert "but the outcome did not: license_required" in result.message
    assert any(d.startswith("verdict.findings[bis-3a090-2023-destinations].checks") for d in result.differences)


def test_changed_thresholds_that_flip_the_outcome_are_reported_with_both_answers(tmp_path, data):
    rulesets = copy_rulesets(tmp_path)
    _raise_2023_thresholds(rulesets)
    result = cert.verify(data, cc.load_rulebook(rulesets))
    assert (result.status, result.ok) == (cert.Status.CHANGED, False)
    assert "the outcome changed: license_required (bis-3a090-2023-destinations, bis-3a090-2023-headquarters, " \
           "presumption_of_denial) -> " in result.message
    assert "verdict.outcome: \"license_required\" -> " in " ".join(result.differences)


def test_a_changed_source_text_is_reported_even_when_the_outcome_holds(tmp_path, data):
    rulesets = copy_rulesets(tmp_path)
    article = tmp_path / "seeds" / "003_681bdb423a779b41.txt"
    old = hashlib.sha256(article.read_bytes()).hexdigest()
    article.write_bytes(article.read_bytes() + b"\nA line added after the certificate was made.\n")
    edit(rulesets / "catalog" / "sources.yaml", old, hashlib.sha256(article.read_bytes()).hexdigest())
    result = cert.verify(data, cc.load_rulebook(rulesets))
    assert (result.status, result.ok) == (cert.Status.SOURCE_CHANGED, False)
    assert result.message.startswith("source changed: the text of article-003 changed")
    assert "the outcome did not change: license_required" in result.message


def test_an_order_the_new_rulebook_cannot_evaluate_is_reported_not_raised(tmp_path, data):
    rulesets = copy_rulesets(tmp_path)
    chips = rulesets / "catalog" / "chips.yaml"
    edit(chips, 'aliases: ["A800", "NVIDIA A800", "A800 SXM", "A800 SXM4", "A800 80GB SXM"]', "aliases: []")
    edit(chips, "name: NVIDIA A800 SXM", "name: NVIDIA A-800 SXM")
    changed = cc.load_rulebook(rulesets)
    with pytest.raises(cc.InputError):
        changed.chip("A800")
    result = cert.verify(data, changed)
    assert (result.status, result.ok) == (cert.Status.NOT_EVALUABLE, False)
    assert "cannot be evaluated under this rulebook" in result.message


# ------------------------------------------------------------------------------------------------ the CLI


ARGS = ["check", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2024-03-01", "--brief"]


def test_check_writes_a_certificate_that_verify_calls_identical(tmp_path, capsys):
    path = tmp_path / "a800.json"
    assert main([*ARGS, "--certificate", str(path)]) == 0
    capsys.readouterr()
    assert main(["verify", str(path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("identical: license_required")


def test_verify_of_an_altered_file_exits_1_with_one_line_on_stderr(tmp_path, capsys):
    path = tmp_path / "a800.json"
    assert main([*ARGS, "--certificate", str(path)]) == 0
    data = json.loads(path.read_text())
    data["verdict"]["outcome"] = "permitted"
    path.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["verify", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("chipcontrol: altered:")


def test_verify_with_the_wrong_public_key_exits_1(tmp_path, capsys):
    private, _ = _keys(tmp_path, "auditor")
    _, other = _keys(tmp_path, "other")
    path = tmp_path / "signed.json"
    assert main([*ARGS, "--certificate", str(path), "--sign", str(private)]) == 0
    capsys.readouterr()
    assert main(["verify", str(path), "--public-key", str(other)]) == 1
    assert capsys.readouterr().err.startswith("chipcontrol: bad signature: signed by key")


def test_verify_under_a_changed_rulesets_folder_says_the_rulebook_changed(tmp_path, capsys):
    path = tmp_path / "a800.json"
    assert main([*ARGS, "--certificate", str(path)]) == 0
    (tmp_path / "copy").mkdir()
    rulesets = copy_rulesets(tmp_path / "copy")
    _raise_2023_thresholds(rulesets)
    capsys.readouterr()
    assert main(["verify", str(path), "--rulesets", str(rulesets)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chipcontrol: changed: the rulebook changed (") and "the outcome changed" in err


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"a": 1}'])
def test_verify_of_a_file_that_is_not_a_certificate_exits_2_with_one_line(tmp_path, capsys, content):
    path = tmp_path / "x.json"
    path.write_text(content)
    assert main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chipcontrol: ")


def test_sign_without_certificate_and_a_bad_key_are_one_line_errors(tmp_path, capsys):
    assert main([*ARGS, "--sign", "k.pem"]) == 2
    assert "--certificate" in capsys.readouterr().err
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    assert main([*ARGS, "--certificate", str(tmp_path / "c.json"), "--sign", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "private key" in err


def test_the_certificate_schema_is_printed(capsys):
    assert main(["schema", "certificate"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"digest", "signature", "signer", "inputs", "sources", "verdict", "rulebook"} <= set(schema["properties"])


def test_a_verdict_from_evaluate_certifies_itself_and_the_record_verifies_as_identical(rb):
    verdict = rb.evaluate(ORDER)
    record = verdict.certificate()
    assert record.verdict.outcome is verdict.outcome and record.verdict.deciding_rule_ids == verdict.deciding_rule_ids
    assert cert.verify(record, rb).status is cert.Status.IDENTICAL


def test_a_verdict_rebuilt_from_json_cannot_certify_itself_because_it_no_longer_knows_the_order_as_asked(rb):
    copy_of = cc.Verdict.model_validate_json(rb.evaluate(ORDER).model_dump_json())
    assert copy_of == rb.evaluate(ORDER)
    with pytest.raises(ValueError, match="rb.certificate"):
        copy_of.certificate()
