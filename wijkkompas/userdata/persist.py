"""Storing uploads: figures into the store, metadata into `<data_dir>/eigen/uploads.json`, the file
itself under `<data_dir>/raw/eigen/<upload-id>/`, as one transaction.

Each upload is its own source in the store (`source_table = "eigen:<upload-id>"`), so it can be
listed, replaced and deleted without touching CBS figures or other uploads. An import either
completes or leaves every file exactly as it was: all checks run before the first write, and the
files it writes are snapshotted and put back if anything fails half-way.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from wijkkompas.catalogue.catalogue import Indicator
from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.store import REGION_COLUMNS, VALUE_COLUMNS, Snapshot, Store
from wijkkompas.userdata.analysis import Analysis
from wijkkompas.userdata.metadata import IndicatorMeta, slug
from wijkkompas.userdata.report import nl_int
from wijkkompas.userdata.suppression import privacy_status, suppress  # noqa: F401  (privacy_status: re-exported)

SOURCE_PREFIX = "eigen:"
STATUS_COMPUTED = "berekend uit buurten"
STATUS_INCOMPLETE = "niet te berekenen: niet alle buurten hebben een cijfer"
REGISTRY_VERSION = 1


@dataclass
class Upload:
    """One uploaded file (sheet) as stored: its metadata, what was imported, and the choices made."""

    id: str
    file_name: str
    sheet: str | None
    sha256: str
    raw_path: str  # relative to the data dir
    uploaded: str
    years: list[int]
    rows: int
    imported_rows: int
    regions: int
    gemeenten: list[str]
    indicators: list[IndicatorMeta]
    partial: bool = False
    privacy: dict = field(default_factory=dict)  # threshold, hide, flagged
    options: dict = field(default_factory=dict)  # columns, year, overrides, scope: to re-import the raw file

    @property
    def source_table(self) -> str:
        return SOURCE_PREFIX + self.id

    def to_json(self) -> dict:
        data = asdict(self)
        data["indicators"] = [m.to_json() for m in self.indicators]
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> Upload:
        data = dict(data)
        data["indicators"] = [IndicatorMeta.from_json(m) for m in data.get("indicators", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


# --------------------------------------------------------------------------- registry

REGISTRY = "eigen/uploads.json"  # a document in the store, named by its manifest


def _read_registry(store: Store | Snapshot) -> dict[str, Upload]:
    snap = store.snapshot() if isinstance(store, Store) else store
    try:
        data = snap.read_json(REGISTRY, {})
        uploads = data.get("uploads", {}) if isinstance(data, Mapping) else {}
        return {k: Upload.from_json(v) for k, v in uploads.items()}
    except StoreCorrupt as exc:
        raise SourceError(
            f"De lijst met eigen gegevens is beschadigd ({exc.reason}). Open de startpagina: Wijkkompas herstelt de "
            "opslag. Lukt dat niet, lees de bestanden dan opnieuw in (ze staan nog in raw/eigen)."
        ) from exc
    except (AttributeError, ValueError, TypeError, KeyError) as exc:
        raise SourceError(
            f"De lijst met eigen gegevens klopt niet ({exc}). Lees de bestanden opnieuw in (ze staan nog in raw/eigen)."
        ) from exc


def _registry_payload(uploads: Mapping[str, Upload]) -> dict:
    return {"version": REGISTRY_VERSION, "uploads": {k: u.to_json() for k, u in uploads.items()}}


def list_uploads(store: Store | Snapshot) -> list[Upload]:
    """Newest first."""
    return sorted(_read_registry(store).values(), key=lambda u: u.uploaded, reverse=True)


def get_upload(store: Store, upload_id: str) -> Upload | None:
    return _read_registry(store).get(upload_id)


def load_upload_indicators(store: Store | Snapshot) -> list[Indicator]:
    """Every uploaded indicator as an `Indicator` (origin "eigen"); the latest upload's metadata wins."""
    try:
        uploads = list_uploads(store)
    except SourceError:
        return []
    seen: dict[str, Indicator] = {}
    for up in reversed(uploads):  # oldest first, so newer metadata overwrites
        for meta in up.indicators:
            if meta.id:
                seen[meta.id] = meta.to_indicator(upload_file=up.file_name, uploaded=up.uploaded)
    return list(seen.values())


