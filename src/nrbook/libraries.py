"""WeasyPrint, imported without a search of the system for each of its libraries' names.

WeasyPrint opens Pango, HarfBuzz, fontconfig and GObject under the names each platform
gives them, Windows' first. cffi hands every name that does not open at once to
``ctypes.util.find_library``, which on Linux runs ldconfig, and gcc or ld when that fails,
for each: some fifty programs and 0.4 s of every process that lays pages out, on the
critical path of every build (the layout workers import WeasyPrint before their first
job). The Linux names of those lists (``libpango-1.0.so.0``...) open directly, so on Linux
the search is left out while WeasyPrint is imported; elsewhere it is imported as usual.
Every module of nrbook that needs WeasyPrint imports it from here, first.
"""

from __future__ import annotations

import ctypes.util
import sys


def _import_weasyprint():
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint
        return weasyprint
    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None  # a name that did not open stays unopened
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = find_library
    return weasyprint


weasyprint = _import_weasyprint()
