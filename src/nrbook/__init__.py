"""nrbook: publish the Guide de bonnes pratiques numérique responsable from Markdown."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "build", "BuildOptions", "BuildFailed", "Diagnostics"]


def __getattr__(name: str):
    # The façade loads the pipeline lazily so `nrbook --version` stays instant.
    if name in {"build", "BuildOptions"}:
        from . import pipeline as _pipeline
        return getattr(_pipeline, name)
    if name in {"BuildFailed", "Diagnostics"}:
        from . import diagnostics
        return getattr(diagnostics, name)
    raise AttributeError(name)
