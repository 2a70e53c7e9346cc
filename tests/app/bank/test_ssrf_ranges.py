"""Issue 15 §3: the webhook address guard sees through IPv6 transition prefixes and knows the IANA
special-purpose registries (the addresses the attack run got accepted, and their neighbours)."""

from __future__ import annotations

import pytest

from app.bank.webhooks.ssrf import is_public


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
        "2002:c0a8:0101::1",  # 6to4 of 192.168.1.1
        "192.0.0.8",  # IETF protocol assignments
        "192.0.0.170",
        "198.18.0.1",  # benchmarking
        "198.19.255.254",
        "100.64.0.1",  # CGNAT
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.88.99.1",  # 6to4 relay anycast
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::5db8:d70e",  # local-use NAT64, even of a public address
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo whose client is 192.0.2.45
        "2001:0:7f00:1:8000:63bf:3fff:fdd2",  # Teredo whose server is 127.0.0.1
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible
        "::a9fe:a9fe",
        "2001:db8::1",  # documentation
        "100::1",  # discard-only
        "fc00::1",
        "fe80::1",
        "::1",
    ],
)
def test_special_and_embedded_addresses_are_refused(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "64:ff9b::5db8:d70e", "8.8.8.8"])
def test_public_addresses_stay_allowed(address):
    assert is_public(address)
