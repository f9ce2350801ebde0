"""Accounts and sign-in (issue 24): the accounts command line, sign-in and sign-out, sessions,
the sign-in throttle, API tokens and the first-start setup link, on an app with sign-in on."""
import io
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from webapp.__main__ import main as webapp_main
from webapp.access import start_setup
from webapp.services import accounts

PASSWORD = "correct horse battery"


@pytest.fixture
def auth_app(make_app):
    return make_app(AUTH_REQUIRED=True)


def add_user(app, name, password=PASSWORD, admin=False):
    with app.app_context():
        return accounts.add_user(name, password, admin)


def sign_in(client, name, password=PASSWORD):
    return client.post("/api/session", json={"name": name, "password": password})


@pytest.fixture
def clock(auth_app):
    """A fake clock for the sign-in throttle: ``clock.now`` is its time; move it on."""
    class Clock:
        now = 1000.0

        def __call__(self):
            return self.now
    fake = Clock()
    auth_app.extensions["sign_in_throttle"].clock = fake
    return fake


# --- the accounts command line -----------------------------------------------------------------

def users_cli(monkeypatch, data_dir, *args, stdin=""):
    """Run ``python -m webapp --data-dir DIR users ...`` with ``stdin`` piped in."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    status = webapp_main(["--data-dir", str(data_dir), "users", *args])
    return status, out.getvalue()


def test_users_add_list_password_remove_from_the_command_line(monkeypatch, tmp_path, capsys,
                                                                  make_app):
    data = tmp_path / "data"
    assert users_cli(monkeypatch, data, "add", "Ada Lovelace", "--admin",
                     stdin=PASSWORD + "\n") == (0, "added 'Ada Lovelace' (admin)\n")
    assert users_cli(monkeypatch, data, "add", "  Grace  ", stdin="another password\n")[0] == 0
    status, listing = users_cli(monkeypatch, data, "list")
    assert status == 0
    assert [line.split("\t")[:2] for line in listing.splitlines()] == [
        ["Ada Lovelace", "admin"], ["Grace", "user"]]
    assert users_cli(monkeypatch, data, "password", "Grace", stdin="a new password\n")[0] == 0
    client = make_app(DATA_DIR=str(data), AUTH_REQUIRED=True,
                      PASSWORD_HASH_METHOD="scrypt").test_client()
    assert sign_in(client, "Grace", "another password").status_code == 401
    assert sign_in(client, "Grace", "a new password").status_code == 200
    assert sign_in(client, "Ada Lovelace").get_json()["is_admin"] is True
    assert users_cli(monkeypatch, data, "remove", "Grace")[0] == 0
    assert [line.split("\t")[0] for line in users_cli(monkeypatch, data, "list")[1].splitlines()] \
        == ["Ada Lovelace"]
    # the only admin stays; a taken name, a short or a 10 MB password are refused
    assert users_cli(monkeypatch, data, "remove", "Ada Lovelace")[0] == 1
    assert users_cli(monkeypatch, data, "add", "Ada Lovelace", stdin=PASSWORD + "\n")[0] == 1
    assert users_cli(monkeypatch, data, "add", "Bob", stdin="short\n")[0] == 1
    assert users_cli(monkeypatch, data, "add", "Bob", stdin="x" * 10_000_000 + "\n")[0] == 1
    assert users_cli(monkeypatch, data, "remove", "nobody")[0] == 1
    errors = capsys.readouterr().err
    assert "the only admin" in errors and "is taken" in errors
    assert "password must be 8 to 1024 characters" in errors and "no account is called" in errors


def test_the_real_command_reads_the_password_from_a_pipe(tmp_path):
    command = [sys.executable, "-m", "webapp", "--data-dir", str(tmp_path / "d"), "users"]
    added = subprocess.run([*command, "add", "Ada", "--admin"], input=PASSWORD + "\n",
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added 'Ada' (admin)\n" and PASSWORD not in added.stderr
    listed = subprocess.run([*command, "list"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert listed.stdout.startswith("Ada\tadmin\t")


@pytest.mark.parametrize("name, stored", [
    ("  Zoë van der Berg ", "Zoë van der Berg"),
    ("李小龍", "李小龍"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
])
def test_names_keep_unicode_and_spaces_and_are_escaped_where_shown(auth_app, name, stored):
    add_user(auth_app, name)
    client = auth_app.test_client()
    assert sign_in(client, stored).get_json()["name"] == stored
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert (stored.replace("<", "&lt;").replace(">", "&gt;")) in page


@pytest.mark.parametrize("name, message", [
    ("", "name must be 1 to 64 characters"),
    ("   ", "name must be 1 to 64 characters"),
    ("x" * 65, "name must be 1 to 64 characters"),
    ("tab\there", "name must not contain control characters"),
    (42, "name must be text"),
])
def test_bad_names_are_refused(auth_app, name, message):
    with auth_app.app_context(), pytest.raises(accounts.BadRequest, match=message):
        accounts.add_user(name, PASSWORD)


# --- when sign-in applies ----------------------------------------------------------------------

def test_without_sign_in_the_api_answers_401_and_pages_redirect(auth_app):
    add_user(auth_app, "ada")
    client = auth_app.test_client()
    response = client.get("/api/datasets")
    assert response.status_code == 401
    assert response.get_json() == {"error": "sign in first: this server needs an account "
                                            "(POST /api/session, or an API token)"}
    page = client.get("/runs/1")
    assert page.status_code == 302 and page.headers["Location"] == "/sign-in?next=/runs/1"
    assert client.get("/api/health").status_code == 200
    with client.get("/static/css/app.css") as static:
        assert static.status_code == 200
    assert client.get("/sign-in").status_code == 200
    assert client.get("/api/session").get_json() == {
        "signed_in": False, "name": None, "is_admin": False, "sign_in_required": True}


def test_a_loopback_server_needs_no_sign_in(client):
    assert client.get("/api/datasets").status_code == 200
    assert client.get("/api/session").get_json()["sign_in_required"] is False


# --- sessions ----------------------------------------------------------------------------------

def test_sign_in_sets_a_httponly_lax_session_cookie_and_sign_out_ends_it_on_the_server(auth_app):
    add_user(auth_app, "ada")
    client = auth_app.test_client()
    response = sign_in(client, "ada")
    assert response.status_code == 200
    assert response.get_json() == {"signed_in": True, "name": "ada", "is_admin": False,
                                   "sign_in_required": True}
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/api/datasets").status_code == 200
    stolen = client.get_cookie("session").value

    assert client.delete("/api/session").get_json()["signed_in"] is False
    assert client.get("/api/datasets").status_code == 401
    replay = auth_app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/api/datasets").status_code == 401


def test_each_sign_in_gets_a_new_session_id(auth_app):
    add_user(auth_app, "ada")
    client = auth_app.test_client()
    sign_in(client, "ada")
    first = client.get_cookie("session").value
    sign_in(client, "ada")
    assert client.get_cookie("session").value != first
    old = auth_app.test_client()
    old.set_cookie("session", first)
    assert old.get("/api/datasets").status_code == 401
    assert client.get("/api/datasets").status_code == 200


@pytest.mark.parametrize("config, base_url", [({}, "https://localhost"),
                                              ({"BEHIND_TLS_PROXY": True}, "http://localhost")])
def test_the_session_cookie_is_secure_over_https_or_behind_a_tls_proxy(make_app, config,
                                                                       base_url):
    app = make_app(AUTH_REQUIRED=True, **config)
    add_user(app, "ada")
    response = app.test_client().post("/api/session", base_url=base_url,
                                      json={"name": "ada", "password": PASSWORD})
    assert response.status_code == 200 and "Secure" in response.headers["Set-Cookie"]


def test_wrong_passwords_are_slowed_down_but_the_right_one_still_gets_in(auth_app, clock):
    add_user(auth_app, "ada")
    client = auth_app.test_client()
    throttle = auth_app.extensions["sign_in_throttle"]
    statuses = []
    for _ in range(50):
        response = sign_in(client, "ada", "wrong password")
        if response.status_code == 429:       # wait as told, then the guess is checked
            statuses.append(429)
            clock.now += int(response.headers["Retry-After"])
            response = sign_in(client, "ada", "wrong password")
        statuses.append(response.status_code)
    assert statuses[:8] == [401, 401, 401, 401, 401, 429, 401, 429]
    assert statuses.count(401) == 50
    # the 51st try, the right password: refused while the (capped) delay lasts, then accepted
    early = sign_in(client, "ada")
    assert early.status_code == 429
    assert int(early.headers["Retry-After"]) == throttle.max_delay == 300
    assert early.get_json()["error"] == "too many failed sign-ins: try again in 300 s"
    clock.now += 299
    assert sign_in(client, "ada").status_code == 429
    clock.now += 1
    assert sign_in(client, "ada").status_code == 200
    # a success clears the count: the next mistake is not slowed down
    assert sign_in(client, "ada", "wrong password").status_code == 401
    assert sign_in(client, "ada").status_code == 200


def test_failures_from_one_address_slow_down_guesses_at_other_accounts(auth_app, clock):
    for name in ("ada", "bob"):
        add_user(auth_app, name)
    client = auth_app.test_client()
    for _ in range(5):
        assert sign_in(client, "ada", "wrong password").status_code == 401
    assert sign_in(client, "bob", "wrong password").status_code == 429
    other_address = auth_app.test_client()
    assert other_address.post("/api/session", json={"name": "bob", "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_a_sign_in_form_posted_from_another_origin_is_refused(auth_app):
    add_user(auth_app, "ada")
    client = auth_app.test_client()
    for path in ("/sign-in", "/api/session"):
        response = client.post(path, data={"name": "ada", "password": PASSWORD},
                               headers={"Origin": "https://evil.example"})
        assert response.status_code == 403
    assert client.get_cookie("session") is None
    ok = client.post("/sign-in", data={"name": "ada", "password": PASSWORD, "next": "/compare"},
                     headers={"Origin": "http://localhost"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/compare"


def test_a_ten_megabyte_password_gets_a_clear_4xx(auth_app):
    add_user(auth_app, "ada")
    client = auth_app.test_client()
    huge = "x" * 10_000_000
    api = sign_in(client, "ada", huge)
    assert api.status_code == 413 and "too large" in api.get_json()["error"]
    form = client.post("/sign-in", data={"name": "ada", "password": huge})
    assert form.status_code == 413 and "the form is too large" in form.get_data(as_text=True)
    long = sign_in(client, "ada", "x" * 2000)
    assert long.status_code == 400
    assert long.get_json()["error"] == "password must be 8 to 1024 characters"


def test_the_sign_in_page_says_what_went_wrong_and_goes_on_to_next(auth_app):
    add_user(auth_app, "ada")
    client = auth_app.test_client()
    wrong = client.post("/sign-in", data={"name": "ada", "password": "wrong password",
                                          "next": "/runs/3"})
    assert wrong.status_code == 401 and "wrong name or password" in wrong.get_data(as_text=True)
    assert 'value="/runs/3"' in wrong.get_data(as_text=True)
    for target, expected in (("/runs/3", "/runs/3"), ("//evil.example/x", "/"),
                             ("https://evil.example", "/"), ("/\\evil.example", "/")):
        response = client.post("/sign-in", data={"name": "ada", "password": PASSWORD,
                                                  "next": target})
        assert response.headers["Location"] == expected
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="signed-in-name"' in home and ">ada</a>" in home
    assert client.post("/sign-out").headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302


# --- API tokens --------------------------------------------------------------------------------

def test_api_tokens_work_until_revoked_and_belong_to_their_account(auth_app):
    add_user(auth_app, "ada")
    add_user(auth_app, "bob")
    ada, bob = auth_app.test_client(), auth_app.test_client()
    sign_in(ada, "ada")
    sign_in(bob, "bob")
    made = ada.post("/api/tokens", json={"label": "nightly"})
    assert made.status_code == 201
    token = made.get_json()["token"]
    assert token.startswith("nd_") and made.get_json()["label"] == "nightly"
    script = auth_app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/datasets", headers=bearer).status_code == 200
    listed = ada.get("/api/tokens").get_json()["tokens"]
    assert [(t["label"], t["revoked"]) for t in listed] == [("nightly", False)]
    assert listed[0]["last_used_at"] is not None and "token" not in listed[0]
    token_id = made.get_json()["id"]
    assert bob.delete(f"/api/tokens/{token_id}").status_code == 404
    assert bob.get("/api/tokens").get_json() == {"tokens": []}
    assert ada.delete(f"/api/tokens/{token_id}").get_json() == {"revoked": token_id}
    refused = script.get("/api/datasets", headers=bearer)
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "the API token is not valid (revoked or mistyped)"
    assert script.get("/api/datasets",
                      headers={"Authorization": "Bearer nd_made-up"}).status_code == 401


def test_the_account_page_needs_an_account(auth_app):
    add_user(auth_app, "ada")
    client = auth_app.test_client()
    assert client.get("/account").status_code == 302
    sign_in(client, "ada")
    page = client.get("/account")
    assert page.status_code == 200 and 'data-testid="token-form"' in page.get_data(as_text=True)


# --- the first start ---------------------------------------------------------------------------

def test_the_setup_link_creates_the_first_admin_once(auth_app):
    token = start_setup(auth_app)
    client = auth_app.test_client()
    assert client.get("/setup?token=wrong").status_code == 404
    assert client.get(f"/setup?token={token}").status_code == 200
    mismatch = client.post("/setup", data={"token": token, "name": "ada", "password": PASSWORD,
                                           "again": "something else"})
    assert mismatch.status_code == 400 and "the two passwords differ" in mismatch.get_data(True)
    done = client.post("/setup", data={"token": token, "name": "ada", "password": PASSWORD,
                                       "again": PASSWORD})
    assert done.status_code == 302
    assert client.get("/api/session").get_json()["is_admin"] is True
    assert auth_app.test_client().get(f"/setup?token={token}").status_code == 404
    again = auth_app.test_client().post("/setup", data={
        "token": token, "name": "eve", "password": PASSWORD, "again": PASSWORD})
    assert again.status_code == 404
    with auth_app.app_context():
        assert [u["name"] for u in accounts.listing()] == ["ada"]


def test_no_setup_link_once_an_account_exists(auth_app):
    add_user(auth_app, "ada", admin=True)
    assert start_setup(auth_app) is None
