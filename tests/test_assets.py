"""labpanels.widgets.assets: the built bundle when it is up to date, else the source."""

from __future__ import annotations

import os
import warnings

import pytest

from labpanels.widgets import assets


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A work tree (pyproject.toml, js/, js/lib/, labpanels/static/) for asset() to read."""
    (tmp_path / "pyproject.toml").write_text("")
    js = tmp_path / "js"
    (js / "lib").mkdir(parents=True)
    static = tmp_path / "labpanels" / "static"
    static.mkdir(parents=True)
    monkeypatch.setattr(assets, "_ROOT", tmp_path)
    monkeypatch.setattr(assets, "_SOURCE", js)
    monkeypatch.setattr(assets, "_PACKAGED", static)
    return tmp_path


def _write(path, text, at):
    path.write_text(text)
    os.utime(path, (at, at))


def test_the_bundle_when_newer_than_its_sources(tree):
    _write(tree / "js" / "table.js", 'import { a } from "./lib/rows.js";', 100)
    _write(tree / "js" / "lib" / "rows.js", "export const a = 1;", 100)
    _write(tree / "labpanels" / "static" / "table.js", "bundled", 200)
    assert assets.asset("table.js") == tree / "labpanels" / "static" / "table.js"


def test_the_source_when_it_was_edited_after_the_build(tree):
    _write(tree / "js" / "progress.js", "export default {};", 300)
    _write(tree / "labpanels" / "static" / "progress.js", "bundled", 200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no import: no warning
        assert assets.asset("progress.js") == tree / "js" / "progress.js"


def test_a_changed_lib_makes_every_bundle_stale(tree):
    _write(tree / "js" / "table.js", 'import { a } from "./lib/rows.js";', 100)
    _write(tree / "js" / "lib" / "rows.js", "export const a = 2;", 300)
    _write(tree / "labpanels" / "static" / "table.js", "bundled", 200)
    with pytest.warns(UserWarning, match="make js"):
        assert assets.asset("table.js") == tree / "js" / "table.js"


def test_a_stylesheet_ignores_lib(tree):
    _write(tree / "js" / "panels.css", ".a {}", 100)
    _write(tree / "js" / "lib" / "rows.js", "export const a = 2;", 300)
    _write(tree / "labpanels" / "static" / "panels.css", ".a {}", 200)
    assert assets.asset("panels.css") == tree / "labpanels" / "static" / "panels.css"


def test_no_bundle_yet(tree):
    _write(tree / "js" / "login.js", "export default {};", 100)
    assert assets.asset("login.js") == tree / "js" / "login.js"


def test_an_installed_wheel_has_only_the_bundles(tree, monkeypatch):
    monkeypatch.setattr(assets, "_SOURCE", tree / "nowhere")
    _write(tree / "labpanels" / "static" / "table.js", "bundled", 200)
    assert assets.asset("table.js") == tree / "labpanels" / "static" / "table.js"
    with pytest.raises(FileNotFoundError, match="missing from the install"):
        assets.asset("other.js")


def test_every_panel_has_its_view_and_stylesheet():
    import labpanels.widgets as widgets
    from labpanels.widgets.base import Panel

    panels = [getattr(widgets, name) for name in widgets.__all__]
    panels = [cls for cls in panels if isinstance(cls, type) and issubclass(cls, Panel)
              and cls is not Panel]
    assert len(panels) >= 12, panels
    for cls in panels:  # anywidget has read each file: its text is the class attribute
        view, style = str(cls._esm), str(cls._css)
        assert "export" in view and "render" in view, cls
        assert "--lp-" in style and ".lp-theme" in style, cls  # themed by the tokens
