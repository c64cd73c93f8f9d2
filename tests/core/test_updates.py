"""The new-version check: version order and the releases feed shapes."""

from __future__ import annotations

import pytest

from voapi_desktop.core.updates import check_update, latest_release, version_key


def test_versions_compare_by_number_and_a_release_beats_its_pre_release():
    assert version_key("v1.10.0") > version_key("1.9.9")
    assert version_key("1.2") == version_key("1.2.0")
    assert version_key("1.2.0-rc1") < version_key("1.2.0") == version_key("1.2.0+build7")
    with pytest.raises(ValueError):
        version_key("latest")


def test_the_newest_published_release_of_a_github_list_wins():
    feed = [{"tag_name": "v0.3.0", "html_url": "u3"}, {"tag_name": "v0.9.0", "draft": True},
            {"tag_name": "v0.5.0", "prerelease": True}, {"tag_name": "nightly"},
            {"tag_name": "v0.4.1", "html_url": "u4"}]
    assert latest_release(feed).version == "v0.4.1" and latest_release(feed).url == "u4"
    assert latest_release({"releases": [{"version": "2.0"}]}).version == "2.0"


def test_a_feed_without_a_release_is_refused_and_newer_is_decided_by_version():
    with pytest.raises(ValueError, match="no published release"):
        latest_release({"message": "Not Found"})
    assert check_update("0.1.0", {"version": "0.2.0", "url": "x"}).newer
    assert not check_update("0.1.0", {"version": "v0.1.0"}).newer
