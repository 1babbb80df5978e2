using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SkipNet.CompilerServices;

public static partial class ImageKernels
{
    /// <summary>
    /// A stride-1 convolution of one sample without im2col. The sample is copied once into zero-bordered
    /// planes of Hp × Wp = (H + 2p) × (W + 2p); output position (i, j) and tap (c, u, v) then read
    /// c·Hp·Wp + (i + u)·Wp + (j + v) = (i·Wp + j) + offset(c, u, v), so each tap is one shifted view of
    /// the padded planes, and the product runs over the output positions laid out Wp apart (the last
    /// k − 1 columns of each row are computed and dropped). A panel of output channels (eight with
    /// 512-bit vectors, four with 256-bit ones) × three vectors of positions stays in registers through
    /// all C_in·k·k taps: three loads and one broadcast per channel for each tap's multiply-adds, no
    /// packing of the positions. Each value is the same chain of fused multiply-adds as the im2col
    /// product's: from the bias (or from what is there plus the bias), tap by tap in (c, u, v) order.
    /// </summary>
    private static unsafe class DirectConvolution<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static bool Wide => Gemm.UseVector512 && Vector512.IsHardwareAccelerated;

        /// <summary>Output channels per panel.</summary>
        private static int Rows => Wide ? 8 : 4;

        /// <summary>Output positions per panel: three vectors.</summary>
        private static int Tile => 3 * (Wide ? Vector512<T>.Count : Vector256<T>.Count);

        public static bool Applies(Geometry g) => g.Stride == 1 && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported;

        private static int Panels(Geometry g) => (g.OutChannels + Rows - 1) / Rows;

        private static int PaddedWidth(Geometry g) => g.Width + 2 * g.Padding;

        private static int PaddedPlane(Geometry g) => (g.Height + 2 * g.Padding) * PaddedWidth(g);

        /// <summary>Each channel's positions in the work buffer: the H'·Wp laid-out positions, rounded up to whole panels.</summary>
        private static int RowLength(Geometry g) => (g.OutHeight * PaddedWidth(g) + Tile - 1) / Tile * Tile;

        /// <summary>Per panel: its channels' biases, then for each tap its channels' weights; channels past C_out are 0.</summary>
        public static int PackedLength(Geometry g) => Panels(g) * Rows * (1 + g.PatchSize);

        /// <summary>The padded planes, with room for the last panel's reads past them.</summary>
        public static int PaddedLength(Geometry g) => g.InChannels * PaddedPlane(g) + Tile + g.Kernel;

        public static int OutputLength(Geometry g) => Panels(g) * Rows * RowLength(g);

        /// <summary>Lays W (C_out × C_in·k·k) and the bias out by panels and computes each tap's offset into the padded planes.</summary>
        public static void Pack(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> packed, Span<int> offsets, Geometry g)
        {
            int rows = Rows, patch = g.PatchSize, k = g.Kernel, wp = PaddedWidth(g), plane = PaddedPlane(g);
            for (int panel = 0; panel < Panels(g); panel++)
            {
                var block = packed.Slice(panel * rows * (1 + patch), rows * (1 + patch));
                for (int r = 0; r < rows; r++)
                {
                    int o = panel * rows + r;
                    bool inside = o < g.OutChannels;
                    block[r] = inside && !bias.IsEmpty ? bias[o] : T.Zero;
                    for (int tap = 0; tap < patch; tap++)
                    {
                        block[rows * (1 + tap) + r] = inside ? weights[o * patch + tap] : T.Zero;
                    }
                }
            }

            int t = 0;
            for (int c = 0; c < g.InChannels; c++)
            {
                for (int u = 0; u < k; u++)
                {
                    for (int v = 0; v < k; v++)
                    {
                        offsets[t++] = c * plane + u * wp + v;
                    }
                }
            }
        }

