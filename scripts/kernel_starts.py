"""Starts the vecrnn Java kernel N times in a row and counts the starts that answered kernel_info.

Usage: /usr/bin/python3 scripts/kernel_starts.py [N]   (./vecrnn notebooks --starts N installs the kernel first)
Each start gets 30 s to answer; the script prints each start's time and exits 1 if any start failed.
"""
import sys
import time

from jupyter_client.manager import start_new_kernel


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    failures, times = 0, []
    for i in range(n):
        start = time.time()
        try:
            km, kc = start_new_kernel(kernel_name="vecrnn-java", startup_timeout=30)
            reply = kc.execute_interactive("int answer = 6 * 7; answer", timeout=30)
            ok = reply["content"]["status"] == "ok"
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        except Exception as e:  # a start that never answers raises RuntimeError after 30 s
            ok = False
            print(f"start {i + 1}: {e}", file=sys.stderr)
        elapsed = time.time() - start
        times.append(elapsed)
        failures += 0 if ok else 1
        print(f"start {i + 1}/{n}: {'ok' if ok else 'FAILED'} in {elapsed:.2f} s", flush=True)
    times.sort()
    print(f"{n - failures} of {n} starts answered; median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
