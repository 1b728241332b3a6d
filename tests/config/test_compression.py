"""Pages, CSV and JSON are sent gzip-compressed to a client that accepts it; files that are
compressed already (spreadsheets) are sent as they are."""

import gzip

from django.http import HttpResponse
from django.test import RequestFactory

from config.middleware import CompressionMiddleware

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def test_a_signed_in_page_comes_compressed_and_decompresses_to_the_page(client, lead):
    client.force_login(lead)
    plain = client.get("/p/northshire/")
    compressed = client.get("/p/northshire/", **GZIP)
    assert compressed.status_code == 200
    assert compressed["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(compressed), "a cache keeps the two versions apart"
    page = gzip.decompress(compressed.content).decode()
    assert "Northshire Safeguarding Children Partnership" in page
    assert len(compressed.content) < len(plain.content) / 3
    assert int(compressed["Content-Length"]) == len(compressed.content)
    # Still never cached anywhere: it is a signed-in person's page.
    assert compressed["Cache-Control"] == "no-store, private"


def test_a_client_that_does_not_accept_gzip_gets_the_page_as_it_is(client, lead):
    client.force_login(lead)
    response = client.get("/p/northshire/")
    assert "Content-Encoding" not in response
    assert "accept-encoding" in vary(response)
    assert "Northshire Safeguarding Children Partnership" in response.content.decode()


def test_a_csv_download_comes_compressed(client, lead):
    client.force_login(lead)
    response = client.get("/p/northshire/reviews/export.csv", **GZIP)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).decode("utf-8-sig").startswith("child_reference,")


def test_a_spreadsheet_is_not_compressed_twice():
    """An .xlsx file is a zip already: gzip would only cost time."""
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    body = b"PK" + bytes(range(256)) * 10
    middleware = CompressionMiddleware(lambda request: HttpResponse(body, content_type=xlsx))
    response = middleware(RequestFactory().get("/export.xlsx", **GZIP))
    assert "Content-Encoding" not in response
    assert response.content == body


def test_compressed_pages_differ_in_length_each_time(client, lead):
    """BREACH: Django pads each compressed response with random bytes, so the length of a
    page does not follow from what it contains."""
    client.force_login(lead)
    lengths = {len(client.get("/p/northshire/", **GZIP).content) for _ in range(8)}
    assert len(lengths) > 1
