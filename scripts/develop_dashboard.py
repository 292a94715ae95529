"""Copy the example dashboard into the development Home Assistant, unless the user edited it.

Run by scripts/develop at every start: a dashboard that is missing, or still exactly what was
copied last time, gets the current example; one the user changed is left alone. The hash of
what was copied is kept next to it.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_dashboard(example: Path, target: Path) -> bool:
    """Copy ``example`` to ``target`` unless the user edited ``target``; return whether copied.

    Without a recorded hash (a folder from before hashes were kept), only a copy identical
    to the example counts as unedited.
    """
    recorded = target.with_name(f".{target.name}.sha256")
    if target.exists():
        current = _digest(target)
        known = recorded.read_text(encoding="utf-8").strip() if recorded.exists() else None
        if current not in (known, _digest(example)):
            return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(example, target)
    recorded.write_text(_digest(target) + "\n", encoding="utf-8")
    return True


def main() -> int:
    """Copy, or say which edited dashboard is kept."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("example", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    if not copy_dashboard(args.example, args.target):
        print(f"Keeping your edited {args.target} (delete it to get {args.example} again).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
