"""pki.util: upstream's helpers for Dogtag's tools, on real files in a temporary directory."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from audit_hook import run_audited
from pki import util
from pki.conf import ConfigError

# -- templates ---------------------------------------------------------------------------------


def test_replace_params(caplog):
    with caplog.at_level(logging.WARNING, logger="pki.util"):
        line = util.replace_params("[A] and [B] keep [C]\n", {"A": 1, "B": "x[y]"})
    assert line == "1 and x[y] keep [C]\n"
    assert "Ignoring [C] parameter" in caplog.text
    assert util.replace_params("open [A", {"A": 1}) == "open [A"
    assert util.replace_params("[A]", None) == "[A]"


def test_customize_file(tmp_path):
    source, target = tmp_path / "in.conf", tmp_path / "out.conf"
    source.write_text("host=@HOST@\nport=@PORT@ @PORT@\n")
    util.customize_file(str(source), str(target), {"@HOST@": "ca.example.com", "@PORT@": "8443"})
    assert target.read_text() == "host=ca.example.com\nport=8443 8443\n"


# -- files and directories -------------------------------------------------------------------


def test_makedirs_and_force(tmp_path, caplog):
    path = tmp_path / "a" / "b" / "c"
    util.makedirs(str(path), mode=0o750)
    assert path.is_dir()
    with pytest.raises(FileExistsError):
        util.makedirs(str(path))
    util.makedirs(str(path), exist_ok=True)
    with caplog.at_level(logging.WARNING, logger="pki.util"):
        util.makedirs(str(path), force=True)
    assert "Directory already exists" in caplog.text


def test_symlink(tmp_path):
    (tmp_path / "target").mkdir()
    link = tmp_path / "link"
    util.symlink("target", str(link))
    assert os.readlink(link) == "target"
    util.symlink("other", str(link), exist_ok=True)  # kept
    assert os.readlink(link) == "target"
    with pytest.raises(FileExistsError):
        util.symlink("other", str(link))


def test_copyfile_keeps_attributes_and_existing_files(tmp_path, caplog):
    source = tmp_path / "source.txt"
    source.write_text("port=[PORT]\n")
    source.chmod(0o640)
    os.utime(source, (1_000_000, 2_000_000))
    plain, custom = tmp_path / "plain.txt", tmp_path / "custom.txt"
    util.copyfile(str(source), str(plain))
    assert plain.read_text() == "port=[PORT]\n"
    assert stat.S_IMODE(plain.stat().st_mode) == 0o640
    assert plain.stat().st_mtime == 2_000_000
    util.copyfile(str(source), str(custom), params={"PORT": 8443}, mode=0o600)
    assert custom.read_text() == "port=8443\n"
    assert stat.S_IMODE(custom.stat().st_mode) == 0o600
    plain.write_text("changed")
    with caplog.at_level(logging.WARNING, logger="pki.util"):
        util.copyfile(str(source), str(plain))
    assert plain.read_text() == "changed" and "File already exists" in caplog.text
    util.copyfile(str(source), str(plain), force=True)
    assert plain.read_text() == "port=[PORT]\n"


def test_copyfile_copies_links_as_links(tmp_path):
    (tmp_path / "real").write_text("x")
    (tmp_path / "link").symlink_to("real")
    util.copyfile(str(tmp_path / "link"), str(tmp_path / "copy"))
    assert os.readlink(tmp_path / "copy") == "real"


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): (p.read_text() if p.is_file() else "<dir>")
        for p in sorted(root.rglob("*"))
    }


def test_copy_tree_and_copydirs(tmp_path):
    source = tmp_path / "src" / "conf"
    (source / "sub").mkdir(parents=True)
    (source / "a.cfg").write_text("a")
    (source / "sub" / "b.cfg").write_text("b")
    (source / "sub").chmod(0o700)
    dest = tmp_path / "dst" / "deep" / "conf"
    util.copy(str(source) + "/", str(dest) + "/", file_mode=0o600)
    assert _tree(dest) == _tree(source)
    assert stat.S_IMODE((dest / "sub").stat().st_mode) == 0o700
    assert stat.S_IMODE((dest / "a.cfg").stat().st_mode) == 0o600
    single = tmp_path / "single" / "x" / "a.cfg"
    util.copy(str(source / "a.cfg"), str(single))
    assert single.read_text() == "a"
    made = tmp_path / "made" / "sub"
    util.copydirs(str(source / "sub"), str(made))
    assert made.is_dir() and list(made.iterdir()) == []
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


def test_copytree_into_an_existing_directory(tmp_path):
    source, dest = tmp_path / "src", tmp_path / "dst"
    (source / "d").mkdir(parents=True)
    (source / "d" / "f").write_text("new")
    (dest / "d").mkdir(parents=True)
    (dest / "keep").write_text("old")
    util.copytree(str(source), str(dest))
    assert _tree(dest) == {"d": "<dir>", "d/f": "new", "keep": "old"}
    os.mkfifo(source / "fifo")  # cannot be copied: reported with the others, at the end
    (source / "g").write_text("after")
    with pytest.raises(util.Error) as info:
        util.copytree(str(source), str(dest))
    assert "fifo" in str(info.value)
    assert (dest / "g").read_text() == "after"
    with pytest.raises(FileNotFoundError):
        util.copytree(str(tmp_path / "missing-src"), str(dest))


def test_chmod_and_chown_recurse(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "f").write_text("x")
    (root / "link").symlink_to("sub")
    util.chmod(str(root), 0o750)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o750 for p in root.rglob("*"))
    uid, gid = (65534, 65534) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    util.chown(str(root), uid, gid)
    for path in [root, root / "sub", root / "sub" / "f"]:
        assert (path.stat().st_uid, path.stat().st_gid) == (uid, gid)
    assert (root / "link").lstat().st_uid == uid


def test_remove_rmtree_unlink(tmp_path, caplog):
    (tmp_path / "f").write_text("x")
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "l").symlink_to("f")
    util.remove(str(tmp_path / "f"))
    util.rmtree(str(tmp_path / "d"))
    util.unlink(str(tmp_path / "l"))
    assert list(tmp_path.iterdir()) == []
    with caplog.at_level(logging.WARNING, logger="pki.util"):
        util.remove(str(tmp_path / "f"), force=True)
        util.rmtree(str(tmp_path / "d"), force=True)
        util.unlink(str(tmp_path / "l"), force=True)
    assert "File not found" in caplog.text and "Link not found" in caplog.text
    with pytest.raises(FileNotFoundError):
        util.remove(str(tmp_path / "f"))
    with pytest.raises(FileNotFoundError):
        util.rmtree(str(tmp_path / "d"))


# -- properties --------------------------------------------------------------------------------


def test_load_properties(tmp_path):
    path = tmp_path / "CS.cfg"
    path.write_text(
        "# comment\n\n  ca.name = My CA  \nmulti=one \\\ntwo\nempty=\nurl=http://x/?a=b\n"
    )
    props: dict[str, str] = {"existing": "kept"}
    util.load_properties(str(path), props)
    assert props == {
        "existing": "kept", "ca.name": "My CA", "multi": "one two", "empty": "",
        "url": "http://x/?a=b",
    }
    path.write_text("good=1\nno delimiter here\n")
    with pytest.raises(Exception, match="Missing delimiter in .* line 2"):
        util.load_properties(str(path), {})


def test_store_properties(tmp_path):
    path = tmp_path / "out.cfg"
    util.store_properties(str(path), {"b": "two", "a": 1, "c": None})
    assert path.read_text() == "a=1\nb=two\nc=\n"
    props: dict[str, str] = {}
    util.load_properties(str(path), props)
    assert props == {"a": "1", "b": "two", "c": ""}
    with pytest.raises(TypeError):
        util.store_properties(str(path), {"x": 1.5})


def test_set_property():
    props = {"a": "1", "b": "2"}
    util.set_property(props, "a", None)
    util.set_property(props, "b", "")
    util.set_property(props, "c", "3")
    assert props == {"a": "1", "c": "3"}


# -- environment -------------------------------------------------------------------------------


def test_read_environment_files_parses_without_running_a_shell(tmp_path):
    first, second = tmp_path / "share.conf", tmp_path / "etc.conf"
    first.write_text('JAVA_HOME=/usr/lib/jvm/jre\nexport JAVA_HOME\nPKI_LIB=/usr/share/pki/lib\n')
    second.write_text('export JAVA_OPTS="-Dhome=${JAVA_HOME} -Dfrom=${FROM_ENV}" # a comment\n')
    out = run_audited(
        "from pki import util",
        """
        def _spawns(event, args):
            if event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.system"):
                writes.append(("SPAWN", event))
        sys.addaudithook(_spawns)
        util.read_environment_files(sys.argv[1:])
        print(os.environ["JAVA_HOME"], os.environ["PKI_LIB"], os.environ["JAVA_OPTS"], sep="|")
        """,
        str(first), str(second),
        env={"FROM_ENV": "outside"},
    )
    assert out == [
        "/usr/lib/jvm/jre|/usr/share/pki/lib|-Dhome=/usr/lib/jvm/jre -Dfrom=outside", "[]",
    ]


def test_read_environment_files_refuses_commands(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.conf"
    evil.write_text(f"X=$(touch {marker})\n")
    with pytest.raises(ConfigError, match="evil.conf"):
        util.read_environment_files([str(evil)])
    assert not marker.exists()
    with pytest.raises(ConfigError, match="cannot read"):
        util.read_environment_files([str(tmp_path / "missing.conf")])


# -- prompts and versions ----------------------------------------------------------------------


def test_read_text(monkeypatch):
    answers = iter(["", "maybe", " YES "])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert util.read_text("Go", default="no") == "no"
    assert util.read_text("Go", options=["yes", "no"], case_sensitive=False) == "YES"
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or "s3cret")
    assert util.read_text("Password", password=True, default="old") == "s3cret"
    assert prompts == ["Password [********]: "]


def test_version():
    assert util.Version("11.6.0") < util.Version("11.10.1-1.fc41")
    assert util.Version("11.6.0-beta1") == util.Version("11.6.0")
    assert repr(util.Version(util.Version("10.2.3"))) == "10.2.3"
    with pytest.raises(Exception, match="Unable to parse version number"):
        util.Version("eleven")
