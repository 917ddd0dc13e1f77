"""README, docs and LICENSE: the first lines are the two commands, links resolve, AGPL is verbatim."""

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_readme_starts_with_the_two_commands():
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    assert lines[0] == "# HTX Connect"
    assert lines[1] == "```sh"
    assert lines[2].startswith("make demo") and lines[3].startswith("make test")


def test_relative_links_in_docs_resolve():
    broken = []
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} → {target}")
    assert not broken, broken


def test_required_docs_exist():
    for path in ("docs/README.md", "docs/admin/deploy.md", "docs/api.md", "docs/decisions/0001-foundation-stack.md"):
        assert (ROOT / path).is_file(), path


def test_license_is_the_verbatim_gnu_agpl_v3():
    text = (ROOT / "LICENSE").read_bytes()
    # MD5 of https://www.gnu.org/licenses/agpl-3.0.txt, the file every AGPL project copies.
    assert hashlib.md5(text).hexdigest() == "eb1e647870add0502f8f010b19de32af"
    assert text.startswith(b"                    GNU AFFERO GENERAL PUBLIC LICENSE\n")
