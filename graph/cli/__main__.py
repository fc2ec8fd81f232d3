import sys

from kzlinks.cli.main import main

sys.exit(main())
