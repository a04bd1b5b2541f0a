#!/usr/bin/env bash
# Runs the same generator work in Swift (generator-timings, release build) and
# in CPython (generator function and generator expression), in one go, and
# prints the ratios. Usage, from the repository root or Benchmarks/:
#   bash Benchmarks/compare-python.sh
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}

swift build -c release --product generator-timings >/dev/null
swift_out=$(.build/release/generator-timings)

py_out=$("$python" - <<'PY'
import statistics, sys, time

N = 10_000_000
CREATIONS = 1_000_000
RUNS = 7

def median_ns(units, work):
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        work()
        samples.append((time.perf_counter_ns() - start) / units)
    return statistics.median(samples)

def count_up(n):           # the tutorial's generator function
    i = 0
    while i < n:
        yield i
        i += 1

def gen_function():
    total = 0
    for x in count_up(N):
        total += x
    return total

def count_range(n):        # the fastest way to write it in Python
    for i in range(n):
        yield i

def gen_function_range():
    total = 0
    for x in count_range(N):
        total += x
    return total

def gen_expression():
    return sum(x for x in range(N))

def gen_next():
    g = count_up(N)
    total = 0
    nxt = next
    try:
        while True:
            total += nxt(g)
    except StopIteration:
        return total

def one(i):
    yield i

def create_first_destroy():
    for i in range(CREATIONS):
        g = one(i)
        next(g)
        del g              # suspended: closed on deallocation

def nested(depth, n):
    if depth == 0:
        yield from count_up(n)
    else:
        yield from nested(depth - 1, n)

def yield_from(depth):
    # CPython resumes every level for every element, so deep chains get fewer.
    n = max(20_000, 2_000_000 // depth)
    def work():
        total = 0
        for x in nested(depth, n):
            total += x
    return median_ns(n, work)

print(f"yield_for_in_ns\t{median_ns(N, gen_function):.2f}")
print(f"yield_next_ns\t{median_ns(N, gen_next):.2f}")
print(f"generator_function_range_ns\t{median_ns(N, gen_function_range):.2f}")
print(f"generator_expression_ns\t{median_ns(N, gen_expression):.2f}")
print(f"create_first_destroy_ns\t{median_ns(CREATIONS, create_first_destroy):.2f}")
for depth in (1, 10, 100, 900):   # CPython's recursion limit is 1000
    print(f"yield_from_depth_{depth}_ns\t{yield_from(depth):.2f}")
    sys.stdout.flush()
PY
)

lookup() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$2"; }

echo "| work | Swift Generator | CPython $("$python" -c 'import platform; print(platform.python_version())') | CPython / Swift |"
echo "|---|---:|---:|---:|"
row() {  # label swift_key python_key unit
  local s p
  s=$(lookup "$2" "$swift_out"); p=$(lookup "$3" "$py_out")
  if [ -n "$s" ] && [ -n "$p" ]; then
    printf '| %s | %s %s | %s %s | %.1f× |\n' "$1" "$s" "$4" "$p" "$4" "$(awk -v p="$p" -v s="$s" 'BEGIN { print p / s }')"
  fi
}
row "sum of 10M through \`for x in g\` (per element)" yield_for_in_ns yield_for_in_ns ns
row "sum of 10M through \`next()\` (per element)" yield_next_ns yield_next_ns ns
row "sum of 10M: Swift \`for x in g\` vs \`for i in range(n): yield i\`" yield_for_in_ns generator_function_range_ns ns
row "sum of 10M: Swift \`for x in g\` vs a generator expression" yield_for_in_ns generator_expression_ns ns
row "create + first value + destroy (per generator)" create_first_destroy_ns create_first_destroy_ns ns
row "\`yield from\` depth 1 (per element)" yield_from_depth_1_ns yield_from_depth_1_ns ns
row "\`yield from\` depth 10 (per element)" yield_from_depth_10_ns yield_from_depth_10_ns ns
row "\`yield from\` depth 100 (per element)" yield_from_depth_100_ns yield_from_depth_100_ns ns
row "\`yield from\` depth 1000 (Python: 900) (per element)" yield_from_depth_1000_ns yield_from_depth_900_ns ns
echo
echo "Swift resident memory per suspended generator: $(lookup resident_per_suspended_generator_kib "$swift_out") KiB"
