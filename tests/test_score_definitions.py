"""Bad score definitions get a Dutch message; the default keeps working; nothing saved is ever lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.cli import main
from wijkkompas.errors import SourceError
from wijkkompas.scores import compute, default_definitions, parse_definitions, read_definition_file, to_toml
from wijkkompas.scores.saved import list_saved, save_definition, saved_dir, slug
from wijkkompas.store import Store

KNOWN = set(load_catalogue().indicators)


def toml_with(
    indicator: str = "woz_waarde", weight: str = "1.0", theme_weight: str = "1.0", direction: str = "higher_is_better"
) -> str:
    return f"""
[scores.mijn]
label = "Mijn score"
description = "Een eigen score."
caveat = "Zelf gemaakt."

[scores.mijn.themes.wonen]
label = "Wonen"
weight = {theme_weight}

[[scores.mijn.themes.wonen.indicators]]
id = "{indicator}"
direction = "{direction}"
weight = {weight}
"""


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (toml_with(weight="-1.0"), "negatief"),
        (toml_with(weight="0.0"), "alle gewichten van de indicatoren zijn 0"),
        (toml_with(theme_weight="0.0"), "alle thema's hebben gewicht 0"),
        (toml_with(weight="nan"), "geen eindig getal"),
        (toml_with(weight="inf"), "geen eindig getal"),
        (toml_with(weight='"zwaar"'), "geen getal"),
        (toml_with(weight="5000.0"), "te groot"),
        (toml_with(direction="neutral"), "geen neutrale cijfers"),
        ("[scores.mijn\nlabel = ", "geen geldige TOML"),
        ("titel = 'geen scores'", "geen [scores.<naam>]"),
        (toml_with().replace('label = "Mijn score"\n', ""), "'label' ontbreekt"),
        (toml_with().replace("weight = 1.0\n\n[[", "gewicht = 1.0\n\n[["), "onbekende velden gewicht"),
        (toml_with() + "\n[scores.mijn.themes.leeg]\nlabel = 'Leeg'\n", "geen indicatoren"),
    ],
)
def test_bad_definitions_get_a_dutch_message(text, fragment):
    with pytest.raises(SourceError) as err:
        parse_definitions(text, source="mijn.toml")
    assert fragment in str(err.value)
    assert "mijn.toml" in str(err.value) or "TOML" in str(err.value)


def test_unknown_indicator_is_named():
    with pytest.raises(SourceError) as err:
        parse_definitions(toml_with(indicator="bestaat_niet"), source="mijn.toml", known=KNOWN)
    assert "'bestaat_niet'" in str(err.value) and "onbekende indicator" in str(err.value)


def test_the_same_indicator_twice_is_refused():
    text = (
        toml_with()
        + """
[scores.mijn.themes.ook]
label = "Ook"
weight = 1.0

