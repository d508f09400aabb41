"""Flattening validation messages into problem+json ``errors``: ``[{pointer, detail}]``."""

from __future__ import annotations

from core.api.problems import field_errors


def test_field_errors_flattens_list_of_messages_into_one_entry_each():
    assert field_errors({"email": ["Not a valid email.", "Too long."]}) == [
        {"pointer": "#/email", "detail": "Not a valid email."},
        {"pointer": "#/email", "detail": "Too long."},
    ]


def test_field_errors_points_into_nested_objects_when_messages_are_nested():
    messages = {"address": {"postcode": ["Required."]}, "name": ["Too short."]}
    assert sorted(field_errors(messages), key=lambda e: e["pointer"]) == [
        {"pointer": "#/address/postcode", "detail": "Required."},
        {"pointer": "#/name", "detail": "Too short."},
    ]


def test_field_errors_points_at_list_index_when_marshmallow_keys_by_position():
    messages = {"roles": {0: ["Not a valid string."], 2: ["Not a valid string."]}}
    assert field_errors(messages) == [
        {"pointer": "#/roles/0", "detail": "Not a valid string."},
        {"pointer": "#/roles/2", "detail": "Not a valid string."},
    ]


def test_field_errors_keeps_path_when_list_holds_nested_messages():
    messages = {"items": [{"name": ["Required."]}, "Bad item."]}
    assert field_errors(messages) == [
        {"pointer": "#/items/name", "detail": "Required."},
        {"pointer": "#/items", "detail": "Bad item."},
    ]


def test_field_errors_accepts_single_string_message():
    assert field_errors({"roles": "Not a role in this tenant: boss."}) == [
        {"pointer": "#/roles", "detail": "Not a role in this tenant: boss."}
    ]


def test_field_errors_uses_root_pointer_when_message_is_for_the_whole_body():
    assert field_errors(["Invalid input type."]) == [
        {"pointer": "#", "detail": "Invalid input type."}
    ]
    assert field_errors({"_schema": ["Bad."]}) == [{"pointer": "#/_schema", "detail": "Bad."}]


def test_field_errors_returns_nothing_when_no_messages():
    assert field_errors(None) == []
    assert field_errors({}) == []


def test_field_errors_escapes_tilde_and_slash_in_pointer_when_key_holds_them():
    messages = {"a/b": ["x"], "c~d": ["y"], "~1": ["z"], "e": {"f/g~": ["w"]}}
    pointers = {e["detail"]: e["pointer"] for e in field_errors(messages)}
    assert pointers == {"x": "#/a~1b", "y": "#/c~0d", "z": "#/~01", "w": "#/e/f~1g~0"}
