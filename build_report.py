#!/usr/bin/env python3
"""Build the district S&T policy report (HTML and PDF, English and Chinese) from data/.

Run `python build_report.py --help` for the options. Exit codes: 0 built (or data valid with
--check), 1 a notebook failed, 2 the data has problems (listed as path:line: column: message).
"""

import sys

from stpolicy.cli import main

if __name__ == "__main__":
    sys.exit(main())
