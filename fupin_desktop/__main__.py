import sys

from fupin_desktop.cli import main

sys.exit(main())
