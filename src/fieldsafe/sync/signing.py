"""Ed25519 device keys: signing a bundle's manifest and checking a signature against a key."""

from __future__ import annotations

import base64
import binascii
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from fieldsafe.errors import UserError
from fieldsafe.i18n import _

PREFIX = "ed25519:"
ALGORITHM = "ed25519"


def new_private_key() -> bytes:
    """A new private key, as its 32 raw bytes."""
    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key_text(private_key: bytes) -> str:
    """The public key of a private key, as text to share: ``ed25519:<base64>``."""
    public = Ed25519PrivateKey.from_private_bytes(private_key).public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PREFIX + base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> str:
    """The canonical form of a public key typed or pasted by a user; UserError if it is not
    an Ed25519 public key."""
    cleaned = text.strip()
    body = cleaned[len(PREFIX):] if cleaned.startswith(PREFIX) else cleaned
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise UserError(_("'{key}' is not a device key (expected ed25519: and 44 characters of "
                          "base64, as printed by 'fieldsafe devices key')").format(
                              key=cleaned[:60]))
    return PREFIX + base64.b64encode(raw).decode("ascii")


def sign(private_key: bytes, data: bytes) -> bytes:
    """The signature file of ``data``: JSON naming the algorithm, the public key and the
    signature."""
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(data)
    return json.dumps({"algorithm": ALGORITHM, "public_key": public_key_text(private_key),
                       "signature": base64.b64encode(signature).decode("ascii")},
                      sort_keys=True).encode()


def signer(signature_file: bytes) -> str | None:
    """The public key a signature file names, or None if the file is not one."""
    try:
        data = json.loads(signature_file)
        return parse_public_key(str(data["public_key"])) if isinstance(data, dict) else None
    except (ValueError, KeyError, UserError, RecursionError):  # RecursionError: [[[[…
        return None


def verify(signature_file: bytes, data: bytes) -> str | None:
    """The public key that signed ``data``, or None if the signature is missing, malformed or
    does not match (the data was changed after signing)."""
    key = signer(signature_file)
    if key is None:
        return None
    try:
        fields = json.loads(signature_file)
        signature = base64.b64decode(str(fields["signature"]), validate=True)
        raw = base64.b64decode(key[len(PREFIX):])
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, data)
    except (ValueError, KeyError, TypeError, binascii.Error, InvalidSignature, RecursionError):
        return None
    return key
