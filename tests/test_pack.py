"""Data packs: manifest and checksums, refusing bad packs without touching anything, conflicts, round trip."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from wijkkompas.cli import main
from wijkkompas.errors import SourceError
from wijkkompas.pack import FORMAT_VERSION, build_pack, find_conflicts, import_pack, read_pack
from wijkkompas.presentation.model import Presentation, make_slide, save_presentation
from wijkkompas.store import Store

GM = "GM0999"
OTHER = "GM0998"


# --------------------------------------------------------------------------- helpers


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes: 'byte-identical' means this dict is equal."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def rezip(data: bytes, *, manifest=None, replace: dict | None = None, add: dict | None = None, drop=()) -> bytes:
    """A copy of a pack with the manifest and/or entries changed (to build bad packs)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            if info.filename in drop:
                continue
            if info.filename == "manifest.json" and manifest is not None:
                zf.writestr("manifest.json", json.dumps(manifest))
            elif replace and info.filename in replace:
                zf.writestr(info.filename, replace[info.filename])
            else:
                zf.writestr(info.filename, src.read(info.filename))
        for name, content in (add or {}).items():
            zf.writestr(zipfile.ZipInfo(name), content)
    return out.getvalue()


def manifest_of(data: bytes) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))


def add_other_gemeente(store: Store, code: str = OTHER) -> None:
    """Copy Teststad under another gemeente code, so a pack has something to leave out."""
    num = code[2:]
    values = store.load_values([GM])
    for col in ("region_code", "gemeente_code", "wijk_code"):
        values[col] = values[col].str.replace("0999", num, n=1, regex=False)
    regions = store.regions(gemeenten=[GM])
    for col in ("region_code", "gemeente_code", "wijk_code"):
        regions[col] = regions[col].str.replace("0999", num, n=1, regex=False)
    store.replace(values, regions, source_tables=sorted(values["source_table"].unique()), gemeenten=[code])
    for level in ("buurt", "wijk", "gemeente"):
        for year in store.geometry_years(level):
            geo = store.geometry(year, level, [GM])
            if geo.empty:
                continue
            geo = geo.copy()
            geo["region_code"] = geo["region_code"].str.replace("0999", num, n=1, regex=False)
            geo["gemeente_code"] = code
            geo["geometry"] = geo.geometry.translate(0.5, 0)
            store.replace_geometry(year, level, geo, [code])


def set_loaded_at(store: Store, when: str) -> None:
    with store.transaction() as tx:
        log = tx.view().ingest_log()
        for entry in log:
            entry["loaded_at"] = when
        tx.put_json("store/ingest_log.json", log)


def doc(data_dir: Path, logical: str) -> bytes:
    """A document as the store holds it (its file carries a content hash in the name)."""
    return Store(data_dir).snapshot().read_bytes(logical)


def put_doc(data_dir: Path, logical: str, data: bytes) -> None:
    Store(data_dir).write_document(logical, data)


@pytest.fixture(scope="session")
def pack_bytes(tiny_store_dir) -> bytes:
    """Built once: making a pack only reads the store."""
    data, _summary = build_pack(tiny_store_dir, [GM])
    return data


@pytest.fixture
def target(tiny_store_dir, tmp_path) -> Path:
    """A second computer that already has (the same, older) Teststad data."""
    copy = tmp_path / "laptop"
    shutil.copytree(tiny_store_dir, copy)
    return copy


# --------------------------------------------------------------------------- export


def test_manifest_lists_every_file_with_checksum_and_size(tiny_store):
    save_presentation(
        tiny_store.data_dir,
        Presentation("Raad", (make_slide("trend", "Inwoners", regios=["WK099901"], indicator="inwoners"),)),
    )
    data, summary = build_pack(tiny_store.data_dir, [GM])
    zf = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "wijkkompas-pakket"
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["app_version"] and manifest["created"]
    assert manifest["gemeenten"] == [GM] and manifest["gemeente_names"][GM] == "Teststad"
    assert manifest["years"] == [2023, 2024]
    paths = {f["path"] for f in manifest["files"]}
    assert {
        "store/values/2023.parquet",
        "store/values/2024.parquet",
        "store/regions.parquet",
        "store/cbs_columns.json",
        "geo/2024/buurt.parquet",
        "geo/2024/wijk.parquet",
        "presentaties/raad.json",
    } <= paths
    assert set(zf.namelist()) == paths | {"manifest.json"}
    for f in manifest["files"]:
        content = zf.read(f["path"])
        assert hashlib.sha256(content).hexdigest() == f["sha256"]
        assert len(content) == f["bytes"]
    assert {e["year"] for e in manifest["log"]} == {2023, 2024}
    assert summary.values == sum(
        len(Store(tiny_store.data_dir).load_values([GM], y, include_nederland=True)) for y in (2023, 2024)
    )


