"""Where a webhook may be sent: the address checks that keep deliveries off the
firm's own network and ours (server-side request forgery).

An endpoint's host is resolved, and every address it resolves to must be on the
public internet: not private, loopback, link-local, multicast, reserved or any
other non-global range (IPv4-mapped IPv6 addresses are checked as IPv4). The
check runs when an endpoint is registered, turned on or changed, and again before
every delivery, whose connection then goes to the very address that was checked,
so a DNS answer that changes in between can't redirect it. Only https is allowed.

settings.WEBHOOKS_ALLOW_PRIVATE lifts both rules, for tests and local development."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

URL_MAX_LENGTH = 2000

# Indirection for tests, which answer DNS themselves.
getaddrinfo = socket.getaddrinfo


class AddressRefused(Exception):
    """The URL can't receive webhooks: `message` says why, in the user's language;
    `code` is "invalid", "not_found" or "not_public" and `detail` the address at fault."""

    def __init__(self, message: str, *, code: str = "invalid", detail: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def _kind(ip) -> str:
    """Why the address is not public, in words; empty when it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return _("a loopback address")
    if ip.is_link_local:
        return _("a link-local address")
    if ip.is_multicast:
        return _("a multicast address")
    if ip.is_unspecified:
        return _("an unspecified address")
    if ip.is_reserved:
        return _("a reserved address")
    if ip.is_private:
        return _("a private network address")
    if not ip.is_global:
        return _("an address that is not on the public internet")
    return ""


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a well-formed http(s) URL."""
    url = (url or "").strip()
    if not url:
        raise AddressRefused(_("Enter the address that will receive the events."))
    if len(url) > URL_MAX_LENGTH:
        raise AddressRefused(
            _("The address is too long (at most %(max)d characters).") % {"max": URL_MAX_LENGTH}
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise AddressRefused(_("The address can't contain spaces or control characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        raise AddressRefused(
            _("Enter a full web address, such as https://example.com/hooks.")
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise AddressRefused(_("Enter a full web address, such as https://example.com/hooks."))
    if scheme == "http" and not settings.WEBHOOKS_ALLOW_PRIVATE:
        raise AddressRefused(_("Webhooks are sent over https only: use an https:// address."))
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(_("Leave the user name and password out of the address."))
    if parts.fragment:
        raise AddressRefused(_("Leave the part after “#” out of the address."))
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise AddressRefused(
            _("Enter a full web address, such as https://example.com/hooks.")
        ) from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(url: str) -> Target:
    """The checked address to connect to for `url`, or AddressRefused."""
    scheme, host, port, path = parse(url)
    try:
        infos = getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise AddressRefused(
            _("The address %(host)s could not be found. Check the spelling.") % {"host": host},
            code="not_found",
            detail=host,
        ) from None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise AddressRefused(
            _("The address %(host)s could not be found. Check the spelling.") % {"host": host},
            code="not_found",
            detail=host,
        )
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        for ip in addresses:
            kind = _kind(ip)
            if kind:
                raise AddressRefused(
                    _(
                        "%(host)s leads to %(address)s, %(kind)s. Webhooks are sent only "
                        "to addresses on the public internet."
                    )
                    % {"host": host, "address": ip, "kind": kind},
                    code="not_public",
                    detail=f"{host} → {ip}",
                )
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))
