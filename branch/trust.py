"""Central's public keys as this branch trusts them (sync.signing).

The first key central announces is pinned; after it, a key is trusted only when
its announcement is signed by a key already trusted. Announcements arrive
through sync's pull, in central's order, so a rotation always comes after the
key that signed it. One that fails is kept, marked refused, and never trusted:
the status page shows it.
"""
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


def key_summary():
    """The keys for the status page: trusted ones and refused announcements."""
    return [{"kid": k.kid, "signed_by": k.signed_by, "refused": k.refused, "since": k.pinned_at}
            for k in TrustedKey.select().order_by(TrustedKey.id)]
