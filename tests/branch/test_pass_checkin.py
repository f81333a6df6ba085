"""Booking passes at the branch: a pass central signed checks a person in offline, verified,
with its slot hour; anything not exactly right is refused in words a person can act on."""
import json
from datetime import date

import pytest

from branch import trust
from branch.models import LocalBooking, Outbox, Ticket, TrustedKey
from sync import signing

NIK, OTHER_NIK = "3601014507850003", "3601011708600001"
TODAY, MONDAY = date(2026, 11, 27), date(2026, 11, 30)      # the fixture's clock: Friday 09:30


class Central:
    """Central's side of the scheme, as far as a branch sees it: keys and what they sign."""

    def __init__(self):
        self.key = signing.new_private_key()
        self.kid = signing.key_id(signing.public_text(self.key))

    def announce_self(self):
        return signing.announce_key(signing.public_text(self.key), self.key, self.kid)

    def rotate(self):
        new = Central()
        announcement = signing.announce_key(signing.public_text(new.key), self.key, self.kid)
        return new, announcement

    def pass_for(self, code="SRG-PASS2345", office="SRG", day=TODAY, hour=10, nik=NIK):
        return signing.make_pass(self.key, self.kid, code, office, day, hour, nik)

    def version_1_pass(self, code="SRG-PASS2345", office="SRG", day=TODAY, hour=10, nik=NIK):
        """A pass as central made them before version 2: the NIK hash unkeyed."""
        salt = signing.b32(bytes(range(signing.SALT_BYTES)))
        body = ".".join(["AP1", self.kid, code, office, day.strftime("%Y%m%d"), f"{hour:02d}",
                         salt, signing._legacy_nik_hash(nik, salt)])
        signature = self.key.sign(signing._signed(signing.PASS_PURPOSE, body.encode()))
        return f"{body}.{signing.b32(signature)}"

    def secrets(self):
        """Its part of a pull answer's pass_secrets."""
        return {self.kid: signing.pass_secret_text(self.key, "SRG")}


@pytest.fixture
def central(branch_app):
    """Central's first key, pinned by this branch as the sync job would pin it, with the
    key's pass secret, as the same pull brings it."""
    central = Central()
    trust.apply_announcement(central.announce_self())
    trust.store_pass_secrets(central.secrets())
    return central


def check_in(client, token, nik=NIK, **extra):
    return client.post("/api/v1/tickets", json={"lane": "booking", "nik": nik, "pass": token,
                                                 **extra})


def nothing_issued():
    return Ticket.select().count() == 0 and Outbox.select().count() == 0


def test_a_pass_checks_in_a_booking_the_branch_has_not_pulled(client, central):
    answer = check_in(client, central.pass_for(hour=10))
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert (body["verified"], body["verified_by"], body["booking_verified"]) == (True, "pass", True)
    assert (body["number"], body["booking_code"], body["slot_hour"]) == ("B001", "SRG-PASS2345", 10)
    ticket = Ticket.get()
    assert (ticket.verified_by, ticket.slot_hour, ticket.booking_verified) == ("pass", 10, True)
    event = json.loads(Outbox.get(Outbox.kind == "booking_checked_in").payload)
    assert event == {"ticket": "B001", "booking_code": "SRG-PASS2345", "nik": NIK,
                     "verified": True, "by_pass": True}
    again = check_in(client, central.pass_for(hour=10))
    assert (again.status_code, again.json["error"]) == (409, "already_checked_in")
    assert Ticket.select().count() == 1


def test_a_pass_typed_in_lower_case_with_spaces_still_reads(client, central):
    token = central.pass_for()
    answer = check_in(client, " " + token[:50].lower() + "\n" + token[50:] + " ")
    assert answer.status_code == 201 and answer.json["verified"] is True


def test_a_changed_byte_is_refused_as_altered(client, central):
    token = central.pass_for(hour=10)
    at = token.index(".10.") + 1
    answer = check_in(client, token[:at] + "09" + token[at + 2:])     # moved to 09:00
    assert (answer.status_code, answer.json["error"]) == (422, "invalid_pass")
    assert answer.json["message"].startswith("Pass booking ini telah diubah")
    assert nothing_issued()


