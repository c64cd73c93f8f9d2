"""New-version check: read a releases feed and compare its newest release with ours.

A feed is JSON in one of these shapes:
- a GitHub releases list: ``[{"tag_name": "v1.2.0", "html_url": ..., "draft": false, "prerelease": false}, ...]``
- one release: ``{"version": "1.2.0", "url": ...}`` (or ``tag_name`` / ``html_url``)
- ``{"releases": [<release>, ...]}``
Drafts and pre-releases are skipped. Fetching is the caller's business (off the GUI thread).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Release:
    version: str
    url: str


@dataclass(frozen=True)
class UpdateCheck:
    current: str
    latest: Release

    @property
    def newer(self) -> bool:
        return version_key(self.latest.version) > version_key(self.current)


def version_key(text: str) -> tuple[tuple[int, ...], int]:
    """A sortable key: 1.2 == 1.2.0, and 1.2.0-rc1 < 1.2.0; ValueError for text that is no version."""
    match = _VERSION.match(str(text))
    if match is None:
        raise ValueError(f"not a version: {text!r}")
    numbers = tuple(int(part) for part in match.group(1).split("."))
    numbers += (0,) * max(0, 4 - len(numbers))
    suffix = match.group(2).strip()
    return numbers, 0 if suffix and not suffix.startswith("+") else 1


def latest_release(feed: object) -> Release:
    """The newest published release of a feed; ValueError when the feed names none."""
    if isinstance(feed, dict) and isinstance(feed.get("releases"), list):
        feed = feed["releases"]
    items = feed if isinstance(feed, list) else [feed]
    releases = [r for r in (_release(item) for item in items) if r is not None]
    if not releases:
        raise ValueError("the feed lists no published release")
    return max(releases, key=lambda r: version_key(r.version))


def check_update(current: str, feed: object) -> UpdateCheck:
    """Compare our version with the newest release of `feed`."""
    return UpdateCheck(current, latest_release(feed))


def _release(item: object) -> Release | None:
    if not isinstance(item, dict) or item.get("draft") or item.get("prerelease"):
        return None
    version = item.get("version") or item.get("tag_name")
    if not isinstance(version, str):
        return None
    try:
        version_key(version)
    except ValueError:
        return None
    url = item.get("url") or item.get("html_url") or ""
    return Release(version.strip(), url if isinstance(url, str) else "")
