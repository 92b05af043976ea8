"""Tests of pki.conf: the shell-subset parser, the layering, and the TLS settings validation.

Everything uses real files under tmp_path and explicit ``files=`` / ``environ=`` arguments, so
no test depends on the machine's /etc or the user's home.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pki
import pytest
from pki import conf
from pki.conf import ConfigError, TLSSettings

REPO_ROOT = Path(__file__).resolve().parents[4]
SHIPPED_CONF = REPO_ROOT / "pki.conf"


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def parse(text: str, **environ: str) -> dict[str, str]:
    return conf.parse(text, path="test.conf", environ=environ)


# --- syntax -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("A=plain", "plain"),
        ("export A=exported", "exported"),
        ("A='single $B \"quoted\" \\n'", 'single $B "quoted" \\n'),
        ('A="double $B ${B}"', "double bee bee"),
        ('A="esc \\" \\\\ \\$B \\` \\n"', 'esc " \\ $B ` \\n'),
        ("A=$B/x", "bee/x"),
        ("A=${B}x", "beex"),
        ("A=pre${B}post", "prebeepost"),
        ("A=a\\ b", "a b"),
        ("A=\"x\"'y'z", "xyz"),
        ("A='a b'\"$B c\"d", "a bbee cd"),
        ("A=", ""),
        ("A=''", ""),
        ('A=""', ""),
        ("A=x#y", "x#y"),
        ("A='x #y'", "x #y"),
        ("A=x #comment", "x"),
        ("A=x\t# comment", "x"),
        ("A=value   ", "value"),
        ("A=value \t\r", "value"),
        ("   A=indented", "indented"),
        ("A=$", "$"),
        ('A="cost: 5$"', "cost: 5$"),
        ("A=a$/b", "a$/b"),
        ("A=~/nssdb", "~/nssdb"),
        ("A=x=y", "x=y"),
        ("A=$UNKNOWN", ""),
        ('A="${UNKNOWN}x"', "x"),
    ],
)
def test_syntax_forms(line: str, expected: str) -> None:
    assert parse(line, B="bee") == {"A": expected}


def test_several_assignments_on_one_line_apply_left_to_right() -> None:
    assert parse("A=1 B=$A export_me=2") == {"A": "1", "B": "1", "export_me": "2"}
    assert parse("export A=1 B=$A C") == {"A": "1", "B": "1"}


def test_export_name_marks_only() -> None:
    assert parse("A=1\nexport A\nexport UNSET_NAME") == {"A": "1"}


def test_names_that_look_like_the_export_keyword_are_plain_names() -> None:
    assert parse("export=1\nexporter=2") == {"export": "1", "exporter": "2"}


def test_comments_and_blank_lines_are_skipped() -> None:
    text = "# a comment\n\n   \n\t# indented comment\nA=1 # trailing\n#B=2\n"
    assert parse(text) == {"A": "1"}


def test_expansion_uses_earlier_lines_then_environment() -> None:
    text = 'A=file\nB="$A-$HOME_DIR"\nHOME_DIR=later\nC=$HOME_DIR\n'
    assert parse(text, A="env", HOME_DIR="/home/u") == {
        "A": "file",
        "B": "file-/home/u",
        "HOME_DIR": "later",
        "C": "later",
    }


def test_expansion_result_is_not_reparsed() -> None:
    assert parse('A="$B"', B="$(touch x) `y` 'z'") == {"A": "$(touch x) `y` 'z'"}


def test_reassignment_keeps_last_value() -> None:
    assert parse("A=1\nA=2") == {"A": "2"}


def test_parse_defaults_to_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKI_CONF_TEST_VAR", "from-env")
    assert conf.parse("A=$PKI_CONF_TEST_VAR") == {"A": "from-env"}


def test_crlf_line_endings() -> None:
    assert parse("A=1\r\nB='two'\r\n") == {"A": "1", "B": "two"}


# --- malformed input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, problem",
    [
        ("source /etc/profile", "not an assignment"),
        (". /etc/profile", "not an assignment"),
        ("echo hello", "not an assignment"),
        ("A=1 echo hello", "not an assignment"),
        ("export", "needs a NAME"),
        ("export -n A", "not an assignment"),
        ("1A=x", "invalid variable name '1A'"),
        ("A-B=x", "invalid variable name 'A-B'"),
        ("A+=x", "invalid variable name 'A+'"),
        ("=x", "not an assignment"),
        ("A='unterminated", "unterminated single quote"),
        ('A="unterminated', "unterminated double quote"),
        ('A="ends with backslash\\', "unterminated double quote"),
        ("A=continued\\", "backslash at the end"),
        ("A=$(id)", "command substitution"),
        ('A="$(id)"', "command substitution"),
        ("A=`id`", "command substitution"),
        ('A="`id`"', "command substitution"),
        ("A=$((1+2))", "command substitution"),
        ("A=${B:-default}", "unsupported expansion '${B:-default}'"),
        ("A=${#B}", "unsupported expansion"),
        ("A=${}", "unsupported expansion"),
        ("A=${B", "unterminated ${"),
        ("A=$1", "special parameter $1"),
        ("A=$?", "special parameter $?"),
        ("A=$$", "special parameter $$"),
        ("A=$'x'", "quoting is not supported"),
        ("A=1;B=2", "unsupported shell syntax ';'"),
        ("A=1&&B=2", "unsupported shell syntax '&'"),
        ("A=1 && B=2", "not an assignment: '&&'"),
        ("A=1 &", "not an assignment: '&'"),
        ("A=x|y", "unsupported shell syntax '|'"),
        ("A=x>out", "unsupported shell syntax '>'"),
        ("A=(a b)", "unsupported shell syntax '('"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = write(tmp_path / "bad.conf", f"# header\nOK=1\n\n{line}\nLATER=2\n")
    with pytest.raises(ConfigError) as info:
        conf.read_file(path, environ={})
    message = str(info.value)
    assert message.startswith(f"{path}:4: ")
    assert problem in message
    assert info.value.path == path
    assert info.value.lineno == 4


def test_config_error_is_a_pki_exception() -> None:
    assert issubclass(ConfigError, pki.PKIException)
    with pytest.raises(pki.PKIException, match=r"^<string>:1: "):
        conf.parse("echo hi")


@pytest.mark.parametrize(
    "template",
    [
        "X=$(touch {marker})",
        'X="$(touch {marker})"',
        "X=`touch {marker}`",
        'X="prefix`touch {marker}`"',
        "X=1; touch {marker}",
        "touch {marker}",
        "X=${{Y:-$(touch {marker})}}",
        "X=$((1)) $(touch {marker})",
    ],
)
def test_command_substitution_is_refused_and_never_executed(tmp_path: Path, template: str) -> None:
    marker = tmp_path / "executed"
    path = write(tmp_path / "evil.conf", template.format(marker=marker) + "\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:1: ")):
        conf.load(files=[path], environ={})
    assert not marker.exists()


def test_read_file_missing_is_an_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.conf")
    with pytest.raises(ConfigError, match=re.escape(missing)):
        conf.read_file(missing)


def test_invalid_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.conf"
    path.write_bytes(b"A=caf\xe9\n")
    with pytest.raises(ConfigError, match="UTF-8"):
        conf.read_file(path)


# --- layering -----------------------------------------------------------------------------


@pytest.fixture
def layers(tmp_path: Path) -> dict[str, str]:
    """Three default-file layers and a home directory, each setting its own marker values."""
    home = tmp_path / "home"
    write(
        tmp_path / "usr.conf",
        "LEVEL=usr\nUSR_ONLY=usr\nSTACK=usr\nSSL_STREAM_VERSION_MIN=TLS_1_3\n",
    )
    write(tmp_path / "etc.conf", 'LEVEL=etc\nETC_ONLY=etc\nSTACK="$STACK,etc"\n')
    write(home / ".dogtag" / "pki.conf", 'LEVEL=home\nHOME_ONLY=home\nSTACK="$STACK,home"\n')
    return {
        "usr": str(tmp_path / "usr.conf"),
        "etc": str(tmp_path / "etc.conf"),
        "home": str(home),
    }


def _files(layers: dict[str, str]) -> list[str]:
    return [layers["usr"], layers["etc"], "~/.dogtag/pki.conf"]


def test_layers_later_file_wins_and_sees_earlier_values(layers: dict[str, str]) -> None:
    values = conf.load(files=_files(layers), environ={"HOME": layers["home"]})
    assert values["LEVEL"] == "home"
    assert values["STACK"] == "usr,etc,home"
    assert (values["USR_ONLY"], values["ETC_ONLY"], values["HOME_ONLY"]) == ("usr", "etc", "home")


def test_environment_beats_files(layers: dict[str, str]) -> None:
    environ = {"HOME": layers["home"], "LEVEL": "env", "SSL_STREAM_VERSION_MIN": "TLS_1_2"}
    values = conf.load(files=_files(layers), environ=environ)
    assert values["LEVEL"] == "env"
    assert values["SSL_STREAM_VERSION_MIN"] == "TLS_1_2"


def test_environment_only_contributes_known_and_mentioned_names(tmp_path: Path) -> None:
    path = write(tmp_path / "a.conf", "DEFINED=file\nexport MARKED\n")
    environ = {
        "DEFINED": "env",
        "MARKED": "env-marked",
        "UNRELATED": "x",
        "PKI_CLIENT_CERT_NICKNAME": "admin",
    }
    assert conf.load(files=[path], environ=environ) == {
        "DEFINED": "env",
        "MARKED": "env-marked",
        "PKI_CLIENT_CERT_NICKNAME": "admin",
    }


def test_explicit_mapping_beats_environment(layers: dict[str, str]) -> None:
    environ = {"HOME": layers["home"], "LEVEL": "env"}
    values = conf.load({"LEVEL": "arg", "NEW": "n"}, files=_files(layers), environ=environ)
    assert values["LEVEL"] == "arg"
    assert values["NEW"] == "n"
    assert values["STACK"] == "usr,etc,home"


def test_explicit_path_beats_environment_and_sees_earlier_layers(
    layers: dict[str, str], tmp_path: Path
) -> None:
    extra = write(tmp_path / "extra.conf", 'LEVEL=extra\nSTACK="$STACK,extra"\n')
    environ = {"HOME": layers["home"], "LEVEL": "env"}
    for arg in (extra, Path(extra)):
        values = conf.load(arg, files=_files(layers), environ=environ)
        assert values["LEVEL"] == "extra"
        assert values["STACK"] == "usr,etc,home,extra"


def test_explicit_path_must_exist(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.conf")
    with pytest.raises(ConfigError, match=re.escape(missing)):
        conf.load(missing, files=[], environ={})


def test_missing_default_files_are_skipped(tmp_path: Path) -> None:
    present = write(tmp_path / "present.conf", "A=1\n")
    files = [str(tmp_path / "absent.conf"), present, str(tmp_path / "no" / "dir" / "x.conf")]
    assert conf.load(files=files, environ={"HOME": str(tmp_path / "nohome")}) == {"A": "1"}


def test_file_under_a_regular_file_counts_as_missing(tmp_path: Path) -> None:
    not_a_dir = write(tmp_path / "file", "")
    assert conf.load(files=[os.path.join(not_a_dir, "pki.conf")], environ={}) == {}


def test_unreadable_default_file_is_an_error(tmp_path: Path) -> None:
    directory = tmp_path / "a_directory.conf"
    directory.mkdir()
    with pytest.raises(ConfigError, match=re.escape(str(directory))):
        conf.load(files=[str(directory)], environ={})


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.conf", "A=1\n")
    os.chmod(path, 0)
    with pytest.raises(ConfigError, match=re.escape(path)):
        conf.load(files=[path], environ={})


def test_default_files_are_the_documented_ones() -> None:
    assert conf.DEFAULT_FILES == (
        "/usr/share/pki/etc/pki.conf",
        "/etc/pki/pki.conf",
        "~/.dogtag/pki.conf",
    )


def test_default_files_are_used_when_files_is_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = write(tmp_path / "first.conf", "A=first\nB=first\n")
    write(tmp_path / "home" / ".dogtag" / "pki.conf", "B=home\n")
    monkeypatch.setattr(conf, "DEFAULT_FILES", (first, "~/.dogtag/pki.conf"))
    assert conf.load(environ={"HOME": str(tmp_path / "home")}) == {"A": "first", "B": "home"}


def test_mapping_argument_is_validated() -> None:
    with pytest.raises(ConfigError, match="invalid variable name"):
        conf.load({"BAD-NAME": "x"}, files=[], environ={})
    with pytest.raises(ConfigError, match="must be a string"):
        conf.load({"A": 1}, files=[], environ={})  # type: ignore[dict-item]


# --- TLS settings -------------------------------------------------------------------------


def settings(values: dict[str, str] | None = None, **environ: str) -> TLSSettings:
    environ.setdefault("HOME", "/home/tester")
    return conf.load_tls_settings(values, files=[], environ=environ)


def test_defaults() -> None:
    s = settings()
    assert s == TLSSettings(
        min_version="TLS_1_2",
        max_version=None,
        ciphers=(),
        disabled_ciphers=(),
        default_ciphers=True,
        db_type="sql",
        client_database="/home/tester/.dogtag/nssdb",
        client_cert_nickname=None,
        client_password_file=None,
        use_system_trust=True,
        client_database_configured=False,
    )


def test_empty_values_mean_default() -> None:
    empty = {name: "" for name in conf.KNOWN_NAMES}
    assert settings(empty) == settings()


@pytest.mark.parametrize(
    "value, expected",
    [
        ("TLS_1_2", "TLS_1_2"),
        ("tls_1_3", "TLS_1_3"),
        ("TLS1_2", "TLS_1_2"),
        ("TLSv1.3", "TLS_1_3"),
        (" TLS_1_3 ", "TLS_1_3"),
    ],
)
def test_tls_version_spellings(value: str, expected: str) -> None:
    assert settings({"SSL_STREAM_VERSION_MIN": value}).min_version == expected
    assert settings({"SSL_STREAM_VERSION_MAX": value}).max_version == expected


@pytest.mark.parametrize("value", ["SSL_3_0", "TLS_1_0", "TLS_1_1", "tlsv1.1", "SSLv3", "TLSv1"])
@pytest.mark.parametrize("name", ["SSL_STREAM_VERSION_MIN", "SSL_STREAM_VERSION_MAX"])
def test_insecure_tls_versions_are_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings({name: value})
    message = str(info.value)
    assert name in message
    assert "insecure" in message
    assert "TLS_1_2, TLS_1_3" in message
    assert info.value.name == name


def test_refused_version_names_its_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "pki.conf", "# old settings\nSSL_STREAM_VERSION_MIN=TLS_1_0\n")
    with pytest.raises(ConfigError) as info:
        conf.load_tls_settings(files=[path], environ={})
    assert str(info.value).startswith(f"{path}:2: SSL_STREAM_VERSION_MIN='TLS_1_0': TLS_1_0 ")
    assert (info.value.path, info.value.lineno) == (path, 2)


def test_refused_version_names_environment_as_source() -> None:
    with pytest.raises(ConfigError, match=r"'TLS_1_1' \(from environment\): TLS_1_1 is insecure"):
        settings(SSL_STREAM_VERSION_MIN="TLS_1_1")


def test_refused_version_names_argument_as_source() -> None:
    with pytest.raises(ConfigError, match=r"\(from argument\)"):
        settings({"SSL_STREAM_VERSION_MAX": "TLS_1_0"})


@pytest.mark.parametrize("value", ["TLS_1_4", "TLS_2_0", "DTLS_1_2", "latest"])
def test_unknown_tls_version(value: str) -> None:
    with pytest.raises(ConfigError, match="unknown TLS version; accepted values: TLS_1_2"):
        settings({"SSL_STREAM_VERSION_MIN": value})


def test_min_above_max_is_an_error() -> None:
    with pytest.raises(ConfigError, match="SSL_STREAM_VERSION_MIN=TLS_1_3 .* above"):
        settings({"SSL_STREAM_VERSION_MIN": "TLS_1_3", "SSL_STREAM_VERSION_MAX": "TLS_1_2"})


def test_min_equal_max_and_min_only() -> None:
    s = settings({"SSL_STREAM_VERSION_MIN": "TLS_1_3", "SSL_STREAM_VERSION_MAX": "TLS_1_3"})
    assert (s.min_version, s.max_version) == ("TLS_1_3", "TLS_1_3")
    s = settings({"SSL_STREAM_VERSION_MIN": "TLS_1_3"})
    assert (s.min_version, s.max_version) == ("TLS_1_3", None)


@pytest.mark.parametrize(
    "value, expected",
    [("true", True), ("YES", True), ("1", True), ("false", False), ("No", False), ("0", False)],
)
def test_booleans(value: str, expected: bool) -> None:
    assert settings({"PKI_CLIENT_SYSTEM_TRUST": value}).use_system_trust is expected
    s = settings({"SSL_DEFAULT_CIPHERS": value, "SSL_CIPHERS": "0xC02F"})
    assert s.default_ciphers is expected


@pytest.mark.parametrize("name", ["PKI_CLIENT_SYSTEM_TRUST", "SSL_DEFAULT_CIPHERS"])
def test_bad_boolean_names_variable_and_value(name: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}='maybe' .*not a boolean"):
        settings({name: "maybe"})


def test_ciphers() -> None:
    s = settings(
        {
            "SSL_CIPHERS": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,  -TLS_RSA_WITH_AES_128_CBC_SHA"
            " 0xC02F\t+tls_aes_128_gcm_sha256 -0x002f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        }
    )
    assert s.ciphers == (
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "0xC02F",
        "TLS_AES_128_GCM_SHA256",
    )
    assert s.disabled_ciphers == ("TLS_RSA_WITH_AES_128_CBC_SHA", "0x002f")
    assert s.default_ciphers is True


@pytest.mark.parametrize("value", ["AES128-SHA", "TLS-ECDHE", "0xZZ", "0x12345", "-"])
def test_bad_cipher_names(value: str) -> None:
    with pytest.raises(ConfigError, match="SSL_CIPHERS=.*IANA cipher suite name"):
        settings({"SSL_CIPHERS": value})


def test_cipher_enabled_and_disabled_is_an_error() -> None:
    with pytest.raises(ConfigError, match="both enabled and disabled"):
        settings({"SSL_CIPHERS": "TLS_AES_128_GCM_SHA256 -tls_aes_128_gcm_sha256"})


def test_no_default_ciphers_and_none_enabled_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no cipher suite would be left"):
        settings({"SSL_DEFAULT_CIPHERS": "false", "SSL_CIPHERS": "-TLS_AES_128_GCM_SHA256"})


@pytest.mark.parametrize("value, expected", [("sql", "sql"), ("DBM", "dbm"), (" dbm ", "dbm")])
def test_db_type(value: str, expected: str) -> None:
    assert settings({"NSS_DEFAULT_DB_TYPE": value}).db_type == expected


def test_bad_db_type() -> None:
    with pytest.raises(ConfigError, match="NSS_DEFAULT_DB_TYPE='rdb'.*accepted values: sql, dbm"):
        settings({"NSS_DEFAULT_DB_TYPE": "rdb"})


def test_client_paths_and_nickname(tmp_path: Path) -> None:
    s = settings(
        {
            "PKI_CLIENT_DATABASE": "~/other/nssdb",
            "PKI_CLIENT_CERT_NICKNAME": "PKI Administrator",
            "PKI_CLIENT_PASSWORD_FILE": "~/.dogtag/password.txt",
        }
    )
    assert s.client_database == "/home/tester/other/nssdb"
    assert s.client_cert_nickname == "PKI Administrator"
    assert s.client_password_file == "/home/tester/.dogtag/password.txt"
    assert settings({"PKI_CLIENT_DATABASE": str(tmp_path)}).client_database == str(tmp_path)


def test_configured_database_is_told_apart_from_the_default() -> None:
    # programs open PKI_CLIENT_DATABASE only when it is set, even to the default path
    assert settings().client_database_configured is False
    assert settings({"PKI_CLIENT_DATABASE": ""}).client_database_configured is False
    named = settings({"PKI_CLIENT_DATABASE": "~/.dogtag/nssdb"})
    assert named.client_database_configured is True
    assert named.client_database == settings().client_database


def test_relative_database_is_made_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert settings({"PKI_CLIENT_DATABASE": "db"}).client_database == str(tmp_path / "db")


def test_database_prefix_sets_db_type() -> None:
    s = settings({"PKI_CLIENT_DATABASE": "dbm:/srv/nssdb", "NSS_DEFAULT_DB_TYPE": "sql"})
    assert (s.db_type, s.client_database) == ("dbm", "/srv/nssdb")
    s = settings({"PKI_CLIENT_DATABASE": "sql:~/db", "NSS_DEFAULT_DB_TYPE": "dbm"})
    assert (s.db_type, s.client_database) == ("sql", "/home/tester/db")
    with pytest.raises(ConfigError, match="no directory"):
        settings({"PKI_CLIENT_DATABASE": "sql:"})


def test_settings_from_layered_files(layers: dict[str, str]) -> None:
    s = conf.load_tls_settings(files=_files(layers), environ={"HOME": layers["home"]})
    assert s.min_version == "TLS_1_3"  # from the usr layer
    s = conf.load_tls_settings(
        files=_files(layers), environ={"HOME": layers["home"], "SSL_STREAM_VERSION_MIN": "tls1_2"}
    )
    assert s.min_version == "TLS_1_2"


def test_settings_are_frozen_hashable_and_equal_for_equal_inputs(tmp_path: Path) -> None:
    values = {"SSL_CIPHERS": "TLS_AES_128_GCM_SHA256", "PKI_CLIENT_CERT_NICKNAME": "admin"}
    path = write(tmp_path / "pki.conf", "".join(f"{k}='{v}'\n" for k, v in values.items()))
    a = settings(values)
    b = settings(values)
    c = conf.load_tls_settings(files=[path], environ={"HOME": "/home/tester"})
    assert a == b == c
    assert hash(a) == hash(b) == hash(c)
    assert len({a, b, c}) == 1
    assert a != settings()
    assert len({a: 1, settings(): 2}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.use_system_trust = False  # type: ignore[misc]
    assert dataclasses.replace(a, use_system_trust=False) != a


# --- the shipped pki.conf -----------------------------------------------------------------


def test_shipped_pki_conf_parses_and_sets_nothing() -> None:
    assert conf.read_file(SHIPPED_CONF, environ={}) == {}


def test_shipped_pki_conf_documents_every_name_with_its_default() -> None:
    text = SHIPPED_CONF.read_text(encoding="utf-8")
    uncommented = re.sub(r"(?m)^#([A-Z_]+=)", r"\1", text)
    values = conf.parse(uncommented, path=str(SHIPPED_CONF), environ={})
    assert set(values) == set(conf.KNOWN_NAMES)
    environ = {"HOME": "/home/tester"}
    documented = conf.load_tls_settings(values, files=[], environ=environ)
    # naming the default database still says that it was named
    assert documented.client_database_configured is True
    assert dataclasses.replace(documented, client_database_configured=False) == settings()
    for insecure in ("SSL_3_0", "TLS_1_0", "TLS_1_1"):
        assert insecure in text


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pki.conf\n"
        "heavy = {'requests', 'ctypes', 'OpenSSL', 'cryptography', 'urllib3'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(conf.__file__).resolve().parents[1]))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
