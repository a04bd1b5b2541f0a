#!/usr/bin/env python3
"""Random expressions for `gen derive`, with the values Python computes.

Writes DIR/data.csv (columns i: int or empty, f: float or empty, s: text),
DIR/expressions.txt (one gen expression per line) and DIR/expected.json
(per expression, the column `gen derive` must write: one string per row).

Each expression is built twice, in gen's syntax and as Python code, so the
values are Python's own: int and float arithmetic (`//` and `%` floor, `/`
gives a float, `**`), `round` half to even, `repr` of floats, str methods.
Where Python raises (None in arithmetic, division by zero), gen gives null,
written as an empty field; a comparison with None is False, except `==`/`!=`.

Usage: python_expression_oracle.py DIR COUNT SEED
"""
import csv
import json
import os
import random
import sys

out, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
TEXTS = ["", "Ann", "bob", "Zoë", "x y", "ABC", "abc", "a'b", "éclair", "Bob", "zz"]


def arith(op, a, b):
    if a is None or b is None:
        return None
    try:
        return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
                "//": lambda: a // b, "%": lambda: a % b, "**": lambda: a ** b}[op]()
    except ZeroDivisionError:
        return None


def compare(op, a, b):
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if a is None or b is None:
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def call(name, *args):
    if name in ("min", "max"):
        values = [v for v in args if v is not None]
        return (min if name == "min" else max)(values) if values else None
    if name == "coalesce":
        return next((v for v in args if v is not None), None)
    if args[0] is None:
        return None
    return {"abs": lambda: abs(args[0]), "round": lambda: round(*args), "lower": lambda: args[0].lower(),
            "upper": lambda: args[0].upper(), "len": lambda: len(args[0]), "str": lambda: str(args[0])}[name]()


def integer():
    return rng.choice([str(rng.randint(0, 20)), str(rng.randint(0, 3))])


def floating():
    return rng.choice(["0.5", "2.25", "1.1", "3.0", "0.1", "7.5"])


def number(depth):
    """(gen text, python text) of a numeric expression."""
    kind = rng.randrange(9 if depth > 0 else 3)
    if kind == 0:
        return ("i", "i")
    if kind == 1:
        return ("f", "f")
    if kind == 2:
        literal = rng.choice([integer(), floating()])
        return (literal, literal)
    if kind in (3, 4, 5):
        op = rng.choice(["+", "-", "*", "/", "//", "%"])
        (ga, pa), (gb, pb) = number(depth - 1), number(depth - 1)
        return (f"({ga} {op} {gb})", f"arith('{op}', {pa}, {pb})")
    if kind == 6:
        base = rng.choice(["i", "f", integer()])
        exponent = str(rng.randint(0, 3))
        return (f"{base} ** {exponent}", f"arith('**', {base}, {exponent})")
    if kind == 7:
        name = rng.choice(["abs", "round", "min", "max", "coalesce"])
        if name in ("abs", "round"):
            g, p = number(depth - 1)
            if name == "round" and rng.random() < 0.5:
                places = str(rng.randint(0, 3))
                return (f"round({g}, {places})", f"call('round', {p}, {places})")
            return (f"{name}({g})", f"call('{name}', {p})")
        (ga, pa), (gb, pb) = number(depth - 1), number(depth - 1)
        return (f"{name}({ga}, {gb})", f"call('{name}', {pa}, {pb})")
    g, p = number(depth - 1)
    return (f"-({g})", f"arith('*', -1, {p})")


def text_literal():
    value = rng.choice(TEXTS[1:] + ["a", "B", "É"])
    return ("'" + value.replace("'", "\\'") + "'", repr(value))


def condition(depth):
    """(gen text, python text) of a boolean expression."""
    kind = rng.randrange(8 if depth > 0 else 4)
    if kind == 0:
        op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
        (ga, pa), (gb, pb) = number(1), number(1)
        return (f"{ga} {op} {gb}", f"compare('{op}', {pa}, {pb})")
    if kind == 1:
        op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
        g, p = text_literal()
        subject = rng.choice([("s", "s"), ("lower(s)", "call('lower', s)"), ("upper(s)", "call('upper', s)")])
        return (f"{subject[0]} {op} {g}", f"compare('{op}', {subject[1]}, {p})")
    if kind == 2:
        g, p = text_literal()
        name = rng.choice(["startswith", "endswith", "contains"])
        python = f"({p} in s)" if name == "contains" else f"s.{name}({p})"
        return (f"{name}(s, {g})", python)
    if kind == 3:
        return rng.choice([("i is null", "i is None"), ("f is not null", "f is not None"),
                           ("s in ('Ann', 'bob', '')", "s in ('Ann', 'bob', '')"),
                           ("i not in (1, 2, 3)", "i not in (1, 2, 3)"), ("len(s) > 2", "len(s) > 2")])
    if kind in (4, 5):
        op = rng.choice(["and", "or"])
        (ga, pa), (gb, pb) = condition(depth - 1), condition(depth - 1)
        return (f"({ga} {op} {gb})", f"bool(({pa}) {op} ({pb}))")
    if kind == 6:
        g, p = condition(depth - 1)
        return (f"not ({g})", f"not ({p})")
    (gc, pc), (ga, pa), (gb, pb) = condition(depth - 1), number(1), number(1)
    return (f"if({gc}, {ga}, {gb})", f"(({pa}) if ({pc}) else ({pb}))")


def shown(value):
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


rows = []
for _ in range(60):
    i = None if rng.random() < 0.1 else rng.randint(-20, 20)
    f = None if rng.random() < 0.1 else rng.choice([0.0, -0.5, 1.5, 2.675, 0.1, 3.0, -7.25, 10.0, 1e-05])
    rows.append((i, f, rng.choice(TEXTS)))
with open(os.path.join(out, "data.csv"), "w", newline="") as handle:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["i", "f", "s"])
    for i, f, s in rows:
        writer.writerow(["" if i is None else i, "" if f is None else repr(f), s])

expressions, expected = [], []
while len(expressions) < count:
    g, p = condition(3) if rng.random() < 0.5 else number(3)
    values = []
    try:
        for i, f, s in rows:
            values.append(shown(eval(p)))
    except (OverflowError, TypeError, ValueError):
        continue  # outside what the two are meant to agree on (big powers, complex results)
    if any(len(v) > 40 or "e+" in v and len(v) > 22 for v in values):
        continue  # ints past 64 bits become floats in gen
    expressions.append(g)
    expected.append(values)
with open(os.path.join(out, "expressions.txt"), "w") as handle:
    handle.write("\n".join(expressions) + "\n")
with open(os.path.join(out, "expected.json"), "w") as handle:
    json.dump(expected, handle)
