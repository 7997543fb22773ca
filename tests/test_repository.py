"""What the repository holds: no file left half-merged (a conflict once sat in docs/architecture.md
through several merges, its table rows doubled, and nothing noticed)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: What we write: sources, templates, catalogues, docs, scripts and the CI's files.
PLACES = ("src", "tests", "docs", "bench", "scripts", ".ci", "README.md", "Makefile", "pyproject.toml")
SUFFIXES = {".py", ".md", ".html", ".po", ".txt", ".toml", ".js", ".css", ".json", ".sh", ".yml", ".yaml", ""}
#: The lines git writes around a conflict (a bare "=======" is also a Markdown heading's underline).
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def conflicts(root: Path, places=PLACES) -> list[str]:
    """'path:line' of every conflict marker under `places` of `root`."""
    found = []
    for place in places:
        top = root / place
        files = (
            [top]
            if top.is_file()
            else sorted(p for p in top.rglob("*") if p.is_file())
            if top.exists()
            else []
        )
        for path in files:
            if path.suffix not in SUFFIXES or "__pycache__" in path.parts:
                continue
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (UnicodeDecodeError, OSError):
                continue
            found += [
                f"{path.relative_to(root)}:{n}" for n, line in enumerate(lines, 1) if line.startswith(MARKERS)
            ]
    return found


def test_no_file_holds_a_merge_conflict():
    assert conflicts(ROOT) == []


def test_the_check_finds_a_conflict(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("| a |\n<<<<<<< HEAD\n| b |\n=======\n| c |\n>>>>>>> branch\n")
    (tmp_path / "docs" / "b.md").write_text("Title\n=======\nno conflict\n")
    assert conflicts(tmp_path, places=("docs",)) == ["docs/a.md:2", "docs/a.md:6"]
