"""The account pages: forms with CSRF, messages next to fields, flash messages, profile, admin user list."""

from __future__ import annotations

import uuid

from tests.user.support import (
    PASSWORD,
    log_in,
    make_admin,
    outbox,
    post_form,
    register,
)


def test_form_posts_without_a_csrf_token_are_refused(app, client):
    form = {"email": "ada@example.org", "display_name": "Ada", "password": PASSWORD}
    for path, data in (("/register", form), ("/login", form), ("/logout", {})):
        response = client.post(path, data=data)
        assert response.status_code == 400 and b"CSRF" in response.data, path
    assert outbox(app) == []


def test_registering_on_the_page_logs_in_and_shows_the_profile(app, client):
    response = post_form(client, "/register", {"email": "Ada@Example.org", "display_name": "Ada", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "scs_token=" in response.headers["Set-Cookie"]
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, Ada!" in page and "Signed in as <strong>Ada</strong>" in page
    assert "ada@example.org" in page and "My orders" in page and "You have no orders yet." in page
    assert [e["type"] for e in outbox(app)] == ["user.registered"]


def test_registration_errors_are_shown_next_to_their_fields(app, client):
    register(client, email="ada@example.org")
    taken = post_form(client, "/register", {"email": "ADA@example.org", "display_name": "Ada", "password": PASSWORD})
    assert taken.status_code == 400
    assert (
        '<ul class="field-errors" id="email-errors"><li>An account with this email address already exists.</li></ul>'
        in taken.get_data(as_text=True)
    )
    response = post_form(client, "/register", {"email": "ada@", "display_name": "", "password": "short"})
    page = response.get_data(as_text=True)
    assert (
        '<ul class="field-errors" id="email-errors"><li>Enter a valid email address, like name@example.org.</li></ul>'
        in page
    )
    assert '<ul class="field-errors" id="display_name-errors"><li>Enter a display name.</li></ul>' in page
    assert '<ul class="field-errors" id="password-errors"><li>Use at least 10 characters.</li></ul>' in page
    assert 'aria-invalid="true"' in page and "short" not in page
    assert len(outbox(app)) == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://localhost:5001/login?next=http%3A%2F%2Flocalhost%2Fprofile"


def test_edit_profile_saves_publishes_and_refreshes_the_token(app, client):
    register(client)
    log_in(client)
    bad = post_form(client, "/profile", {"display_name": "Ada L.", "email": "not-an-email"})
    assert bad.status_code == 400 and "Enter a valid email address" in bad.get_data(as_text=True)
    response = post_form(
        client, "/profile", {"display_name": "Ada L.", "email": "ada@example.org"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Your profile has been saved." in page and "Signed in as <strong>Ada L.</strong>" in page
    assert [(e["type"], e["aggregate_version"]) for e in outbox(app)] == [
        ("user.registered", 1),
        ("user.profile_updated", 2),
    ]


def test_change_password_on_the_page(client):
    register(client)
    log_in(client)
    wrong = post_form(
        client,
        "/profile/password",
        {"current_password": "wrong password", "password": "a new password", "repeat_password": "a new password"},
    )
    assert wrong.status_code == 400 and "This is not your current password." in wrong.get_data(as_text=True)
    differ = post_form(
        client,
        "/profile/password",
        {"current_password": PASSWORD, "password": "a new password", "repeat_password": "another one!"},
    )
    assert "The two new passwords differ." in differ.get_data(as_text=True)
    done = post_form(
        client,
        "/profile/password",
        {"current_password": PASSWORD, "password": "a new password", "repeat_password": "a new password"},
    )
    assert done.status_code == 302
    assert log_in(client, password="a new password").status_code == 201


def test_delete_account_on_the_page(app, client):
    register(client)
    log_in(client)
    wrong = post_form(client, "/profile/delete", {"password": "wrong password"})
    assert wrong.status_code == 400 and "This is not your password." in wrong.get_data(as_text=True)
    response = post_form(client, "/profile/delete", {"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "scs_token=;" in response.headers["Set-Cookie"]
    assert "Your account and its personal data have been deleted." in client.get("/login").get_data(as_text=True)
    assert outbox(app)[-1]["type"] == "user.deleted"


def test_a_token_of_a_deleted_account_logs_out_on_the_pages(app, client):
    register(client)
    token = log_in(client).json["token"]
    client.delete("/api/users/me", json={"password": PASSWORD})
    client.set_cookie("scs_token", token)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "scs_token=;" in response.headers["Set-Cookie"]
    assert "This account no longer exists." in client.get("/login").get_data(as_text=True)


def test_admins_list_users_and_change_roles(app, client):
    root_id = register(client, email="root@example.org", display_name="Root").json["id"]
    bob_id = register(client, email="bob@example.org", display_name="Bob").json["id"]
    log_in(client, email="bob@example.org")
    assert client.get("/admin/users").status_code == 403
    make_admin(app, root_id)
    log_in(client, email="root@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "bob@example.org" in page and "Make Bob an admin" in page and 'Root <span class="muted">(you)</span>' in page

    granted = post_form(
        client, f"/admin/users/{bob_id}/role", {"admin": "1"}, page="/admin/users", follow_redirects=True
    )
    assert "Bob is now an admin." in granted.get_data(as_text=True)
    assert "Revoke admin role of Bob" in granted.get_data(as_text=True)
    event = outbox(app)[-1]
    assert (event["type"], event["aggregate_id"], event["data"]["roles"]) == (
        "user.profile_updated",
        bob_id,
        ["admin", "customer"],
    )

    revoked = post_form(
        client, f"/admin/users/{bob_id}/role", {"admin": "0"}, page="/admin/users", follow_redirects=True
    )
    assert "Bob is no longer an admin." in revoked.get_data(as_text=True)
    own = post_form(client, f"/admin/users/{root_id}/role", {"admin": "0"}, page="/admin/users", follow_redirects=True)
    assert "You cannot revoke your own admin role" in own.get_data(as_text=True)
    assert post_form(client, f"/admin/users/{bob_id}/role", {"admin": "yes"}, page="/admin/users").status_code == 400
    assert (
        post_form(client, f"/admin/users/{uuid.uuid4()}/role", {"admin": "1"}, page="/admin/users").status_code == 404
    )
    assert [e["type"] for e in outbox(app)].count("user.profile_updated") == 3


def test_log_out_asks_then_clears_the_cookie(client):
    register(client)
    log_in(client)
    assert "Log out of all three systems?" in client.get("/logout").get_data(as_text=True)
    response = post_form(client, "/logout", {})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "scs_token=;" in response.headers["Set-Cookie"]
    assert "You are not signed in." in client.get("/logout").get_data(as_text=True)
