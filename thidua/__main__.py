import sys

from thidua.cli import main

sys.exit(main())
