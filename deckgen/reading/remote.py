"""Remote pictures (``![x](https://...)``): fetched once into a cache under the build folder.

Each URL is downloaded at most once per build folder (``build/.deckgen/pictures/``, keyed by
the URL's hash), with a timeout, a size limit (`pictures.MAX_IMAGE_BYTES`) and a content
check (what comes back must be a picture, whatever the server says); later builds, and
``--offline`` ones, use the cached copy. What cannot be fetched is a problem the reader shows
as a placeholder, never a failed build. This is the only place deckgen opens a network
connection while building.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from .pictures import MAX_IMAGE_BYTES

TIMEOUT = 10.0  # seconds, for the connection and for each read
USER_AGENT = "deckgen (picture fetch)"


class RemotePictures:
    """Downloads with a cache; `offline` uses only the cache."""

    def __init__(self, cache: Path, offline: bool = False, timeout: float = TIMEOUT):
        self.cache = cache
        self.offline = offline
        self.timeout = timeout
        self.failed: dict[str, str] = {}  # url -> problem, so one build asks once

    def cached_path(self, url: str) -> Path:
        return self.cache / hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]

    def get(self, url: str) -> tuple[bytes | None, str]:
        """(the picture's bytes, "") or (None, why not)."""
        path = self.cached_path(url)
        if path.is_file():
            return path.read_bytes(), ""
        if self.offline:
            return None, (
                "is on the web and was not downloaded: --offline forbids it (deckgen build "
                "downloads it once, into build/.deckgen/pictures)"
            )
        if url in self.failed:
            return None, self.failed[url]
        data, problem = self._download(url)
        if data is None:
            self.failed[url] = problem
            return None, problem
        from .pictures import ImageProblem, picture_from_bytes

        try:
            picture_from_bytes(data, path, url)  # the content check, before anything is kept
        except ImageProblem:
            problem = "was downloaded but is not a picture"
            self.failed[url] = problem
            return None, problem
        self.cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache, prefix=".part-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        return data, ""

    def _download(self, url: str) -> tuple[bytes | None, str]:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if response.geturl().split(":", 1)[0].lower() not in ("http", "https"):
                    return None, "was redirected away from http(s)"
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > MAX_IMAGE_BYTES:
                    return None, f"is {int(length) // 1_048_576} MB, over the {MAX_IMAGE_BYTES // 1_048_576} MB limit"
                data = response.read(MAX_IMAGE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            return None, f"could not be downloaded (HTTP {exc.code})"
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return None, f"could not be downloaded ({reason})"
        if len(data) > MAX_IMAGE_BYTES:
            return None, f"is over the {MAX_IMAGE_BYTES // 1_048_576} MB limit"
        return data, ""
