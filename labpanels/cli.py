"""The ``labpanels`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="labpanels", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="start the local vantage6 platform (real server, simulated nodes) and JupyterLab",
    )
    demo.add_argument("--no-lab", action="store_true",
                      help="start only the platform and print one JSON line when ready")
    demo.add_argument("--info", type=Path, help="also write the ready JSON to this file")
    demo.add_argument("--folder", type=Path,
                      help="keep database, logs and keys here (default: a temporary folder)")
    demo.add_argument("--reset", action="store_true",
                      help="with --folder: delete what it holds and create the scenario anew")
    demo.add_argument("--learners", type=int, default=0, metavar="N",
                      help="create N extra researcher accounts for a class")
    demo.add_argument("--port", type=int, default=0, help="vantage6 server port (default: free)")
    demo.add_argument("--store-port", type=int, default=0,
                      help="algorithm store port (default: free)")
    demo.add_argument("--lab-port", type=int, default=0, help="JupyterLab port (default: free)")
    demo.add_argument("--notebooks", type=Path, metavar="DIR",
                      help="folder the workshop notebooks are copied into (only missing "
                           "files; yours are kept) and JupyterLab opens "
                           "(default: ./labpanels-notebooks)")
    from .hub.command import add_hub_command

    add_hub_command(commands)
    args = parser.parse_args(argv)

    if args.command == "demo":
        from .demo.launch import run_demo

        return run_demo(
            lab=not args.no_lab, info=args.info, folder=args.folder, learners=args.learners,
            reset=args.reset, port=args.port, lab_port=args.lab_port, notebooks=args.notebooks,
            store_port=args.store_port,
        )
    if hasattr(args, "run_command"):
        return args.run_command(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
