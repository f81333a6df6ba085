"""What central signs and a branch believes without asking: Ed25519 (cryptography).

Three things are signed, each under its own purpose tag so a signature made for
one can never be passed off as another:
- a booking pass (`make_pass` / `read_pass`): a compact token an applicant shows
  as a QR code, with the NIK's hash keyed by a secret central gives branches;
- a key announcement (`announce_key` / `accept_announcement`): central's next key,
  signed by a key the branch already trusts (the first is signed by itself, and a
  branch pins the first it receives);
- a document such as the suspension list's header (`sign_document` / `open_document`).

A key is named by its id (`key_id`: 40 bits of the public key's sha256), which
travels with every signature. This module imports neither server: central holds
the private keys, branches hold the public ones.
"""
import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PASS_FORMAT = "AP2"                       # Antrean pass, format 2 (AP1 is still read)
PASS_PURPOSE, KEY_PURPOSE = b"antrean-pass-1", b"antrean-key-1"
NIK_PERSON = b"antrean-nik-1"             # blake2b personalisation of AP1's NIK hash
PASS_SECRET_LABEL = b"antrean-pass-nik-2"   # HKDF's info: a key's pass secret, no other
SALT_BYTES, NIK_HASH_BYTES = 5, 10
# AP2.KID.CODE.OFFICE.YYYYMMDD.HH.SALT.NIKHASH.SIGNATURE: only upper-case letters,
# digits, '.' and '-', so a QR code holds it in its dense alphanumeric mode and a
# scanner that types like a keyboard cannot get the case wrong.
PASS_PATTERN = re.compile(
    r"AP(?P<version>[12])\.(?P<kid>[A-Z2-7]{8})\.(?P<code>[A-Z0-9-]{3,16})\."
    r"(?P<office>[A-Z0-9]{1,8})\."
    r"(?P<day>\d{8})\.(?P<hour>\d{2})\.(?P<salt>[A-Z2-7]{8})\.(?P<nik_hash>[A-Z2-7]{16})\."
    r"(?P<signature>[A-Z2-7]{103})")
MAX_PASS_LENGTH = 200


class BadSignature(ValueError):
    """Something signed that cannot be believed; `reason` says why, for the message.

    malformed: not in the format; unknown_key: signed by a key we do not trust;
    tampered: the signature does not match what it signs.
    """

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


# --- keys --------------------------------------------------------------------------

def b32(data):
    return base64.b32encode(data).decode().rstrip("=")


def unb32(text):
    return base64.b32decode(text + "=" * (-len(text) % 8))


def new_private_key():
    return Ed25519PrivateKey.generate()


def private_text(private_key):
    """The 32 raw bytes of a private key as base64 (how central stores it)."""
    return base64.b64encode(private_key.private_bytes_raw()).decode()


def load_private(text):
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))


