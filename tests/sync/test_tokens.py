"""Sync tokens: `office token` never silently revokes the token a branch uses; a new one
comes only with --rotate, the old one working through a grace period; `office tokens`
says who has which, never the tokens."""
from datetime import datetime, timedelta

from central.db import db
from central.models import Office


def works(api, token):
    headers = {"Authorization": f"Bearer {token}"}
    return api.client.get("/api/v1/sync/changes", headers=headers).status_code == 200


def cli(api, *args):
    return api.app.test_cli_runner().invoke(args=["office", *args])


def test_asking_again_for_a_token_refuses_and_says_how_to_rotate(api):
    result = cli(api, "token", "SRG")
    assert result.exit_code != 0
    assert "flask --app central office token SRG --rotate" in result.output + result.stderr
    assert works(api, api.tokens["SRG"])


def test_rotating_keeps_the_old_token_working_through_the_grace_period(api):
    old = api.tokens["SRG"]
    result = cli(api, "token", "SRG", "--rotate")
    assert result.exit_code == 0, result.output
    new = result.stdout.strip()
    assert new and new != old and works(api, new) and works(api, old)
    assert "24" in result.stderr                 # TOKEN_GRACE_HOURS, default 24
    with db.connection_context():
        office = Office.get(Office.code == "SRG")
        assert new not in (office.token_hash, office.previous_token_hash)   # hashes only
        until = office.previous_token_until
        assert timedelta(hours=23, minutes=59) < until - datetime.utcnow() <= timedelta(hours=24)
        Office.update(previous_token_until=datetime.utcnow() - timedelta(seconds=1)).execute()
    assert not works(api, old) and works(api, new)         # the grace period is over


def test_a_leaked_token_is_revoked_at_once_with_no_grace(api):
    old = api.tokens["SRG"]
    new = cli(api, "token", "SRG", "--rotate", "--grace-hours", "0").stdout.strip()
    assert works(api, new) and not works(api, old)
    assert works(api, api.tokens["CLG"])                  # other offices untouched


def test_an_office_without_a_token_gets_its_first_and_a_wrong_code_is_named(api):
    with db.connection_context():
        Office.create(code="TNG", name="Kantor Imigrasi Tangerang")
    first = cli(api, "token", "tng")
    assert first.exit_code == 0 and works(api, first.stdout.strip())
    unknown = cli(api, "token", "XYZ")
    assert unknown.exit_code != 0 and "XYZ" in unknown.output + unknown.stderr


def test_office_tokens_lists_created_and_last_used_and_never_a_token(api):
    old = api.tokens["SRG"]
    assert works(api, old)
    new = cli(api, "token", "SRG", "--rotate").stdout.strip()
    listing = cli(api, "tokens")
    assert listing.exit_code == 0
    lines = {line.split("\t")[0]: line.split("\t") for line in listing.stdout.splitlines()}
    srg, clg = lines["SRG"], lines["CLG"]
    assert srg[1].endswith("UTC") and srg[2] == "-"          # the new one: never used yet
    assert srg[3].endswith("UTC") and srg[4].endswith("UTC")  # the old one: in grace, used
    assert clg[2] == "-" and clg[3] == "-"
    with db.connection_context():
        hashes = [h for o in Office.select() for h in (o.token_hash, o.previous_token_hash) if h]
    for secret in [old, new, api.tokens["CLG"], *hashes]:
        assert secret not in listing.stdout
    assert works(api, new)
    used = {line.split("\t")[0]: line.split("\t") for line in cli(api, "tokens")
            .stdout.splitlines()}
    assert used["SRG"][2].endswith("UTC")