def test_a_pass_signed_by_an_unknown_key_is_refused(client, central):
    answer = check_in(client, Central().pass_for())
    assert (answer.status_code, answer.json["error"]) == (422, "invalid_pass")
    assert answer.json["reason"] == "unknown_key"
    assert "tidak dikenal" in answer.json["message"] or "belum) dikenal" in answer.json["message"]
    assert nothing_issued()


def test_a_trusted_key_whose_pass_secret_no_pull_has_brought_is_refused(client, central,
                                                                       supervisor_headers):
    """A key pinned by a branch before passes were keyed: its passes cannot be checked
    against the NIK until the next pull brings the secret, so they are refused, never
    believed without the check; the status page says so, without the secret."""
    TrustedKey.update(pass_secret=None).execute()
    answer = check_in(client, central.pass_for())
    assert (answer.status_code, answer.json["reason"]) == (422, "unknown_key")
    assert nothing_issued()
    status = client.get("/status", headers=supervisor_headers).get_data(as_text=True)
    assert "rahasia pass belum diterima" in status
    trust.store_pass_secrets(central.secrets())
    assert check_in(client, central.pass_for()).status_code == 201
    status = client.get("/status", headers=supervisor_headers).get_data(as_text=True)
    assert "rahasia pass belum diterima" not in status and central.kid in status
    assert central.secrets()[central.kid] not in status


def test_a_secret_that_is_not_32_bytes_of_base64_is_not_kept(client, central):
    TrustedKey.update(pass_secret=None).execute()
    trust.store_pass_secrets({central.kid: "not base64!"})
    trust.store_pass_secrets({central.kid: "c2hvcnQ="})           # base64, 5 bytes
    assert TrustedKey.get().pass_secret is None
    assert check_in(client, central.pass_for()).json["reason"] == "unknown_key"


def test_a_version_1_pass_still_checks_in_and_still_checks_the_nik(client, central):
    TrustedKey.update(pass_secret=None).execute()       # version 1 needs no secret
    assert check_in(client, central.version_1_pass(), nik=OTHER_NIK).json["error"] == (
        "booking_mismatch")
    answer = check_in(client, central.version_1_pass())
    assert answer.status_code == 201 and answer.json["verified"] is True


def test_garbage_is_not_a_pass(client, central):
    answer = check_in(client, "SRG-PASS2345")
    assert (answer.status_code, answer.json["error"], answer.json["reason"]) == (
        422, "invalid_pass", "malformed")
    assert nothing_issued()


def test_a_rotated_key_is_trusted_once_the_old_one_announced_it(client, central):
    new, announcement = central.rotate()
    refused = check_in(client, new.pass_for())
    assert refused.json["reason"] == "unknown_key"
    trust.apply_announcement(announcement)
    trust.store_pass_secrets({**central.secrets(), **new.secrets()})
    assert check_in(client, new.pass_for()).status_code == 201
    assert check_in(client, central.pass_for(code="SRG-OLDKEY23", nik=OTHER_NIK),
                    nik=OTHER_NIK).status_code == 201          # the old key still verifies
    assert {k.kid for k in TrustedKey.select() if k.refused is None} == {central.kid, new.kid}


def test_a_key_announced_by_a_stranger_is_kept_refused_and_never_trusted(client, central):
    stranger, forged = Central().rotate()            # signed by a key the branch never had
    trust.apply_announcement(forged)
    trust.store_pass_secrets(stranger.secrets())    # a secret of a refused key is not kept
    row = TrustedKey.get(TrustedKey.kid == stranger.kid)
    assert row.refused and "unknown_key" in row.refused and row.pass_secret is None
    assert check_in(client, stranger.pass_for()).json["reason"] == "unknown_key"
    assert nothing_issued()


def test_a_pass_for_another_office_is_refused(client, central):
    answer = check_in(client, central.pass_for(code="CLG-PASS2345", office="CLG"))
    assert (answer.status_code, answer.json["error"], answer.json["office"]) == (
        409, "wrong_office", "CLG")
    assert "kantor CLG" in answer.json["message"]
    assert nothing_issued()


