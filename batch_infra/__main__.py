"""`python -m batch_infra` runs the command line."""

import sys

from batch_infra.cli.main import main

sys.exit(main())