[[scores.mijn.themes.ook.indicators]]
id = "woz_waarde"
direction = "higher_is_better"
weight = 1.0
"""
    )
    with pytest.raises(SourceError, match="twee thema's"):
        parse_definitions(text)


def test_definition_file_with_two_scores_is_refused(tmp_path):
    path = tmp_path / "twee.toml"
    path.write_text(
        to_toml(default_definitions()["leefbaarheid"]) + to_toml(default_definitions()["veerkracht"]).split("\n", 3)[3]
    )
    with pytest.raises(SourceError, match="precies één"):
        read_definition_file(path)
    with pytest.raises(SourceError, match="bestaat niet"):
        read_definition_file(tmp_path / "weg.toml")
    (tmp_path / "latin1.toml").write_bytes("label = 'caf\xe9'".encode("latin-1"))
    with pytest.raises(SourceError, match="UTF-8"):
        read_definition_file(tmp_path / "latin1.toml")


@pytest.mark.parametrize("score_id", ["leefbaarheid", "veerkracht"])
def test_to_toml_round_trips(score_id):
    d = default_definitions()[score_id]
    back = parse_definitions(to_toml(d))[score_id]
    assert back == d


@settings(max_examples=40, deadline=None)
@given(
    name=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(lambda s: slug(s)),
    caveat=st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
    w=st.floats(0.01, 1000),
)
def test_any_name_and_text_survive_saving(tmp_path_factory, name, caveat, w):
    data_dir = tmp_path_factory.mktemp("d")
    d = default_definitions()["veerkracht"].with_weights({"inkomen": w})
    from dataclasses import replace

    d = replace(d, caveat=caveat.strip() or "x")
    save_definition(data_dir, d, name, known=KNOWN)
    saved = list_saved(data_dir, known=KNOWN)
    assert not saved.problems
    (loaded,) = saved.definitions.values()
    assert loaded.name == " ".join(name.split())
    assert loaded.theme("inkomen").weight == w
    assert loaded.caveat == d.caveat


def test_save_never_loses_what_is_saved(tmp_path):
    d = default_definitions()["leefbaarheid"].with_weights({"overlast": 0.0, "veiligheid": 0.0})
    path = save_definition(tmp_path, d, "Zonder veiligheid", known=KNOWN)
    assert str(path) == "scores/zonder-veiligheid.toml"
    saved_bytes = lambda: Store(tmp_path).snapshot().read_bytes(str(path))  # noqa: E731
    before = saved_bytes()
    # Same name again: refused without 'overwrite', file untouched.
    with pytest.raises(SourceError, match="al een opgeslagen score"):
        save_definition(tmp_path, d.with_weights({"fysiek": 2.0}), "zonder veiligheid", known=KNOWN)
    assert saved_bytes() == before
    # With overwrite: replaced.
    save_definition(tmp_path, d.with_weights({"fysiek": 2.0}), "Zonder veiligheid", overwrite=True, known=KNOWN)
    assert list_saved(tmp_path).definitions["zonder-veiligheid"].theme("fysiek").weight == 2.0
    # An unreadable file with the same name is never overwritten, not even with overwrite=True.
    Store(tmp_path).write_document("scores/kapot.toml", b"[scores.x\n")  # e.g. from an old pack
    with pytest.raises(SourceError, match="niet te lezen"):
        save_definition(tmp_path, d, "Kapot", overwrite=True, known=KNOWN)
    assert Store(tmp_path).snapshot().read_bytes("scores/kapot.toml") == b"[scores.x\n"


def test_a_failed_write_leaves_the_old_file_and_no_temp_files(tmp_path, monkeypatch):
    d = default_definitions()["veerkracht"]
    path = save_definition(tmp_path, d, "Vast", known=KNOWN)
    before = Store(tmp_path).snapshot().read_bytes(str(path))
    files_before = sorted(p.name for p in saved_dir(tmp_path).iterdir())

    def boom(*_a, **_k):
        raise OSError("schijf vol")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(SourceError, match="Er is niets veranderd"):
        save_definition(tmp_path, d.with_weights({"zorg": 3.0}), "Vast", overwrite=True, known=KNOWN)
    monkeypatch.undo()
    assert Store(tmp_path).snapshot().read_bytes(str(path)) == before
    assert sorted(p.name for p in saved_dir(tmp_path).iterdir()) == files_before  # no temp or orphan files


def test_bad_files_in_the_data_dir_are_reported_and_the_rest_still_loads(tmp_path):
    good = save_definition(tmp_path, default_definitions()["veerkracht"], "Goed", known=KNOWN)
    store = Store(tmp_path)
    files = {
        "kapot.toml": "[scores.x\n",
        "onbekend.toml": toml_with(indicator="bestaat_niet"),
        "negatief.toml": toml_with(weight="-2.0"),
        "nul.toml": toml_with(theme_weight="0.0"),
    }
    for name, text in files.items():  # e.g. from an old pack or an older Wijkkompas
        store.write_document(f"scores/{name}", text.encode("utf-8"))
    store.write_document("scores/binair.toml", b"\xff\xfe\x00garbage")
    saved = list_saved(tmp_path, known=KNOWN)
    assert list(saved.definitions) == ["goed"]
    assert len(saved.problems) == 5
    joined = " ".join(saved.problems)
    for name in [*files, "binair.toml"]:
        assert name in joined
    assert "bestaat_niet" in joined and "negatief" in joined and "niet gewijzigd" in joined
    # Nothing was changed or removed, and the default definitions still compute.
    for name, text in files.items():
        assert store.snapshot().read_bytes(f"scores/{name}").decode("utf-8") == text
    assert store.snapshot().has(str(good))
    assert default_definitions()["leefbaarheid"].themes


def test_names_are_checked(tmp_path):
    d = default_definitions()["veerkracht"]
    for bad, fragment in [("", "naam"), ("   ", "naam"), ("!!!", "letter of cijfer"), ("x" * 61, "te lang")]:
        with pytest.raises(SourceError, match=fragment):
            save_definition(tmp_path, d, bad)
    assert not saved_dir(tmp_path).exists() or not any(saved_dir(tmp_path).iterdir())


def test_cli_writes_the_csv_and_refuses_bad_definitions(tiny_store_dir, tmp_path, capsys):
    out = tmp_path / "vk.csv"
    rc = main(
        [
            "--data-dir",
            str(tiny_store_dir),
            "scores",
            "--gemeente",
            "GM0999",
            "--year",
            "2024",
            "--level",
            "buurt",
            "--score",
            "veerkracht",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    import pandas as pd

    frame = pd.read_csv(out)
    assert list(frame.columns) == [
        "region_code",
        "score",
        "theme",
        "indicator",
        "value",
        "normalised",
        "weight",
        "contribution",
        "score_value",
    ]
    assert frame["region_code"].nunique() == 5
    per_region = frame.groupby("region_code").agg(c=("contribution", "sum"), s=("score_value", "first"))
    assert ((per_region["c"] - (per_region["s"] - 100)).abs() < 1e-9).all()
    # Same numbers as the library computes.
    values = Store(tiny_store_dir).load_values(["GM0999"], 2024, "buurt")
    lib = (
        compute(values, default_definitions()["veerkracht"], year=2024, level="buurt").table().set_index("region_code")
    )
    assert per_region["s"].to_dict() == pytest.approx(lib["score"].to_dict())

    bad = tmp_path / "bad.toml"
    bad.write_text(toml_with(indicator="bestaat_niet"), encoding="utf-8")
    rc = main(
        [
            "--data-dir",
            str(tiny_store_dir),
            "scores",
            "--gemeente",
            "GM0999",
            "--year",
            "2024",
            "--level",
            "buurt",
            "--definition",
            str(bad),
            "--out",
            str(tmp_path / "x.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "bestaat_niet" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()
    rc = main(
        [
            "--data-dir",
            str(tiny_store_dir),
            "scores",
            "--gemeente",
            "GM0999",
            "--year",
            "1999",
            "--level",
            "buurt",
            "--out",
            str(tmp_path / "y.csv"),
        ]
    )
    assert rc == 1 and "1999" in capsys.readouterr().err


@pytest.mark.parametrize("by", ["saved name", "toml file"])
def test_cli_accepts_a_saved_definition(tiny_store, tmp_path, by):
    d = default_definitions()["veerkracht"].with_weights({"zorg": 0.0})
    if by == "saved name":
        save_definition(tiny_store, d, "Zonder zorg", known=KNOWN)
        arg = "Zonder zorg"
    else:
        arg = str(tmp_path / "zonder-zorg.toml")
        Path(arg).write_text(to_toml(d), encoding="utf-8")
    out = tmp_path / "eigen.csv"
    rc = main(
        [
            "--data-dir",
            str(tiny_store.data_dir),
            "scores",
            "--gemeente",
            "GM0999",
            "--year",
            "2024",
            "--level",
            "buurt",
            "--definition",
            arg,
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    import pandas as pd

    frame = pd.read_csv(out)
    assert (frame.loc[frame["theme"] == "zorg", "weight"] == 0).all()
    assert Path(out).read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents
