import sys

from wijkkompas.cli import main

sys.exit(main())
