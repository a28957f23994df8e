"""The only way WeasyPrint may load anything: files of the book, its styles and fonts, QR codes."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .libraries import weasyprint  # noqa: F401, I001 (first: see libraries.py)
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from .fonts import FONT_SCHEME, FONT_TYPES, font_file
from .paper_links import QR_SCHEME, qr_png


class SandboxFetcher(URLFetcher):
    """Serves files under the allowed folders, the bundled fonts and the QR codes nrbook draws;
    refuses everything else.

    No network, no ``file://`` outside the folders, no ``..`` escape, no symlink out:
    paths are resolved before they are compared.
    """

    def __init__(self, roots: list[Path], refused: Callable[[str, str], None]):
        super().__init__(allowed_protocols={"file", "data", FONT_SCHEME.rstrip(":"), QR_SCHEME.rstrip(":")},
                         allow_redirects=False, timeout=1)
        self.roots = [root.resolve() for root in roots]
        self.refused = refused

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(QR_SCHEME):
            return URLFetcherResponse(url, qr_png(unquote(url[len(QR_SCHEME):])),
                                      {"Content-Type": "image/png"})
        if url.startswith(FONT_SCHEME):
            path = font_file(unquote(url[len(FONT_SCHEME):]))
            if path is None:
                return self._refuse(url, "no such bundled font")
            return URLFetcherResponse(path2url(path), path.read_bytes(),
                                      {"Content-Type": FONT_TYPES[path.suffix]})
        parts = urlsplit(url)
        if parts.scheme != "file":
            return self._refuse(url, "network access is not allowed")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            return self._refuse(url, "outside the book's folders")
        if not path.is_file():
            return self._refuse(url, "no such file")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path2url(path), path.read_bytes(), {"Content-Type": media_type})

    def _refuse(self, url: str, reason: str):
        self.refused(url, reason)
        raise ValueError(f"nrbook refused to load {url}: {reason}")
