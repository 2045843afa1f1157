"""Every URL handed to a browser names the bucket's regional host.

Without an endpoint, botocore presigns for the legacy global host `<bucket>.s3.amazonaws.com`
with the region's credential scope, which S3 refuses (IllegalLocationConstraintException) in
regions opened after March 2019, af-south-1 among them. moto accepts any host, so these tests
read the URLs themselves. Presigning is local computation: no request is made, and no
emulator endpoint may be configured while they run.
"""
from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

BUCKET = "cvchapchap-prod-bucket"


@pytest.fixture
def real_aws_endpoints(monkeypatch):
    """The environment of a Lambda function in AWS: a region, no endpoint override."""
    from chapchap import storage
    from chapchap.settings import settings

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BUCKET_NAME", BUCKET)

    def in_region(region: str):
        monkeypatch.setenv("AWS_REGION", region)
        monkeypatch.setenv("AWS_DEFAULT_REGION", region)
        settings.cache_clear()
        storage.reset_client()
        return storage

    yield in_region
    settings.cache_clear()
    storage.reset_client()


@pytest.mark.parametrize("region", ["af-south-1", "us-east-1", "eu-north-1"])
def test_presigned_get_and_post_name_the_regional_host(real_aws_endpoints, region):
    storage = real_aws_endpoints(region)
    get_url = urlsplit(storage.download_url("receipts/r.pdf", filename="Receipt.pdf"))
    post = storage.upload_post("photos/anon/x/p.png", expires=300, fields={"Content-Type": "image/png"},
                               conditions=[{"Content-Type": "image/png"}])
    post_url = urlsplit(post["url"])
    host = f"{BUCKET}.s3.{region}.amazonaws.com"
    assert (get_url.scheme, get_url.netloc, get_url.path) == ("https", host, "/receipts/r.pdf")
    assert (post_url.scheme, post_url.netloc, post_url.path) == ("https", host, "/")
    # The signature's scope is the same region as the host.
    assert f"/{region}/s3/aws4_request" in get_url.query.replace("%2F", "/")
    assert post["fields"]["x-amz-credential"].endswith(f"/{region}/s3/aws4_request")


def test_put_and_get_use_the_same_regional_endpoint(real_aws_endpoints):
    client = real_aws_endpoints("af-south-1").client()
    assert client.meta.endpoint_url == "https://s3.af-south-1.amazonaws.com"
    assert client.meta.config.s3["addressing_style"] == "virtual"
    assert client.meta.region_name == "af-south-1"


def test_a_configured_emulator_endpoint_wins(real_aws_endpoints, monkeypatch):
    """The local stack sets AWS_ENDPOINT_URL to its moto server: the browser must reach it
    there, path-style (a bucket cannot be a subdomain of an IP address)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    storage = real_aws_endpoints("af-south-1")
    url = urlsplit(storage.download_url("cvs/a.pdf", filename="a.pdf"))
    assert (url.netloc, url.path) == ("127.0.0.1:4566", f"/{BUCKET}/cvs/a.pdf")
    post = storage.upload_post("photos/x.png", expires=60, fields={}, conditions=[])
    assert post["url"] == f"http://127.0.0.1:4566/{BUCKET}"


@pytest.mark.usefixtures("catalog")
def test_the_presign_function_hands_out_the_regional_host(api, aws):
    reply = api.post("/api/uploads/presigned-url",
                     json={"purpose": "cv_photo", "content_type": "image/jpeg", "size": 1000},
                     headers={"x-anonymous-id": str(uuid.uuid4())})
    assert reply.status == 200, reply.body
    bucket = aws["Bucket"]["Ref"]
    assert urlsplit(reply.data["url"]).netloc == f"{bucket}.s3.af-south-1.amazonaws.com"
