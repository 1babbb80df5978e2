using System.Numerics;

namespace SkipNet.Benchmarks;

/// <summary>
/// The baseline: the residual MLP as a user would write it without SkipNet — arrays, loops, one
/// sample at a time. Inputs n, four ReLU layers of n with identity skips h0→h1→h2→h3, a linear
/// output of width 1, MSE, SGD.
/// </summary>
public sealed class HandWrittenMlp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Hidden = 4;
    private readonly int _n;
    private readonly T[][] _w = new T[Hidden][], _b = new T[Hidden][], _gw = new T[Hidden][], _gb = new T[Hidden][];
    private readonly T[][] _z = new T[Hidden][], _h = new T[Hidden][], _d = new T[Hidden][];
    private readonly T[] _wy, _gwy;
    private T _by, _gby;

    public HandWrittenMlp(int n, int seed)
    {
        _n = n;
        var random = new Random(seed);
        for (int l = 0; l < Hidden; l++)
        {
            _w[l] = Enumerable.Range(0, n * n).Select(_ => T.CreateChecked((random.NextDouble() * 2 - 1) * Math.Sqrt(6.0 / n))).ToArray();
            _b[l] = new T[n];
            _gw[l] = new T[n * n];
            _gb[l] = new T[n];
            _z[l] = new T[n];
            _h[l] = new T[n];
            _d[l] = new T[n];
        }

        _wy = Enumerable.Range(0, n).Select(_ => T.CreateChecked((random.NextDouble() * 2 - 1) * Math.Sqrt(6.0 / (n + 1)))).ToArray();
        _gwy = new T[n];
    }

    public T Forward(ReadOnlySpan<T> x)
    {
        for (int l = 0; l < Hidden; l++)
        {
            ReadOnlySpan<T> input = l == 0 ? x : _h[l - 1];
            T[] w = _w[l], z = _z[l], h = _h[l];
            for (int r = 0; r < _n; r++)
            {
                T sum = _b[l][r];
                for (int c = 0; c < _n; c++)
                {
                    sum += w[r * _n + c] * input[c];
                }

                if (l > 0)
                {
                    sum += input[r]; // identity skip from the previous layer
                }

                z[r] = sum;
                h[r] = sum >= T.Zero ? sum : T.Zero;
            }
        }

        T y = _by;
        for (int c = 0; c < _n; c++)
        {
            y += _wy[c] * _h[Hidden - 1][c];
        }

        return y;
    }

    public T TrainStep(ReadOnlySpan<T> x, ReadOnlySpan<T> target, T learningRate)
    {
        int batch = target.Length;
        for (int l = 0; l < Hidden; l++)
        {
            Array.Clear(_gw[l]);
            Array.Clear(_gb[l]);
        }

        Array.Clear(_gwy);
        _gby = T.Zero;
        T loss = T.Zero, two = T.One + T.One, n = T.CreateChecked(batch);
        for (int s = 0; s < batch; s++)
        {
            var xs = x.Slice(s * _n, _n);
            T e = Forward(xs) - target[s];
            loss += e * e;
            T dy = two * e / n;
            _gby += dy;
            T[] last = _h[Hidden - 1], dLast = _d[Hidden - 1];
            for (int c = 0; c < _n; c++)
            {
                _gwy[c] += dy * last[c];
                dLast[c] = dy * _wy[c];
            }

            for (int l = Hidden - 1; l >= 0; l--)
            {
                T[] d = _d[l], z = _z[l], w = _w[l];
                ReadOnlySpan<T> input = l == 0 ? xs : _h[l - 1];
                for (int r = 0; r < _n; r++)
                {
                    d[r] = z[r] >= T.Zero ? d[r] : T.Zero; // dL/dz
                }

                for (int r = 0; r < _n; r++)
                {
                    _gb[l][r] += d[r];
                    for (int c = 0; c < _n; c++)
                    {
                        _gw[l][r * _n + c] += d[r] * input[c];
                    }
                }

                if (l > 0)
                {
                    T[] below = _d[l - 1];
                    for (int c = 0; c < _n; c++)
                    {
                        T sum = d[c]; // identity skip
                        for (int r = 0; r < _n; r++)
                        {
                            sum += w[r * _n + c] * d[r];
                        }

                        below[c] = sum;
                    }
                }
            }
        }

        for (int l = 0; l < Hidden; l++)
        {
            for (int i = 0; i < _w[l].Length; i++)
            {
                _w[l][i] -= learningRate * _gw[l][i];
            }

            for (int i = 0; i < _n; i++)
            {
                _b[l][i] -= learningRate * _gb[l][i];
            }
        }

        for (int i = 0; i < _n; i++)
        {
            _wy[i] -= learningRate * _gwy[i];
        }

        _by -= learningRate * _gby;
        return loss / n;
    }
}

/// <summary>The seed exercise written by hand, as on paper: scalars.</summary>
public sealed class HandWrittenSeed<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T _w0 = T.CreateChecked(0.5), _b0, _w1 = T.CreateChecked(0.5), _b1, _w2 = T.CreateChecked(0.5), _b2, _ws = T.CreateChecked(0.5);

    public T TrainStep(T x, T y, T learningRate)
    {
        T z0 = _w0 * x + _b0, h0 = z0 >= T.Zero ? z0 : T.Zero;
        T z1 = _w1 * h0 + _b1, h1 = z1 >= T.Zero ? z1 : T.Zero;
        T yhat = _w2 * h1 + _ws * h0 + _b2;
        T loss = T.Abs(y - yhat);
        T g = yhat > y ? T.One : yhat < y ? -T.One : T.Zero;
        T dz1 = z1 >= T.Zero ? g * _w2 : T.Zero;
        T dz0 = z0 >= T.Zero ? dz1 * _w1 + g * _ws : T.Zero;
        _w2 -= learningRate * g * h1; _ws -= learningRate * g * h0; _b2 -= learningRate * g;
        _w1 -= learningRate * dz1 * h0; _b1 -= learningRate * dz1;
        _w0 -= learningRate * dz0 * x; _b0 -= learningRate * dz0;
        return loss;
    }
}