        /// <summary>
        /// One sample: result (C_out × H'·W') = the convolution plus the bias, or, when
        /// <paramref name="accumulate"/>, result += it (the bias added first, if there is one); each
        /// value finished by <paramref name="finish"/> as it is written (<paramref name="at"/>: the
        /// sample's offset in the batch's results).
        /// </summary>
        public static void Sample(T* packed, int* offsets, bool hasBias, T* input, T* result, bool accumulate, Geometry g, Span<T> padded, Span<T> work, ChannelFinish<T> finish, long at)
        {
            int wp = PaddedWidth(g), plane = PaddedPlane(g), rowLength = RowLength(g), p = g.Padding;
            int outPlane = g.Positions;

            // The zero-bordered planes.
            var source = new ReadOnlySpan<T>(input, g.InputSize);
            if (p == 0)
            {
                source.CopyTo(padded);
            }
            else
            {
                // Each plane: p zero rows, then each row between p zeros on either side (a row's right
                // border and the next one's left are 2p zeros in a row), then p zero rows: every value
                // written once.
                fixed (T* planes = padded)
                {
                    int top = p * wp + p, between = 2 * p, bottom = p * wp;
                    for (int c = 0; c < g.InChannels; c++)
                    {
                        T* to = planes + c * plane;
                        T* from = input + c * g.Height * g.Width;
                        new Span<T>(to, top).Clear();
                        to += top;
                        for (int y = 0; y < g.Height; y++, to += g.Width + between, from += g.Width)
                        {
                            ChannelFinish<T>.Copy.Row(from, to, g.Width, 0, 0);
                            new Span<T>(to + g.Width, y == g.Height - 1 ? p : between).Clear();
                        }

                        new Span<T>(to - between + p, bottom).Clear();
                    }
                }
            }

            // The output's rows in the work buffer are Wp apart; with W' = Wp (1×1 kernels, no padding)
            // each channel is one row.
            var (lines, length) = g.OutWidth == wp ? (1, outPlane) : (g.OutHeight, g.OutWidth);

            // A sum into what is there starts from it (plus the bias), laid out as the panels lay it.
            if (accumulate)
            {
                fixed (T* z = work)
                {
                    for (int o = 0; o < g.OutChannels; o++)
                    {
                        T b = hasBias ? packed[o / Rows * Rows * (1 + g.PatchSize) + o % Rows] : T.Zero;
                        for (int i = 0; i < lines; i++)
                        {
                            T* from = result + o * outPlane + i * g.OutWidth, to = z + o * rowLength + i * wp;
                            if (hasBias)
                            {
                                for (int j = 0; j < length; j++)
                                {
                                    to[j] = from[j] + b;
                                }
                            }
                            else
                            {
                                ChannelFinish<T>.Copy.Row(from, to, length, o, 0);
                            }
                        }
                    }
                }
            }

            int taps = g.PatchSize, tile = Tile, rows = Rows;
            fixed (T* x = padded, z = work)
            {
                for (int panel = 0; panel < Panels(g); panel++)
                {
                    T* block = packed + panel * rows * (1 + taps);
                    T* start = accumulate ? null : block;
                    T* c = z + (long)panel * rows * rowLength;
                    for (int q = 0; q < rowLength; q += tile)
                    {
                        if (Wide)
                        {
                            Panel8x3(block + rows, offsets, taps, x + q, c + q, rowLength, start);
                        }
                        else
                        {
                            Panel4x3(block + rows, offsets, taps, x + q, c + q, rowLength, start);
                        }
                    }
                }
            }

            // Keep the W' real columns of each row, finished.
            fixed (T* z = work)
            {
                for (int o = 0; o < g.OutChannels; o++)
                {
                    finish.Rows(z + o * rowLength, wp, result + o * outPlane, lines, length, o, at + o * outPlane);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<T> Start512(T* c, T* start, int row, nint offset)
            => start == null ? Vector512.Load(c + offset) : Vector512.Create(start[row]);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<T> Start256(T* c, T* start, int row, nint offset)
            => start == null ? Vector256.Load(c + offset) : Vector256.Create(start[row]);

        /// <summary>Eight channels × three 512-bit vectors of positions, over every tap: c = start + Σ_tap w·x.</summary>
        private static void Panel8x3(T* weights, int* offsets, int taps, T* x, T* c, nint ldc, T* start)
        {
            nint w1 = Vector512<T>.Count, w2 = 2 * w1;
            T* c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc, c6 = c5 + ldc, c7 = c6 + ldc;
            Vector512<T> a00 = Start512(c0, start, 0, 0), a01 = Start512(c0, start, 0, w1), a02 = Start512(c0, start, 0, w2);
            Vector512<T> a10 = Start512(c1, start, 1, 0), a11 = Start512(c1, start, 1, w1), a12 = Start512(c1, start, 1, w2);
            Vector512<T> a20 = Start512(c2, start, 2, 0), a21 = Start512(c2, start, 2, w1), a22 = Start512(c2, start, 2, w2);
            Vector512<T> a30 = Start512(c3, start, 3, 0), a31 = Start512(c3, start, 3, w1), a32 = Start512(c3, start, 3, w2);
            Vector512<T> a40 = Start512(c4, start, 4, 0), a41 = Start512(c4, start, 4, w1), a42 = Start512(c4, start, 4, w2);
            Vector512<T> a50 = Start512(c5, start, 5, 0), a51 = Start512(c5, start, 5, w1), a52 = Start512(c5, start, 5, w2);
            Vector512<T> a60 = Start512(c6, start, 6, 0), a61 = Start512(c6, start, 6, w1), a62 = Start512(c6, start, 6, w2);
            Vector512<T> a70 = Start512(c7, start, 7, 0), a71 = Start512(c7, start, 7, w1), a72 = Start512(c7, start, 7, w2);
            for (int t = 0; t < taps; t++)
            {
                T* b = x + offsets[t];
                T* w = weights + t * 8;
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + w1);
                var b2 = Vector512.Load(b + w2);
                var v = Vector512.Create(w[0]);
                a00 = Gemm.MulAdd512(v, b0, a00); a01 = Gemm.MulAdd512(v, b1, a01); a02 = Gemm.MulAdd512(v, b2, a02);
                v = Vector512.Create(w[1]);
                a10 = Gemm.MulAdd512(v, b0, a10); a11 = Gemm.MulAdd512(v, b1, a11); a12 = Gemm.MulAdd512(v, b2, a12);
                v = Vector512.Create(w[2]);
                a20 = Gemm.MulAdd512(v, b0, a20); a21 = Gemm.MulAdd512(v, b1, a21); a22 = Gemm.MulAdd512(v, b2, a22);
                v = Vector512.Create(w[3]);
                a30 = Gemm.MulAdd512(v, b0, a30); a31 = Gemm.MulAdd512(v, b1, a31); a32 = Gemm.MulAdd512(v, b2, a32);
                v = Vector512.Create(w[4]);
                a40 = Gemm.MulAdd512(v, b0, a40); a41 = Gemm.MulAdd512(v, b1, a41); a42 = Gemm.MulAdd512(v, b2, a42);
                v = Vector512.Create(w[5]);
                a50 = Gemm.MulAdd512(v, b0, a50); a51 = Gemm.MulAdd512(v, b1, a51); a52 = Gemm.MulAdd512(v, b2, a52);
                v = Vector512.Create(w[6]);
                a60 = Gemm.MulAdd512(v, b0, a60); a61 = Gemm.MulAdd512(v, b1, a61); a62 = Gemm.MulAdd512(v, b2, a62);
                v = Vector512.Create(w[7]);
                a70 = Gemm.MulAdd512(v, b0, a70); a71 = Gemm.MulAdd512(v, b1, a71); a72 = Gemm.MulAdd512(v, b2, a72);
            }

            a00.Store(c0); a01.Store(c0 + w1); a02.Store(c0 + w2);
            a10.Store(c1); a11.Store(c1 + w1); a12.Store(c1 + w2);
            a20.Store(c2); a21.Store(c2 + w1); a22.Store(c2 + w2);
            a30.Store(c3); a31.Store(c3 + w1); a32.Store(c3 + w2);
            a40.Store(c4); a41.Store(c4 + w1); a42.Store(c4 + w2);
            a50.Store(c5); a51.Store(c5 + w1); a52.Store(c5 + w2);
            a60.Store(c6); a61.Store(c6 + w1); a62.Store(c6 + w2);
            a70.Store(c7); a71.Store(c7 + w1); a72.Store(c7 + w2);
        }

        /// <summary>Four channels × three 256-bit vectors of positions (sixteen registers in all), over every tap.</summary>
        private static void Panel4x3(T* weights, int* offsets, int taps, T* x, T* c, nint ldc, T* start)
        {
            nint w1 = Vector256<T>.Count, w2 = 2 * w1;
            T* c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
            Vector256<T> a00 = Start256(c0, start, 0, 0), a01 = Start256(c0, start, 0, w1), a02 = Start256(c0, start, 0, w2);
            Vector256<T> a10 = Start256(c1, start, 1, 0), a11 = Start256(c1, start, 1, w1), a12 = Start256(c1, start, 1, w2);
            Vector256<T> a20 = Start256(c2, start, 2, 0), a21 = Start256(c2, start, 2, w1), a22 = Start256(c2, start, 2, w2);
            Vector256<T> a30 = Start256(c3, start, 3, 0), a31 = Start256(c3, start, 3, w1), a32 = Start256(c3, start, 3, w2);
            for (int t = 0; t < taps; t++)
            {
                T* b = x + offsets[t];
                T* w = weights + t * 4;
                var b0 = Vector256.Load(b);
                var b1 = Vector256.Load(b + w1);
                var b2 = Vector256.Load(b + w2);
                var v = Vector256.Create(w[0]);
                a00 = Gemm.MulAdd(v, b0, a00); a01 = Gemm.MulAdd(v, b1, a01); a02 = Gemm.MulAdd(v, b2, a02);
                v = Vector256.Create(w[1]);
                a10 = Gemm.MulAdd(v, b0, a10); a11 = Gemm.MulAdd(v, b1, a11); a12 = Gemm.MulAdd(v, b2, a12);
                v = Vector256.Create(w[2]);
                a20 = Gemm.MulAdd(v, b0, a20); a21 = Gemm.MulAdd(v, b1, a21); a22 = Gemm.MulAdd(v, b2, a22);
                v = Vector256.Create(w[3]);
                a30 = Gemm.MulAdd(v, b0, a30); a31 = Gemm.MulAdd(v, b1, a31); a32 = Gemm.MulAdd(v, b2, a32);
            }

            a00.Store(c0); a01.Store(c0 + w1); a02.Store(c0 + w2);
            a10.Store(c1); a11.Store(c1 + w1); a12.Store(c1 + w2);
            a20.Store(c2); a21.Store(c2 + w1); a22.Store(c2 + w2);
            a30.Store(c3); a31.Store(c3 + w1); a32.Store(c3 + w2);
        }
    }
}
