"""S3: the private bucket of PDFs, photos and reports; presigned URLs for the browser."""
from __future__ import annotations

import boto3
from botocore.config import Config

from chapchap.settings import settings

_client = None


def client():
    global _client
    if _client is None:
        _client = boto3.client("s3", config=Config(signature_version="s3v4", connect_timeout=2,
                                                   read_timeout=10, retries={"mode": "standard"}))
    return _client


def reset_client() -> None:
    global _client
    _client = None


def bucket() -> str:
    return settings().bucket_name


def put(key: str, body: bytes, content_type: str) -> None:
    client().put_object(Bucket=bucket(), Key=key, Body=body, ContentType=content_type)


def get(key: str) -> bytes:
    return client().get_object(Bucket=bucket(), Key=key)["Body"].read()


def download_url(key: str, *, filename: str, expires: int = 300) -> str:
    return client().generate_presigned_url(
        "get_object", ExpiresIn=expires,
        Params={"Bucket": bucket(), "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"'})
