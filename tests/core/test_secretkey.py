"""The secret key: no public default; embedded makes and keeps one, production refuses to start without."""

import os
import stat
import subprocess
import sys

from django.conf import settings

from kefu.core.secretkey import embedded_secret_key

# The constant earlier releases fell back to; anybody could sign portal and survey links with it.
OLD_PUBLIC_KEY = "kefu-insecure-development-key-change-me"


def test_the_embedded_key_is_made_owner_only_and_reused(tmp_path):
    first = embedded_secret_key(tmp_path)
    path = tmp_path / "secret_key"

    assert len(first) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert embedded_secret_key(tmp_path) == first
    assert path.read_text().strip() == first


def test_two_data_directories_get_different_keys(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    assert embedded_secret_key(tmp_path / "a") != embedded_secret_key(tmp_path / "b")


def test_this_process_runs_on_the_key_kept_in_its_data_directory():
    assert settings.SECRET_KEY != OLD_PUBLIC_KEY
    assert settings.SECRET_KEY == (settings.DATA_DIR / "secret_key").read_text().strip()


def _start(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_") or k.startswith("KEFU_TEST_")}
    clean.update({"KEFU_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "kefu.cli", "migrate"], env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    # A PostgreSQL URL makes the production profile; nothing listens there, and nothing gets that far.
    result = _start(tmp_path, KEFU_DATABASE_URL="postgres://kefu@127.0.0.1:9/kefu")

    assert result.returncode == 2
    assert "KEFU_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_the_profile_can_be_named_explicitly(tmp_path):
    result = _start(tmp_path, KEFU_PROFILE="production")

    assert result.returncode == 2 and "KEFU_SECRET_KEY is not set" in result.stderr


def test_an_unknown_profile_is_refused_by_name(tmp_path):
    result = _start(tmp_path, KEFU_PROFILE="staging")

    assert result.returncode == 2 and "KEFU_PROFILE" in result.stderr
