"""Another process holding a database file, as the app or a `fund` command does, until the
test tells it to let go."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Run under the program name the test chooses, so the lock error names that program.
_HOLDER = """\
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
con.close()
print("released", flush=True)
"""


class Holder:
    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.pid = process.pid

    def let_go(self) -> None:
        """Close the file, and return once it is closed."""
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "released"


@contextmanager
def held(path: Path, folder: Path, program: str = "holder") -> Iterator[Holder]:
    """``path`` held open by a process whose command line runs ``folder/program``."""
    script = folder / program
    script.write_text(_HOLDER, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "holding"
        yield Holder(process)
    finally:
        process.kill()
        process.wait()
