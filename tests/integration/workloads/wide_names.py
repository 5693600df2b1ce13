# wide_names.py: non-ASCII names for `pyhawk top` on a terminal. The test
# copies it as wörk_ünï.py. A 60/30/10 split of CPU time (calls of one size)
# among rechnen_größe (Latin letters, one column each), 计算 (CJK: two
# columns each) and a CJK name of 61 characters, 122 columns: its row is
# wider than a 160-column screen. Runs until killed; prints "ready".
import sys

N = 20000


def rechnen_größe(n):
    i = x = 0
    while i < n: i += 1; x += (i * i + (i ^ 3)) % 7  # noqa: E701
    return x


def 计算(n):
    i = x = 0
    while i < n: i += 1; x += (i * i + (i ^ 3)) % 7  # noqa: E701
    return x


def 数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理完(n):
    i = x = 0
    while i < n: i += 1; x += (i * i + (i ^ 3)) % 7  # noqa: E701
    return x


def main():
    print("ready", flush=True)
    while True:
        for _ in range(6):
            rechnen_größe(N)
        for _ in range(3):
            计算(N)
        数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理数据处理完(N)


if __name__ == "__main__":
    sys.exit(main())
