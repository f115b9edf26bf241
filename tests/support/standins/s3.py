"""An S3-compatible object store on loopback: moto's stand-alone server (``moto[server]``), which
answers the S3 REST protocol — SigV4-signed requests, buckets, objects, error codes — as MinIO
or a cloud's object storage would. The file store's S3 adapter talks to it over HTTP.

Run it for a demo: ``moto_server -p 8704``, then create the bucket with any S3 client.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
ACCESS_KEY_ID = "qingling-test-access-key"
SECRET_ACCESS_KEY = "qingling-test-secret-key"


@dataclass(frozen=True)
class ObjectStore:
    endpoint_url: str
    client: object  # a boto3 S3 client, to look into the buckets as an operator would

    def create_bucket(self, name: str) -> str:
        self.client.create_bucket(Bucket=name)
        return name

    def names(self, bucket: str) -> set[str]:
        return {item["Key"] for item in self.client.list_objects_v2(Bucket=bucket).get("Contents", [])}

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in ``bucket``: name → the bytes as stored."""
        return {name: self.client.get_object(Bucket=bucket, Key=name)["Body"].read() for name in self.names(bucket)}

    def settings(self) -> dict[str, str]:
        """A service's settings for this store (without its ``QL_<SERVICE>_`` prefix), all but the
        bucket (``S3_BUCKET``), each service's own."""
        return {
            "FILE_STORE": "s3",
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        }


@contextmanager
def moto_s3() -> Iterator[ObjectStore]:
    """moto's server on a free loopback port, for as long as the block runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint_url = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    try:
        yield ObjectStore(endpoint_url, client)
    finally:
        server.stop()
