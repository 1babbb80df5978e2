#!/usr/bin/env python3
"""Derives SkipNet's float erf (SpecialFunctions.ErfSingle, GELU in float networks).

erf(x) for 0 <= x < 0.5 is x + x*p(x^2), p of degree 4; for 0.5 <= x < 4 one polynomial of degree 6
in t = (x - mid)*8 per interval of width 0.25 (14 pieces: one 512-bit register of 16 floats per
coefficient); 1 beyond 4 (erf rounds to 1 in float from 3.87).

Each polynomial is a relative least-squares fit on 60 Chebyshev nodes, rounded to float one
coefficient at a time from the constant term, the rest refitted after each rounding, so the
rounding of one coefficient is absorbed by the next. The check evaluates the tables exactly as
the C# does (float multiplications and additions, no fused ones, each rounded to float) and
reports the worst error in ulps of the correctly rounded value (faithful rounding: below 1).

Needs mpmath (Debian: python3-mpmath).

  python3 scripts/erf-single-coefficients.py table   C# arrays for src/Runtime/SpecialFunctions.Single.cs
  python3 scripts/erf-single-coefficients.py check   the worst error on 80,000 floats, in ulps
"""
import random
import struct
import sys

import mpmath as mp

mp.mp.dps = 40
SERIES_DEGREE, PIECE_DEGREE, PIECES = 4, 6, 14


def f32(x):
    return struct.unpack('f', struct.pack('f', float(x)))[0]


def chebyshev(n):
    return [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]


def fit(func, degree, nodes):
    """Coefficients of a relative least-squares fit, rounded to float one at a time, the rest refitted."""
    fixed = []
    while len(fixed) <= degree:
        rows, rhs = [], []
        for t in nodes:
            y = func(t)
            w = 1 / abs(y)
            rows.append([w * t ** i for i in range(len(fixed), degree + 1)])
            rhs.append(w * (y - sum(c * t ** i for i, c in enumerate(fixed))))
        solution = mp.qr_solve(mp.matrix(rows), mp.matrix(rhs))[0]
        fixed.append(mp.mpf(f32(solution[0])))
    return [f32(c) for c in fixed]


def series():
    # p(u) = erf(sqrt u)/sqrt u - 1 on u = x^2 in [0, 0.25]
    g = lambda u: mp.erf(mp.sqrt(u)) / mp.sqrt(u) - 1 if u > 0 else 2 / mp.sqrt(mp.pi) - 1
    return fit(g, SERIES_DEGREE, [(c + 1) / 8 for c in chebyshev(60)])


def piece(k):
    mid = mp.mpf('0.625') + mp.mpf('0.25') * k
    return fit(lambda t: mp.erf(mid + t / 8), PIECE_DEGREE, chebyshev(60))


def horner(coefficients, t):
    s = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        s = f32(f32(s * t) + c)
    return s


def erf_single(x, small, pieces):
    ax = abs(x)
    if ax < 0.5:
        return f32(x + f32(x * horner(small, f32(x * x))))
    if not ax < 4:
        return 1.0
    k = int(f32(f32(ax - 0.5) * 4))
    t = f32(f32(ax - f32(0.625 + 0.25 * k)) * 8)
    return horner(pieces[k], t)


def ulp(y):
    bits = struct.unpack('I', struct.pack('f', f32(abs(y))))[0]
    return struct.unpack('f', struct.pack('I', bits + 1))[0] - struct.unpack('f', struct.pack('I', bits))[0]


def main():
    small, pieces = series(), [piece(k) for k in range(PIECES)]
    literal = lambda c: repr(c) + 'f'
    if sys.argv[1:] == ['table']:
        print('    private static readonly float[] ErfSingleSeries = [' + ', '.join(map(literal, small)) + '];')
        print()
        print('    private static readonly float[] ErfSinglePieces =')
        print('    [')
        for p in pieces:
            print('        ' + ', '.join(map(literal, p)) + ',')
        print('    ];')
    elif sys.argv[1:] == ['check']:
        random.seed(1)
        xs = [f32(random.uniform(0, 4.2)) for _ in range(60000)] + [f32(random.uniform(0, 0.5)) for _ in range(20000)]
        worst, at = 0, None
        for x in xs:
            e = mp.erf(x)
            error = abs(erf_single(x, small, pieces) - e) / ulp(float(e))
            if error > worst:
                worst, at = error, x
        print(f'worst error {float(worst):.3f} ulp at x = {at!r}')
    else:
        print(__doc__)


if __name__ == '__main__':
    main()
