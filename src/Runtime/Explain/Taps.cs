using System;
using System.Collections.Generic;

namespace SkipNet.Explain;

/// <summary>
/// The (output, weight, input) triples of a convolution (or of a skip's 1×1 convolution): the
/// products that make each output entry, grouped three ways, so that the forward equation, dL/dW and
/// dL/dh each sum over their own group. Images are NCHW; a weight index is ((o·C + c)·k + u)·k + v,
/// weight.view(out, −1)'s order.
/// </summary>
internal sealed class Taps
{
    private Taps(int outputs, int weights, int inputs)
    {
        ByOutput = New<(int, int)>(outputs);
        ByWeight = New<(int, int)>(weights);
        ByInput = New<(int, int)>(inputs);
    }

    /// <summary>For each output entry, its (weight, input) products.</summary>
    public List<(int Weight, int Input)>[] ByOutput { get; }

    /// <summary>For each weight, the (output, input) pairs it multiplies.</summary>
    public List<(int Output, int Input)>[] ByWeight { get; }

    /// <summary>For each input entry, the (output, weight) pairs that read it.</summary>
    public List<(int Output, int Weight)>[] ByInput { get; }

    /// <summary>z[o, i, j] = Σ_c Σ_u Σ_v W[o, c, u, v]·h[c, s·i + u − p, s·j + v − p] (nn.Conv2d, zeros outside).</summary>
    public static Taps Convolution(IReadOnlyList<int> input, IReadOnlyList<int> output, int kernel, int stride, int padding)
    {
        int channels = input[0], height = input[1], width = input[2];
        int outChannels = output[0], outHeight = output[1], outWidth = output[2];
        var taps = new Taps(outChannels * outHeight * outWidth, outChannels * channels * kernel * kernel, channels * height * width);
        for (int o = 0; o < outChannels; o++)
        {
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    int r = (o * outHeight + i) * outWidth + j;
                    for (int c = 0; c < channels; c++)
                    {
                        for (int u = 0; u < kernel; u++)
                        {
                            for (int v = 0; v < kernel; v++)
                            {
                                int y = stride * i + u - padding, x = stride * j + v - padding;
                                if ((uint)y < (uint)height && (uint)x < (uint)width)
                                {
                                    taps.Add(r, ((o * channels + c) * kernel + u) * kernel + v, (c * height + y) * width + x);
                                }
                            }
                        }
                    }
                }
            }
        }

        return taps;
    }

    /// <summary>
    /// The input entries of each k × k window, stride apart, per channel (no padding): window r of the
    /// output reads ByOutput[r]'s inputs (the weight index is the tap, u·k + v).
    /// </summary>
    public static Taps Windows(IReadOnlyList<int> input, IReadOnlyList<int> output, int kernel, int stride)
    {
        int channels = input[0], height = input[1], width = input[2], outHeight = output[1], outWidth = output[2];
        var taps = new Taps(channels * outHeight * outWidth, kernel * kernel, channels * height * width);
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    for (int u = 0; u < kernel; u++)
                    {
                        for (int v = 0; v < kernel; v++)
                        {
                            taps.Add((c * outHeight + i) * outWidth + j, u * kernel + v, (c * height + stride * i + u) * width + stride * j + v);
                        }
                    }
                }
            }
        }

        return taps;
    }

    private void Add(int output, int weight, int input)
    {
        ByOutput[output].Add((weight, input));
        ByWeight[weight].Add((output, input));
        ByInput[input].Add((output, weight));
    }

    private static List<T>[] New<T>(int count)
    {
        var lists = new List<T>[count];
        for (int i = 0; i < count; i++)
        {
            lists[i] = new List<T>();
        }

        return lists;
    }
}
