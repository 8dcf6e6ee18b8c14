import sys

if len(sys.argv) == 3 and sys.argv[1] == "service":  # a service process: only what it runs (thidua/servicecmd.py)
    import gc

    # Importing a service builds ~170,000 objects that live as long as the process; the collector would walk them all
    # several times while they are being built (a fifth of the start-up's CPU). `servicecmd.run` freezes them once
    # they are built and turns the collector back on.
    gc.disable()
    from thidua.servicecmd import run

    sys.exit(run(sys.argv[2]))

from thidua.cli import main

sys.exit(main())
