"""Architecture rules that keep the core testable: Streamlit only in wijkkompas/ui/, thin pages."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT


def test_core_does_not_import_streamlit():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "wijkkompas").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "wijkkompas").parts and p.name != "__main__.py"
    )
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "assert 'streamlit' not in sys.modules, [m for m in sys.modules if m.startswith('streamlit')][:3]\n"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_pages_are_thin_and_do_no_data_work():
    for page in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        text = page.read_text()
        assert len(text.splitlines()) <= 100, f"{page.name} is too long for a page"
        tree = ast.parse(text)
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not imported & {"pandas", "geopandas", "numpy", "pyarrow", "duckdb"}, page.name
