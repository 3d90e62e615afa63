"""Fetch every dataset the labs use, up front: MNIST, Fashion-MNIST and the UCI red wine file.

Run it once where the network is good (campus Wi-Fi, before the lab session); afterwards every
lab runs offline. Each file gets a progress bar; a transfer cut short resumes where it stopped
on the next run (when the server allows it); every file, wherever it comes from, is checked
against its official checksum before it is kept. A host that does not answer (a firewall that
drops packets) is waited for 10 s once, then left behind for the rest of the run, and the last
line names every host that could not be reached. A teacher's server or a classmate's folder
can stand in for the official sites: --mirror, or the LABS_DATA_MIRROR variable (a base URL,
or a folder laid out like the data folder: MNIST/raw/train-images-idx3-ubyte.gz and so on,
each file .gz or uncompressed). docs/data.md has the details, docs/troubleshooting.md what to
do when a download fails.

    python fetch_data.py                                   # into data/ (or $LABS_DATA_DIR)
    python fetch_data.py --mirror http://course.example.edu/datasets/
    python fetch_data.py --mirror D:\\datasets --data-dir data
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import datafiles
import machinery


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="fetch_data.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"where the files go (default: ${datafiles.DATA_ENV}, else data/ "
                             f"next to the scripts)")
    parser.add_argument("--mirror", default=None,
                        help=f"a base URL or a folder to fetch from first (default: "
                             f"${datafiles.MIRROR_ENV}, if set)")
    args = parser.parse_args(argv)
    data_dir = datafiles.resolve_data_dir(args.data_dir)
    print(f"data folder: {data_dir}")
    done = datafiles.fetch_all(data_dir, args.mirror)
    width = max(len(rel) for rel, *_ in done)
    print()
    for rel, verdict, detail in done:
        print(f"{rel:<{width}}  {verdict:<8}  {detail}")
    problems = sum(verdict == "problem" for _, verdict, _ in done)
    print(f"\n{len(done) - problems} of {len(done)} files ready in {data_dir}" +
          ("" if not problems else f"; {problems} could not be fetched (see above)"))
    if datafiles.unreached:  # tried once each, then left behind
        print(datafiles.unreached_line())
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(machinery.cli(main))
