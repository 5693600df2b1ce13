# mödule.py: names and a path with characters every format must escape:
# spaces, &, quotes, <lambda>, <module>, non-ASCII.
import time


def fünf(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        list(map(lambda x: x * 2, range(100)))


class Q:
    def 関数(self, seconds):
        fünf(seconds)


Q().関数(1.5)
