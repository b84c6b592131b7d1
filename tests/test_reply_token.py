"""Signed reply tokens: only a token made with the channel's secret verifies."""

from __future__ import annotations

import pytest

from helpdesk.connectors.reply_token import find_reply_tokens, make_reply_token, verify_reply_token

SECRET = "shop-secret-1"


def test_token_round_trip_returns_the_ticket_reference():
    assert verify_reply_token(SECRET, make_reply_token(SECRET, "T-42")) == "T-42"


def test_token_is_deterministic_for_one_secret_and_reference():
    assert make_reply_token(SECRET, "T-42") == make_reply_token(SECRET, "T-42")


def test_bytes_and_str_secrets_make_the_same_token():
    assert make_reply_token(SECRET.encode(), "T-42") == make_reply_token(SECRET, "T-42")


def test_token_with_the_marker_prefix_verifies():
    assert verify_reply_token(SECRET, "hd." + make_reply_token(SECRET, "T-42")) == "T-42"


def test_reference_swapped_under_a_valid_signature_is_rejected():
    signature = make_reply_token(SECRET, "T-42").split(".")[1]
    assert verify_reply_token(SECRET, f"T-43.{signature}") is None


def test_tampered_signature_is_rejected():
    token = make_reply_token(SECRET, "T-42")
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert verify_reply_token(SECRET, flipped) is None


def test_token_from_another_secret_is_rejected():
    assert verify_reply_token(SECRET, make_reply_token("other-secret", "T-42")) is None


def test_empty_secret_verifies_nothing():
    assert verify_reply_token("", make_reply_token(SECRET, "T-42")) is None


@pytest.mark.parametrize("token", ["", "T-42", "T-42.", "T-42.zz", "T 42.0123456789abcdef01234567", "a.b.c"])
def test_malformed_token_is_rejected(token):
    assert verify_reply_token(SECRET, token) is None


def test_empty_secret_cannot_make_a_token():
    with pytest.raises(ValueError, match="secret"):
        make_reply_token("", "T-42")


@pytest.mark.parametrize("ref", ["", "T 42", "T-42\r\nBcc: x", "é", "x" * 65, "T.42"])
def test_reference_unsafe_for_headers_cannot_be_signed(ref):
    with pytest.raises(ValueError, match="ticket reference"):
        make_reply_token(SECRET, ref)


def test_tokens_are_found_in_message_ids_addresses_and_footers():
    token = make_reply_token(SECRET, "T-42")
    text = f"<hd.{token}.abc@shop.example> support+hd.{token}@shop.example [ref: hd.{token}] {token}"
    assert find_reply_tokens(text) == [token, token, token]
