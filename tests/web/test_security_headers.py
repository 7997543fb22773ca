"""Headers and HTTPS: the Content-Security-Policy on every answer, no inline code in any template,
the production profile's `check --deploy`, and expected refusals logged as one line."""

import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import kefu

pytestmark = pytest.mark.django_db

SRC = Path(kefu.__file__).resolve().parent
DOCS = SRC.parent.parent / "docs"


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in header.split(";")) if d}


@pytest.mark.parametrize("path", ["/login/", "/", "/api/me", "/portal/", "/no-such-page/", "/chat/demo/"])
def test_every_answer_carries_a_strict_policy(org, as_user, path):
    response = as_user(org.agent).get(path)

    rules = policy(response)
    assert rules["script-src"] == "'self'" and rules["style-src"] == "'self'"
    assert rules["object-src"] == "'none'" and rules["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


# Scripts that are data (type="application/json") are not run and need no exception.
INLINE = [
    ("inline script", re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)),
    ("inline style element", re.compile(r"<style[\s>]", re.I)),
    ("style attribute", re.compile(r"\sstyle\s*=", re.I)),
    ("event handler attribute", re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)),
    ("javascript: URL", re.compile(r"javascript:", re.I)),
]


def test_no_template_has_inline_code_the_policy_would_block():
    found = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        found += [f"{template.relative_to(SRC)}: {what}" for what, pattern in INLINE if pattern.search(text)]

    assert found == []


def documented_production_env(tmp_path) -> dict[str, str]:
    """The environment file of docs/operations.md (Production → Environment), secrets filled in."""
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    block = text.split("### Environment", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    env = {}
    for line in block.splitlines():
        line = line.split("  #", 1)[0].strip()
        if line and "=" in line:
            name, value = line.split("=", 1)
            env[name] = value.strip()
    env.update(
        KEFU_SECRET_KEY=secrets.token_urlsafe(50),
        KEFU_DATA_DIR=str(tmp_path / "data"),
        KEFU_MEDIA_ROOT=str(tmp_path / "media"),
    )
    return env


def test_check_deploy_is_clean_in_the_documented_production_configuration(tmp_path):
    # Nothing of the test process: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in os.environ.
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("KEFU_") or k.startswith("DJANGO_")) or k.startswith("KEFU_TEST_")
    }
    env.update(documented_production_env(tmp_path))
    assert env["KEFU_DATABASE_URL"].startswith("postgres") and "KEFU_PROFILE" not in env

    result = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_https_on_by_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_") or k.startswith("KEFU_TEST_")}
    env.update(KEFU_PROFILE="production", KEFU_SECRET_KEY="x" * 50, KEFU_DATA_DIR=str(tmp_path))
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='kefu.settings'; {code}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == ["True", "31536000", "True", "True"], result.stderr


def test_an_expected_refusal_is_logged_as_one_line_without_traceback(org, as_user, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = as_user(org.agent).get("/board/")

    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /board/"
    assert record.exc_info is None and "\n" not in logging.Formatter().format(record)


def test_the_login_page_answers_under_the_policy_without_a_session(db):
    response = Client().get("/login/")

    assert response.status_code == 200 and "Content-Security-Policy" in response
