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
            results = list(executor.map(work, parts))
    else:
        with context.Pool(args.workers) as pool:
            results = pool.map(work, parts)
    workers = {pid for _, pid in results}
    print(f"{sum(count for count, _ in results)} primes below {args.limit} "
          f"({len(parts)} chunks, start method {context.get_start_method()}, "
          f"{'in worker processes' if os.getpid() not in workers else 'IN THE MAIN PROCESS'})")
    return 0


def work(bounds):
    """Runs in a worker process: the count, and which process computed it."""
    return count_primes(bounds), os.getpid()


if __name__ == "__main__":
    sys.exit(main())
