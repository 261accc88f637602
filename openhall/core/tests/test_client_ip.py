"""client_ip: the one address every throttle and the audit log use.

Forwarded headers are believed only when the request comes from a configured proxy; then the
right-most address that is not one of our proxies is the client (everything left of it could
have been typed by the client).
"""

from django.test import RequestFactory

from openhall.core.middleware import client_ip

rf = RequestFactory()


def request_from(remote, **headers):
    return rf.get("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxies_forwarded_headers_are_ignored(settings):
    settings.OPENHALL_TRUSTED_PROXIES = []
    request = request_from(
        "203.0.113.66", HTTP_X_FORWARDED_FOR="10.1.1.1", HTTP_X_REAL_IP="10.2.2.2"
    )
    assert client_ip(request) == "203.0.113.66"


def test_behind_proxy_alone_does_not_make_x_real_ip_believable(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.OPENHALL_TRUSTED_PROXIES = []
    assert client_ip(request_from("203.0.113.66", HTTP_X_REAL_IP="10.2.2.2")) == "203.0.113.66"


def test_from_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(settings):
    settings.OPENHALL_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    request = request_from("127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.5")
    assert client_ip(request) == "198.51.100.7"  # 1.2.3.4 was typed by the client


def test_from_a_trusted_proxy_x_real_ip_serves_when_there_is_no_chain(settings):
    settings.OPENHALL_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_ip(request_from("127.0.0.1", HTTP_X_REAL_IP="198.51.100.7")) == "198.51.100.7"


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_sends(settings):
    settings.OPENHALL_TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = request_from("203.0.113.66", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_ip(request) == "203.0.113.66"


def test_garbage_in_the_chain_falls_back_to_the_peer(settings):
    settings.OPENHALL_TRUSTED_PROXIES = ["127.0.0.1"]
    request = request_from("127.0.0.1", HTTP_X_FORWARDED_FOR="<script>, not-an-ip")
    assert client_ip(request) == "127.0.0.1"


def test_ipv6_proxies_and_clients(settings):
    settings.OPENHALL_TRUSTED_PROXIES = ["::1", "fd00::/8"]
    request = request_from("::1", HTTP_X_FORWARDED_FOR="2001:db8::7, fd00::2")
    assert client_ip(request) == "2001:db8::7"


def test_the_audit_log_records_the_same_address(client, settings, olivia, center_a):
    from openhall import factories
    from openhall.core.models import AuditEntry

    settings.OPENHALL_TRUSTED_PROXIES = ["127.0.0.1"]
    enterprise = factories.EnterpriseFactory(center=center_a)
    client.force_login(olivia)
    client.post(
        f"/console/c/{center_a.pk}/enterprises/{enterprise.pk}/verify/",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    assert AuditEntry.objects.get(action="enterprise.verify").ip == "198.51.100.7"


def test_a_peer_that_is_no_address_gives_none(settings):
    settings.OPENHALL_TRUSTED_PROXIES = []
    assert client_ip(request_from("unix:/run/openhall.sock")) is None
