using System;

namespace SkipNet.CompilerServices;

// The shapes of the image kernels and their checks, the same on .NET 8 and on netstandard2.1.
public static partial class ImageKernels
{
    /// <summary>A convolution's shapes: the input image, the kernel, and what they give.</summary>
    private readonly record struct Geometry(int InChannels, int Height, int Width, int Kernel, int Stride, int Padding, int OutChannels, int OutHeight, int OutWidth)
    {
        public int InputPlane => Height * Width;

        public int InputSize => InChannels * Height * Width;

        public int Positions => OutHeight * OutWidth;

        public int PatchSize => InChannels * Kernel * Kernel;

        /// <summary>The output columns j whose tap v reads inside the image: first ≤ j &lt; last.</summary>
        public (int First, int Last) Inside(int v) => Inside(v, Width, OutWidth);

        /// <summary>The output rows i whose tap u reads inside the image: first ≤ i &lt; last.</summary>
        public (int First, int Last) InsideRows(int u) => Inside(u, Height, OutHeight);

        public static Geometry Of(int inChannels, int height, int width, int kernel, int stride, int padding, int weightsLength, int batch)
        {
            if (inChannels < 1 || height < 1 || width < 1 || kernel < 1 || stride < 1 || padding < 0 || batch < 1
                || kernel > height + 2 * padding || kernel > width + 2 * padding)
            {
                throw new ArgumentException($"A {kernel}×{kernel} kernel with stride {stride} and padding {padding} does not fit a {inChannels}×{height}×{width} image (batch {batch}).");
            }

            int patch = inChannels * kernel * kernel;
            if (weightsLength % patch != 0 || weightsLength == 0)
            {
                throw new ArgumentException($"The weights hold {weightsLength} values, not a whole number of {inChannels}·{kernel}·{kernel} = {patch}-value filters.");
            }

            return new Geometry(inChannels, height, width, kernel, stride, padding, weightsLength / patch,
                (height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1);
        }

        // Along one axis: stride·i + tap − padding ≥ 0 and < size.
        private (int First, int Last) Inside(int tap, int size, int outSize)
        {
            int before = Padding - tap, top = size - 1 + Padding - tap;
            int first = before > 0 ? (before + Stride - 1) / Stride : 0;
            int last = top < 0 ? 0 : Math.Min(outSize, top / Stride + 1);
            return (Math.Min(first, last), last);
        }
    }

    private static (int OutHeight, int OutWidth) Pooled(int inputLength, int resultLength, int batch, int channels, int height, int width, int kernel, int stride)
    {
        if (kernel < 1 || stride < 1 || kernel > height || kernel > width)
        {
            throw new ArgumentException($"A {kernel}×{kernel} window with stride {stride} does not fit a {height}×{width} image.");
        }

        int outHeight = (height - kernel) / stride + 1, outWidth = (width - kernel) / stride + 1;
        SpanCheck.Same((long)batch * channels * height * width, inputLength);
        SpanCheck.Same((long)batch * channels * outHeight * outWidth, resultLength);
        return (outHeight, outWidth);
    }
}
