# Compressed inputs are made here rather than checked in: gzip with Python, zstd with the
# `zstd` command (Debian package zstd; scripts/install-deps.sh installs it).
import gzip
import os
import shutil
import subprocess
import sys

os.makedirs("in", exist_ok=True)
with gzip.open("in/a.csv.gz", "wb") as f:
    f.write(b"id,name\n1,gz\n")
with gzip.open("in/c.jsonl.gz", "wb") as f:
    f.write(b'{"id":5,"name":"jz"}\n')
if shutil.which("zstd") is None:
    sys.exit("src_compressed: the `zstd` command is missing (apt-get install zstd): cannot make the zstd input")
with open("in/b.csv", "wb") as f:
    f.write(b"id,name\n2,zst\n")
subprocess.run(["zstd", "-q", "--rm", "in/b.csv", "-o", "in/b.csv.zst"], check=True)
