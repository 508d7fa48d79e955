"""Wijkprofiel page (AppTest): a wijk from the URL, a buurt chosen, a wrong code, a wijk with most values hidden."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tests.apptest_helpers import assert_clean

PAGE = "pages/wijkprofiel.py"


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.header]
    parts += [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(parts)


def html_blocks(at) -> str:
    return "\n".join(el.proto.body for el in at.get("html"))


def facts(at) -> dict[str, str]:
    """The header boxes (label → value, tags stripped)."""
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html_blocks(at))
    return {label: re.sub(r"<[^>]+>", "", value).strip() for label, value in pairs}


def test_wijk_from_the_url(app_test, tiny_store_dir):
    at = app_test(tiny_store_dir, page=PAGE, query={"gemeente": "GM0999", "regio": "WK099902"})
    assert_clean(at)
    assert at.header[0].value == "Noord & Oost"
    assert at.selectbox(key="wp_wijk").value == "WK099902"
    header = facts(at)
    assert header["Inwoners"] == "2.782" and header["Buurten"] == "2" and header["Oppervlakte"] == "94 ha"
    assert "Wat valt op" in texts(at) and "Kerncijfers 2024" in texts(at)
    table = html_blocks(at)
    assert "Noord &amp; Oost" in table and "onbekend (geheim bij CBS)" in table
    assert [b.label for b in at.get("download_button")] == ["Download PDF", "Download HTML"]
    assert at.query_params["regio"] == "WK099902"  # the URL stays shareable


def test_choosing_a_buurt_shows_its_profile(app_test, tiny_store_dir):
    at = app_test(tiny_store_dir, page=PAGE, query={"regio": "WK099902"})
    at.selectbox(key="wp_buurt").select("BU09990203").run()
    assert_clean(at)
    assert at.header[0].value == "<b>Bloemwijk</b>"  # shown as text, never as HTML
    assert "<b>Bloemwijk</b>" not in html_blocks(at)
    assert "Buurtcode BU09990203" in texts(at)
    assert "code bestond nog niet" in texts(at)  # the series break of the recoded buurt


def test_unknown_code_in_the_url_gives_a_dutch_message(app_test, tiny_store_dir):
    at = app_test(tiny_store_dir, page=PAGE, query={"regio": "WK099977"})
    assert_clean(at)
    assert any("WK099977 bestaat niet" in w.value for w in at.warning)
    assert at.header[0].value == "Centrum"  # the page still works, with the first wijk
    at = app_test(tiny_store_dir, page=PAGE, query={"regio": "<script>"})
    assert_clean(at)
    assert any("geen code van een wijk" in w.value for w in at.warning)


def test_wijk_with_most_values_suppressed(app_test, tiny_store):
    values = tiny_store.load_values(["GM0999"], 2024, include_nederland=True)
    hide = (values["region_code"] == "WK099901") & (values["indicator"] != "inwoners")
    values["value"] = np.where(hide, np.nan, values["value"])
    values["status"] = np.where(hide, "geheim", values["status"])
    tiny_store.replace(values, pd.DataFrame(), source_tables=["85984NED"], gemeenten=["GM0999"])
    at = app_test(tiny_store.data_dir, page=PAGE, query={"regio": "WK099901"})
    assert_clean(at)
    own = re.findall(r'<tr><td>([^<]*)</td><td class="([^"]*)">([^<]*)', html_blocks(at))  # label, class, wijk cell
    hidden = [label for label, cls, cell in own if cls == "missing" and cell == "onbekend (geheim bij CBS)"]
    assert len(hidden) >= 8 and len(hidden) == len(own) - 1  # all but inwoners
    assert not [cell for _, cls, cell in own if re.fullmatch(r"0(,0)?%?", cell)]  # hidden is never shown as zero
    header = facts(at)
    assert header["Inwoners"] == "2.415" and header["Oppervlakte"] == "onbekend"
    assert "Er valt niets te vergelijken" in texts(at)  # no sentence invented from hidden figures
