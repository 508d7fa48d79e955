"""The kompas method in plain Dutch, generated from kompas.toml (shown on 'Over de gegevens')."""

from __future__ import annotations

import pandas as pd

from wijkkompas.catalogue.catalogue import Catalogue
from wijkkompas.formatting import nl_number
from wijkkompas.kompas.definitions import REFERENCES, KompasDefinition, default_definition


def method_markdown(d: KompasDefinition | None = None) -> str:
    d = d or default_definition()
    b, s = d.bands, d.signalen
    return f"""### Het kompas

Per wijk of buurt en per thema zet het kompas elk cijfer af tegen een referentie (standaard
{REFERENCES[d.reference]}; te kiezen: {", ".join(REFERENCES.values())}):
*afwijking = richting × (waarde − referentie) / spreiding*. De spreiding is de standaarddeviatie over de wijken of
buurten van de gemeente (of van de gekozen gemeenten samen); de richting is +1 als hoger beter is en −1 als lager
beter is. Een afwijking groter dan {nl_number(d.clip, 1)} telt als {nl_number(d.clip, 1)}, zodat één uitschieter
een thema niet alleen bepaalt. Het thema krijgt het (gewogen) gemiddelde van zijn cijfers.

- **urgent**: afwijking ≤ {nl_number(b.urgent, 1)}; **aandacht**: ≤ {nl_number(b.aandacht, 1)};
  **gunstig**: ≥ {nl_number(b.gunstig, 1)}; daartussen **rond het gemiddelde**.
- Een oordeel alleen met minstens {d.min_indicators} cijfers (een thema met minder cijfers: allemaal) en minstens
  {nl_number(d.min_share * 100)}% van de cijfers van het thema die dat jaar bestaan. Anders: *onvoldoende gegevens*.
  Gebieden met minder dan {d.min_inwoners} inwoners krijgen geen oordeel.
- **Trend**: de verandering sinds het vorige geladen jaar, per cijfer in spreidingen van het laatste jaar, met de
  richting, gemiddeld over het thema. ↑ bij ≥ {nl_number(d.trend_threshold, 1)}, ↓ bij ≤ −{nl_number(d.trend_threshold, 1)},
  anders →. Is een code nieuw, of hoort een buurt bij een andere wijk, dan staat er ⇆ (breuk): nooit een trend.
- **Signalen** (rookmelder): minstens {s.min_worse} cijfers van één thema zijn tussen twee gekozen jaren elk meer
  verslechterd dan {nl_number(s.factor, 1)} × hun gebruikelijke verandering (de middelste verandering van dat cijfer
  over dezelfde jaren in de gekozen gemeenten){", of een thema kwam in de klasse urgent" if s.into_urgent else ""}.

Het kompas is een begin van het gesprek, geen oordeel over de mensen in een wijk. De definitie staat in
`wijkkompas/kompas/kompas.toml`."""


def theme_table(catalogue: Catalogue, d: KompasDefinition | None = None) -> pd.DataFrame:
    d = d or default_definition()
    rows = []
    for t in d.resolve(catalogue):
        for i in t.indicators:
            ind = catalogue.get(i.id)
            label = ind.label if ind else i.id
            rows.append(
                {
                    "Thema": t.label,
                    "Cijfer": label + (f" (per {nl_number(i.per_inwoners)} inwoners)" if i.per_inwoners else ""),
                    "Richting": "hoger is beter" if i.direction == "higher_is_better" else "lager is beter",
                    "Gewicht": nl_number(i.weight, 2),
                    "Herkomst": t.origin,
                }
            )
        if not t.indicators:
            rows.append(
                {
                    "Thema": t.label,
                    "Cijfer": "(nog geen cijfers met een richting)",
                    "Richting": "",
                    "Gewicht": "",
                    "Herkomst": t.origin,
                }
            )
    return pd.DataFrame.from_records(rows)