def test_pack_holds_only_the_chosen_gemeenten(tiny_store):
    add_other_gemeente(tiny_store)
    data, _ = build_pack(tiny_store.data_dir, [GM])
    pack = read_pack(data)
    for path, content in pack.files.items():
        if path.endswith(".parquet"):
            frame = pd.read_parquet(io.BytesIO(content))
            assert not frame["gemeente_code"].astype(str).str.contains(OTHER).any(), path
    both, _ = build_pack(tiny_store.data_dir, [GM, OTHER])
    assert read_pack(both).gemeenten == (GM, OTHER)


def test_export_of_a_gemeente_that_is_not_loaded_is_a_dutch_error(tiny_store):
    with pytest.raises(SourceError, match="GM0164 is niet geladen"):
        build_pack(tiny_store.data_dir, ["GM0164"])
    with pytest.raises(SourceError, match="geen gemeentecode"):
        build_pack(tiny_store.data_dir, ["Hengelo"])


# --------------------------------------------------------------------------- round trip


def test_import_into_an_empty_data_dir_gives_the_same_figures_maps_and_presentations(tiny_store, tmp_path):
    save_presentation(
        tiny_store.data_dir, Presentation("Raad", (make_slide("profiel", "Centrum", regios=["WK099901"]),))
    )
    data, _ = build_pack(tiny_store.data_dir, [GM])
    laptop = tmp_path / "leeg"
    result = import_pack(data, laptop)
    assert result.installed and not result.conflicts
    a, b = tiny_store, Store(laptop)
    key = ["year", "region_code", "indicator"]
    pd.testing.assert_frame_equal(
        a.load_values([GM]).sort_values(key).reset_index(drop=True),
        b.load_values([GM]).sort_values(key).reset_index(drop=True),
    )
    assert b.geometry_years("buurt") == a.geometry_years("buurt")
    ga, gb = (
        a.geometry(2024, "buurt", [GM]).sort_values("region_code"),
        b.geometry(2024, "buurt", [GM]).sort_values("region_code"),
    )
    assert list(ga["region_code"]) == list(gb["region_code"])
    assert ga.geometry.reset_index(drop=True).geom_equals_exact(gb.geometry.reset_index(drop=True), 0).all()
    assert doc(laptop, "presentaties/raad.json") == doc(a.data_dir, "presentaties/raad.json")
    assert b.verify() == []
    # The pack is kept and the log names it, so a damaged laptop store can re-install itself.
    kept = [e["source"] for e in b.ingest_log() if e.get("kind") == "pack"]
    assert kept and all(b.raw_file(k).read_bytes() == data for k in kept)
    # Installing the same pack again changes no figures and asks nothing.
    again = import_pack(data, laptop)
    assert again.installed and not again.conflicts


def test_import_keeps_other_gemeenten_and_local_uploads(tiny_store, tmp_path):
    data, _ = build_pack(tiny_store.data_dir, [GM])
    laptop = tmp_path / "laptop"
    shutil.copytree(tiny_store.data_dir, laptop)
    add_other_gemeente(Store(laptop))
    registry = {
        "version": 1,
        "uploads": {"lokaal": {"id": "lokaal", "file_name": "x.csv", "gemeenten": [OTHER], "sha256": "a" * 64}},
    }
    put_doc(laptop, "eigen/uploads.json", json.dumps(registry).encode())
    before_other = Store(laptop).load_values([OTHER])
    assert import_pack(data, laptop, overwrite=True).installed
    after_other = Store(laptop).load_values([OTHER])
    assert len(after_other) == len(before_other) > 0
    assert json.loads(doc(laptop, "eigen/uploads.json")) == registry


