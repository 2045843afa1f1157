"""The three CV layouts, one module each: classic, modern (sidebar) and compact (ATS-friendly).
Each `build_<name>(pdf, cv, theme, photo)` draws a read CV (_resume.py) on a Canvas."""

from __future__ import annotations

from .classic import build_classic
from .compact import build_compact
from .modern import build_modern

BUILDERS = {"classic": build_classic, "modern": build_modern, "compact": build_compact}
