"""vantage6's encryption wire format (RSA + AES-256-CTR envelopes).

An envelope is three standard-base64 fields joined by ``$``: the AES key encrypted
with the recipient organization's RSA public key (PKCS#1 v1.5), the 16-byte initial
counter block, and the AES-256-CTR ciphertext. An organization's ``public_key`` on the
server is the base64 of its PEM SubjectPublicKeyInfo. Decryption also accepts the web
UI's variant, which encrypts the base64 of the key and of the plaintext.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..errors import LabpanelsError

__all__ = [
    "EncryptionError",
    "generate_private_key",
    "load_private_key",
    "private_key_pem",
    "public_key_b64",
    "encrypt",
    "decrypt",
    "is_envelope",
    "decrypt_all",
]

SEPARATOR = "$"


class EncryptionError(LabpanelsError, ValueError):
    """A key could not be loaded or an envelope could not be opened (a ValueError too,
    as it always was)."""


def generate_private_key(bits: int = 4096) -> rsa.RSAPrivateKey:
    """A new RSA private key as vantage6 organizations use (4096 bits, e=65537)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    """The key as unencrypted PKCS#1 PEM (``BEGIN RSA PRIVATE KEY``), as vantage6 writes it."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def load_private_key(source: str | bytes | os.PathLike) -> rsa.RSAPrivateKey:
    """Load an RSA private key from PEM bytes/text or from a file path."""
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "-----BEGIN" not in source
    ):
        path = Path(source).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EncryptionError(f"cannot read private key file {path}: {exc.strerror}") from None
    else:
        data = source.encode() if isinstance(source, str) else source
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise EncryptionError(
            "not an unencrypted PEM private key" + (f" ({exc})" if str(exc) else "")
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise EncryptionError("vantage6 needs an RSA private key")
    return key


def public_key_b64(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    """The public half as the server stores it: base64 of PEM SubjectPublicKeyInfo."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(pem).decode()


def _load_public(public_key: str | rsa.RSAPublicKey) -> rsa.RSAPublicKey:
    if isinstance(public_key, rsa.RSAPublicKey):
        return public_key
    if not public_key:
        raise EncryptionError("the organization has no public key on the server")
    try:
        pem = base64.b64decode(public_key, validate=True)
        key = serialization.load_pem_public_key(pem)
    except (ValueError, binascii.Error):
        raise EncryptionError("the organization's public key is not valid") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise EncryptionError("the organization's public key is not an RSA key")
    return key


def encrypt(plaintext: bytes, public_key: str | rsa.RSAPublicKey) -> str:
    """Seal ``plaintext`` for the holder of ``public_key`` (base64 PEM or key object)."""
    recipient = _load_public(public_key)
    key, iv = os.urandom(32), os.urandom(16)
    encryptor = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    body = encryptor.update(plaintext) + encryptor.finalize()
    sealed_key = recipient.encrypt(key, padding.PKCS1v15())
    return SEPARATOR.join(base64.b64encode(part).decode() for part in (sealed_key, iv, body))


def is_envelope(value: str) -> bool:
    """True when ``value`` has the shape of an encryption envelope."""
    return isinstance(value, str) and value.count(SEPARATOR) == 2


def decrypt(envelope: str | bytes, private_key: rsa.RSAPrivateKey) -> bytes:
    """Open an envelope with the organization's private key."""
    text = envelope.decode() if isinstance(envelope, bytes) else envelope
    parts = text.split(SEPARATOR)
    if len(parts) != 3:
        raise EncryptionError("not an encrypted vantage6 value (expected key$iv$data)")
    try:
        sealed_key, iv, body = (base64.b64decode(part) for part in parts)
    except binascii.Error:
        raise EncryptionError("the encrypted value is not valid base64") from None
    wrong_key = EncryptionError(
        "this private key cannot open the value: it was encrypted for another organization"
    )
    try:
        # PKCS#1 v1.5 with a wrong key yields random bytes (implicit rejection) rather
        # than an error, so the length of the AES key is what gives a wrong key away
        key = private_key.decrypt(sealed_key, padding.PKCS1v15())
    except ValueError:
        raise wrong_key from None
    if len(key) == 44:  # the web UI seals the base64 text of the key
        try:
            key = base64.b64decode(key, validate=True)
        except binascii.Error:
            raise wrong_key from None
        ui_variant = True
    else:
        ui_variant = False
    if len(key) != 32:
        raise wrong_key
    if len(iv) != 16:
        raise EncryptionError("the encrypted value has a malformed counter block")
    decryptor = Cipher(algorithms.AES(key), modes.CTR(iv)).decryptor()
    plain = decryptor.update(body) + decryptor.finalize()
    if ui_variant:
        with contextlib.suppress(binascii.Error):
            plain = base64.b64decode(plain, validate=True)
    return plain


def decrypt_all(envelopes: list[str], private_key: rsa.RSAPrivateKey) -> list[bytes]:
    """Open many envelopes, on every core (the RSA step releases the GIL)."""
    if len(envelopes) < 8:
        return [decrypt(e, private_key) for e in envelopes]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(lambda e: decrypt(e, private_key), envelopes))
