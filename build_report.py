#!/usr/bin/env python3
"""Build the district S&T policy report (HTML and PDF, English and Chinese) from data/.

Run `python build_report.py --help` for the options. Exit codes: 0 built (or data valid with
--check), 1 a notebook or the rendering failed, 2 the data has problems (listed as
path:line: column: message), 130 interrupted (Ctrl-C; the previous report is unchanged).
"""

import signal
import sys

if __name__ == "__main__":
    # Ctrl-C must stop the build cleanly even where the shell started it with SIGINT ignored (a
    # background job of a script inherits SIG_IGN, and Python then never raises KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        from stpolicy.cli import main

        sys.exit(main())
    except KeyboardInterrupt:  # the build has already stopped its kernels and removed its stage
        print("interrupted; the previous report is unchanged", file=sys.stderr)
        sys.exit(130)
