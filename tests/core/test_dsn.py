import pytest

from voapi_desktop.core.dsn import DatabaseSpec, parse_dsn, redact_dsn


def test_seed_go_form_with_go_only_params_dropped():
    spec = parse_dsn("root:123456@tcp(host.docker.internal:3306)/voapi?charset=utf8mb4&parseTime=True&loc=Local")
    assert spec == DatabaseSpec("mysql", "voapi", "host.docker.internal", 3306, "root", "123456",
                                {"charset": "utf8mb4"})


def test_go_form_password_may_contain_colon_and_at():
    spec = parse_dsn("root:p@ss:w@rd@tcp(db:3306)/voapi")
    assert (spec.user, spec.password, spec.host) == ("root", "p@ss:w@rd", "db")


def test_go_form_without_password_or_port():
    spec = parse_dsn("user@tcp(db)/app")
    assert (spec.user, spec.password, spec.host, spec.port) == ("user", None, "db", None)


def test_go_form_unix_socket():
    spec = parse_dsn("u:pw@unix(/run/mysqld/mysqld.sock)/app")
    assert spec.host is None
    assert spec.params == {"unix_socket": "/run/mysqld/mysqld.sock"}


def test_go_form_ipv6_host():
    spec = parse_dsn("u:pw@tcp([::1]:3307)/app")
    assert (spec.host, spec.port) == ("::1", 3307)


def test_mysql_url_decodes_credentials():
    spec = parse_dsn("mysql://us%40er:p%3Aw%2Fd@db.example:3306/voapi?charset=utf8mb4&parseTime=True")
    assert spec == DatabaseSpec("mysql", "voapi", "db.example", 3306, "us@er", "p:w/d", {"charset": "utf8mb4"})


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "PostgreSQL"])
def test_postgres_url(scheme):
    spec = parse_dsn(f"{scheme}://app:secret@pg:5432/voapi?sslmode=disable")
    assert spec == DatabaseSpec("postgres", "voapi", "pg", 5432, "app", "secret", {"sslmode": "disable"})


def test_postgres_keeps_parse_time_like_params():
    assert parse_dsn("postgres://u@h/db?loc=x").params == {"loc": "x"}


@pytest.mark.parametrize("dsn,path", [
    ("sqlite:///voapi.db", "voapi.db"),
    ("sqlite:///data/voapi.db", "data/voapi.db"),
    ("sqlite:////var/lib/voapi.db", "/var/lib/voapi.db"),
    ("sqlite:///C:/data/voapi.db", "C:/data/voapi.db"),
])
def test_sqlite_urls_follow_the_peewee_rule(dsn, path):
    spec = parse_dsn(dsn)
    assert (spec.kind, spec.database) == ("sqlite", path)


def test_sqlite_keeps_params():
    assert parse_dsn("sqlite:///x.db?_busy_timeout=30000").params == {"_busy_timeout": "30000"}


@pytest.mark.parametrize("dsn", ["sqlite://voapi.db", "sqlite:///"])
def test_malformed_sqlite_urls_are_errors(dsn):
    with pytest.raises(ValueError, match="sqlite"):
        parse_dsn(dsn)


def test_empty_dsn_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        parse_dsn("  ")


def test_unknown_scheme_lists_accepted_forms():
    with pytest.raises(ValueError, match=r"unsupported scheme 'redis'.*accepted forms: .*tcp\(host:port\)"):
        parse_dsn("redis://:pw@localhost:6379/0")


@pytest.mark.parametrize("dsn", [
    "root:hunter2@tcp(db:3306)/",           # no database
    "mysql://root:hunter2@db:port/voapi",    # bad port
    "mysql://root:hunter2/voapi",            # forgot the host: password looks like a port
    "root:hunter2@db/voapi",                 # not a Go DSN
    "ftp://root:hunter2@db/voapi",
    "postgres://root:hunter2@db:99999/voapi",
])
def test_errors_never_contain_the_password(dsn):
    with pytest.raises(ValueError) as info:
        parse_dsn(dsn)
    assert "hunter2" not in str(info.value)


def test_spec_repr_and_redacted_hide_the_password():
    spec = parse_dsn("mysql://root:hunter2@db:3306/voapi")
    assert "hunter2" not in repr(spec)
    assert spec.redacted == "mysql://root:***@db:3306/voapi"
    assert parse_dsn("sqlite:////abs/x.db").redacted == "sqlite:////abs/x.db"


def test_spec_is_hashable_and_params_are_read_only():
    spec = parse_dsn("postgres://u:p@h/db?sslmode=require")
    hash(spec)
    with pytest.raises(TypeError):
        spec.params["sslmode"] = "disable"


@pytest.mark.parametrize("dsn,expected", [
    ("root:123456@tcp(h:3306)/voapi?charset=utf8mb4", "root:***@tcp(h:3306)/voapi?charset=utf8mb4"),
    ("root:p@ss@tcp(h)/db", "root:***@tcp(h)/db"),
    ("mysql://u:secret@h/db", "mysql://u:***@h/db"),
    ("redis://:secret@redis:6379", "redis://:***@redis:6379"),
    ("postgres://u@h/db?password=secret&sslmode=off", "postgres://u@h/db?password=***&sslmode=off"),
    ("redis://redis", "redis://redis"),
    ("mysql://u:secret/db", "mysql://u:***/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
    ("", ""),
])
def test_redact_dsn(dsn, expected):
    assert redact_dsn(dsn) == expected
