"""bench/RESULTS.md holds one section per benchmark (`## heading` up to the next `## `);
each benchmark script rewrites only its own (bench/jit.sh, bench/persist.sh)."""
import os


def write_section(path, heading, section):
    """Replaces the section that starts with `heading` in the file at `path`, or appends it."""
    text = open(path).read() if os.path.exists(path) else "# etlc benchmark results\n"
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    with open(path, "w") as f:
        f.write(text.rstrip("\n") + "\n")
