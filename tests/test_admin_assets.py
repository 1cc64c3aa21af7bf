"""The panel's pages load every stylesheet, script, image and font from the panel itself.

fastapi-admin's layout pulls ``@latest`` CSS/JS from CDNs; without internet (this
machine, government intranets) the panel was unstyled, and with it a panel with
sessions ran whatever a CDN served that day. admin/templates/base.html now points at
pinned copies under admin/static/vendor, and our panel.css (admin/assets.py serves them).
"""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.admin_client import AdminClient, admin_asgi, client_for

ASSET_ATTRIBUTES = {"link": "href", "script": "src", "img": "src"}
CONTENT_TYPES = {
    ".css": ("text/css",),
    ".js": ("text/javascript", "application/javascript"),
    ".woff2": ("font/woff2",),
    ".png": ("image/png",),
    ".svg": ("image/svg+xml",),
    ".ico": ("image/x-icon", "image/vnd.microsoft.icon"),
}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


class AssetLinks(HTMLParser):
    """The URLs of a page's ``<link href>``, ``<script src>`` and ``<img src>``."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        wanted = ASSET_ATTRIBUTES.get(tag)
        value = dict(attrs).get(wanted) if wanted else None
        if value:
            self.urls.append(value)


def assets_of(html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return parser.urls


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)  # https://cdn/..., //cdn/... (data: URIs are not assets we expect)


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi()


@pytest.fixture
async def panel_pages(world, asgi) -> dict[str, str]:
    """HTML of the pages a person sees: the login page, then home, a list, an update page and an error as kominfo."""
    complaint = world.complaints["32.15"][0]
    async with client_for(asgi) as http:
        client = AdminClient(http)
        pages = {"/admin/login": await client.get("/admin/login")}
        assert (await client.login("kominfo")).status_code == 303
        for path in ("/admin/", "/admin/complaint/list", f"/admin/complaint/update/{complaint.id}"):
            pages[path] = await client.get(path)
        pages["/admin/no-such-model/list"] = await client.get("/admin/no-such-model/list")
    assert [p for p, r in pages.items() if r.status_code != 200] == ["/admin/no-such-model/list"]
    return {path: response.text for path, response in pages.items()}


async def test_no_page_loads_anything_from_another_host(panel_pages):
    external = {path: [u for u in assets_of(html) if is_external(u)] for path, html in panel_pages.items()}
    assert external == {path: [] for path in panel_pages}
    for path, html in panel_pages.items():
        assert "@latest" not in html, path
        assert {"tabler.min.css", "tabler.min.js", "all.min.css", "panel.css"} <= {u.rsplit("/", 1)[-1] for u in assets_of(html)}, path


async def test_every_asset_a_page_names_is_served_with_its_type(panel_pages, asgi):
    # Given every asset the pages name, and every font or image their stylesheets name
    wanted = {u for html in panel_pages.values() for u in assets_of(html)}
    assert wanted and all(u.startswith("/admin/static/") for u in wanted)
    checked: set[str] = set()
    async with client_for(asgi) as http:  # anonymous: the login page needs them before anyone signs in
        while wanted:
            url = wanted.pop()
            checked.add(url)
            # When it is fetched
            response = await http.get(url)
            # Then it is there, with the type its extension implies, cached for good if its path has a version
            assert response.status_code == 200, url
            suffix = "." + urlsplit(url).path.rsplit(".", 1)[-1]
            assert response.headers["content-type"].split(";")[0] in CONTENT_TYPES[suffix], url
            versioned = url.startswith("/admin/static/vendor/")
            assert response.headers["cache-control"] == ("public, max-age=31536000, immutable" if versioned else "no-cache"), url
            if suffix == ".css":
                named = {urljoin(url, u) for u in CSS_URL.findall(response.text) if not u.startswith("data:")}
                assert not [u for u in named if is_external(u)], url
                wanted |= named - checked
    assert any(u.endswith("fa-solid-900.woff2") for u in checked)  # the menu's `fas` icons


async def test_a_missing_asset_is_a_plain_404(asgi):
    async with client_for(asgi) as http:
        response = await http.get("/admin/static/vendor/tabler-core-1.0.0/css/missing.css")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("cache-control", "")
