#!/usr/bin/env python3
"""rss.py PID OUT: writes the highest VmRSS of PID (KiB) seen every 0.2 s to OUT, until PID ends
or this is killed. One process that forks nothing while it runs, so that sampling the server
during a scenario costs next to nothing (a shell loop forks twice per sample)."""
import os
import signal
import sys
import time


def vm_rss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0


def main(pid, out):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    high = 0
    tmp = out + ".tmp"
    while True:
        value = vm_rss(pid)
        if value is None:
            return 0
        if value > high or high == 0:
            high = max(high, value)
            with open(tmp, "w") as f:
                f.write("%d\n" % high)
            os.replace(tmp, out)
        time.sleep(0.2)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(int(sys.argv[1]), sys.argv[2]))