def test_uploaded_indicators_and_score_definitions_travel_along(tiny_store, tmp_path):
    d = tiny_store.data_dir
    (d / "raw" / "eigen" / "meldingen").mkdir(parents=True)
    (d / "raw" / "eigen" / "meldingen" / "meldingen.csv").write_text("buurtcode;meldingen\nBU09990101;12\n")
    registry = {
        "version": 1,
        "uploads": {
            "meldingen": {
                "id": "meldingen",
                "file_name": "meldingen.csv",
                "raw_path": "raw/eigen/meldingen/meldingen.csv",
                "gemeenten": [GM],
                "sha256": "b" * 64,
                "uploaded": "2026-01-01T10:00:00+00:00",
                "indicators": [],
            },
            "ander": {"id": "ander", "file_name": "ander.csv", "gemeenten": ["GM0164"], "sha256": "c" * 64},
        },
    }
    put_doc(d, "eigen/uploads.json", json.dumps(registry).encode())
    put_doc(d, "scores/mijn-leefbaarheid.toml", b'[scores.leefbaarheid]\nsaved = "2026-01-01T10:00:00+00:00"\n')
    data, summary = build_pack(d, [GM])
    assert summary.uploads == 1 and summary.scores == 1
    laptop = tmp_path / "laptop"
    assert import_pack(data, laptop).installed
    got = json.loads(doc(laptop, "eigen/uploads.json"))
    assert set(got["uploads"]) == {"meldingen"}  # the upload of another gemeente stays home
    assert (laptop / "raw" / "eigen" / "meldingen" / "meldingen.csv").read_text().startswith("buurtcode")
    assert Store(laptop).snapshot().has("scores/mijn-leefbaarheid.toml")


# --------------------------------------------------------------------------- refused packs change nothing


