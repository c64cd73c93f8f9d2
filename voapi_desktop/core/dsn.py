"""Database DSNs: the Go form new-api/VoAPI use, and URL forms.

Accepted forms::

    user:pw@tcp(host:3306)/db?charset=utf8mb4&parseTime=True   (MySQL, Go driver form)
    user:pw@unix(/run/mysqld/mysqld.sock)/db                    (MySQL over a socket)
    mysql://user:pw@host:3306/db?charset=utf8mb4
    postgres://user:pw@host:5432/db?sslmode=disable             (also postgresql://)
    sqlite:///relative/path.db   sqlite:////absolute/path.db    (peewee's db_url rule)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping
from urllib.parse import parse_qsl, quote, unquote

ACCEPTED_FORMS = (
    "user:pw@tcp(host:port)/db, mysql://user:pw@host:port/db, "
    "postgres://user:pw@host:port/db, sqlite:///path.db"
)
_SCHEMES = {"mysql": "mysql", "postgres": "postgres", "postgresql": "postgres", "sqlite": "sqlite"}
# Options only the Go MySQL driver understands; passing them to pymysql would fail.
_GO_ONLY_PARAMS = frozenset({
    "parseTime", "loc", "allowNativePasswords", "allowOldPasswords", "interpolateParams",
    "multiStatements", "readTimeout", "writeTimeout", "timeout", "columnsWithAlias",
    "clientFoundRows", "maxAllowedPacket", "rejectReadOnly",
})
# Greedy userinfo: passwords may contain '@', so split at the last '@' before the protocol.
_GO_DSN = re.compile(
    r"^(?:(?P<userinfo>.*)@)?(?:(?P<proto>tcp|unix)\((?P<addr>[^)]*)\))?/(?P<db>[^?]*)(?:\?(?P<query>.*))?$",
    re.DOTALL,
)
_SECRET_PARAM = re.compile(r"(?i)\b(password|passwd|pwd)=[^&]*")


@dataclass(frozen=True)
class DatabaseSpec:
    """Where a database lives, parsed from a DSN."""

    kind: str  # "sqlite" | "mysql" | "postgres"
    database: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    @property
    def redacted(self) -> str:
        """The spec as a URL with the password replaced by ***."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.database}"
        auth = quote(self.user or "", safe="")
        if self.password is not None:
            auth += ":***"
        host = self.host or self.params.get("unix_socket", "")
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.kind}://{auth}{'@' if auth else ''}{host}{port}/{self.database}"


def parse_dsn(dsn: str) -> DatabaseSpec:
    """Parse a DSN in one of the accepted forms; raise ValueError otherwise."""
    text = dsn.strip()
    if not text:
        raise ValueError("empty database DSN")
    if "://" in text:
        return _parse_url(text)
    match = _GO_DSN.match(text)
    if not match:
        raise _error(text, f"is not a database DSN; accepted forms: {ACCEPTED_FORMS}")
    return _parse_go(text, match)


def _parse_go(text: str, match: re.Match[str]) -> DatabaseSpec:
    params = _mysql_params(match["query"] or "")
    host = port = None
    if match["proto"] == "unix":
        params["unix_socket"] = match["addr"]
    elif match["proto"] == "tcp":
        host, port = _split_hostport(text, match["addr"])
    user, password = _split_userinfo(match["userinfo"], decode=False)
    return DatabaseSpec("mysql", _database(text, match["db"]), host, port, user, password,
                        MappingProxyType(params))


def _parse_url(text: str) -> DatabaseSpec:
    scheme, _, rest = text.partition("://")
    kind = _SCHEMES.get(scheme.lower())
    if kind is None:
        raise _error(text, f"has unsupported scheme {scheme!r}; accepted forms: {ACCEPTED_FORMS}")
    if kind == "sqlite":
        rest, _, query = rest.partition("?")
        return _parse_sqlite(text, rest, query)
    # Split at the last '@' first: an unescaped '?' or '/' in a password must not leak.
    userinfo, at, hostpath = rest.rpartition("@")
    hostpath, _, query = hostpath.partition("?")
    hostport, _, path = hostpath.partition("/")
    host, port = _split_hostport(text, hostport)
    user, password = _split_userinfo(userinfo if at else None, decode=True)
    params = _mysql_params(query) if kind == "mysql" else dict(parse_qsl(query, keep_blank_values=True))
    return DatabaseSpec(kind, _database(text, unquote(path)), host, port, user, password,
                        MappingProxyType(params))


def _parse_sqlite(text: str, rest: str, query: str) -> DatabaseSpec:
    # sqlite:///rel.db -> "rel.db", sqlite:////abs.db -> "/abs.db" (as peewee's db_url does).
    if not rest.startswith("/"):
        raise _error(text, "must look like sqlite:///relative.db or sqlite:////absolute.db")
    path = unquote(rest[1:])
    if not path:
        raise _error(text, "names no database file")
    params = dict(parse_qsl(query, keep_blank_values=True))
    return DatabaseSpec("sqlite", path, params=MappingProxyType(params))


def _mysql_params(query: str) -> dict[str, str]:
    pairs = parse_qsl(query, keep_blank_values=True)
    return {k: v for k, v in pairs if k not in _GO_ONLY_PARAMS}


def _split_userinfo(userinfo: str | None, *, decode: bool) -> tuple[str | None, str | None]:
    if userinfo is None:
        return None, None
    user, colon, password = userinfo.partition(":")
    if decode:
        user, password = unquote(user), unquote(password)
    return user or None, password if colon else None


def _split_hostport(text: str, hostport: str) -> tuple[str | None, int | None]:
    if hostport.startswith("["):  # [IPv6]:port
        host, _, tail = hostport[1:].partition("]")
        port = tail.removeprefix(":")
    elif hostport.count(":") == 1:
        host, _, port = hostport.partition(":")
    else:
        host, port = hostport, ""
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        # The port is not echoed: with a missing '@' it may be a password.
        raise _error(text, "has an invalid port")
    return host or None, int(port) if port else None


def _database(text: str, name: str) -> str:
    if not name:
        raise _error(text, "names no database")
    return name


def _error(text: str, problem: str) -> ValueError:
    return ValueError(f"database DSN {redact_dsn(text)!r} {problem}")


def redact_dsn(dsn: str) -> str:
    """Return the DSN with any password replaced by ***, for logs and errors."""
    text = _SECRET_PARAM.sub(lambda m: f"{m[1]}=***", dsn)
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    match = None if sep else re.match(r"^(.*)@((?:tcp|unix)\(.*|/.*)$", rest, re.DOTALL)
    if match:
        userinfo, tail = match[1], match[2]
    else:
        userinfo, at, tail = rest.rpartition("@")
        if not at:
            return scheme + sep + _redact_bare(rest)
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}{sep}{user}{':***' if colon else ''}@{tail}"


def _redact_bare(rest: str) -> str:
    # Without an '@', "user:secret/db" looks like host:port; a non-numeric port is masked.
    authority, tail = re.match(r"^([^/?]*)(.*)$", rest, re.DOTALL).groups()
    head, colon, port = authority.rpartition(":")
    if not colon or "(" in authority or authority.startswith("[") or port.isdigit():
        return rest
    return f"{head}:***{tail}"
