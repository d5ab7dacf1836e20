"""Turning on two-factor sign-in with an authenticator app, then signing in with a code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD
from pmhc.testing.browser import (
    follow,
    primary_nav,
    sign_in,
    sign_out,
)

STEP = 30


def totp(secret: str, counter: int) -> str:
    """RFC 6238 (HMAC-SHA1, 6 digits) for the time step ``counter``, as an app computes it."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def test_totp_matches_rfc_6238():
    # RFC 6238, appendix B: SHA-1 test vectors for the key "12345678901234567890".
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, 59 // STEP) == "287082"
    assert totp(secret, 1111111109 // STEP) == "081804"
    assert totp(secret, 2000000000 // STEP) == "279037"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_turn_on_two_factor_then_sign_in_with_a_code(page, cast):
    user = cast.member
    sign_in(page, user.username, PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="My account"))
    expect(page.get_by_role("main")).to_contain_text("Two-factor sign-in is off.")
    follow(page, page.get_by_role("link", name="Set up two-factor sign-in"))
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("figure", name="QR code for your authenticator app")
    expect(qr.locator("svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret), secret

    enrolled_at = int(time.time()) // STEP
    page.get_by_label("Six-digit code from your authenticator app").fill(totp(secret, enrolled_at))
    page.get_by_label("Your current password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Turn on two-factor sign-in"))
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    expect(page.get_by_role("status")).to_contain_text("Two-factor sign-in is on for your account.")
    expect(page.get_by_role("link", name="Remove an authenticator app")).to_be_visible()

    sign_out(page)
    sign_in(page, user.username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    expect(primary_nav(page).get_by_role("link", name="Sign in")).to_be_visible()

    # A wrong code is refused, with the error tied to the field.
    now = int(time.time()) // STEP
    valid = {totp(secret, t) for t in range(now - 2, now + 3)}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in valid)
    field = page.get_by_label("Six-digit code from your authenticator app")
    field.fill(wrong)
    refused_at = time.monotonic()
    follow(page, page.get_by_role("button", name="Continue"))
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("That code is not right"))

    # django-otp makes a device wait a second after a failure before it checks another code.
    time.sleep(max(0.0, 1.2 - (time.monotonic() - refused_at)))
    # The code used to enrol cannot be used again; the app's next code can (one step of
    # tolerance either side).
    field.fill(totp(secret, enrolled_at + 1))
    follow(page, page.get_by_role("button", name="Continue"))
    # A coordinator lands on the program's home.
    expect(page).to_have_url(re.compile(r"/plan/$"))
    nav = primary_nav(page)
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    expect(nav.get_by_role("link", name="My account")).to_be_visible()
