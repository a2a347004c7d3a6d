#!/usr/bin/env python3
"""Fails when a function in src/ is longer than the limit.

A function's length is the number of lines between its opening and closing braces (the code
style puts both at column 0 on lines of their own). The limit is LIMIT (60) lines. A function
may exceed it only when it is listed in scripts/function-length-allow.txt as "path:function"
with a reason after '#'; a listed function that is no longer too long is reported too, so the
list does not go stale.

Usage: scripts/check-function-length.py [ROOT]   (ROOT defaults to the repository)
"""
import os
import re
import sys

LIMIT = int(os.environ.get("FUNCTION_LINES_LIMIT", "60"))
NAME = re.compile(r"([A-Za-z_]\w*)\s*\(")


def functions(path):
    """Yields (name, first line number, body lines) for each function definition."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if line != "{" or i == 0:
            continue
        # The signature: the lines above up to a blank line, a comment end or a preprocessor line.
        j = i - 1
        sig = []
        while j >= 0 and lines[j] and not lines[j].endswith("*/") and not lines[j].startswith("#"):
            sig.insert(0, lines[j])
            j -= 1
        text = " ".join(sig)
        if "(" not in text or text.lstrip().startswith(("struct", "enum", "union", "typedef")) and "(" not in text.split("{")[0]:
            continue
        m = NAME.search(text.split("(")[0] + "(")
        if not m:
            continue
        end = i + 1
        while end < len(lines) and lines[end] != "}":
            end += 1
        yield m.group(1), i + 1, end - i - 1


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    allow_path = os.path.join(root, "scripts", "function-length-allow.txt")
    allowed = {}
    if os.path.exists(allow_path):
        for line in open(allow_path, encoding="utf-8"):
            key = line.split("#")[0].strip()
            if key:
                allowed[key] = False
    bad = []
    for dirpath, _, files in sorted(os.walk(os.path.join(root, "src"))):
        for fn in sorted(files):
            if not fn.endswith(".c"):
                continue
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, root)
            for name, line, n in functions(path):
                key = f"{rel}:{name}"
                if n <= LIMIT:
                    continue
                if key in allowed:
                    allowed[key] = True
                    continue
                bad.append(f"{rel}:{line}: {name} is {n} lines (limit {LIMIT})")
    stale = [k for k, used in allowed.items() if not used]
    for b in bad:
        print(b, file=sys.stderr)
    for k in stale:
        print(f"{k}: listed in scripts/function-length-allow.txt but not over {LIMIT} lines",
              file=sys.stderr)
    if bad or stale:
        return 1
    print(f"check-function-length: every function in src/ is at most {LIMIT} lines"
          + (f" ({len(allowed)} allowed exceptions)" if allowed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
