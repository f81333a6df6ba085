"""Central signs booking passes with its own key; GET /api/v1/keys and the change log publish the
public half; `flask --app central keys rotate` makes the next key, announced by the old one."""
import json

import pytest
from central_support import PANDEGLANG_MAN, TUESDAY, changes, nik

from central.db import db
from central.models import Booking, SigningKey
from sync import signing


def published_keys(client):
    return client.get("/api/v1/keys").get_json()["keys"]


def ring_of(keys):
    return signing.keyring({key["kid"]: key["public_key"] for key in keys})


def test_init_db_made_one_key_and_announced_it_to_every_branch(client):
    keys = published_keys(client)
    assert len(keys) == 1 and keys[0]["current"] is True
    assert keys[0]["signed_by"] == keys[0]["kid"]          # the first key signs itself
    assert signing.accept_announcement(keys[0], {}) == (keys[0]["kid"], keys[0]["public_key"])
    [(kind, key, office, payload)] = changes("key")
    assert (kind, key, office) == ("key", keys[0]["kid"], None)
    assert "private" not in json.dumps(payload) and "private" not in json.dumps(keys)
    with db.connection_context():
        stored = SigningKey.get()
    assert stored.private_key not in json.dumps(keys) + json.dumps(payload)


def pass_secret_of(kid, office="SRG"):
    with db.connection_context():
        return signing.pass_secret(signing.load_private(SigningKey.get(SigningKey.kid == kid)
                                                        .private_key), office)


def test_the_booking_answer_carries_a_pass_that_verifies_and_hides_the_nik(client, book):
    body = book().get_json()
    token = body["pass"]
    assert PANDEGLANG_MAN not in token and len(token) <= signing.MAX_PASS_LENGTH
    found = signing.read_pass(token, ring_of(published_keys(client)))
    assert token.startswith("AP2.") and found.version == 2
    assert (found.code, found.office, found.day, found.hour) == (body["code"], "SRG", TUESDAY, 9)
    secret = pass_secret_of(found.kid)
    assert found.matches_nik(PANDEGLANG_MAN, secret) and not found.matches_nik(nik(1), secret)
    with db.connection_context():
        assert Booking.get(Booking.code == body["code"]).pass_token == token


def test_the_pass_gives_no_nik_to_a_search_without_the_secret(client, book):
    """The NIK hash is keyed: the unkeyed hash of the right NIK (what a search of every
    likely NIK would compute, as it could for a version 1 pass) does not match it, nor
    does the right NIK under another key's secret, or another office's."""
    found = signing.read_pass(book().get_json()["pass"], ring_of(published_keys(client)))
    assert signing._legacy_nik_hash(PANDEGLANG_MAN, found.salt) != found.nik_hash
    other = signing.pass_secret(signing.new_private_key(), "SRG")
    assert not found.matches_nik(PANDEGLANG_MAN, other)
    assert found.matches_nik(PANDEGLANG_MAN, pass_secret_of(found.kid))
    assert not found.matches_nik(PANDEGLANG_MAN, pass_secret_of(found.kid, "CLG"))
    with pytest.raises(ValueError):
        found.matches_nik(PANDEGLANG_MAN)               # a version 2 pass needs the secret


def test_a_changed_character_breaks_the_pass(client, book):
    token = book().get_json()["pass"]
    ring = ring_of(published_keys(client))
    hour_at = token.index(".09.") + 2
    moved = token[:hour_at] + "1" + token[hour_at + 1:]            # 09:00 -> 19:00
    with pytest.raises(signing.BadSignature) as refused:
        signing.read_pass(moved, ring)
    assert refused.value.reason == "tampered"


def test_rotation_signs_new_passes_with_a_key_the_old_one_announced(client, book, runner):
    old_pass = book(nik=nik(1)).get_json()["pass"]
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    old, new = published_keys(client)
    assert (old["current"], new["current"]) == (False, True)
    assert new["signed_by"] == old["kid"] and new["kid"] in result.output
    first = {old["kid"]: signing.load_public(old["public_key"])}
    assert signing.accept_announcement(new, first) == (new["kid"], new["public_key"])
    new_pass = book(nik=nik(2)).get_json()["pass"]
    assert signing.read_pass(new_pass, ring_of([old, new])).kid == new["kid"]
    assert signing.read_pass(old_pass, ring_of([old, new])).kid == old["kid"]
    with pytest.raises(signing.BadSignature) as refused:
        signing.read_pass(new_pass, first)                  # a branch that missed the rotation
    assert refused.value.reason == "unknown_key"
    assert [c[1] for c in changes("key")] == [old["kid"], new["kid"]]
    listed = runner.invoke(args=["keys", "list"])
    assert f"{new['kid']}" in listed.output and "signs now" in listed.output


def test_an_announcement_signed_by_a_stranger_is_refused(client):
    [first] = published_keys(client)
    stranger = signing.new_private_key()
    forged = signing.announce_key(signing.public_text(signing.new_private_key()), stranger,
                                  first["kid"])          # claims the trusted key signed it
    with pytest.raises(signing.BadSignature) as refused:
        signing.accept_announcement(forged, {first["kid"]: signing.load_public(first["public_key"])})
    assert refused.value.reason == "tampered"
