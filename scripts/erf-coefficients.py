#!/usr/bin/env python3
"""Derives SkipNet's erf: piecewise polynomials fitted to erf computed with 60-digit decimals.

erf(x) for 0 <= x < 0.5 is the Taylor series x + x*((c0 - 1) + c1 x^2 + ...), c_n = 2/sqrt(pi) (-1)^n / (n! (2n+1))
(c0 - 1 = 0.128... keeps the last addition's rounding small);
for 0.5 <= x < 6 one polynomial in t = (x - mid)/half per interval of width 0.25 (Chebyshev
interpolation, converted to powers of t); erf(x) = 1 to double precision beyond 6 (erfc(6) < 2.2e-17).

  python3 scripts/erf-coefficients.py table   > C# arrays for src/Runtime/SpecialFunctions.cs
  python3 scripts/erf-coefficients.py check   the fit's worst error in ulp, evaluated in double
  python3 scripts/erf-coefficients.py points  reference values for tests/SkipNet.Tests/Data/erf.txt
"""
import random
import struct
import sys
from decimal import Decimal as D, getcontext

getcontext().prec = 60

def pi():
    # Machin: pi = 16 atan(1/5) - 4 atan(1/239)
    def atan_inv(n):
        x, n2, total, k, sign = D(1) / n, n * n, D(0), 1, 1
        term = x
        while term != 0:
            total += sign * term / k
            x /= n2
            term = x
            k += 2
            sign = -sign
        return total
    return 16 * atan_inv(5) - 4 * atan_inv(239)

PI = pi()
TWO_OVER_SQRT_PI = 2 / PI.sqrt()

def erf(x):
    """erf to about 55 digits: 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (1*3*...*(2n+1)), all terms positive."""
    x = D(x)
    if x == 0:
        return x
    sign = 1 if x > 0 else -1
    x = abs(x)
    term, total, n, two_x2 = x, D(0), 0, 2 * x * x
    while True:
        total += term
        term = term * two_x2 / (2 * n + 3)
        n += 1
        if term < total * D(10) ** -58:
            break
    return sign * TWO_OVER_SQRT_PI * (-(x * x)).exp() * total

TAYLOR_TERMS = 13
START, WIDTH, END, DEGREE = D("0.5"), D("0.25"), D(6), 13

def taylor():
    c, fact = [], D(1)
    for n in range(TAYLOR_TERMS):
        if n > 0:
            fact *= n
        c.append(TWO_OVER_SQRT_PI * (-1) ** n / (fact * (2 * n + 1)))
    c[0] -= 1
    return c

def cos(x):
    # cos by its series, for the Chebyshev nodes
    x = D(x)
    term, total, k = D(1), D(0), 0
    while abs(term) > D(10) ** -58:
        total += term
        term = -term * x * x / ((2 * k + 1) * (2 * k + 2))
        k += 1
    return total

def chebyshev_fit(f, a, b, degree):
    """Interpolates f at degree+1 Chebyshev nodes of [a, b]; returns the coefficients of powers of t, x = mid + half*t."""
    n = degree + 1
    mid, half = (a + b) / 2, (b - a) / 2
    nodes = [cos(PI * (2 * j + 1) / (2 * n)) for j in range(n)]
    values = [f(mid + half * t) for t in nodes]
    cheb = []
    for k in range(n):
        s = sum(values[j] * cos(PI * k * (2 * j + 1) / (2 * n)) for j in range(n))
        cheb.append(s * 2 / n)
    cheb[0] /= 2
    # T_k as powers of t: T0 = 1, T1 = t, T_{k+1} = 2t T_k - T_{k-1}
    T = [[D(1)], [D(0), D(1)]]
    for k in range(2, n):
        nxt = [D(0)] * (k + 1)
        for i, c in enumerate(T[k - 1]):
            nxt[i + 1] += 2 * c
        for i, c in enumerate(T[k - 2]):
            nxt[i] -= c
        T.append(nxt)
    power = [D(0)] * n
    for k in range(n):
        for i, c in enumerate(T[k]):
            power[i] += cheb[k] * c
    return power

def intervals():
    a = START
    while a < END:
        yield a, a + WIDTH
        a += WIDTH

def tables():
    return [float(c) for c in taylor()], [[float(c) for c in chebyshev_fit(erf, a, b, DEGREE)] for a, b in intervals()]

def evaluate(x, small, pieces):
    """The C# algorithm, in double (Python floats), without FMA."""
    ax = abs(x)
    if ax < 0.5:
        z = x * x
        p = small[-1]
        for c in reversed(small[:-1]):
            p = p * z + c
        return x + x * p
    if ax >= 6:
        return 1.0 if x > 0 else -1.0
    i = int((ax - 0.5) / 0.25)
    t = (ax - (0.5 + 0.25 * i + 0.125)) / 0.125
    coefficients = pieces[i]
    p = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        p = p * t + c
    return p if x > 0 else -p

def ordered(a):
    i = struct.unpack("<q", struct.pack("<d", a))[0]
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)

def ulps(a, b):
    return abs(ordered(a) - ordered(b))

def points():
    random.seed(7)
    xs = [0.0, 1e-300, 1e-20, 1e-8, 0.25, 0.5, 0.84375, 1.0, 1.25, 2.0, 2.857, 3.0, 4.0, 5.0, 5.9, 6.0, 6.5, 10.0, 27.0]
    xs += [random.uniform(0, 0.5) for _ in range(600)]
    xs += [random.uniform(0.5, 6.2) for _ in range(3000)]
    xs += [0.5 + 0.25 * k + d for k in range(23) for d in (-1e-15, 0.0, 1e-15)]
    xs += [-x for x in xs[:400]]
    return xs

if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    small, pieces = tables()
    if command == "table":
        print("    // erf(x) = x + x·Σ ErfTaylor[n]·x^(2n) for |x| < 0.5 (the Taylor series, its first coefficient less 1)")
        print("    private static readonly double[] ErfTaylor = [" + ", ".join(repr(c) for c in small) + "];")
        print()
        print("    // erf on [0.5 + 0.25i, 0.75 + 0.25i): Σ ErfPieces[14i + k]·t^k, t = (x − mid)/0.125")
        print("    private static readonly double[] ErfPieces =")
        print("    [")
        for row in pieces:
            print("        " + ", ".join(repr(c) for c in row) + ",")
        print("    ];")
    elif command == "check":
        for lo, hi in [(0, 0.5), (0.5, 6), (6, 100)]:
            errors = [(ulps(evaluate(x, small, pieces), float(erf(x))), x) for x in points() if lo <= abs(x) < hi]
            worst = max(errors)
            print(f"|x| in [{lo}, {hi}): worst {worst[0]} ulp at x = {worst[1]!r}; within 1 ulp: {sum(e <= 1 for e, _ in errors)}/{len(errors)}; exact: {sum(e == 0 for e, _ in errors)}")
    elif command == "points":
        print("# x and erf(x) correctly rounded to double (60-digit decimals), as hex bits; scripts/erf-coefficients.py points")
        for x in points():
            e = float(erf(x))
            print(f"{struct.unpack('<Q', struct.pack('<d', x))[0]:016x} {struct.unpack('<Q', struct.pack('<d', e))[0]:016x}")
