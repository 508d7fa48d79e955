"""Viewer and beheer: a viewer's write is refused where every write passes (the store), not only hidden."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.apptest_helpers import assert_clean, texts
from tests.fixtures import messy_files as mf
from wijkkompas.access import (
    ConfigError,
    Role,
    WriteRefused,
    acting_as,
    configured_role,
    current_role,
    require_write,
    role_from_claims,
)
from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.oplog import LOGGER, JsonLineFormatter, RunLog
from wijkkompas.pack import build_pack, import_pack
from wijkkompas.scores import default_definitions
from wijkkompas.scores.saved import save_definition
from wijkkompas.userdata import delete_upload, list_uploads
from wijkkompas.userdata.service import import_file

KNOWN = set(load_catalogue().indicators)


def test_the_configured_role_defaults_to_beheer_and_refuses_a_typo():
    assert configured_role({}) is Role.BEHEER
    assert configured_role({"WIJKKOMPAS_ROLE": " Viewer "}) is Role.VIEWER
    assert configured_role({"WIJKKOMPAS_ROLE": "beheer"}) is Role.BEHEER
    with pytest.raises(ConfigError, match="viewer.*beheer"):
        configured_role({"WIJKKOMPAS_ROLE": "admin"})  # never silently beheer


def test_beheer_comes_from_the_group_or_role_claim():
    assert role_from_claims({"groups": ["a", "wijkkompas-beheer"]}, {}) is Role.BEHEER
    assert role_from_claims({"roles": "lezer wijkkompas-beheer"}, {}) is Role.BEHEER
    assert role_from_claims({"groups": ["wijkkompas-lezers"]}, {}) is Role.VIEWER
    assert role_from_claims({}, {}) is Role.VIEWER
    env = {"WIJKKOMPAS_BEHEER_GROUP": "0b1c-guid", "WIJKKOMPAS_ROLE_CLAIM": "wids"}
    assert role_from_claims({"wids": ["0b1c-guid"], "groups": ["wijkkompas-beheer"]}, env) is Role.BEHEER
    assert role_from_claims({"groups": ["0b1c-guid"]}, env) is Role.VIEWER  # only the configured claim counts


def test_the_role_of_one_request_does_not_leak(monkeypatch):
    monkeypatch.delenv("WIJKKOMPAS_ROLE", raising=False)
    with acting_as(Role.VIEWER):
        assert current_role() is Role.VIEWER
        with pytest.raises(WriteRefused, match="Alleen beheerders kunnen"):
            require_write()
    assert current_role() is Role.BEHEER


def test_every_kind_of_write_is_refused_for_a_viewer_and_nothing_changes(tiny_store):
    name, data = mf.dutch_excel_csv()
    import_file(tiny_store, data, name)  # as beheer: an upload the viewer will try to delete
    (upload,) = list_uploads(tiny_store)
    pack, _ = build_pack(tiny_store, ["GM0999"])
    before = tiny_store.version()
    files_before = sorted(p.relative_to(tiny_store.data_dir) for p in tiny_store.data_dir.rglob("*") if p.is_file())
    definition = default_definitions()["veerkracht"].with_weights({"inkomen": 2.0})
    attempts = {
        "transaction": lambda: tiny_store.transaction().__enter__(),
        "document": lambda: tiny_store.write_document("scores/x.toml", b"x"),
        "raw": lambda: tiny_store.write_raw("raw/x.bin", b"x"),
        "upload": lambda: import_file(tiny_store, data, name),
        "delete upload": lambda: delete_upload(tiny_store, upload.id),
        "pack": lambda: import_pack(pack, tiny_store, overwrite=True),
        "score definition": lambda: save_definition(tiny_store, definition, "Mijn score", known=KNOWN),
        "remove years": lambda: tiny_store.remove_years([2023]),
    }
    with acting_as(Role.VIEWER):
        for what, attempt in attempts.items():
            with pytest.raises(WriteRefused):
                attempt()
                pytest.fail(f"{what} was not refused")
        assert build_pack(tiny_store, ["GM0999"])[0]  # reading and downloading stay allowed
    assert tiny_store.version() == before
    files_after = sorted(p.relative_to(tiny_store.data_dir) for p in tiny_store.data_dir.rglob("*") if p.is_file())
    assert files_after == files_before
    assert [u.id for u in list_uploads(tiny_store)] == [upload.id]


def test_a_viewer_sees_no_write_widgets(app_test, tiny_store, monkeypatch):
    monkeypatch.setenv("WIJKKOMPAS_ROLE", "viewer")
    at = app_test(tiny_store.data_dir, page="pages/start.py", query={"gemeente": "GM0999"})
    assert_clean(at)
    assert "Alleen beheerders kunnen gegevens laden" in texts(at, "info")
    assert not [t for t in at.tabs if "Online ophalen" in t.label]
    assert "kijker" in texts(at.sidebar, "caption")
    at.switch_page("pages/eigen_gegevens.py").run()
    assert_clean(at)
    assert "Alleen beheerders kunnen eigen cijfers toevoegen" in texts(at, "info")
    assert not at.get("file_uploader")
    at.switch_page("pages/scores.py").run()
    assert_clean(at)
    assert not [e for e in at.expander if "bewaren" in e.label]


def test_beheer_sees_them(app_test, tiny_store, monkeypatch):
    monkeypatch.setenv("WIJKKOMPAS_ROLE", "beheer")
    at = app_test(tiny_store.data_dir, page="pages/start.py", query={"gemeente": "GM0999"})
    assert_clean(at)
    assert [t for t in at.tabs if "Online ophalen" in t.label]
    at.switch_page("pages/eigen_gegevens.py").run()
    assert_clean(at)
    assert at.get("file_uploader")


def test_a_viewer_does_not_repair_a_damaged_store_but_says_who_can(app_test, tiny_store, monkeypatch):
    monkeypatch.setenv("WIJKKOMPAS_ROLE", "viewer")
    tiny_store.path_of("store/values/2024.parquet").write_bytes(b"kapot")
    at = app_test(tiny_store.data_dir, page="pages/kaart.py", query={"gemeente": "GM0999", "jaar": "2024"})
    assert_clean(at, expect_error="beheerder kan het herstellen")
    assert not (tiny_store.data_dir / "beschadigd").exists()  # nothing moved, nothing written
    assert tiny_store.verify()  # still damaged: repairing is for beheer
    monkeypatch.setenv("WIJKKOMPAS_ROLE", "beheer")
    at = app_test(tiny_store.data_dir, page="pages/kaart.py", query={"gemeente": "GM0999", "jaar": "2024"})
    assert_clean(at)
    assert tiny_store.verify() == []


def test_one_json_line_per_page_run(app_test, tiny_store, monkeypatch):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    try:
        monkeypatch.setenv("WIJKKOMPAS_ROLE", "viewer")
        at = app_test(tiny_store.data_dir, page="pages/wijkprofiel.py", query={"gemeente": "GM0999"})
        assert_clean(at)
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    runs = [r for r in lines if r.get("event") == "page_run"]
    assert runs, lines
    last = runs[-1]
    assert last["outcome"] == "ok" and last["errors"] == [] and last["role"] == "viewer"
    assert last["duration_ms"] > 0 and last["page"]


def test_a_failed_section_is_counted_in_the_run_line():
    run = RunLog(page="Kaart")
    token = run.start()
    try:
        run.error("de kaart", ValueError("x"))
        payload = run.finish()
    finally:
        run.reset(token)
    assert payload["outcome"] == "error" and payload["errors"] == [{"where": "de kaart", "type": "ValueError"}]
    assert json.loads(JsonLineFormatter().format(logging.makeLogRecord({"payload": payload})))["page"] == "Kaart"