def existing_indicator_years(store: Store | Snapshot, exclude: str | None = None) -> dict[tuple[str, int], str]:
    """(indicator id, year) → file name, for the uploads other than `exclude`."""
    out = {}
    for up in list_uploads(store):
        if up.id == exclude:
            continue
        for meta in up.indicators:
            for y in up.years:
                out[(meta.id, int(y))] = up.file_name
    return out


# --------------------------------------------------------------------------- values for the store


def _region_info(codes: pd.Series, analysis: Analysis) -> pd.DataFrame:
    names = analysis.names
    prefix = codes.str[:2].to_numpy()
    level = pd.Series(prefix, dtype="string").map({"BU": "buurt", "WK": "wijk", "GM": "gemeente"}).to_numpy()
    wijk = np.where(np.isin(prefix, ["BU", "WK"]), "WK" + codes.str[2:8].to_numpy(dtype=object), None)
    return pd.DataFrame(
        {
            "region_name": [names.get(c, c) for c in codes.astype(str).tolist()],
            "level": level,
            "gemeente_code": ("GM" + codes.str[2:6]).to_numpy(),
            "wijk_code": wijk,
        }
    )


def _weights(analysis: Analysis, inwoners: pd.DataFrame | None) -> pd.Series:
    if inwoners is None or inwoners.empty:
        return pd.Series(dtype="float64")
    inw = inwoners.dropna(subset=["value"])
    ref = analysis.index.year
    if ref is not None:
        inw = inw.assign(dist=(inw["year"].astype(int) - ref).abs()).sort_values(
            ["dist", "year"], ascending=[True, False]
        )
    return inw.drop_duplicates("region_code").set_index("region_code")["value"].astype("float64")


def _aggregate(frame: pd.DataFrame, meta: IndicatorMeta, analysis: Analysis, weights: pd.Series) -> pd.DataFrame:
    """Wijk and gemeente values from buurt values, only as the metadata says and only when complete."""
    if meta.aggregate not in ("sum", "weighted_mean"):
        return frame.iloc[0:0]
    buurt = frame[frame["region_code"].str.startswith("BU")]
    if buurt.empty:
        return frame.iloc[0:0]
    out = []
    given = set(zip(frame["year"].tolist(), frame["region_code"].tolist(), strict=True))
    for year, part in buurt.groupby("year"):
        regs = analysis.index_for(int(year)).regions
        members = regs.loc[regs["level"] == "buurt", ["region_code", "wijk_code", "gemeente_code"]]
        m = members.merge(part[["region_code", "value"]], on="region_code", how="left")
        m["weight"] = m["region_code"].map(weights) if meta.aggregate == "weighted_mean" else 1.0
        for key in ("wijk_code", "gemeente_code"):
            touched = set(m.loc[m["region_code"].isin(part["region_code"]), key])
            g = m[m[key].isin(touched)]
            if g.empty:
                continue
            complete = g.assign(ok=g["value"].notna() & g["weight"].notna()).groupby(key)["ok"].all()
            if meta.aggregate == "sum":
                agg = g.groupby(key)["value"].sum(min_count=1)
            else:
                num = (g["value"] * g["weight"]).groupby(g[key]).sum(min_count=1)
                den = g["weight"].where(g["value"].notna()).groupby(g[key]).sum(min_count=1)
                agg = num / den.where(den > 0)
            res = pd.DataFrame({"region_code": agg.index.astype(str), "value": agg.to_numpy(dtype="float64")})
            res["status"] = np.where(
                complete.reindex(agg.index).fillna(False).to_numpy() & res["value"].notna(),
                STATUS_COMPUTED,
                STATUS_INCOMPLETE,
            )
            res.loc[res["status"] == STATUS_INCOMPLETE, "value"] = np.nan
            res["year"] = int(year)
            res["n"] = g.groupby(key).size().reindex(agg.index).to_numpy()
            res = res[[(int(year), c) not in given for c in res["region_code"].tolist()]]
            out.append(res)
    if not out:
        return frame.iloc[0:0]
    agg = pd.concat(out, ignore_index=True)
    how = "som" if meta.aggregate == "sum" else "gewogen gemiddelde (gewicht inwoners)"
    # Says how and from how many buurten, like the CBS figures ("som van 3 buurten: ...").
    agg["source_key"] = [
        f"{how} van {n} buurt{'en' if n != 1 else ''}: {frame['source_key'].iloc[0]}" for n in agg.pop("n").astype(int)
    ]
    return agg


