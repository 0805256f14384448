"""The workshop notebooks: found in the installed package (or a checkout) and copied into
a learner's folder without ever overwriting what is there.

A wheel carries them as ``labpanels/notebooks/`` (``force-include`` in
``pyproject.toml``); a checkout has them in ``notebooks/`` at its root.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_FOLDER", "workshop_notebooks", "copy_notebooks", "Copied"]

#: where ``labpanels demo`` puts the notebooks when no folder is named (in the current one)
DEFAULT_FOLDER = "labpanels-notebooks"

_PACKAGE = Path(__file__).resolve().parents[1]


def workshop_notebooks() -> Path | None:
    """The folder holding the workshop notebooks: the installed package's
    ``labpanels/notebooks``, else the checkout's ``notebooks/``; None when neither has any."""
    for candidate in (_PACKAGE / "notebooks", _PACKAGE.parent / "notebooks"):
        if candidate.is_dir() and any(candidate.glob("*.ipynb")):
            return candidate
    return None


@dataclass
class Copied:
    """What :func:`copy_notebooks` did: files copied, and files kept as they were."""

    folder: Path
    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One or two lines for the person who started the demo."""
        lines = [f"Workshop notebooks in {self.folder}"]
        if self.copied:
            lines.append(f"  copied: {', '.join(self.copied)}")
        if self.kept:
            lines.append(f"  kept as they were (yours; not overwritten): {', '.join(self.kept)}")
        return "\n".join(lines)


def copy_notebooks(target: Path, source: Path | None = None) -> Copied:
    """Copy every workshop file missing from ``target`` (made if needed); files already
    there are kept, whatever they hold. Nothing is copied when ``target`` is the source."""
    source = source if source is not None else workshop_notebooks()
    target = Path(target).resolve()
    done = Copied(target)
    target.mkdir(parents=True, exist_ok=True)
    if source is None or source.resolve() == target:
        return done
    for item in sorted(source.rglob("*")):
        relative = item.relative_to(source)
        if not item.is_file() or any(p.startswith(".") or p == "__pycache__"
                                     for p in relative.parts):
            continue
        dest = target / relative
        if dest.exists():
            done.kept.append(relative.as_posix())
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(item, dest)
        done.copied.append(relative.as_posix())
    return done
