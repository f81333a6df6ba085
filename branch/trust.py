"""Central's public keys as this branch trusts them (sync.signing).

The first key central announces is pinned; after it, a key is trusted only when
its announcement is signed by a key already trusted. Announcements arrive
through sync's pull, in central's order, so a rotation always comes after the
key that signed it. One that fails is kept, marked refused, and never trusted:
the status page shows it. Every pull also brings each key's pass secret, kept
beside a trusted key (never shown: it checks the NIK on passes).
"""
import base64
import binascii
import logging

from sync import signing

from .models import TrustedKey, utcnow

log = logging.getLogger("antrean.branch")


def keyring():
    """{kid: public key} of every trusted key."""
    keys = TrustedKey.select().where(TrustedKey.refused.is_null())
    return signing.keyring({key.kid: key.public_key for key in keys})


def apply_announcement(announcement):
    """Trust the announced key if a trusted key (or, for the first, itself) signed it."""
    kid = str(announcement.get("kid", ""))[:16]
    known = TrustedKey.get_or_none(TrustedKey.kid == kid)
    if known is not None and known.refused is None:
        return known
    try:
        kid, public = signing.accept_announcement(announcement, keyring())
        refused = None
    except signing.BadSignature as exc:
        log.warning("refused central's announcement of key %s: %s", kid, exc)
        public, refused = str(announcement.get("public_key", ""))[:64], str(exc)
    row = {"kid": kid, "public_key": public, "signed_by": str(announcement.get("signed_by"))[:16],
           "refused": refused, "pinned_at": utcnow()}
    (TrustedKey.insert(**row)
     .on_conflict(conflict_target=[TrustedKey.kid],
                  preserve=[TrustedKey.public_key, TrustedKey.signed_by, TrustedKey.refused,
                            TrustedKey.pinned_at]).execute())
    return TrustedKey.get(TrustedKey.kid == kid)


def store_pass_secrets(secrets):
    """Keep the pass secret of each trusted key in `secrets` ({kid: base64}, as central's
    pull answer has them). Anything else (an unknown or refused key, not 32 bytes of
    base64) is left out, with a warning: a pass of that key is then refused, not
    believed."""
    for kid, secret in (secrets or {}).items():
        if not _secret_shape(secret):
            log.warning("central sent a pass secret for key %s that is not 32 bytes of "
                        "base64; ignored", str(kid)[:16])
            continue
        (TrustedKey.update(pass_secret=secret)
         .where(TrustedKey.kid == str(kid)[:16], TrustedKey.refused.is_null(),
                (TrustedKey.pass_secret.is_null()) | (TrustedKey.pass_secret != secret))
         .execute())


def _secret_shape(secret):
    try:
        return isinstance(secret, str) and len(base64.b64decode(secret, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def pass_secret(kid):
    """The pass secret of trusted key `kid`, or None if this branch has none yet."""
    key = TrustedKey.get_or_none(TrustedKey.kid == kid, TrustedKey.refused.is_null())
    return key.pass_secret if key else None


def key_summary():
    """The keys for the status page: trusted ones and refused announcements, and whether
    each has its pass secret (the secret itself is never shown)."""
    return [{"kid": k.kid, "signed_by": k.signed_by, "refused": k.refused, "since": k.pinned_at,
             "pass_secret": k.pass_secret is not None}
            for k in TrustedKey.select().order_by(TrustedKey.id)]
