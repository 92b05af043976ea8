#!/usr/bin/env python3
"""Print the command tree of the Java ``pki`` CLI as the table in pki/cli/javacommands.py.

Usage: scripts/java-cli-commands.py PKI_SOURCE_DIR > table.txt

Reads the CLI classes under base/tools/src/main/java/com/netscape/cmstools of a dogtagpki/pki
checkout: each class names itself and describes itself in its ``super("name", "description",
...)`` call and adds its children with ``addModule(new ChildCLI(this))``. A child's class is
the one its parent imports by that name, else the one of the parent's package (the CA's
``profile.ProfileCLI`` and TPS's ``tps.profile.ProfileCLI`` share a name). The output has one
line per module or command, indented two spaces per level: ``full-name<TAB>description``,
with ``<TAB>deprecated`` for classes annotated ``@Deprecated``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_NAME = re.compile(r'super\(\s*"([^"]+)"\s*,\s*"([^"]*)"')
_CHILD = re.compile(r"addModule\(\s*new\s+(\w+)\(")
_PACKAGE = re.compile(r"^package\s+([\w.]+)\s*;", re.MULTILINE)
_IMPORT = re.compile(r"^import\s+([\w.]+)\.(\w+)\s*;", re.MULTILINE)


def read_classes(root: Path) -> dict[str, tuple[str, str, list[str], bool]]:
    """Each class by its qualified name: its name, description, children (qualified) and
    whether it is deprecated."""
    classes = {}
    for path in root.rglob("*.java"):
        text = path.read_text(encoding="utf-8", errors="replace")
        name = _NAME.search(text)
        head = text.split(f"class {path.stem}", 1)[0]
        package = _PACKAGE.search(text)
        prefix = package.group(1) + "." if package else ""
        imports = {cls: f"{pkg}.{cls}" for pkg, cls in _IMPORT.findall(text)}
        children = [imports.get(child, prefix + child) for child in _CHILD.findall(text)]
        classes[prefix + path.stem] = (
            name.group(1) if name else "",
            name.group(2) if name else "",
            children,
            "@Deprecated" in head,
        )
    return classes


def walk(classes: dict, cls: str, prefix: str, depth: int, out: list[str]) -> None:
    for child in classes[cls][2]:
        name, description, children, deprecated = classes[child]
        full = name if not prefix or child.endswith(".HelpCLI") else f"{prefix}-{name}"
        line = "  " * depth + f"{full}\t{description}"
        out.append(line + ("\tdeprecated" if deprecated else ""))
        if children:
            walk(classes, child, full, depth + 1, out)


def main() -> int:
    root = Path(sys.argv[1]) / "base/tools/src/main/java/com/netscape/cmstools"
    out: list[str] = []
    walk(read_classes(root), "com.netscape.cmstools.cli.MainCLI", "", 0, out)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
