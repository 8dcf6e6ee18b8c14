import sys

if len(sys.argv) == 3 and sys.argv[1] == "service":  # a service process: only what it runs (thidua/servicecmd.py)
    from thidua.servicecmd import run

    sys.exit(run(sys.argv[2]))

from thidua.cli import main

sys.exit(main())