def public_text(key):
    """The 32 raw bytes of the public key (of a private or public key) as base64."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes_raw()).decode()


def load_public(text):
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise BadSignature("malformed", f"not an Ed25519 public key: {exc}") from None


def key_id(public_key_text):
    """The key's name: its sha256's first 40 bits in base32 (8 characters)."""
    return b32(hashlib.sha256(base64.b64decode(public_key_text)).digest()[:5])


def keyring(public_keys):
    """{kid: Ed25519PublicKey} from {kid: public key text}."""
    return {kid: load_public(text) for kid, text in public_keys.items()}


def _signed(purpose, message):
    return purpose + b"\n" + message


def _verify(ring, kid, purpose, message, signature):
    public = ring.get(kid)
    if public is None:
        raise BadSignature("unknown_key", kid)
    try:
        public.verify(signature, _signed(purpose, message))
    except InvalidSignature:
        raise BadSignature("tampered") from None


# --- key announcements -----------------------------------------------------------------

def announce_key(new_public_text, signer_private, signer_kid):
    """The announcement of a key, signed by `signer` (the key itself for the first)."""
    kid = key_id(new_public_text)
    message = f"{kid}\n{new_public_text}".encode()
    signature = signer_private.sign(_signed(KEY_PURPOSE, message))
    return {"kid": kid, "public_key": new_public_text, "signed_by": signer_kid,
            "signature": base64.b64encode(signature).decode()}


def accept_announcement(announcement, ring):
    """(kid, public key text) of an announced key, if `ring` (trusted keys) allows it.

    With nothing trusted yet, the first key is accepted when it signed itself (it is
    pinned: trust on first use, over the authenticated sync channel). Afterwards a key
    is accepted only when a trusted key signed its announcement. Raises BadSignature.
    """
    try:
        kid, text = announcement["kid"], announcement["public_key"]
        signer, signature = announcement["signed_by"], base64.b64decode(announcement["signature"])
    except (KeyError, TypeError, ValueError):
        raise BadSignature("malformed", "not a key announcement") from None
    if key_id(text) != kid:
        raise BadSignature("tampered", "the key id does not name this key")
    if not ring:
        if signer != kid:
            raise BadSignature("unknown_key", "the first key must sign its own announcement")
        ring = {kid: load_public(text)}
    _verify(ring, signer, KEY_PURPOSE, f"{kid}\n{text}".encode(), signature)
    return kid, text


# --- booking passes --------------------------------------------------------------------

@dataclass(frozen=True)
class Pass:
    kid: str
    code: str
    office: str
    day: date
    hour: int
    salt: str
    nik_hash: str
    version: int = 2

    def matches_nik(self, nik, secret=None):
        """Whether `nik` is the NIK the pass was made for. A version 2 pass needs the
        pass secret of its key and office (`pass_secret`); version 1 needs none."""
        if self.version == 1:
            expected = _legacy_nik_hash(nik, self.salt)
        elif secret is None:
            raise ValueError(f"checking a version 2 pass needs key {self.kid}'s pass secret")
        else:
            expected = nik_hash(nik, self.salt, secret)
        return hmac.compare_digest(expected, self.nik_hash)


def pass_secret(private_key, office):
    """The secret that keys the NIK hash of the passes `private_key` signs for `office`:
    derived from the key (nothing more to store or back up), given only to that
    office's branch, over sync. One per office, so a branch PC that is stolen gives
    away no other office's passes.

    Why a secret: a NIK has little entropy (region, birth date, a serial), so an
    unkeyed hash on a photographed pass gives the NIK back to a search of a few
    billion candidates, hours at most on one computer; and the NIK with the code
    beside it on the pass opens, moves and cancels the booking.
    """
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=PASS_SECRET_LABEL + b"\n" + office.encode())
    return kdf.derive(private_key.private_bytes_raw())


def pass_secret_text(private_key, office):
    return base64.b64encode(pass_secret(private_key, office)).decode()


def nik_hash(nik, salt, secret):
    """A version 2 pass's hash of the NIK: HMAC-SHA256 under the key's pass secret (bytes
    or its base64 text), of the salt and the NIK, 80 bits."""
    if isinstance(secret, str):
        secret = base64.b64decode(secret)
    digest = hmac.new(secret, unb32(salt) + b"\n" + nik.strip().encode(), hashlib.sha256)
    return b32(digest.digest()[:NIK_HASH_BYTES])


def _legacy_nik_hash(nik, salt):
    """A version 1 pass's hash of the NIK (salted blake2b, 80 bits, no secret). Still read,
    so passes issued before version 2 keep working until their day."""
    digest = hashlib.blake2b(nik.strip().encode(), digest_size=NIK_HASH_BYTES,
                             salt=unb32(salt), person=NIK_PERSON).digest()
    return b32(digest)


def make_pass(private_key, kid, code, office, day, hour, nik, salt=None):
    """The signed pass of a booking, as text for a QR code (about 180 characters)."""
    import secrets
    salt = salt or b32(secrets.token_bytes(SALT_BYTES))
    body = ".".join([PASS_FORMAT, kid, code, office, day.strftime("%Y%m%d"), f"{hour:02d}",
                     salt, nik_hash(nik, salt, pass_secret(private_key, office))])
    signature = private_key.sign(_signed(PASS_PURPOSE, body.encode()))
    return f"{body}.{b32(signature)}"


def read_pass(token, ring):
    """The Pass in `token` when a key of `ring` signed it exactly; raises BadSignature."""
    text = "".join((token or "").split()).upper()[:MAX_PASS_LENGTH + 1]
    found = PASS_PATTERN.fullmatch(text)
    if found is None:
        raise BadSignature("malformed", "not a booking pass")
    body, _, signature = text.rpartition(".")
    _verify(ring, found["kid"], PASS_PURPOSE, body.encode(), unb32(signature))
    try:
        day = date(int(found["day"][:4]), int(found["day"][4:6]), int(found["day"][6:]))
    except ValueError:
        raise BadSignature("malformed", "no such day") from None
    return Pass(found["kid"], found["code"], found["office"], day, int(found["hour"]),
                found["salt"], found["nik_hash"], int(found["version"]))


# --- signed documents (the suspension list's header) ---------------------------------------

def canonical_json(value):
    """One spelling of a JSON value: what is hashed and signed is never ambiguous."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def sign_document(body, private_key, kid, purpose):
    """`body` (a dict) with `kid` and `signature` (base64) over its canonical JSON."""
    message = canonical_json(body).encode()
    signature = private_key.sign(_signed(purpose.encode(), message))
    return {**body, "kid": kid, "signature": base64.b64encode(signature).decode()}


def open_document(document, ring, purpose, fields):
    """The signed `fields` of `document` when a trusted key signed them; raises BadSignature."""
    try:
        body = {name: document[name] for name in fields}
        kid, signature = document["kid"], base64.b64decode(document["signature"])
    except (KeyError, TypeError, ValueError):
        raise BadSignature("malformed", "not a signed document") from None
    _verify(ring, kid, purpose.encode(), canonical_json(body).encode(), signature)
    return body
