#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
extract.py DOC OUTDIR SCRATCH [SECTION]: the runnable parts of a markdown
page, for doctest/run.sh.

  ```sh      a step: written to OUTDIR/N.sh, run in order by one shell
  ```output  right after a step (nothing but blank lines between): lines
             that step must print, to OUTDIR/N.expect
  ```c       under a heading that names a file (`path/file.c`): the
             block must appear verbatim in that file (OUTDIR/cfiles)

System paths are replaced by the same paths under SCRATCH, and nothing
else: /etc/tlsk, /run/tlsk and /usr/local, and `make install...` gets
DESTDIR=SCRATCH. With SECTION, only the blocks under the heading that
starts with it (up to the next heading of the same level).
Prints the number of steps.
"""
import os
import re
import sys

SYSTEM_PATHS = ("/etc/tlsk", "/run/tlsk", "/usr/local")


def scratch(text, root):
    for p in SYSTEM_PATHS:
        text = re.sub(r"(?<![\w/.$-])" + re.escape(p) + r"(?=[/\s'\":]|$)",
                      root + p, text, flags=re.M)
    return re.sub(r"\b(make install(?:-userspace|-module)?)\b",
                  r"\1 DESTDIR=" + root, text)


def section(lines, title):
    out, level = [], None
    for line in lines:
        m = re.match(r"(#+) ", line)
        if level is None:
            if m and line[len(m.group(1)) + 1:].startswith(title):
                level = len(m.group(1))
            continue
        if m and len(m.group(1)) <= level and not in_fence(out):
            break
        out.append(line)
    return out


def in_fence(lines):
    return sum(1 for l in lines if l.startswith("```")) % 2 == 1


def blocks(lines):
    """(kind, text, heading, prose_before) for each fenced block."""
    heading, prose, i = "", [], 0
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"```(\w*)\s*$", line)
        if fence:
            kind = fence.group(1)
            body = []
            i += 1
            while i < len(lines) and not re.match(r"```\s*$", lines[i]):
                body.append(lines[i])
                i += 1
            yield kind, "".join(body), heading, "".join(prose)
            prose = []
        elif line.startswith("#"):
            heading, prose = line, []
        else:
            prose.append(line)
        i += 1


def main():
    doc, outdir, root = sys.argv[1:4]
    lines = open(doc).readlines()
    if len(sys.argv) > 4:
        lines = section(lines, sys.argv[4])
    n, last_sh, cfiles = 0, False, []
    top = os.path.dirname(os.path.dirname(os.path.abspath(doc)))
    for kind, text, heading, prose in blocks(lines):
        if kind == "sh":
            n += 1
            with open(os.path.join(outdir, "%d.sh" % n), "w") as f:
                f.write(scratch(text, root))
            last_sh = True
            continue
        if kind == "output" and last_sh and not prose.strip(" \n"):
            with open(os.path.join(outdir, "%d.expect" % n), "w") as f:
                f.write(scratch(text, root))
        elif kind == "c":
            m = re.search(r"`([\w/.-]+\.c)`", heading)
            if m:
                src = open(os.path.join(top, m.group(1))).read()
                cfiles.append("%s %s" % ("ok" if text in src else "differs",
                                         m.group(1)))
        last_sh = False
    with open(os.path.join(outdir, "cfiles"), "w") as f:
        f.write("".join(c + "\n" for c in cfiles))
    print(n)


main()
