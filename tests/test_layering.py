"""The house's one-way arrows, checked on the source (AST), so a new import that runs back up fails here
instead of in a newcomer's head. See docs/architecture.md."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "wijkkompas"
UI = PACKAGE / "ui"
# ui/ modules that draw one page; the rest of ui/ (context, selection, guard, maps, navigation, access, notes,
# loading, packs, leefbaarometer) are shared widgets any page may use.
PAGE_MODULES = {"kaart", "profiel", "trends", "compare", "scores", "eigen", "presentatie", "kompas"}
# Known debt (issue 14): a page module used as a library by another. Shrink this set; never grow it.
KNOWN_PAGE_TO_PAGE = {("kaart", "scores"), ("compare", "trends")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{alias.name}" for alias in node.names}
    return out


def _core_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if UI not in p.parents]


def test_nothing_outside_ui_imports_streamlit_or_the_ui_layer():
    offenders = {}
    for path in _core_modules():
        bad = {m for m in _imports(path) if m == "streamlit" or m.startswith(("streamlit.", "wijkkompas.ui"))}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert not offenders, offenders


def test_no_ui_page_module_imports_another_beyond_the_known_debt():
    found = set()
    for name in PAGE_MODULES:
        path = UI / f"{name}.py"
        if not path.exists():
            continue
        for module in _imports(path):
            other = module.removeprefix("wijkkompas.ui.").split(".")[0] if module.startswith("wijkkompas.ui.") else None
            if other in PAGE_MODULES and other != name:
                found.add((name, other))
    assert found <= KNOWN_PAGE_TO_PAGE, f"nieuwe pijl tussen paginamodules: {sorted(found - KNOWN_PAGE_TO_PAGE)}"


def test_pages_only_compose_ui_helpers():
    for path in (ROOT / "pages").glob("*.py"):
        mods = _imports(path)
        assert not {
            m for m in mods if m.startswith(("pandas", "geopandas", "wijkkompas.store", "wijkkompas.ingest"))
        }, path


def test_arrows_fixed_this_round_stay_fixed():
    """The CLI is a top: nothing imports it. Reading a folder needs no network client. User-facing errors come
    from `wijkkompas.errors`, below everything."""
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        mods = _imports(path)
        if not rel.startswith(("commands/", "cli.py", "__main__.py")):
            assert not {m for m in mods if m.startswith(("wijkkompas.cli", "wijkkompas.commands"))}, rel
        if rel != "sources/errors.py":
            assert "wijkkompas.sources.errors" not in mods, rel
    assert not {m for m in _imports(PACKAGE / "sources" / "folder.py") if m.startswith("wijkkompas.sources.cbs_odata4")}
