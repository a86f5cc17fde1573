"""Executes notebooks headless with the vecrnn Java kernel, the way CI does.

For each notebook: run every cell (per-cell timeout), write the executed copy and an HTML page to
--out, even when a cell fails, then go on; exit 1 if any notebook failed. Run with Debian's
/usr/bin/python3 (it has nbclient and nbconvert).
"""
import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--cell-timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failed = []
    for path in args.notebooks:
        name = os.path.basename(path)
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name="vecrnn-java", timeout=args.cell_timeout,
                                startup_timeout=60, resources={"metadata": {"path": os.path.dirname(path)}})
        start = time.time()
        error = None
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError) as e:
            error = e
        seconds = time.time() - start
        nbformat.write(nb, os.path.join(args.out, name))
        html, _ = HTMLExporter().from_notebook_node(nb)
        with open(os.path.join(args.out, name.replace(".ipynb", ".html")), "w", encoding="utf-8") as f:
            f.write(html)
        if error is None:
            print(f"notebook {name}: ok in {seconds:.1f} s")
        else:
            failed.append(name)
            print(f"notebook {name}: FAILED after {seconds:.1f} s\n{error}", file=sys.stderr)
    print(f"executed notebooks and HTML pages: {args.out}")
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
