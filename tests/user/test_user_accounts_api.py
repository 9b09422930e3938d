"""The accounts API: register, view, edit, change password, delete; every change published with a growing version."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from systems.user.accounts.models import User
from tests.user.support import PASSWORD, log_in, migrated_app, outbox, register


@pytest.fixture
def app(data_dir, database_url):
    """On SQLite and PostgreSQL: for what the database enforces (unique emails, versions, scrubbing)."""
    app = migrated_app(data_dir, database_url)
    yield app
    app.extensions["scs"].engine.dispose()


@pytest.fixture
def lite_app(data_dir, sqlite_url):
    """On SQLite only: for behaviour that does not depend on the database."""
    return migrated_app(data_dir, sqlite_url)


def account_count(app) -> int:
    with app.extensions["scs"].session_factory() as session:
        return session.scalar(select(func.count()).select_from(User))


def test_register_stores_a_normalised_email_and_publishes_the_full_state(app, client, production_hasher):
    response = register(client, email="  Ada.Lovelace@Example.ORG ", display_name=" Ada ")
    assert response.status_code == 201
    user = response.json
    assert user == {"id": user["id"], "email": "ada.lovelace@example.org", "display_name": "Ada", "roles": ["customer"]}
    [event] = outbox(app)
    assert (event["type"], event["aggregate_id"], event["aggregate_version"]) == ("user.registered", user["id"], 1)
    assert event["data"] == {**user, "deleted": False, "tokens_valid_after": None}
    with app.extensions["scs"].session_factory() as session:
        assert session.scalar(select(User.password_hash)).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_duplicate_email_in_any_case_is_a_409_and_stores_nothing(app, client):
    register(client, email="ada@example.org")
    response = register(client, email="ADA@example.org", display_name="Other Ada")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert response.json["error"]["details"] == {"email": "An account with this email address already exists."}
    assert account_count(app) == 1 and len(outbox(app)) == 1


BAD_REGISTRATIONS = [
    (
        {"email": "not-an-email", "password": "short", "display_name": ""},
        {
            "email": "Enter a valid email address, like name@example.org.",
            "password": "Use at least 10 characters.",
            "display_name": "Enter a display name.",
        },
    ),
    (
        {"email": "a@b.example", "password": "x" * 1001, "display_name": "Ada"},
        {"password": "Use at most 1000 characters."},
    ),
    (
        {"email": "a@b.example", "password": PASSWORD, "display_name": "A" * 101},
        {"display_name": "A display name has at most 100 characters."},
    ),
    ({"email": "a@b.example", "display_name": "Ada"}, {"password": "This field is required."}),
    (
        {"email": 42, "password": PASSWORD, "display_name": "Ada", "admin": True},
        {"email": "Must be a string.", "admin": "Unknown field."},
    ),
]


def test_bad_registrations_are_400_with_a_message_per_field_and_store_nothing(app, client):
    for body, details in BAD_REGISTRATIONS:
        response = client.post("/api/users", json=body)
        assert response.status_code == 400
        assert response.json["error"]["code"] == "bad_request"
        assert response.json["error"]["details"] == details
    assert account_count(app) == 0 and outbox(app) == []


def test_a_body_that_is_not_a_json_object_is_refused(lite_app):
    client = lite_app.test_client()
    assert (
        client.post(
            "/api/users", data="email=a@b.example", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 400
    )
    assert client.post("/api/users", json=["a@b.example"]).json["error"]["message"].startswith("Send a JSON object")


def test_me_needs_a_token(lite_app):
    client = lite_app.test_client()
    assert client.get("/api/users/me").status_code == 401
    assert client.get("/api/users/me/orders").status_code == 401


def test_view_and_edit_my_profile(app, client):
    user = register(client).json
    log_in(client)
    assert client.get("/api/users/me").json == user
    new_email = {"display_name": "Ada L.", "email": "Ada@Lovelace.example"}
    assert client.patch("/api/users/me", json=new_email).json["error"]["details"] == {
        "current_password": "This field is required."
    }, "a new email (the log-in name) needs the current password"
    response = client.patch("/api/users/me", json={**new_email, "current_password": PASSWORD})
    assert response.status_code == 200
    assert response.json == {**user, "display_name": "Ada L.", "email": "ada@lovelace.example"}
    updated = outbox(app)[-1]
    assert (updated["type"], updated["aggregate_version"]) == ("user.profile_updated", 2)
    assert updated["data"]["display_name"] == "Ada L."


def test_edits_are_validated_all_or_nothing(app, client):
    register(client)
    register(client, email="bob@example.org", display_name="Bob")
    log_in(client)
    taken = client.patch(
        "/api/users/me", json={"display_name": "New", "email": "BOB@example.org", "current_password": PASSWORD}
    )
    assert taken.status_code == 409
    bad = client.patch("/api/users/me", json={"display_name": "New", "email": "nope"})
    assert bad.status_code == 400 and bad.json["error"]["details"] == {
        "email": "Enter a valid email address, like name@example.org."
    }
    assert client.patch("/api/users/me", json={}).status_code == 400
    assert client.get("/api/users/me").json["display_name"] == "Ada"
    assert [e["type"] for e in outbox(app)] == ["user.registered", "user.registered"]


def test_change_password_needs_the_current_one(lite_app):
    app, client = lite_app, lite_app.test_client()
    register(client)
    log_in(client)
    missing = client.patch("/api/users/me", json={"password": "a new password"})
    assert missing.status_code == 400 and "current_password" in missing.json["error"]["details"]
    wrong = client.patch("/api/users/me", json={"password": "a new password", "current_password": "wrong password"})
    assert wrong.status_code == 400 and wrong.json["error"]["details"] == {
        "current_password": "This is not your current password."
    }
    weak = client.patch("/api/users/me", json={"password": "short", "current_password": PASSWORD})
    assert weak.status_code == 400 and weak.json["error"]["details"] == {"password": "Use at least 10 characters."}
    assert (
        client.patch("/api/users/me", json={"password": "a new password", "current_password": PASSWORD}).status_code
        == 200
    )
    assert log_in(client).status_code == 401
    assert log_in(client, password="a new password").status_code == 201
    assert [e["type"] for e in outbox(app)] == ["user.registered", "user.profile_updated"], "the new revocation mark"


def test_delete_needs_the_password_then_scrubs_the_row_and_publishes_a_tombstone(app, client):
    user = register(client).json
    log_in(client)
    assert client.delete("/api/users/me").status_code == 401, (
        "a cookie alone never authorises a write without a JSON body"
    )
    assert client.delete("/api/users/me", json={}).json["error"]["details"] == {"password": "This field is required."}
    wrong = client.delete("/api/users/me", json={"password": "wrong password"})
    assert wrong.status_code == 400 and wrong.json["error"]["details"] == {
        "password": "This is not your current password."
    }
    token = log_in(client).json["token"]
    response = client.delete("/api/users/me", json={"password": PASSWORD})
    assert response.status_code == 204
    assert "scs_token=;" in response.headers["Set-Cookie"]
    tombstone = outbox(app)[-1]
    assert (tombstone["type"], tombstone["aggregate_id"], tombstone["aggregate_version"]) == (
        "user.deleted",
        user["id"],
        2,
    )
    assert tombstone["data"] == {"id": user["id"], "deleted": True}
    with app.extensions["scs"].session_factory() as session:
        row = session.scalar(select(User))
        assert (row.email, row.display_name, row.password_hash, row.is_deleted) == (None, None, None, True)
    still_signed = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert still_signed.status_code == 401 and "no longer exists" in still_signed.json["error"]["message"]
    assert log_in(client).status_code == 401
    assert register(client).status_code == 201, "the email is free again"
