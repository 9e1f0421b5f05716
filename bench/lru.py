#!/usr/bin/env python3
"""The LRU cache simulation a user writes by hand: collections.OrderedDict, end to end.

Usage: lru.py TRACE.csv SIZE [--ignore-obj-size]

Reads a popsim CSV trace (a header naming its columns; the cache key is the `url` column, the
size the `bytes` column — 1 when the column is missing or empty) with the csv module, and
replays it against one LRU cache of SIZE bytes (objects with --ignore-obj-size) with
libCacheSim's rules, which `popsim cachesim` follows too:

- a request of size 0 is skipped and not counted;
- a hit moves the object to the most recently used end and keeps the size it was inserted with;
- a miss evicts from the least recently used end until the object fits, then inserts it; an
  object larger than the cache is a miss and is not inserted.

Prints one line: requests, miss ratio and byte miss ratio (4 decimals), as bench/run.sh reads it.
Python standard library only.
"""
import csv
import sys
from collections import OrderedDict


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    path, capacity = args[0], int(args[1])
    counting = "--ignore-obj-size" in argv
    cache = OrderedDict()
    used = requests = request_bytes = misses = miss_bytes = 0
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = next(rows)
        url = header.index("url")
        size_col = header.index("bytes") if "bytes" in header else None
        move_to_end, popitem = cache.move_to_end, cache.popitem
        for row in rows:
            if not row:
                continue
            size = int(row[size_col]) if size_col is not None and row[size_col] else 1
            if size == 0:
                continue
            if counting:
                size = 1
            requests += 1
            request_bytes += size
            key = row[url]
            if key in cache:
                move_to_end(key)
                continue
            misses += 1
            miss_bytes += size
            if size > capacity:
                continue
            while used + size > capacity:
                used -= popitem(last=False)[1]
            cache[key] = size
            used += size
    mr = misses / requests if requests else 0.0
    bmr = miss_bytes / request_bytes if request_bytes else 0.0
    print(f"{requests} requests, miss ratio {mr:.4f}, byte miss ratio {bmr:.4f}")


if __name__ == "__main__":
    main(sys.argv)
