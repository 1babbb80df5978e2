using System.Linq;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Layers;

/// <summary>
/// A convolution read only by the BatchNorm after it. In Forward and Evaluate (eval mode) the two run
/// as one pass, <c>ImageKernels.Conv2DBatchNormForward</c>: each value of the convolution is normalized
/// by the running statistics as it is written and, when the BatchNorm's skips are at most one identity
/// skip and its activation is ReLU or none, has the skip added and ReLU taken in the same pass. The
/// numbers are the same, bit for bit, as the operations one by one (the kernel computes each value as
/// they do), without writing the convolution's output or passing over the values again. Training calls
/// run the operations one by one: the backward pass reads what they keep. Where the pass takes ReLU it
/// never writes the BatchNorm's z, so InputGradient's eval pass (keep_z) stops the one pass at z and
/// adds the skip and takes ReLU after it: ReLU's derivative at 0 is 1, which h cannot tell from z &lt; 0.
/// </summary>
internal sealed class NormalizedConvolution
{
    private NormalizedConvolution(Node convolution, Node normalization, bool whole)
    {
        Convolution = convolution;
        Normalization = normalization;
        Whole = whole;
    }

    public Node Convolution { get; }

    /// <summary>The BatchNorm, whose code the fused code replaces.</summary>
    public Node Normalization { get; }

    /// <summary>Whether the pass also adds the skip and takes the activation (the BatchNorm's h), or stops at its z.</summary>
    public bool Whole { get; }

    /// <summary>Whether the one pass takes ReLU, so writes h and never z, which ReLU's derivative reads.</summary>
    public bool DropsZ => Whole && Normalization.Activation == Activation.ReLU;

    /// <summary>The fusion starting at <paramref name="convolution"/>, or null when its output is read by anything but the BatchNorm after it.</summary>
    public static NormalizedConvolution? Of(Node convolution)
    {
        if (convolution.Layer is not { Kind: LayerKind.Conv2D, Function: null } || convolution.Activation != Activation.Identity || convolution.Skips.Count != 0
            || convolution.Readers.Count != 1 || convolution.Readers[0] is not { IsSkip: false, To: { Layer.Kind: LayerKind.BatchNorm } normalization })
        {
            return null;
        }

        bool whole = normalization.Layer!.Function is null && normalization.Activation is Activation.ReLU or Activation.Identity
            && normalization.Skips.Count <= 1 && normalization.Skips.All(s => s.Matrix is null);
        return new(convolution, normalization, whole);
    }

    /// <summary>The two layers' code after the convolution's equation: one by one in training calls, one pass otherwise.</summary>
    public void Emit(LoopedEmitter e, SourceWriter w)
    {
        var bn = Normalization;
        e.EmitEquation(w, bn);
        BatchNormRule.EmitComment(e, w, bn);
        if (Whole)
        {
            e.EmitActivationComment(w, bn);
        }

        w.Open($"if ({e.Train})");
        Convolution.Rule.EmitForward(e, w, Convolution);
        BatchNormRule.EmitTrainForward(e, w, bn);
        if (Whole)
        {
            e.EmitSkipsAndActivation(w, bn, comment: false);
        }

        w.Close();
        if (!DropsZ)
        {
            w.Open("else");
            EmitNormalized(e, w, whole: Whole);
            w.Close();
            if (!Whole)
            {
                e.EmitSkipsAndActivation(w, bn);
            }

            return;
        }

        // InputGradient keeps z: ReLU's derivative at 0 is 1, which h = max(z, 0) cannot tell from z < 0.
        w.Open($"else if ({e.KeepZ})");
        EmitNormalized(e, w, whole: false);
        e.EmitSkipsAndActivation(w, bn, comment: false);
        w.Close();
        w.Open("else");
        EmitNormalized(e, w, whole: true);
        w.Close();
    }

    /// <summary>The one-pass kernel: into the BatchNorm's z, or (<paramref name="whole"/>) with the skip and ReLU into its h.</summary>
    private void EmitNormalized(LoopedEmitter e, SourceWriter w, bool whole)
    {
        var bn = Normalization;
        var layer = Convolution.Layer!;
        var from = Convolution.Main!.From;
        string addend = whole && bn.Skips.Count == 1 ? e.H(bn.Skips[0].From) : e.Empty;
        string what = whole ? bn.Name : "z_" + bn.Name;
        w.Line($"// {LoopedEmitter.Name(Convolution)} and {what} in one pass over the convolution's values (the same numbers as one by one)");
        w.Line($"{e.ImageKernel("Conv2DBatchNormForward")}({e.Parameters(Convolution.Weights!)}, {e.Parameters(Convolution.Bias!)}, {BatchNormRule.Statistics(e, bn)}, {BatchNormRule.Epsilon(e, bn)}, "
            + $"{e.H(from)}, {addend}, {(whole ? e.H(bn) : e.Z(bn))}, {e.Rows}, {LoopedEmitter.Geometry(from.Shape, layer.Kernel, layer.Stride, layer.Padding)}, rectify: {(whole && bn.Activation == Activation.ReLU ? "true" : "false")});");
    }
}