def _refused(data: bytes, target: Path, match: str) -> None:
    before = snapshot(target)
    parent_before = sorted(p.name for p in target.parent.iterdir())
    with pytest.raises(SourceError, match=match) as err:
        import_pack(data, target)
    assert "Er is niets geïnstalleerd" in str(err.value)
    assert snapshot(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == parent_before  # no staging folder left behind


def test_wrong_checksum_is_refused_and_nothing_changes(pack_bytes, target):
    zf = zipfile.ZipFile(io.BytesIO(pack_bytes))
    content = bytearray(zf.read("store/values/2024.parquet"))
    content[len(content) // 2] ^= 0xFF
    _refused(
        rezip(pack_bytes, replace={"store/values/2024.parquet": bytes(content)}),
        target,
        "Het controlegetal van 'store/values/2024.parquet'",
    )


def test_truncated_pack_is_refused_and_nothing_changes(pack_bytes, target):
    _refused(pack_bytes[: len(pack_bytes) * 2 // 3], target, "beschadigd of niet helemaal gedownload")
    _refused(b"", target, "geen compleet gegevenspakket")


def test_pack_from_a_newer_version_is_refused(pack_bytes, target):
    manifest = manifest_of(pack_bytes)
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest["app_version"] = "9.0.0"
    _refused(rezip(pack_bytes, manifest=manifest), target, "nieuwere versie van Wijkkompas")


@pytest.mark.parametrize(
    "name", ["../../x", "store/../../x", "/tmp/wijkkompas-evil", "C:/evil.txt", "store\\..\\..\\x"]
)
def test_entries_that_would_write_outside_the_data_dir_are_refused(pack_bytes, target, tmp_path, name):
    evil = b"evil"
    manifest = manifest_of(pack_bytes)
    manifest["files"].append({"path": name, "sha256": hashlib.sha256(evil).hexdigest(), "bytes": len(evil)})
    _refused(rezip(pack_bytes, manifest=manifest, add={name: evil}), target, "buiten de gegevensmap")
    assert not (tmp_path / "x").exists() and not Path("/tmp/wijkkompas-evil").exists()
    # Also when the manifest does not mention the entry at all.
    _refused(rezip(pack_bytes, add={name: evil}), target, "buiten de gegevensmap")


def test_entries_outside_the_pack_layout_or_the_manifest_are_refused(pack_bytes, target):
    data = b"{}"
    manifest = manifest_of(pack_bytes)
    manifest["files"].append(
        {"path": "store/manifest.json", "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    )
    _refused(
        rezip(pack_bytes, manifest=manifest, add={"store/manifest.json": data}),
        target,
        "niet in een gegevenspakket hoort",
    )
    _refused(rezip(pack_bytes, add={"presentaties/extra.json": data}), target, "niet in de inhoudsopgave")
    _refused(rezip(pack_bytes, drop=("store/regions.parquet",)), target, "ontbreekt 'store/regions.parquet'")


def test_a_pack_whose_rows_belong_to_another_gemeente_is_refused(pack_bytes, target):
    manifest = manifest_of(pack_bytes)
    manifest["gemeenten"] = ["GM0164"]
    _refused(rezip(pack_bytes, manifest=manifest), target, "gemeente GM0999, die niet in de inhoudsopgave staat")


def test_a_failure_half_way_puts_every_file_back(pack_bytes, target, monkeypatch):
    set_loaded_at(Store(target), "2020-01-01T00:00:00+00:00")  # older: the pack may overwrite without asking
    before = snapshot(target)
    calls = {"n": 0}
    import wijkkompas.store.backend as core

    real = core.atomic_write_bytes

    def flaky(path, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(core, "atomic_write_bytes", flaky)
    with pytest.raises(SourceError, match=r"niet geïnstalleerd.*Er is niets veranderd.*schijf .* vol"):
        import_pack(pack_bytes, target)
    assert calls["n"] >= 3
    assert snapshot(target) == before
    assert not [p for p in target.parent.iterdir() if ".pakket-" in p.name]


# --------------------------------------------------------------------------- newer data is never overwritten without asking


def test_newer_data_here_is_a_conflict_that_must_be_confirmed(pack_bytes, target):
    set_loaded_at(Store(target), "2099-01-01T00:00:00+00:00")
    before = snapshot(target)
    result = import_pack(pack_bytes, target)
    assert not result.installed
    assert {c.key for c in result.conflicts} == {f"{GM}/2023", f"{GM}/2024"}
    assert all("Teststad" in c.text for c in result.conflicts)
    assert snapshot(target) == before
    confirmed = import_pack(pack_bytes, target, overwrite=True)
    assert confirmed.installed


def test_older_data_here_is_replaced_without_asking(pack_bytes, target):
    set_loaded_at(Store(target), "2000-01-01T00:00:00+00:00")
    assert find_conflicts(read_pack(pack_bytes), target) == []
    assert import_pack(pack_bytes, target).installed


def test_a_newer_presentation_here_is_a_conflict(tiny_store, tmp_path):
    d = tiny_store.data_dir
    save_presentation(d, Presentation("Raad", (make_slide("profiel", "Oud", regios=["WK099901"]),)))
    data, _ = build_pack(d, [GM])
    laptop = tmp_path / "laptop"
    assert import_pack(data, laptop).installed
    save_presentation(
        laptop, Presentation("Raad", (make_slide("profiel", "Nieuw", regios=["WK099902"]),)), overwrite=True
    )
    result = import_pack(data, laptop)
    assert not result.installed and [c.kind for c in result.conflicts] == ["presentatie"]
    assert "Nieuw" in doc(laptop, "presentaties/raad.json").decode()


# --------------------------------------------------------------------------- command line


def test_cli_export_import_and_exit_codes(tiny_store, tmp_path, capsys):
    out = tmp_path / "teststad.zip"
    d = str(tiny_store.data_dir)
    assert main(["--data-dir", d, "pack", "export", "--gemeente", GM, "--out", str(out)]) == 0
    assert "Pakket geschreven" in capsys.readouterr().out
    laptop = tmp_path / "laptop"
    assert main(["--data-dir", str(laptop), "pack", "import", str(out)]) == 0
    assert "Teststad" in capsys.readouterr().out
    set_loaded_at(Store(laptop), "2099-01-01T00:00:00+00:00")
    assert main(["--data-dir", str(laptop), "pack", "import", str(out)]) == 3
    err = capsys.readouterr().err
    assert "--overwrite" in err and "Traceback" not in err
    assert main(["--data-dir", str(laptop), "pack", "import", str(out), "--overwrite"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(laptop), "pack", "import", str(tmp_path / "bestaat-niet.zip")]) == 1
    assert "bestaat niet" in capsys.readouterr().err
    assert main(["--data-dir", d, "pack", "export", "--out", str(out)]) == 2
