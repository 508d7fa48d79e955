"""HTML → A4 PDF with WeasyPrint (pure Python + Debian Pango; no browser needed on the server).

Chosen over headless Chromium because it runs in-process (no browser start per file, so a batch of
forty wijken stays fast), supports CSS paged media (page counters, running footers, page breaks) and
draws SVG images as vectors. `make run` installs its Debian libraries (libpango).
"""

from __future__ import annotations

import functools
import logging

from wijkkompas.errors import SourceError


@functools.lru_cache(maxsize=1)
def _weasyprint():
    # WeasyPrint logs every unsupported CSS property at WARNING; the profile's CSS is known-good.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        import weasyprint
    except OSError as exc:  # Pango missing
        raise SourceError(
            "De PDF kan niet worden gemaakt: de systeembibliotheek Pango ontbreekt. Installeer die met "
            "'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0' (of voer 'make run' uit). "
            "De HTML-versie werkt wel."
        ) from exc
    return weasyprint


@functools.lru_cache(maxsize=1)
def _fetcher():
    from weasyprint.urls import URLFetcher

    # Only data: URIs (the embedded charts and map); a PDF export never goes to the internet.
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    weasyprint = _weasyprint()
    doc = weasyprint.HTML(string=html, base_url="about:blank", url_fetcher=_fetcher(), media_type="print")
    # PDF/UA-1: a tagged PDF (structure tree, reading order, /Alt on figures), title and /Lang from the HTML.
    return doc.write_pdf(pdf_variant="pdf/ua-1") or b""
