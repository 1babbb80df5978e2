using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SkipNet.CompilerServices;

public static partial class ImageKernels
{
    /// <summary>
    /// What happens to a convolution's values as they are written out: nothing (a copy), or eval-mode
    /// BatchNorm's γ⊙((v − μ)·r) + β per output channel (r = 1/√(σ² + ε)), then + the addend, then
    /// ReLU — each value computed exactly as <see cref="LayerKernels.BatchNormEvalForward{T}"/>,
    /// <see cref="Kernels.Add{T}"/> and <see cref="Activations.ReLU{T}"/> compute it in their own passes.
    /// </summary>
    private readonly unsafe struct ChannelFinish<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Per output channel: μ, r, γ, β; null for a plain copy.</summary>
        private readonly T* _constants;

        /// <summary>The whole batch's addend (results' shape), or null.</summary>
        private readonly T* _addend;

        private readonly bool _rectify;

        public ChannelFinish(T* constants, T* addend, bool rectify)
        {
            _constants = constants;
            _addend = addend;
            _rectify = rectify;
        }

        /// <summary>Values only copied.</summary>
        public static ChannelFinish<T> Copy => default;

        /// <summary>Whether values are only copied.</summary>
        public bool Copies => _constants == null;

        /// <summary>μ, r, γ, β for each channel into <paramref name="constants"/> (4·C), as BatchNormEvalForward computes them.</summary>
        public static void Constants(ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> mean, ReadOnlySpan<T> variance, T epsilon, Span<T> constants)
        {
            for (int c = 0; c < gamma.Length; c++)
            {
                constants[4 * c] = mean[c];
                constants[4 * c + 1] = T.One / T.Sqrt(variance[c] + epsilon);
                constants[4 * c + 2] = gamma[c];
                constants[4 * c + 3] = beta[c];
            }
        }

        /// <summary>
        /// <paramref name="lines"/> rows of <paramref name="length"/> values of channel <paramref name="channel"/>:
        /// to[i·length + j] = finish(from[i·stride + j]), the addend read at <paramref name="at"/> + i·length + j
        /// (<paramref name="at"/>: the offset of to[0] in the batch's results). In place when from = to and
        /// stride = length.
        /// </summary>
        public void Rows(T* from, int stride, T* to, int lines, int length, int channel, long at)
        {
            for (int i = 0; i < lines; i++, from += stride, to += length, at += length)
            {
                Row(from, to, length, channel, at);
            }
        }

        /// <summary>to[i] = finish(from[i]) for i &lt; count, as <see cref="Rows"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(T* from, T* to, int count, int channel, long at)
        {
            int i = 0, n = Vector256<T>.Count;
            bool vectors = Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && count >= n;
            if (vectors && _constants == null)
            {
                for (; i <= count - n; i += n)
                {
                    Vector256.Load(from + i).Store(to + i);
                }

                if (i < count && from != to)
                {
                    // The last vector overlaps the one before: the same values again.
                    Vector256.Load(from + count - n).Store(to + count - n);
                    return;
                }
            }
            else if (vectors)
            {
                T* k = _constants + 4 * channel;
                T* add = _addend == null ? null : _addend + at;
                if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
                {
                    Vector512<T> m5 = Vector512.Create(k[0]), r5 = Vector512.Create(k[1]), g5 = Vector512.Create(k[2]), b5 = Vector512.Create(k[3]);
                    for (; i <= count - Vector512<T>.Count; i += Vector512<T>.Count)
                    {
                        Vector(from, to, add, i, m5, r5, g5, b5);
                    }
                }

                Vector256<T> m = Vector256.Create(k[0]), r = Vector256.Create(k[1]), g = Vector256.Create(k[2]), b = Vector256.Create(k[3]);
                for (; i <= count - n; i += n)
                {
                    Vector(from, to, add, i, m, r, g, b);
                }

                if (i < count && from != to)
                {
                    // The last vector overlaps the one before: the same values again (the addend is no result).
                    Vector(from, to, add, count - n, m, r, g, b);
                    return;
                }
            }

            for (; i < count; i++)
            {
                to[i] = Scalar(from[i], channel, at + i);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Vector(T* from, T* to, T* add, int i, Vector512<T> m, Vector512<T> r, Vector512<T> g, Vector512<T> b)
        {
            var v = g * ((Vector512.Load(from + i) - m) * r) + b;
            if (add != null)
            {
                v += Vector512.Load(add + i);
            }

            if (_rectify)
            {
                v = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<T>.Zero), v, Vector512<T>.Zero);
            }

            v.Store(to + i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Vector(T* from, T* to, T* add, int i, Vector256<T> m, Vector256<T> r, Vector256<T> g, Vector256<T> b)
        {
            var v = g * ((Vector256.Load(from + i) - m) * r) + b;
            if (add != null)
            {
                v += Vector256.Load(add + i);
            }

            if (_rectify)
            {
                v = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<T>.Zero), v, Vector256<T>.Zero);
            }

            v.Store(to + i);
        }

        private T Scalar(T value, int channel, long at)
        {
            if (_constants == null)
            {
                return value;
            }

            T* k = _constants + 4 * channel;
            T v = k[2] * ((value - k[0]) * k[1]) + k[3];
            if (_addend != null)
            {
                v += _addend[at];
            }

            return _rectify && !(v >= T.Zero) ? T.Zero : v;
        }
    }
}
