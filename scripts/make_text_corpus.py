#!/usr/bin/env python3
"""A small real-text corpus for `rnntrain prepare --text-dir`, from text any
Debian machine with Python has: four classes of English prose, cut into
"posts" of 12 lines each (one .txt file per post, so a post's sentences stay
on one side of the split):

    changelog   Debian package changelogs (/usr/share/doc/*/changelog.Debian.gz)
    docstring   docstrings of the Python standard library (ast)
    license     copyright and licence files (/usr/share/doc/*/copyright)
    vim         Vim's help files (/usr/share/vim/vim*/doc/*.txt)

Each class is capped at MAX_LINES lines; files are visited in sorted order.
Usage: scripts/make_text_corpus.py OUT_DIR [MAX_LINES]   (default 6000)
"""
import ast
import glob
import gzip
import os
import sys
import sysconfig

POST_LINES = 12


def prose(lines):
    for line in lines:
        line = line.strip()
        if len(line.split()) >= 4:
            yield line


def changelogs():
    for path in sorted(glob.glob("/usr/share/doc/*/changelog.Debian.gz")):
        with gzip.open(path, "rt", errors="replace") as f:
            yield from prose(l.lstrip(" *-") for l in f if not l.startswith(" --") and "urgency=" not in l)


def docstrings():
    for path in sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "*.py"))):
        try:
            tree = ast.parse(open(path, encoding="utf-8", errors="replace").read())
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    yield from prose(doc.splitlines())


def licenses():
    for path in sorted(glob.glob("/usr/share/doc/*/copyright")):
        with open(path, errors="replace") as f:
            yield from prose(l for l in f if not l.startswith(("Files:", "Copyright:", "Upstream", "Source:", "Format:")))


def vim():
    for path in sorted(glob.glob("/usr/share/vim/vim*/doc/*.txt")):
        with open(path, errors="replace") as f:
            yield from prose(f)


def main():
    out = sys.argv[1]
    cap = int(sys.argv[2]) if len(sys.argv) > 2 else 6000
    for name, source in [("changelog", changelogs), ("docstring", docstrings), ("license", licenses), ("vim", vim)]:
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        lines = []
        for line in source():
            lines.append(line)
            if len(lines) >= cap:
                break
        for k in range(0, len(lines), POST_LINES):
            with open(os.path.join(folder, "%05d.txt" % (k // POST_LINES)), "w") as f:
                f.write("\n".join(lines[k:k + POST_LINES]) + "\n")
        print(name, len(lines), "lines", file=sys.stderr)


if __name__ == "__main__":
    main()
