"""S3: the private bucket of PDFs, photos and reports; presigned URLs for the browser.

Every S3 call of the application goes through `client()`, so uploads, downloads and the
URLs handed to browsers all name the same host.

Why the regional endpoint: without an endpoint, botocore presigns (GET and POST) for the
legacy global host `<bucket>.s3.amazonaws.com` while signing with the region's credential
scope. Regions opened after March 2019 (af-south-1 among them) do not answer on the global
host: S3 returns 400 IllegalLocationConstraintException, so every photo upload, PDF,
receipt and report link would fail. `https://s3.<region>.amazonaws.com` with virtual-hosted
addressing gives `https://<bucket>.s3.<region>.amazonaws.com/<key>`, the form AWS documents
for every region (us-east-1 included), and the one the signature's scope matches.

Locally (the local stack, `AWS_ENDPOINT_URL` pointing at its moto server) the configured
endpoint wins and botocore's own addressing applies: a bucket cannot be a subdomain of
127.0.0.1, so the URLs are path-style (`http://127.0.0.1:<port>/<bucket>/<key>`).
"""
from __future__ import annotations

import os

import boto3
from botocore.config import Config

from chapchap.settings import settings

_client = None


def configured_endpoint() -> str | None:
    """An endpoint the environment sets for S3 (the local stack's emulator), if any.

    The same variables botocore itself reads, most specific first."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def regional_endpoint(region: str) -> str:
    return f"https://s3.{region}.amazonaws.com"


def make_client(region: str | None = None):
    """A new S3 client for `region` (the function's own region when None)."""
    # The region every other client of the function uses (Lambda sets both variables).
    region = (region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
              or boto3.session.Session().region_name)
    if not region:
        raise RuntimeError("no AWS region: set AWS_REGION (Lambda sets it)")
    timeouts = {"connect_timeout": 2, "read_timeout": 10, "retries": {"mode": "standard"}}
    endpoint = configured_endpoint()
    if endpoint:
        return boto3.client("s3", region_name=region, endpoint_url=endpoint,
                            config=Config(signature_version="s3v4", **timeouts))
    return boto3.client("s3", region_name=region, endpoint_url=regional_endpoint(region),
                        config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"},
                                      **timeouts))


def client():
    """One client per container, created on first use."""
    global _client
    if _client is None:
        _client = make_client()
    return _client


def reset_client() -> None:
    global _client
    _client = None


def bucket() -> str:
    return settings().bucket_name


def put(key: str, body: bytes, content_type: str, *, cache_control: str | None = None) -> None:
    extra = {"CacheControl": cache_control} if cache_control else {}
    client().put_object(Bucket=bucket(), Key=key, Body=body, ContentType=content_type, **extra)


def copy(source: str, key: str, content_type: str, *, cache_control: str | None = None) -> None:
    """A copy inside the bucket (no bytes through the function)."""
    extra = {"CacheControl": cache_control} if cache_control else {}
    client().copy_object(Bucket=bucket(), Key=key, CopySource={"Bucket": bucket(), "Key": source},
                         ContentType=content_type, MetadataDirective="REPLACE", **extra)


def get(key: str) -> bytes:
    return client().get_object(Bucket=bucket(), Key=key)["Body"].read()


def download_url(key: str, *, filename: str, expires: int = 300) -> str:
    return client().generate_presigned_url(
        "get_object", ExpiresIn=expires,
        Params={"Bucket": bucket(), "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"'})


def view_url(key: str, *, expires: int) -> str:
    """A presigned GET the browser shows inline (an image), valid `expires` seconds. Made
    locally: no AWS call."""
    return client().generate_presigned_url("get_object", ExpiresIn=expires,
                                           Params={"Bucket": bucket(), "Key": key})


def upload_post(key: str, *, expires: int, fields: dict, conditions: list) -> dict:
    """A presigned POST (url and form fields) the browser sends the object with."""
    return client().generate_presigned_post(Bucket=bucket(), Key=key, ExpiresIn=expires,
                                            Fields=fields, Conditions=conditions)


def delete(keys: list[str]) -> None:
    """Remove these objects (one call); keys that are already gone are no error."""
    if keys:
        client().delete_objects(Bucket=bucket(), Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})
