"""primes LIMIT [--start-method fork|spawn|forkserver] [--workers N]"""
import argparse
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from .sieve import count_primes


def chunks(limit, size):
    return [(start, min(start + size, limit)) for start in range(0, limit, size)]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="primes", description="Count the primes below LIMIT in parallel.")
    parser.add_argument("limit", type=int, nargs="?", default=100_000)
    parser.add_argument("--start-method", choices=multiprocessing.get_all_start_methods(), default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executor", action="store_true", help="use concurrent.futures instead of a Pool")
    args = parser.parse_args(argv)

    context = multiprocessing.get_context(args.start_method)
    parts = chunks(args.limit, max(1, args.limit // 8))
    if args.executor:
        with ProcessPoolExecutor(args.workers, mp_context=context) as executor:
            counts = list(executor.map(count_primes, parts))
    else:
        with context.Pool(args.workers) as pool:
            counts = pool.map(count_primes, parts)
    pids = set()
    with context.Pool(args.workers) as pool:
        pids.update(pool.map(_pid, range(args.workers * 2)))
    print(f"{sum(counts)} primes below {args.limit} "
          f"({len(parts)} chunks, start method {context.get_start_method()}, "
          f"{'in worker processes' if os.getpid() not in pids else 'IN THE MAIN PROCESS'})")
    return 0


def _pid(_):
    return os.getpid()


if __name__ == "__main__":
    sys.exit(main())
