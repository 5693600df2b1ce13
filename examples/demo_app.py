# demo_app.py: the workload `make demo` profiles: a small "service" that
# parses requests, scores them and renders replies, with a known hot spot.
import json
import sys
import time


def parse(raw):
    return json.loads(raw)


def is_prime(n):
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True


class Scorer:
    def score(self, request):
        # The hot spot: most of the time goes here.
        return sum(1 for n in range(request["base"], request["base"] + 400) if is_prime(n))


def render(request, score):
    return "<p>%s: %d</p>" % (request["user"], score)


def handle(raw, scorer):
    request = parse(raw)
    return render(request, scorer.score(request))


def main(seconds):
    scorer = Scorer()
    requests = [json.dumps({"user": "user%d" % i, "base": 10000 + 37 * i}) for i in range(200)]
    end = time.time() + seconds
    served = 0
    while time.time() < end:
        for raw in requests:
            handle(raw, scorer)
            served += 1
    print("served %d requests" % served)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
