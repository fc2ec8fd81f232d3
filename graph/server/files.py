"""The views folder as static files: inside the folder only, no dotfiles, no tracebacks.

The stdlib's SimpleHTTPRequestHandler follows symlinks wherever they point (a link to /etc serves
/etc/passwd), serves and lists dotfiles, and lets a `%00` in the path raise inside os.stat. This handler
resolves every path and serves it only if it is still inside the folder, hides names starting with a dot,
answers a NUL or other malformed path with 400, and runs on the bounded front server (a real listen
backlog, a fixed set of threads).
"""

from __future__ import annotations

import functools
import html
import http.server
import io
import os
import urllib.parse
from pathlib import Path

from kzlinks.server.front import READ_TIMEOUT, BoundedServer


class ViewFiles(http.server.SimpleHTTPRequestHandler):
    server_version = "kzlinks-kg"
    timeout = READ_TIMEOUT

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def _checked(self) -> bool:
        """False (an error sent) for a path that is malformed, hidden, or resolves outside the folder."""
        raw = urllib.parse.unquote(self.path.split("?", 1)[0].split("#", 1)[0], errors="strict")
        if "\x00" in raw or "\\" in raw:
            self.send_error(400, "bad path")
            return False
        if any(part.startswith(".") for part in raw.split("/") if part):
            self.send_error(404, "not found")
            return False
        root = os.path.realpath(self.directory)
        target = os.path.realpath(self.translate_path(self.path))
        if target != root and not target.startswith(root + os.sep):
            self.send_error(404, "not found")
            return False
        return True

    def send_head(self):
        try:
            if not self._checked():
                return None
        except (UnicodeDecodeError, ValueError):
            self.send_error(400, "bad path")
            return None
        return super().send_head()

    def list_directory(self, path):
        """A plain listing, without dotfiles or links that lead out of the folder."""
        root = os.path.realpath(self.directory)
        try:
            names = sorted(os.listdir(path), key=str.lower)
        except OSError:
            self.send_error(404, "not found")
            return None
        items = []
        for name in names:
            full = os.path.realpath(os.path.join(path, name))
            if name.startswith(".") or not (full == root or full.startswith(root + os.sep)):
                continue
            shown = name + ("/" if os.path.isdir(full) else "")
            items.append(f'<li><a href="{urllib.parse.quote(shown)}">{html.escape(shown)}</a></li>')
        body = ("<!doctype html><meta charset=utf-8><title>views</title><ul>" + "".join(items) + "</ul>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()


def views_server(directory: Path, host: str, port: int) -> BoundedServer:
    handler = functools.partial(ViewFiles, directory=str(directory))
    return BoundedServer((host.strip("[]"), port), handler, threads=8)


__all__ = ["ViewFiles", "views_server"]
