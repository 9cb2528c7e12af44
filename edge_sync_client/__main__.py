import sys

from edge_sync_client.cli import main

sys.exit(main())
