"""The HTTP service (chipcontrol.service): every endpoint answers as the library does, bad input gets a 4xx with
the CLI's one line, the safe defaults hold, and the decision log is whole under concurrency and after a crash."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import subprocess
import sys
import threading
import time

import pytest

import chipcontrol as cc
from chipcontrol.cli import main as cli_main

pytest.importorskip("fastapi", reason="the service needs the serve extra: pip install 'chipcontrol[serve]'")
from fastapi.testclient import TestClient  # noqa: E402

from chipcontrol.service.app import create_app  # noqa: E402
from chipcontrol.service.decision_log import DecisionLog, read_log  # noqa: E402
from chipcontrol.service.guards import Limits  # noqa: E402

A800_CN = {"item": "A800", "buyer": "ByteDance", "destination": "CN", "date": "2023-11-20"}
A800_CN_BEFORE = {**A800_CN, "date": "2023-08-15"}
INLINE_CHIP = {"item": {"name": "X1", "vendor": "NVIDIA", "tpp": 5000, "io_bidirectional_gbps": 700, "datacenter": True},
               "buyer": "ByteDance", "destination": "CN", "date": "2023-11-20"}
INLINE_BUYER = {"item": "H100", "buyer": {"name": "Acme Labs", "headquarters": "FR"}, "destination": "FR", "date": "2024-03-01"}


@pytest.fixture(scope="module")
def log_path(tmp_path_factory):
    return tmp_path_factory.mktemp("service") / "decisions.jsonl"


@pytest.fixture(scope="module")
def client(rb, log_path):
    with TestClient(create_app(rb, decision_log=log_path, api_key="")) as c:
        yield c


def post(client, path, body, **kw):
    return client.post(path, content=body if isinstance(body, (str, bytes)) else json.dumps(body), **kw)


# ------------------------------------------------------------------------------------------ /v1/check


@pytest.mark.parametrize(
    ("order", "outcome", "deciding", "policy"),
    [
        (A800_CN, "license_required", ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"], "presumption_of_denial"),
        (A800_CN_BEFORE, "permitted", [], None),
        (INLINE_CHIP, "license_required", ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters", "nvda-2022-notice"],
         "presumption_of_denial"),
        (INLINE_BUYER, "permitted", [], None),
    ],
    ids=["A800 to ByteDance after Oct 2023", "A800 to ByteDance in Aug 2023", "inline chip", "inline buyer"],
)
def test_check_returns_exactly_the_verdict_rulebook_evaluate_gives(client, rb, order, outcome, deciding, policy):
    response = post(client, "/v1/check", order)
    assert response.status_code == 200, response.text
    verdict = response.json()["verdict"]
    assert (verdict["outcome"], verdict["deciding_rule_ids"], verdict["review_policy"]) == (outcome, deciding, policy)
    assert verdict == rb.evaluate(cc.Order(**order)).model_dump(mode="json")
    assert response.headers["x-decision-id"] == response.json()["decision_id"]
    assert response.json()["certificate"] is None


def test_check_honours_posture_provisional_and_engine_as_the_library_does(client, rb):
    order = {**A800_CN, "date": "2026-10-01"}
    response = post(client, "/v1/check?provisional=true&engine=reference&posture=codified", order)
    assert response.status_code == 200, response.text
    expected = rb.evaluate(cc.Order(**order), engine="reference", posture="codified", provisional=True)
    assert response.json()["verdict"] == expected.model_dump(mode="json")
    assert response.json()["verdict"]["provisional"] is True


def test_check_with_certificate_returns_one_whose_digest_is_in_the_decision_log(client, log_path):
    response = post(client, "/v1/check?certificate=true", A800_CN)
    assert response.status_code == 200, response.text
    certificate = response.json()["certificate"]
    assert certificate["verdict"]["outcome"] == "license_required" and len(certificate["digest"]) == 64
    logged = {d.id: d for d in read_log(log_path).decisions}[response.json()["decision_id"]]
    assert logged.certificate_digest == certificate["digest"]
    assert logged.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]


def test_every_check_is_logged_with_request_outcome_policy_rules_and_rulebook_hash(client, rb, log_path):
    response = post(client, "/v1/check", A800_CN)
    logged = {d.id: d for d in read_log(log_path).decisions}[response.json()["decision_id"]]
    assert logged.request["order"] == A800_CN and logged.endpoint == "/v1/check"
    assert (logged.outcome.value, logged.review_policy.value, logged.permitted) == ("license_required", "presumption_of_denial", False)
    assert logged.rulebook_hash == rb.hash and logged.certificate_digest is None
    assert abs((dt.datetime.now(dt.timezone.utc) - logged.time).total_seconds()) < 120


# ------------------------------------------------------------------------------------------ bad input


def cli_error(capsys, *argv) -> str:
    assert cli_main(list(argv)) == 2
    return capsys.readouterr().err.strip().removeprefix("chipcontrol: ")


@pytest.mark.parametrize(
    ("body", "argv"),
    [
        ({**A800_CN, "item": "A8000"}, ["--item", "A8000", "--buyer", "ByteDance", "--destination", "CN", "--date", "2023-11-20"]),
        ({**A800_CN, "date": "2023-13-01"}, ["--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2023-13-01"]),
        ({**A800_CN, "destination": "Narnia"}, ["--item", "A800", "--buyer", "ByteDance", "--destination", "Narnia", "--date", "2023-11-20"]),
        ({**A800_CN, "kind": "smuggling"}, ["--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2023-11-20", "--kind", "smuggling"]),
    ],
    ids=["unknown chip", "no month 13", "unknown country", "unknown kind"],
)
def test_bad_order_gets_422_with_the_same_line_as_the_cli(client, capsys, body, argv):
    response = post(client, "/v1/check", body)
    assert response.status_code == 422
    assert response.json() == {"error": cli_error(capsys, "check", *argv)}


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ('{"item":', 400, "not valid JSON: Expecting value at line 1 column 9"),
        ("[1, 2]", 400, "must be a JSON object, got a JSON list"),
        ("", 400, "the request body is empty"),
        ('{"buyer": "a", "buyer": "b", "date": "2023-01-01"}', 400, "gives the key 'buyer' twice"),
        ('{"buyer": "ByteDance", "date": "2023-01-01", "item": NaN}', 400, "NaN is not a JSON number"),
        (b'{"buyer": "\xff"}', 400, "not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, 400, "not valid JSON"),
        ({**A800_CN, "colour": "red"}, 422, "bad Order colour: unknown field"),
        ({**A800_CN, "quantity": "many"}, 422, "bad Order quantity"),
        ({"item": "A800", "destination": "CN", "date": "2023-11-20"}, 422, "bad Order buyer: Field required"),
        ({**A800_CN, "item": {"name": "X", "tpp": -1}}, 422, "bad Order item: bad Chip tpp: Input should be greater than or equal to 0"),
    ],
    ids=["truncated", "array", "empty", "duplicate key", "NaN", "not UTF-8", "deeply nested", "unknown field",
         "text quantity", "no buyer", "negative figure"],
)
def test_malformed_requests_get_a_4xx_one_liner_never_a_traceback(client, body, status, says):
    response = post(client, "/v1/check", body)
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert says in message and "\n" not in message and "Traceback" not in message


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(rb):
    with TestClient(create_app(rb, api_key="", limits=Limits(max_body_bytes=1000))) as small:
        response = small.post("/v1/check", content=json.dumps({**A800_CN, "seller": "x" * 5000}))
        assert response.status_code == 413
        assert response.json() == {"error": "the request body is larger than this endpoint's limit of 1,000 bytes"}

        def chunks():  # no Content-Length: refused as it streams in
            for _ in range(10):
                yield b" " * 500

        assert small.post("/v1/check", content=chunks()).status_code == 413


def test_bad_query_parameters_and_unknown_engines_get_one_line_422s(client):
    bad = post(client, "/v1/check?certificate=maybe", A800_CN)
    assert bad.status_code == 422 and bad.json()["error"].startswith("bad query certificate:")
    posture = post(client, "/v1/check?posture=lenient", A800_CN)
    assert posture.status_code == 422 and "enforced" in posture.json()["error"]
    engine = post(client, "/v1/check?engine=rete", A800_CN)
    assert engine.status_code == 422 and "reference" in engine.json()["error"]


def test_unknown_paths_and_methods_get_one_line_errors(client):
    assert client.get("/v1/nope").json() == {"error": "no such endpoint: GET /v1/nope"}
    wrong = client.get("/v1/check")
    assert wrong.status_code == 405 and wrong.json() == {"error": "GET is not allowed on /v1/check"}


def test_no_request_can_name_a_file_path(client):
    assert client.get("/seeds/../pyproject.toml").status_code == 404
    assert client.get("/seeds/%2e%2e%2fpyproject.toml").status_code == 404
    response = post(client, "/v1/check", {**A800_CN, "rulesets": "/etc"})
    assert response.status_code == 422 and "rulesets" in response.json()["error"]


# ------------------------------------------------------------------------------------------ other endpoints


def test_timeline_equals_rulebook_timeline_with_an_inclusive_end(client, rb):
    body = {"order": {k: v for k, v in A800_CN.items() if k != "date"}, "start": "2022-01-01", "end": "2025-12-31"}
    response = post(client, "/v1/timeline", body)
    assert response.status_code == 200, response.text
    expected = rb.timeline(cc.Order(**{**A800_CN, "date": "2022-01-01"}), "2022-01-01", "2026-01-01")
    assert response.json() == expected.model_dump(mode="json")
    assert [s["outcome"] for s in response.json()["segments"]][:2] == ["permitted", "license_required"]


def test_timeline_refuses_an_end_before_its_start_and_a_bad_order(client):
    backwards = post(client, "/v1/timeline", {"order": A800_CN, "start": "2024-01-01", "end": "2023-01-01"})
    assert backwards.status_code == 422 and backwards.json()["error"] == "bad end: 2023-01-01 is before start 2024-01-01"
    unknown = post(client, "/v1/timeline", {"order": {**A800_CN, "item": "A8000"}, "start": "2023-01-01", "end": "2023-12-31"})
    assert unknown.status_code == 422 and "did you mean 'A800'" in unknown.json()["error"]
    extra = post(client, "/v1/timeline", {"order": A800_CN, "start": "2023-01-01", "end": "2023-12-31", "to": "x"})
    assert extra.status_code == 422 and extra.json()["error"].startswith("bad TimelineRequest to: unknown field")


def test_whatif_gives_the_alternatives_counterfactual_gives(client, rb):
    response = post(client, "/v1/whatif", A800_CN)
    assert response.status_code == 200, response.text
    expected = rb.counterfactual(cc.Order(**A800_CN))
    assert response.json() == [a.model_dump(mode="json") for a in expected]
    assert any(a["kind"] == "date" and a["verdict"]["outcome"] == "permitted" for a in response.json())


ROWS = [A800_CN, A800_CN_BEFORE, {**A800_CN, "item": "A8000"}]


def test_screen_json_rows_gives_rulebook_screen_s_table_and_logs_each_decided_row(client, rb, log_path):
    response = post(client, "/v1/screen", {"rows": ROWS})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    expected = rb.screen(pa_table(ROWS)).table.to_pylist()
    assert [{k: r[k] for k in expected[0]} for r in results] == expected
    assert [r["outcome"] for r in results] == ["license_required", "permitted", None]
    assert "did you mean 'A800'" in results[2]["error"] and results[2]["decision_id"] is None
    logged = {d.id: d for d in read_log(log_path).decisions}
    assert [logged[r["decision_id"]].row for r in results[:2]] == [0, 1]
    assert response.json()["summary"]["errors"] == 1


def pa_table(rows):
    pa = pytest.importorskip("pyarrow")
    return pa.Table.from_pylist(rows)


def test_screen_reads_uploaded_csv_and_parquet_and_answers_csv(client):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    csv_text = "item,buyer,destination,date\nA800,ByteDance,CN,2023-11-20\nA800,ByteDance,CN,2023-08-15\n"
    upload = client.post("/v1/screen?format=csv", files={"file": ("book.csv", csv_text, "text/csv")})
    assert upload.status_code == 200, upload.text
    lines = upload.text.splitlines()
    assert lines[0].startswith('"item","buyer","destination","date","outcome"') and lines[0].endswith('"decision_id"')
    assert '"license_required",false,"presumption_of_denial","bis-3a090-2023-destinations;bis-3a090-2023-headquarters"' in lines[1]
    raw = client.post("/v1/screen", content=csv_text, headers={"Content-Type": "text/csv"})
    assert [r["outcome"] for r in raw.json()["results"]] == ["license_required", "permitted"]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(ROWS[:2]), buffer)
    parquet = client.post("/v1/screen", files={"file": ("book.parquet", buffer.getvalue(), "application/octet-stream")})
    assert [r["outcome"] for r in parquet.json()["results"]] == ["license_required", "permitted"]


def test_screen_states_and_enforces_its_row_limit(rb):
    with TestClient(create_app(rb, api_key="", limits=Limits(max_rows=2))) as small:
        response = small.post("/v1/screen", json={"rows": ROWS})
        assert response.status_code == 422
        assert response.json()["error"].startswith("the order book has 3 rows; this service screens at most 2 per request")
        described = small.get("/openapi.json").json()["paths"]["/v1/screen"]["post"]["description"]
        assert "At most 2 rows" in described


def test_screen_refuses_a_book_it_cannot_read_in_one_line(client):
    missing = client.post("/v1/screen", json={"rows": [{"item": "A800", "buyer": "ByteDance"}]})
    assert missing.status_code == 422 and missing.json()["error"].startswith("the order book has no column 'destination', 'date'")
    unknown = client.post("/v1/screen", files={"file": ("book.xlsx", b"PK..", "application/vnd.ms-excel")})
    assert unknown.status_code == 422 and "send a .csv, .parquet or .jsonl file" in unknown.json()["error"]
    garbage = client.post("/v1/screen", content=b"PAR1garbage", headers={"Content-Type": "application/vnd.apache.parquet"})
    assert garbage.status_code == 422 and garbage.json()["error"].startswith("cannot read")


def test_rulebook_describes_name_hash_coverage_horizon_and_every_rule(client, rb):
    info = client.get("/v1/rulebook").json()
    assert (info["name"], info["hash"]) == (rb.name, rb.hash)
    assert info["coverage"]["start"] == str(rb.coverage.start)
    assert info["coverage"]["verified_until"] == str(rb.coverage.until)
    assert sorted(r["id"] for r in info["rules"]) == sorted(rb.rules)
    rule = next(r for r in info["rules"] if r["id"] == "bis-3a090-2023-destinations")
    assert (rule["effective"], rule["effect"]) == (str(rb.rules["bis-3a090-2023-destinations"].effective), "license_required")


def test_health_names_the_rulebook_and_the_endpoints(client, rb):
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and health["rulebook_hash"] == rb.hash and health["decision_log"] is True
    assert "POST /v1/check" in health["endpoints"]


def test_openapi_documents_every_endpoint_and_every_field_of_the_service_s_models(client):
    document = client.get("/openapi.json").json()
    assert {"/v1/check", "/v1/timeline", "/v1/screen", "/v1/rulebook", "/v1/health"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs <= set(schemas), f"dangling: {refs - set(schemas)}"
    body = document["paths"]["/v1/check"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "date" in schemas[body.rsplit("/", 1)[1]]["required"]
    for name in ("CheckResponse", "TimelineRequest", "ScreenRequest", "ScreenResponse", "ScreenRow", "RulebookInfo",
                 "RuleInfo", "CoverageInfo", "Health", "ErrorResponse"):
        undescribed = [f for f, s in schemas[name]["properties"].items() if not s.get("description")]
        assert not undescribed, f"{name}: {undescribed}"
    assert client.get("/docs").status_code == 200


# ------------------------------------------------------------------------------------------ safe defaults


def test_an_api_key_when_set_is_required_everywhere_but_health(rb, monkeypatch):
    monkeypatch.setenv("CHIPCONTROL_API_KEY", "s3cret")
    with TestClient(create_app(rb)) as keyed:
        refused = keyed.post("/v1/check", json=A800_CN)
        assert refused.status_code == 401 and refused.json()["error"].startswith("an API key is required")
        assert keyed.post("/v1/check", json=A800_CN, headers={"X-API-Key": "wrong"}).status_code == 401
        assert keyed.post("/v1/check", json=A800_CN, headers={"X-API-Key": "s3cret"}).status_code == 200
        assert keyed.post("/v1/check", json=A800_CN, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        basic = base64.b64encode(b"officer:s3cret").decode()
        assert keyed.get("/", headers={"Authorization": f"Basic {basic}"}).status_code == 200
        assert keyed.get("/").headers["www-authenticate"].startswith("Basic")
        assert keyed.get("/openapi.json").status_code == 401
        assert keyed.get("/v1/health").status_code == 200


def test_a_request_past_the_time_limit_gets_503(rb):
    app = create_app(rb, api_key="", limits=Limits(time_limit=0.2))
    slow = app.state.answers.check

    def slower(*args, **kwargs):
        time.sleep(1.0)
        return slow(*args, **kwargs)

    app.state.answers.check = slower
    with TestClient(app) as c:
        response = c.post("/v1/check", json=A800_CN)
    assert response.status_code == 503
    assert response.json() == {"error": "the request took longer than the service's limit of 0.2 s"}


def test_no_cors_unless_configured(rb):
    origin = {"Origin": "https://erp.example"}
    with TestClient(create_app(rb, api_key="")) as plain:
        assert "access-control-allow-origin" not in plain.post("/v1/check", json=A800_CN, headers=origin).headers
    with TestClient(create_app(rb, api_key="", cors_origins=["https://erp.example"])) as open_to:
        allowed = open_to.post("/v1/check", json=A800_CN, headers=origin)
        assert allowed.headers["access-control-allow-origin"] == "https://erp.example"


# ------------------------------------------------------------------------------------------ decision log


def test_concurrent_requests_never_interleave_lines_of_the_decision_log(rb, tmp_path):
    path = tmp_path / "log.jsonl"
    ids: list[str] = []
    with TestClient(create_app(rb, decision_log=path, api_key="")) as c:
        def worker():
            for _ in range(10):
                response = c.post("/v1/check", json=A800_CN)
                assert response.status_code == 200
                ids.append(response.json()["decision_id"])

        threads = [threading.Thread(target=worker) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    lines = path.read_bytes().splitlines()
    reading = read_log(path)
    assert reading.ok and len(lines) == len(reading.decisions) == 120
    assert sorted(d.id for d in reading.decisions) == sorted(ids)


def test_a_torn_last_line_is_reported_and_the_next_decision_starts_on_its_own_line(rb, tmp_path):
    path = tmp_path / "log.jsonl"
    with TestClient(create_app(rb, decision_log=path, api_key="")) as c:
        first = c.post("/v1/check", json=A800_CN).json()["decision_id"]
    whole = path.read_bytes()
    path.write_bytes(whole + whole[: len(whole) // 2])  # a crash halfway through writing a second line
    torn = read_log(path)
    assert [d.id for d in torn.decisions] == [first]
    assert [(u.line, u.torn) for u in torn.unreadable] == [(2, True)]
    assert "line 2 (torn: a write cut short by a crash)" in torn.summary()
    with TestClient(create_app(rb, decision_log=DecisionLog(path), api_key="")) as c:
        second = c.post("/v1/check", json=A800_CN).json()["decision_id"]
    after = read_log(path)
    assert [d.id for d in after.decisions] == [first, second]
    assert [(u.line, u.torn) for u in after.unreadable] == [(2, False)]


def test_an_unwritable_decision_log_is_one_line_at_start_up(rb, tmp_path):
    with pytest.raises(cc.ChipControlError, match=r"^cannot open the decision log '.*nowhere/log.jsonl': No such file"):
        create_app(rb, decision_log=tmp_path / "nowhere" / "log.jsonl")


# ------------------------------------------------------------------------------------------ the web page


def test_the_page_is_a_get_form_without_script(client):
    page = client.get("/").text
    assert re.search(r'<form id="order" method="get" action="\./">', page)
    assert "<script" not in page.lower()
    for name in ("item", "buyer", "destination", "date", "kind", "item_tpp", "buyer_headquarters"):
        assert f'name="{name}"' in page


def test_the_page_answers_with_the_notebooks_verdict_view_the_timeline_and_article_links(client, rb):
    page = client.get("/", params={**A800_CN, "kind": "export", "origin": ""}).text
    verdict = rb.evaluate(cc.Order(**A800_CN))
    assert 'data-outcome="license_required"' in page
    assert 'data-deciding-rules="bis-3a090-2023-destinations bis-3a090-2023-headquarters"' in page
    assert cc.render_html.verdict_html(verdict, link_base="").split("rulebook ")[0][:2000] in page
    assert '<section id="timeline">' in page
    if _has_matplotlib():
        assert '<img id="timeline-figure"' in page and "data:image/svg+xml;base64," in page
    links = sorted(set(re.findall(r'href="(seeds/[^"]+)"', page)))
    assert links, "the page links the cited articles"
    for link in links:
        article = client.get("/" + link)
        assert article.status_code == 200 and "<mark" in article.text


def test_the_page_shows_bad_input_as_one_line_with_the_form_kept(client):
    response = client.get("/", params={**A800_CN, "item": "A8000"})
    assert response.status_code == 422
    assert "unknown chip &#x27;A8000&#x27;; did you mean &#x27;A800&#x27;" in response.text
    assert 'value="A8000"' in response.text
    unknown = client.get("/", params={**A800_CN, "itme": "A800"})
    assert unknown.status_code == 422 and "unknown form field &#x27;itme&#x27;; did you mean &#x27;item&#x27;?" in unknown.text
    number = client.get("/", params={**A800_CN, "item": "X", "item_tpp": "lots"})
    assert number.status_code == 422 and "bad item_tpp: must be a finite number ≥ 0, got &#x27;lots&#x27;" in number.text


def test_the_page_takes_an_inline_chip_and_buyer(client, rb):
    params = {"item": "X1", "item_vendor": "NVIDIA", "item_tpp": "5000", "item_io_bidirectional_gbps": "700",
              "item_datacenter": "yes", "buyer": "Acme Labs", "buyer_headquarters": "CN", "destination": "CN",
              "date": "2023-11-20"}
    page = client.get("/", params=params).text
    order = cc.Order(item=cc.Chip(name="X1", vendor="NVIDIA", tpp=5000, io_bidirectional_gbps=700, datacenter=True),
                     buyer=cc.Party(name="Acme Labs", headquarters="CN"), destination="CN", date="2023-11-20")
    assert f'data-outcome="{rb.evaluate(order).outcome.value}"' in page


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------------------ the command


def test_serve_without_the_extra_says_what_to_install_and_exits_2(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "fastapi", None)
    assert cli_main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'chipcontrol[serve]'" in err and "fastapi" in err


def test_serve_refuses_a_bad_port_in_one_line(capsys):
    assert cli_main(["serve", "--port", "70000"]) == 2
    assert capsys.readouterr().err == "chipcontrol: bad --port: 70000 is not a port number (0-65535)\n"


def test_importing_chipcontrol_and_its_cli_does_not_import_fastapi():
    code = "import sys, chipcontrol, chipcontrol.cli; print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