def build_values(
    analysis: Analysis,
    metas: Mapping[str, IndicatorMeta],
    upload_id: str,
    *,
    hide_small: bool = True,
    inwoners: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The store rows for an upload (kept rows only): values, reasons for missing ones, aggregates, privacy."""
    rows = analysis.rows[analysis.rows["keep"]]
    table = analysis.table
    weights = _weights(analysis, inwoners)
    parts = []
    for col, meta in metas.items():
        if col not in analysis.values:
            continue
        v = analysis.values[col].loc[rows.index]
        where = f"{table.file_name}" + (f" › {table.sheet}" if table.sheet else "") + f" › {col}"
        frame = pd.DataFrame(
            {
                "year": rows["year"].astype(int).to_numpy(),
                "region_code": rows["region_code"].astype(str).to_numpy(),
                "value": v["value"].to_numpy(dtype="float64"),
                "status": v["status"].astype(str).to_numpy(),
                "source_key": where,
            }
        )
        frame = pd.concat([frame, _aggregate(frame, meta, analysis, weights)], ignore_index=True)
        frame["indicator"] = meta.id
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    if hide_small:
        # Totals are computed from the true buurt values first; then small regions are hidden *and*
        # every total that would give one of them away (secondary suppression, see suppression.py).
        out = suppress(out.reset_index(drop=True), weights, analysis.privacy_threshold)
    out = pd.concat([out.reset_index(drop=True), _region_info(out["region_code"].astype("string"), analysis)], axis=1)
    out["source_table"] = SOURCE_PREFIX + upload_id
    out["value"] = out["value"].astype("float64")
    return out[VALUE_COLUMNS]


# --------------------------------------------------------------------------- import, delete


def _new_id(file_name: str, sha: str, taken: set[str]) -> str:
    base = slug(Path(file_name).stem, 30).replace("_", "-")
    ident = f"{base}-{sha[:6]}"
    n = 2
    while ident in taken:
        ident = f"{base}-{sha[:6]}-{n}"
        n += 1
    return ident


def _safe_name(file_name: str) -> str:
    name = Path(file_name).name
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "bestand"
    return name[:120]


def assign_ids(metas: Mapping[str, IndicatorMeta], old: Upload | None) -> dict[str, IndicatorMeta]:
    """`eigen.<slug of label>`; a replaced upload keeps its ids per column so links and scores keep working."""
    old_ids = {m.column: m.id for m in old.indicators} if old else {}
    out: dict[str, IndicatorMeta] = {}
    used: set[str] = set()
    for col, meta in metas.items():
        ident = old_ids.get(col) or f"eigen.{slug(meta.label)}"
        base, n = ident, 2
        while ident in used:
            ident = f"{base}_{n}"
            n += 1
        used.add(ident)
        out[col] = IndicatorMeta.from_json({**meta.to_json(), "id": ident})
    return out


def import_analysis(
    store: Store,
    analysis: Analysis,
    data: bytes,
    metas: Mapping[str, IndicatorMeta] | None = None,
    *,
    partial: bool = False,
    hide_small: bool = True,
    replace: str | None = None,
    inwoners: pd.DataFrame | None = None,
    options: Mapping | None = None,
) -> Upload:
    """Store a checked upload. Raises SourceError (Dutch) and changes nothing when it cannot."""
    report = analysis.report
    if report.errors:
        raise SourceError("Niets opgeslagen. " + report.errors[0])
    if report.n_matched == 0:
        raise SourceError("Niets opgeslagen: geen enkele rij is gekoppeld aan een buurt, wijk of gemeente.")
    if report.blocking and not partial:
        raise SourceError(
            f"Niets opgeslagen: {nl_int(report.n_problem_rows)} rijen zijn nog niet gekoppeld. Verbeter ze, of kies ervoor "
            f"alleen de {nl_int(report.n_matched)} rijen die kloppen op te slaan."
        )
    metas = dict(metas or analysis.metas)
    if not metas:
        raise SourceError("Niets opgeslagen: kies minstens één kolom met cijfers.")
    problems = [p for m in metas.values() for p in m.validate()]
    if problems:
        raise SourceError("Niets opgeslagen. " + " ".join(problems))
    sha = hashlib.sha256(data).hexdigest()
    written_raw: str | None = None
    stale_raw: str | None = None
    try:
        with store.transaction() as tx:
            uploads = _read_registry(tx.view())
            if replace is not None and replace not in uploads:
                raise SourceError(f"Het bestand dat u wilt vervangen ({replace}) staat niet (meer) in Wijkkompas.")
            if replace is None:
                same = [u for u in uploads.values() if u.sha256 == sha and u.sheet == analysis.table.sheet]
                replace = same[0].id if same else None
            old = uploads.get(replace) if replace else None
            upload_id = replace or _new_id(analysis.table.file_name, sha, set(uploads))
            metas = assign_ids(metas, old)
            years = analysis.years
            taken = existing_indicator_years(tx.view(), exclude=upload_id)
            clash = [(m, y) for m in metas.values() for y in years if (m.id, y) in taken]
            if clash:
                m, y = clash[0]
                raise SourceError(
                    f"Niets opgeslagen: '{m.label}' voor {y} staat al in Wijkkompas (uit '{taken[(m.id, y)]}'). Vervang dat "
                    "bestand, of geef deze cijfers een andere naam."
                )
            for m in metas.values():
                m.year = years[0] if len(years) == 1 else None
            values = build_values(analysis, metas, upload_id, hide_small=hide_small, inwoners=inwoners)
            if values.empty:
                raise SourceError("Niets opgeslagen: er bleven geen cijfers over om op te slaan.")
            src = SOURCE_PREFIX + upload_id
            old_years = tx.view().source_years(src) if old else []
            raw_rel = f"raw/eigen/{upload_id}/{_safe_name(analysis.table.file_name)}"
            new_years = sorted({int(y) for y in values["year"]})
            small = int(analysis.privacy["region_code"].nunique()) if not analysis.privacy.empty else 0
            record = Upload(
                id=upload_id,
                file_name=analysis.table.file_name,
                sheet=analysis.table.sheet,
                sha256=sha,
                raw_path=raw_rel,
                uploaded=datetime.now(UTC).isoformat(timespec="seconds"),
                years=new_years,
                rows=report.n_rows,
                imported_rows=report.n_matched,
                regions=report.n_regions,
                gemeenten=sorted({str(g) for g in values["gemeente_code"].dropna()}),
                indicators=list(metas.values()),
                partial=bool(partial and report.blocking),
                privacy={"threshold": analysis.privacy_threshold, "hide": bool(hide_small), "flagged": small},
                options=dict(options or {}),
            )
            # The kept file is an input, outside the manifest: written first, removed again if the commit fails.
            if store.read_raw(raw_rel) != data:
                written_raw = raw_rel if not store.raw_exists(raw_rel) else None
                store.write_raw(raw_rel, data)
            store.replace(values, pd.DataFrame(columns=REGION_COLUMNS), source_tables=[src], gemeenten=None)
            stale = sorted(set(old_years) - set(new_years))
            if stale:
                store.delete_source(src, years=stale)
            uploads[upload_id] = record
            tx.put_json(REGISTRY, _registry_payload(uploads))
            if old and old.raw_path != raw_rel:
                stale_raw = old.raw_path
    except SourceError:
        _forget(store, written_raw)
        raise
    except Exception as exc:
        _forget(store, written_raw)
        raise SourceError(
            f"Opslaan is mislukt ({type(exc).__name__}: {exc}). Er is niets veranderd; probeer het opnieuw."
        ) from exc
    _forget(store, stale_raw)
    return record


def _forget(store: Store, rel: str | None) -> None:
    if rel is not None:
        store.delete_raw(rel)


def delete_upload(store: Store, upload_id: str) -> Upload:
    """Remove an upload's figures, metadata and kept file; CBS figures and other uploads stay."""
    try:
        with store.transaction() as tx:
            uploads = _read_registry(tx.view())
            up = uploads.get(upload_id)
            if up is None:
                raise SourceError(f"Er is geen upload '{upload_id}' (meer); vernieuw de pagina.")
            store.delete_source(up.source_table)
            del uploads[upload_id]
            tx.put_json(REGISTRY, _registry_payload(uploads))
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError(f"Verwijderen is mislukt ({type(exc).__name__}: {exc}); er is niets veranderd.") from exc
    _forget(store, up.raw_path)
    return up


def raw_bytes(store: Store, upload: Upload) -> bytes | None:
    return store.read_raw(upload.raw_path)