def test_a_pass_for_another_day_is_refused_with_the_day(client, central):
    answer = check_in(client, central.pass_for(day=MONDAY, hour=13))
    assert (answer.status_code, answer.json["error"], answer.json["day"]) == (
        409, "wrong_day", "2026-11-30")
    assert answer.json["message"] == ("Pass booking ini untuk Senin, 30 November 2026 pukul "
                                      "13.00 WIB, bukan untuk hari ini.")
    assert nothing_issued()


def test_a_pass_for_another_nik_is_refused(client, central):
    answer = check_in(client, central.pass_for(nik=OTHER_NIK))
    assert (answer.status_code, answer.json["error"]) == (409, "booking_mismatch")
    assert "NIK lain" in answer.json["message"]
    assert nothing_issued()


def test_the_local_copy_decides_when_it_has_the_booking(client, central):
    LocalBooking.create(code="SRG-PASS2345", office="SRG", date=TODAY, hour=11, nik=NIK,
                        name="Siti", purpose="general", status="booked")
    moved = check_in(client, central.pass_for(hour=10))       # the booking moved to 11:00
    assert (moved.status_code, moved.json["error"]) == (409, "outdated_pass")
    assert nothing_issued()
    answer = check_in(client, central.pass_for(hour=11))
    assert answer.status_code == 201 and answer.json["slot_hour"] == 11
    assert LocalBooking.get().ticket == answer.json["number"]
    LocalBooking.update(status="cancelled", ticket=None).execute()
    Ticket.delete().execute()
    cancelled = check_in(client, central.pass_for(hour=11))
    assert cancelled.json["error"] == "booking_cancelled"


def test_a_pass_and_a_code_must_name_the_same_booking(client, central):
    answer = check_in(client, central.pass_for(), booking_code="SRG-OTHER234")
    assert (answer.status_code, answer.json["error"]) == (409, "booking_mismatch")
    assert nothing_issued()


def test_a_pass_is_only_for_the_booking_lane(client, central):
    answer = client.post("/api/v1/tickets", json={"lane": "general", "nik": NIK,
                                                  "pass": central.pass_for()})
    assert answer.status_code == 422
    assert nothing_issued()


def test_english_on_request(client, central):
    answer = client.post("/api/v1/tickets", json={"lane": "booking", "nik": OTHER_NIK,
                                                  "pass": central.pass_for()},
                         headers={"Accept-Language": "en"})
    assert answer.json["message"] == ("This booking pass was made for another NIK. Please type "
                                      "the NIK of the person who booked.")


# --- the pages: the kiosk's "Saya punya booking" and the counter ------------------------------

def page_post(client, url, **form):
    with client.session_transaction() as session:
        session.setdefault("csrf", "test-token")
        form.setdefault("csrf_token", session["csrf"])
    return client.post(url, data=form)


def test_the_kiosk_takes_the_pass_the_qr_reader_types(client, central):
    answer = page_post(client, "/kiosk/check-in", nik=NIK, booking_code="",
                       **{"pass": central.pass_for(hour=10)})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    ticket = Ticket.get()
    assert (ticket.verified_by, ticket.slot_hour, ticket.booking_code) == ("pass", 10,
                                                                           "SRG-PASS2345")
    refused = page_post(client, "/kiosk/check-in", nik=OTHER_NIK, booking_code="",
                        **{"pass": central.pass_for(code="SRG-OTHER234", nik=NIK)})
    assert refused.status_code == 409
    assert "Pass booking ini dibuat untuk NIK lain" in refused.get_data(as_text=True)


def test_the_counter_checks_in_by_pass_and_says_how(client, central, staff, counter):
    """`staff` has conftest's password, test-password."""
    page_post(client, "/login", username="staff", password="test-password", next="/counter")
    page_post(client, "/counter/choose", counter="1")
    done = page_post(client, "/counter/check-in", nik=NIK, booking_code="",
                     **{"pass": central.pass_for(hour=11)})
    assert done.status_code == 303
    console = client.get("/counter").get_data(as_text=True)
    assert "Check-in sebagai B001: pass booking sah." in console
    token = central.pass_for(code="SRG-TAMPER23", nik=OTHER_NIK)
    tampered = page_post(client, "/counter/check-in", nik=OTHER_NIK, booking_code="",
                         **{"pass": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")})
    assert tampered.status_code == 422
    assert "Pass booking ini telah diubah" in tampered.get_data(as_text=True)
    assert Ticket.select().count() == 1
