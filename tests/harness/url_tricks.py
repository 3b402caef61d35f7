"""A generated family of reply-URL tricks: ways to make a URL read as loopback to one parser and not another.

Each template mixes the loopback listener (<lo>, i.e. 127.0.0.1:<port>) with an address elsewhere (<ev>, each
of ELSEWHERE in turn); `url_tricks()` expands them, and `.fill(port)` puts in the listener's port.
"""

from __future__ import annotations

from dataclasses import dataclass

ELSEWHERE = ["evil.example", "10.0.0.1", "203.0.113.7", "[2001:db8::1]", "169.254.169.254"]

FAMILIES: dict[str, list[str]] = {
    "userinfo": [
        "http://<ev>@<lo>/", "http://<lo>@<ev>/", "http://user:pass@<lo>/", "http://<lo>:@<ev>/", "http://<ev>:x@<lo>/",
        "http://a@<lo>@<ev>/", "http://<ev>@<ev>@<lo>/", "http://:@<lo>/", "http://@<lo>/",
    ],
    "backslash": [
        "http://<ev>\\@<lo>/", "http://<lo>\\@<ev>/", "http:\\\\<lo>/", "http:/\\<ev>/", "http://<lo>\\<ev>/", "http://<ev>\\<lo>/",
        "http:\\\\<ev>\\@<lo>/", "http://<ev>\\\\@<lo>/", "http://<lo>\\.<ev>/",
    ],
    "fragment or query before @": [
        "http://<ev>#@<lo>/", "http://<ev>?@<lo>/", "http://<lo>#@<ev>/", "http://<lo>?@<ev>/", "http://<ev>/#@<lo>",
        "http://<ev>?x=1#@<lo>/", "http://<ev>;@<lo>/", "http://<lo>/?next=http://<ev>/", "http://<lo>/#http://<ev>/",
    ],
    "percent-encoding": [
        "http://<ev>%5C@<lo>/", "http://<ev>%23@<lo>/", "http://<ev>%2F@<lo>/", "http://<ev>%3F@<lo>/", "http://<ev>%40<lo>/",
        "http://<lo>%2F@<ev>/", "http://<lo>%00.<ev>/", "http://<ev>%00@<lo>/", "http://<lo>%2e.<ev>/", "http://<ev>%09@<lo>/",
        "http://%31%32%37.0.0.1:<port>/", "http://127%2E0%2E0%2E1:<port>/", "http://%6c%6f%63%61%6c%68%6f%73%74:<port>/",
        "http://<lo>/%2e%2e/<ev>",
    ],
    "integer and hex IPv4": [
        "http://2130706433:<port>/", "http://0x7f000001:<port>/", "http://0x7f.0.0.1:<port>/", "http://0177.0.0.1:<port>/",
        "http://127.1:<port>/", "http://127.0.1:<port>/", "http://017700000001:<port>/", "http://0x7F.1:<port>/",
        "http://127.000.000.001:<port>/", "http://167772161/", "http://0xa000001/", "http://0x0a.0.0.1/",
        "http://012.0.0.1/", "http://3405803783/",
    ],
    "IPv6 and IPv6-mapped": [
        "http://[::ffff:127.0.0.1]:<port>/", "http://[::ffff:7f00:1]:<port>/", "http://[0:0:0:0:0:ffff:127.0.0.1]:<port>/",
        "http://[::127.0.0.1]:<port>/", "http://[::ffff:10.0.0.1]/", "http://[::1%25lo]:<port>/", "http://[::1]:<port>@<ev>/",
        "http://<ev>@[::1]:<port>/", "http://[::1]/", "http://[0:0:0:0:0:0:0:1]:<port>/", "http://[::1]]:<port>/",
        "http://[[::1]]:<port>/", "http://::1:<port>/", "http://[::ffff:a9fe:a9fe]/",
    ],
    "trailing and stray dots": [
        "http://localhost.:<port>/", "http://127.0.0.1.:<port>/", "http://<ev>.:<port>/", "http://localhost..:<port>/",
        "http://.localhost:<port>/", "http://localhost.<ev>/", "http://127.0.0.1.<ev>/", "http://<ev>.localhost:<port>/",
        "http://<ev>.127.0.0.1/", "http://<lo>./",
    ],
    "whitespace and control characters": [
        " http://<lo>/", "http://<lo>/ ", "http://<ev>\t@<lo>/", "http://<ev>\n@<lo>/", "http://<lo>\r\n@<ev>/", "http://<lo>\x00@<ev>/",
        "ht\ttp://<lo>/", "http://<lo> @<ev>/", "http://<ev> <lo>/", "\x0chttp://<lo>/", "http://127.0.0.1\t:<port>/",
        "http://lo\u00adcalhost:<port>/", "http://localhost\u3002:<port>/", "http://\uff11\uff12\uff17.0.0.1:<port>/",
        "http://\u24dbocalhost:<port>/", "http://<ev>\u2028@<lo>/", "http://<ev>\x7f@<lo>/", "http://<lo>\u200b@<ev>/",
    ],
    "scheme": [
        "HTTP://<lo>/", "https:<lo>", "//<lo>/", "http:<lo>/", "http:/<lo>/", "ftp://<lo>/", "file://<lo>/etc/passwd",
        "gopher://<lo>/", "http+unix://<lo>/", "ws://<lo>/", "https://<ev>/", "http://<ev>/", "httpx://<lo>/",
    ],
}


@dataclass(frozen=True)
class Trick:
    family: str
    template: str

    @property
    def id(self) -> str:
        return f"{self.family}: {self.template!r}"

    def fill(self, port: int) -> str:
        return self.template.replace("<lo>", "127.0.0.1:<port>").replace("<port>", str(port))


def url_tricks() -> list[Trick]:
    """Every template, once per address elsewhere when it names one; in a stable order, without repeats."""
    tricks: dict[str, Trick] = {}
    for family, templates in FAMILIES.items():
        for template in templates:
            for elsewhere in ELSEWHERE if "<ev>" in template else [""]:
                expanded = template.replace("<ev>", elsewhere)
                tricks.setdefault(expanded, Trick(family, expanded))
    return list(tricks.values())


CANONICAL_LOOPBACK = [Trick("canonical", t) for t in ("http://<lo>", "http://<lo>/", "http://localhost:<port>/",
                                                      "http://LOCALHOST:<port>")]
