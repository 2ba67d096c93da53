"""The release hook's pure parts: which signature each source carries (a changed body, a
wrong secret or a missing header: not verified), and what a verified body reports."""

from __future__ import annotations

import hashlib
import hmac

from bot.hooks.http import report_of, source_of, verified

SECRET = "s3cret"
BODY = b'{"action": "published", "release": {"name": "v2.3", "id": 9}}'


def _sig(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_github_is_verified_by_its_hmac_of_the_body_only() -> None:
    headers = {"X-GitHub-Event": "release", "X-Hub-Signature-256": _sig(BODY)}
    assert source_of(headers) == "github"
    assert verified("github", SECRET, BODY, headers)
    assert not verified("github", SECRET, BODY + b" ", headers)
    assert not verified("github", "other", BODY, headers)
    assert not verified("github", SECRET, BODY, {"X-GitHub-Event": "release"})
    no_prefix = {"X-Hub-Signature-256": _sig(BODY).removeprefix("sha256=")}
    assert not verified("github", SECRET, BODY, no_prefix)


def test_gitlab_by_its_token_and_generic_by_its_own_header() -> None:
    assert source_of({"X-Gitlab-Event": "Release Hook"}) == "gitlab"
    assert verified("gitlab", SECRET, BODY, {"X-Gitlab-Token": SECRET})
    assert not verified("gitlab", SECRET, BODY, {"X-Gitlab-Token": "s3cre"})
    assert not verified("gitlab", SECRET, BODY, {})
    assert source_of({}) == "generic"
    assert verified("generic", SECRET, BODY, {"X-SDO-Signature": _sig(BODY)})
    # GitHub's header does not sign a generic request.
    assert not verified("generic", SECRET, BODY, {"X-Hub-Signature-256": _sig(BODY)})


def test_what_a_body_reports() -> None:
    github = {"X-GitHub-Event": "release", "X-GitHub-Delivery": "abc"}
    payload = {"action": "published", "release": {"name": "", "tag_name": "v2.3", "id": 9}}
    report = report_of("github", payload, github)
    assert (report.name, report.delivery_id, report.ignored) == ("v2.3", "abc", None)
    assert report_of("github", {**payload, "action": "created"}, github).ignored == "action"
    assert report_of("github", payload, {"X-GitHub-Event": "push"}).ignored == "event push"
    gitlab = {"X-Gitlab-Event": "Release Hook"}
    body = {"action": "create", "tag": "v2.3", "id": 4, "project": {"id": 7}}
    report = report_of("gitlab", body, gitlab)
    assert (report.name, report.delivery_id) == ("v2.3", "7:4")
    uuid = {**gitlab, "X-Gitlab-Event-UUID": "u-1"}
    assert report_of("gitlab", body, uuid).delivery_id == "u-1"
    assert report_of("gitlab", {**body, "action": "update"}, gitlab).ignored == "action"
    generic = report_of("generic", {"name": "v2.3", "id": 12}, {})
    assert (generic.name, generic.delivery_id) == ("v2.3", "12")
    assert report_of("generic", {"name": "v2.3", "id": True}, {}).delivery_id is None
