"""The last page built for a database, kept in the data directory.

Start-up shows the cached page at once and checks it against the database after the
map is up; only when the data or settings changed is the page rebuilt and reloaded.
A missing or unreadable cache just means building the page first."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


class PageCache:
    def __init__(self, directory: Path, key: str):
        self.directory = directory
        name = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.html_path = directory / f"page-{name}.html"
        self.meta_path = directory / f"page-{name}.json"

    def load(self) -> tuple[str, str] | None:
        """(html, fingerprint) of the cached page, or None."""
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            html = self.html_path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None
        if hashlib.sha256(html.encode()).hexdigest() != meta.get("html_sha256"):
            return None  # a torn write: never show half a page
        return html, meta["fingerprint"]

    def store(self, html: str, fingerprint: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.html_path.with_suffix(".tmp")
            tmp.write_text(html, encoding="utf-8")
            os.replace(tmp, self.html_path)
            meta = {"fingerprint": fingerprint, "html_sha256": hashlib.sha256(html.encode()).hexdigest()}
            tmp = self.meta_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(meta), encoding="utf-8")
            os.replace(tmp, self.meta_path)
        except OSError:
            pass  # a read-only data directory only costs the next start its head start
