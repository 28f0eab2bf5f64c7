"""Print one of the README's set-up commands, exactly as written, so CI runs what users run.

    python3 .ci/readme_commands.py 1   # the first ```bash block under "## Set-up"
    python3 .ci/readme_commands.py 2   # the second (the test command)

Exits 1 with a message naming README.md when the section or the block is missing, so README
and CI cannot drift apart silently.
"""
import re
import sys
from pathlib import Path


def setup_commands(readme: str) -> list[str]:
    """The bash blocks of the README's "## Set-up" section, in order."""
    m = re.search(r"^## Set-up[^\n]*\n(.*?)(?=^## )", readme, flags=re.S | re.M)
    if not m:
        return []
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", m.group(1), flags=re.S)]


def main() -> int:
    n = int(sys.argv[1])
    readme = Path(__file__).resolve().parent.parent / "README.md"
    blocks = setup_commands(readme.read_text(encoding="utf-8"))
    if len(blocks) != 2 or n not in (1, 2):
        print(f"{readme}: expected two ```bash blocks under '## Set-up', found {len(blocks)}", file=sys.stderr)
        return 1
    print(blocks[n - 1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
