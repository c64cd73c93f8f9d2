"""The portal speaks the visitor's language: Accept-Language, the /lang switch, custom language files."""

from __future__ import annotations

import json
from pathlib import Path

from voapi_desktop.gateway.portal.i18n import choose_language, load_catalogs, translator


def test_accept_language_picks_chinese_and_the_cookie_overrides_it(browser_client):
    page = browser_client.get("/console/login", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}).text
    assert '<html lang="zh-CN">' in page and "登录" in page
    assert "Sign in" in browser_client.get("/console/login", headers={"Accept-Language": "en-GB"}).text
    switched = browser_client.get("/lang", params={"to": "en", "next": "/console/login"})
    assert switched.status_code == 302 and switched.headers["location"] == "/console/login"
    page = browser_client.get("/console/login", headers={"Accept-Language": "zh-CN"}).text
    assert '<html lang="en">' in page, "the chosen language wins over the browser's"
    evil = browser_client.get("/lang", params={"to": "xx", "next": "//evil.example/"})
    assert evil.headers["location"] == "/console/wallet" and "lang=xx" not in evil.headers.get("set-cookie", "")


def test_a_custom_language_file_is_listed_and_missing_keys_fall_back_to_english(tmp_path: Path):
    (tmp_path / "fr.json").write_text(json.dumps({"_language": "Français", "nav.sign_in": "Connexion"}), "utf-8")
    (tmp_path / "broken.json").write_text("{not json", "utf-8")
    catalogs = load_catalogs(tmp_path)
    assert {"en", "zh_CN", "fr"} <= set(catalogs) and catalogs["fr"]["_language"] == "Français"
    t = translator(catalogs, "fr")
    assert t("nav.sign_in") == "Connexion" and t("nav.sign_out") == "Sign out" and t("no.such.key") == "no.such.key"
    assert choose_language(list(catalogs), None, "fr-CA,fr;q=0.8") == "fr"
    assert choose_language(list(catalogs), "zh_CN", "fr") == "zh_CN"
    assert choose_language(list(catalogs), None, "de") == "en"
    assert set(load_catalogs()["en"]) == set(load_catalogs()["zh_CN"]), "both built-in languages have every key"
