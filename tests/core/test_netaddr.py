import pytest

from voapi_desktop.core.netaddr import parse_allow_list


def test_empty_list_allows_everyone_and_is_falsy():
    allow = parse_allow_list("  \n ")
    assert not allow
    assert allow.allows("203.0.113.9")
    assert allow.allows("not an ip")
    assert str(allow) == ""


def test_addresses_and_ranges_separated_by_newlines_commas_or_spaces():
    allow = parse_allow_list("10.0.0.1, 192.168.0.0/16\n2001:db8::/32  127.0.0.1")
    assert allow and len(allow) == 4
    assert allow.allows("10.0.0.1")
    assert not allow.allows("10.0.0.2")
    assert allow.allows("192.168.44.5")
    assert allow.allows("2001:db8::1")
    assert not allow.allows("2001:db9::1")
    assert allow.allows(" 127.0.0.1 ")


def test_ipv4_mapped_client_matches_ipv4_rule():
    allow = parse_allow_list("1.2.3.0/24")
    assert allow.allows("::ffff:1.2.3.4")
    assert not allow.allows("::ffff:1.2.4.4")


def test_ipv4_mapped_rule_matches_plain_ipv4_client():
    allow = parse_allow_list("::ffff:1.2.3.4")
    assert allow.allows("1.2.3.4")
    assert str(allow) == "1.2.3.4"


def test_unparsable_client_address_is_refused():
    allow = parse_allow_list("10.0.0.0/8")
    assert not allow.allows("")
    assert not allow.allows("localhost")
    assert not allow.allows("10.0.0.1:8080")


def test_invalid_entry_is_named():
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        parse_allow_list("10.0.0.1\n10.0.0.300")


def test_text_is_normalised_and_deduplicated():
    allow = parse_allow_list("10.1.2.3/8,10.0.0.0/8 2001:DB8::1/128")
    assert str(allow) == "10.0.0.0/8\n2001:db8::1"
    assert parse_allow_list(str(allow)) == allow


def test_version_mismatch_never_matches():
    assert not parse_allow_list("::/0").allows("1.2.3.4")
    assert parse_allow_list("0.0.0.0/0").allows("8.8.8.8")
