"""Refuse trailing whitespace, tabs in indentation and a missing final newline.

Usage: python3 scripts/check_whitespace.py FILE [FILE ...]; exits 1 on findings.
"""

import sys


def problems(path):
    """Yield ``path:line: reason`` for each finding in one file."""
    with open(path, "rb") as handle:
        data = handle.read()
    if not data:
        return
    if b"\0" in data:
        return
    if not data.endswith(b"\n"):
        yield f"{path}: no newline at the end of the file"
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.rstrip(b"\r") != line.rstrip():
            yield f"{path}:{number}: trailing whitespace"


def main(paths):
    found = [line for path in paths for line in problems(path)]
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
