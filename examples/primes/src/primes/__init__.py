"""Counts primes in parallel with multiprocessing."""
