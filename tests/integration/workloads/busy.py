# busy.py: runs busy_loop() for argv[1] seconds (default: a long time),
# printing "ready" once it runs, so a test can attach or signal.
import sys
import time


def busy_loop(seconds):
    end = time.time() + seconds
    x = 0
    while time.time() < end:
        x += 1  # HOT:busy
    return x


def main():
    print("ready", flush=True)
    busy_loop(float(sys.argv[1]) if len(sys.argv) > 1 else 600)


if __name__ == "__main__":
    main()
