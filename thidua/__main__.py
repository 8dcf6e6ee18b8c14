"""`python -m thidua`: the CLI, or one service process (`python -m thidua service portal`, as `thidua up` starts them).

Guarded by `__name__`: a worker process the portal starts to parse uploads (anyio's `to_process`, see
`shared/platform/workers.py`) runs the parent's main module again as `__mp_main__`, which must then do nothing.
"""

import sys


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "service":  # a service process: only what it runs (thidua/servicecmd.py)
        import gc

        # Importing a service builds ~170,000 objects that live as long as the process; the collector would walk them
        # all several times while they are being built (a fifth of the start-up's CPU). `servicecmd.run` freezes them
        # once they are built and turns the collector back on.
        gc.disable()
        from thidua.servicecmd import run

        return run(sys.argv[2])

    from thidua.cli import main as cli

    return cli()


if __name__ == "__main__":
    sys.exit(main())
