"""Generators and coroutines resumed every way the interpreter resumes them,
for SECONDS: next() from C, send(), yield from, generator expressions inline
and nested, coroutines driven by send() and by asyncio. Each resumption
relinks a frame, the moment a walker can catch a chain half-made."""

import asyncio
import itertools
import sys
import time


def echo():
    x = 0
    while True:
        x = (yield x + 1) or 0


def sender():
    g = echo()
    next(g)
    t = 0
    for i in range(20000):
        t += g.send(i)
    return t


def nexter():
    g = echo()
    next(g)
    return sum(next(g) for _ in range(20000))


def inner(n):
    for i in range(n):
        yield i * 2


def outer(n):
    yield from inner(n)


def delegating():
    return sum(outer(20000))


def nested_genexpr():
    return sum(sum(y for y in range(x % 7)) for x in range(5000))


def chained():
    return len(list(itertools.chain.from_iterable((x,) for x in map(lambda v: v + 1, range(20000)))))


async def leaf(i):
    return i


async def coro_chain(n):
    t = 0
    for i in range(n):
        t += await leaf(i)
    return t


def drive_coro():
    c = coro_chain(10000)
    try:
        c.send(None)
    except StopIteration as e:
        return e.value


# A name longer than the 512 bytes the kernel copies of it.
LONG_NAME = "long_" + "x" * 595
exec("def %s():\n    return sum(range(20000))\n" % LONG_NAME)
long_named = globals()[LONG_NAME]


def main(seconds):
    end = time.time() + seconds
    while time.time() < end:
        long_named()
        sender()
        nexter()
        delegating()
        nested_genexpr()
        chained()
        drive_coro()
        asyncio.run(coro_chain(5000))


if __name__ == "__main__":
    main(float(sys.argv[1]))
