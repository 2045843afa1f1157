"""CV Chap Chap's shared code: the layer every function imports.

Modules are imported lazily by the handlers that need them, so an API function's cold
start pays only for what it uses (fpdf2, for instance, is imported by the PDF code only).
"""
__version__ = "0.1.0"

# SnapStart: after a restore, forget what the snapshot must not share (chapchap.snapstart).
from chapchap import snapstart as _snapstart  # noqa: E402

_snapstart.register()
