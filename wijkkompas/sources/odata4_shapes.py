"""OData v4 in the shapes of v3, without the network: the converter `v4_to_v3` and the key stems it
rebuilds from titles. Pure, so `FolderSource` (which reads downloaded v4 folders offline) does not import
the network client; `cbs_odata4` downloads, this module only reshapes."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from wijkkompas.errors import SourceError
from wijkkompas.sources.cbs_odata import REGION_KEYS

BASE_URL = "https://datasets.cbs.nl/odata/v1/CBS"
# v3 Titles (and so the keys built from them) are cut at 40 characters.
V3_TITLE_MAX = 40
# Never follow more pages than this: a server that keeps sending the same nextLink must not
# make Wijkkompas loop for ever.
MAX_PAGES = 10_000
# ValueAttribute → the Dutch reason shown for a missing value. "None" means a normal value.
STATUS_LABELS = {
    "Confidential": "geheim",
    "NotAvailable": "niet beschikbaar",
    "Impossible": "kan niet voorkomen",
    "Unreliable": "onbetrouwbaar",
    "Missing": "ontbreekt",
}
UNKNOWN_STATUS = "onbekend"
STATUS_FIELD = "_status"

_ODATA_ANNOTATION = re.compile(r"^@?odata\.")


# --------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------
def stem_from_title(title: str) -> str:
    """The v3-style key stem CBS derives from a Title ("Aantal inwoners" → "AantalInwoners").

    CBS's rule, reverse-engineered from the v3 metadata: cut the title at 40 characters, drop
    accents, split on everything that is not a letter or digit, capitalise the first letter of
    each part and glue them together; a stem that starts with a digit gets the prefix ``k_``
    ("65 jaar of ouder" → "k_65JaarOfOuder", "Personenauto's totaal" → "PersonenautoSTotaal",
    "Wmo-cliënten" → "WmoClienten"). Matches every Topic of the 2024 v3 metadata.
    """
    text = unicodedata.normalize("NFD", str(title)[:V3_TITLE_MAX])
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    parts = [part for part in re.split(r"[^0-9A-Za-z]+", text) if part]
    stem = "".join(part[0].upper() + part[1:] for part in parts)
    if stem[:1].isdigit():
        stem = f"k_{stem}"
    return stem


def _strip_code(code: Any) -> str | None:
    return code.strip() if isinstance(code, str) else None


def _clean_row(row: dict[str, Any]) -> dict[str, Any]:
    """A v4 row without its OData annotations (@odata.context, @odata.etag, …)."""
    return {k: v for k, v in row.items() if not _ODATA_ANNOTATION.match(k)}


def _detect_region_key(observations: list[dict[str, Any]]) -> str:
    for key in REGION_KEYS:
        if any(key in obs for obs in observations):
            return key
    raise SourceError(
        "De CBS-gegevens (OData v4) hebben geen kolom WijkenEnBuurten of RegioS. Kies een tabel "
        "van Kerncijfers wijken en buurten."
    )


def _as_number(value: Any, decimals: Any) -> Any:
    """v4 sends every number as a float; v3 sends whole numbers for Decimals 0. Match v3."""
    if isinstance(value, float) and decimals == 0 and value.is_integer():
        return int(value)
    return value


def _year_from_title(title: Any) -> int | None:
    match = re.search(r"((?:19|20)\d\d)\s*$", str(title or ""))
    return int(match.group(1)) if match else None


def _build_data_properties(
    region_key: str,
    measures: list[dict[str, Any]],
    measure_groups: list[dict[str, Any]],
    value_attributes: dict[str, dict[str, int]],
    table_title: Any,
) -> list[dict[str, Any]]:
    """v3 DataProperties: GeoDetail, then groups and topics in tree order, IDs sequential."""
    geo_title = "Wijken en buurten" if region_key == "WijkenEnBuurten" else "Regio's"
    props: list[dict[str, Any]] = [
        {
            "odata.type": "Cbs.OData.GeoDetail",
            "ID": 0,
            "Position": 0,
            "ParentID": None,
            "Type": "GeoDetail",
            "Key": region_key,
            "Title": geo_title,
            "Description": "",
            "MapYear": _year_from_title(table_title),
        }
    ]
    groups = {g.get("Id"): g for g in measure_groups if g.get("Id") is not None}
    group_ids: dict[Any, int] = {}

    def emit_group(gid: Any, seen: tuple[Any, ...] = ()) -> int | None:
        if gid is None or gid not in groups or gid in seen:
            return None
        if gid in group_ids:
            return group_ids[gid]
        group = groups[gid]
        parent = emit_group(group.get("ParentId"), (*seen, gid))
        group_ids[gid] = len(props)
        props.append(
            {
                "odata.type": "Cbs.OData.TopicGroup",
                "ID": group_ids[gid],
                "Position": None,
                "ParentID": parent,
                "Type": "TopicGroup",
                "Key": "",
                "Title": group.get("Title"),
                "Description": group.get("Description") or "",
                "GroupId": gid,
            }
        )
        return group_ids[gid]

    for position, measure in enumerate(measures, start=1):
        code = measure["Identifier"]
        parent = emit_group(measure.get("MeasureGroupId"))
        title = measure.get("Title") or code
        props.append(
            {
                "odata.type": "Cbs.OData.Topic",
                "ID": len(props),
                "Position": position,
                "ParentID": parent,
                "Type": "Topic",
                "Key": code,
                "Title": title,
                "Description": measure.get("Description") or "",
                "Datatype": measure.get("DataType"),
                "Unit": measure.get("Unit"),
                "Decimals": measure.get("Decimals"),
                "PresentationType": measure.get("PresentationType"),
                "Stem": stem_from_title(title),
                "ValueAttributes": dict(sorted(value_attributes.get(code, {}).items())),
            }
        )
    for gid in sorted(groups, key=lambda g: (groups[g].get("Index") is None, groups[g].get("Index"), str(g))):
        emit_group(gid)  # groups without measures, so the tree is complete
    return props


def _build_table_infos(properties: Any, region_key: str) -> list[dict[str, Any]]:
    if isinstance(properties, list):
        properties = properties[0] if properties else {}
    info = _clean_row(properties) if isinstance(properties, dict) else {}
    info.setdefault("Identifier", None)
    info.setdefault("Title", None)
    info.setdefault("ShortTitle", info.get("Title"))
    info.setdefault("Modified", None)
    info.setdefault("Period", info.get("TemporalCoverage"))
    info["ODataVersion"] = 4
    info["RegionKey"] = region_key
    return [{"ID": 0, **{k: v for k, v in info.items() if k != "ID"}}]


def v4_to_v3(
    observations: list[dict[str, Any]],
    measure_codes: list[dict[str, Any]],
    region_codes: list[dict[str, Any]],
    measure_groups: list[dict[str, Any]] | None = None,
    properties: Any = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Turn v4 lists into `(rows, data_properties, table_infos)` shaped like the v3 files.

    * `rows`: one dict per region, like a v3 TypedDataSet row — ``{"ID": 0, "WijkenEnBuurten":
      "GM0164", "<MeasureCode>": value, …, "_status": {"<MeasureCode>": "geheim", …}}``. Every
      measure is present in every row (None when missing); region codes are stripped. `_status`
      gives the reason for each missing value (`STATUS_LABELS`; "onbekend" without a reason).
    * `data_properties`: a `GeoDetail` entry, `TopicGroup` entries for the measure groups and a
      `Topic` per measure (Key = measure code, Title, Unit, Decimals, ParentID, plus `Stem` — the
      v3 key stem — and `ValueAttributes` — how often each non-normal attribute occurred).
    * `table_infos`: one dict from `Properties` (Identifier, Title, Modified, …).

    Pure: no I/O. Raises SourceError when the observations have another dimension besides the
    region (two values for one region and measure), because a wide v3 row cannot hold that.
    """
    observations = [_clean_row(o) for o in observations or []]
    region_key = _detect_region_key(observations) if observations else "WijkenEnBuurten"

    measures = sorted(
        (_clean_row(m) for m in measure_codes or [] if m.get("Identifier")),
        key=lambda m: (m.get("Index") is None, m.get("Index") or 0),
    )
    known = {m["Identifier"] for m in measures}
    for obs in observations:  # measures CBS forgot to describe still get a column
        code = obs.get("Measure")
        if code and code not in known:
            known.add(code)
            measures.append({"Identifier": code, "Title": code})
    decimals = {m["Identifier"]: m.get("Decimals") for m in measures}

    order: dict[str, int] = {}
    for entry in region_codes or []:
        code = _strip_code(entry.get("Identifier"))
        if code and code not in order:
            order[code] = len(order)

    values: dict[str, dict[str, Any]] = {}
    status: dict[str, dict[str, str]] = {}
    attributes: dict[str, dict[str, int]] = {}
    seen: set[tuple[str, str]] = set()
    for obs in observations:
        region = _strip_code(obs.get(region_key))
        measure = obs.get("Measure")
        if not region or not measure:
            continue
        if (region, measure) in seen:
            raise SourceError(
                f"De CBS-gegevens (OData v4) hebben twee waarden voor {region} en {measure}. De "
                "tabel heeft dus nog een dimensie naast wijken en buurten (bijvoorbeeld perioden); "
                "Wijkkompas kan zo'n tabel niet als kerncijfers inlezen."
            )
        seen.add((region, measure))
        if region not in order:
            order[region] = len(order)
        value = obs.get("Value")
        if value is None and obs.get("StringValue") is not None:
            value = obs["StringValue"]
        value = _as_number(value, decimals.get(measure))
        values.setdefault(region, {})[measure] = value
        attribute = obs.get("ValueAttribute")
        if attribute not in (None, "None"):
            counts = attributes.setdefault(measure, {})
            counts[attribute] = counts.get(attribute, 0) + 1
        if value is None:
            reason = STATUS_LABELS.get(attribute, UNKNOWN_STATUS) if attribute else UNKNOWN_STATUS
            status.setdefault(region, {})[measure] = reason

    regions = sorted(values, key=lambda code: order[code])
    rows: list[dict[str, Any]] = []
    for index, region in enumerate(regions):
        row: dict[str, Any] = {"ID": index, region_key: region}
        row.update({m["Identifier"]: values[region].get(m["Identifier"]) for m in measures})
        row[STATUS_FIELD] = status.get(region, {})
        rows.append(row)

    table_infos = _build_table_infos(properties, region_key)
    data_properties = _build_data_properties(
        region_key,
        measures,
        [_clean_row(g) for g in measure_groups or []],
        attributes,
        table_infos[0].get("Title"),
    )
    return rows, data_properties, table_infos


# --------------------------------------------------------------------------------------------
# Network source
# --------------------------------------------------------------------------------------------
