using System;
using System.Collections.Generic;
using System.Linq;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// Every name in the runtime that generated code uses, in one table: the boundary between the
/// generator and the SkipNet assembly. The emitters write these and nothing else of the runtime's;
/// <c>RuntimeNamesTests</c> resolves every entry (<see cref="All"/>, for every activation and loss)
/// against the runtime, so a rename on either side fails a test instead of a user's build.
/// </summary>
internal static class RuntimeNames
{
    private const string Root = "global::SkipNet.";

    /// <summary>The namespace of the members only generated code calls (kernels, buffers, guards), out of the user's way.</summary>
    private const string Plumbing = Root + "CompilerServices.";

    // The user's API, which generated members name in their signatures.
    public const string IResidualNetwork = Root + "IResidualNetwork";
    public const string Optimizer = Root + "Optimizer";
    public const string ParameterBlock = Root + "ParameterBlock";
    public const string NetworkArchitecture = Root + "NetworkArchitecture";
    public const string LayerInfo = Root + "LayerInfo";
    public const string SkipInfo = Root + "SkipInfo";
    public const string Derivation = Root + "Derivation";
    public const string DerivationOf = Derivation + ".Of";
    public const string ActivationEnum = Root + "Activation";
    public const string LossEnum = Root + "Loss";
    public const string SkipKindEnum = Root + "SkipKind";
    public const string LayerKindEnum = Root + "LayerKind";

    // What only generated code calls.
    public const string AlignedArray = Plumbing + "AlignedArray";
    public const string GradientWrite = Plumbing + "GradientWrite";
    public const string TrainingGuard = Plumbing + "TrainingGuard";
    public const string SplitMix64 = Plumbing + "SplitMix64";
    public const string Initializer = Plumbing + "Initializer";
    public const string Guard = Plumbing + "Guard";
    public const string GuardSampleCount = Guard + ".SampleCount";
    public const string GuardLength = Guard + ".Length";
    public const string GuardSeparate = Guard + ".Separate";
    public const string GuardOptimizer = Guard + ".Optimizer";
    public const string Sgd = Plumbing + "Optimizers.Sgd";
    public const string Kernels = Plumbing + "Kernels";
    public const string Activations = Plumbing + "Activations";
    public const string Losses = Plumbing + "Losses";
    public const string LayerKernels = Plumbing + "LayerKernels";
    public const string DropoutRandom = SplitMix64 + ".ForDropout";
    public const string RowsForward = Plumbing + "RowsForward";
    public const string ChunkedRowsForward = Plumbing + "ChunkedRows.Forward";

    /// <summary>The kernels of the layers other than Dense (<c>LayerKernels.{name}</c>).</summary>
    public static readonly string[] LayerKernelMethods =
        ["BatchNormBackward", "BatchNormEvalBackward", "BatchNormEvalForward", "BatchNormTrainForward", "DropoutBackward", "DropoutForward", "LayerNormBackward", "LayerNormForward", "LayerNormInputBackward"];

    /// <summary><c>LayerKernels.{name}</c>, which must be one of <see cref="LayerKernelMethods"/>.</summary>
    public static string LayerKernel(string name) =>
        Array.IndexOf(LayerKernelMethods, name) >= 0 ? LayerKernels + "." + name : throw new ArgumentException($"'{name}' is not in RuntimeNames.LayerKernelMethods.", nameof(name));

    public const string DifferentiableFunction = "global::SkipNet.DifferentiableFunction";
    public const string FunctionExpression = "global::SkipNet.FunctionExpression";
    public const string FunctionOperation = "global::SkipNet.FunctionOperation";
    public const string FunctionComparison = "global::SkipNet.FunctionComparison";

    public const string ImageKernels = Plumbing + "ImageKernels";

    /// <summary>The kernels of image layers (<c>ImageKernels.{name}</c>).</summary>
    public static readonly string[] ImageKernelMethods =
    [
        "AvgPool2DBackward", "AvgPool2DForward", "ChannelBiasGradient", "Conv2DBackward", "Conv2DBatchNormForward", "Conv2DForward", "Conv2DInputBackward",
        "GlobalAvgPool2DBackward", "GlobalAvgPool2DForward", "MaxPool2DBackward", "MaxPool2DForward",
    ];

    /// <summary><c>ImageKernels.{name}</c>, which must be one of <see cref="ImageKernelMethods"/>.</summary>
    public static string ImageKernel(string name) =>
        Array.IndexOf(ImageKernelMethods, name) >= 0 ? ImageKernels + "." + name : throw new ArgumentException($"'{name}' is not in RuntimeNames.ImageKernelMethods.", nameof(name));

    /// <summary>The matrix and vector kernels the looped code calls (<c>Kernels.{name}</c>).</summary>
    public static readonly string[] KernelMethods = ["Add", "BiasGradient", "DenseBackward", "DenseForward", "MultiplyAdd", "TransposeMultiplyAdd", "WeightGradient"];

    /// <summary><c>Kernels.{name}</c>, which must be one of <see cref="KernelMethods"/>.</summary>
    public static string Kernel(string name) =>
        Array.IndexOf(KernelMethods, name) >= 0 ? Kernels + "." + name : throw new ArgumentException($"'{name}' is not in RuntimeNames.KernelMethods.", nameof(name));

    /// <summary>The looped code's activation kernel, <c>Activations.{Kind}</c> (none for Identity, whose h is z).</summary>
    public static string Activation(Activation activation) => $"{Activations}.{activation}";

    /// <summary>The looped code's derivative kernel, <c>Activations.{Kind}Backward</c> (none for Identity).</summary>
    public static string ActivationBackward(Activation activation) => $"{Activations}.{activation}Backward";

    /// <summary>The kernels the looped code calls for an activation: none for Identity.</summary>
    public static string[] ActivationKernels(Activation activation) =>
        activation == Model.Activation.Identity ? [] : [Activation(activation), ActivationBackward(activation)];

    /// <summary>The scalar functions unrolled code calls for an activation (GELU, SiLU and Softplus and their derivatives), or none.</summary>
    public static string[] ActivationScalars(Activation activation) => activation switch
    {
        Model.Activation.GELU or Model.Activation.SiLU or Model.Activation.Softplus => [$"{Activations}.{activation}", $"{Activations}.{activation}Derivative"],
        _ => [],
    };

    /// <summary>The looped code's loss kernel, <c>Losses.{Kind}</c> (the sum and, with a gradient span, dL/dŷ).</summary>
    public static string Loss(Loss loss) => $"{Losses}.{loss}";

    /// <summary>The scalar term unrolled code calls for binary cross-entropy.</summary>
    public const string BinaryCrossEntropyTerm = Losses + ".BinaryCrossEntropyTerm";

    /// <summary>Every name above, for every activation and loss: types (generic ones with their arity, "`1") and members.</summary>
    public static IEnumerable<string> All()
    {
        string[] fixedNames =
        [
            IResidualNetwork + "`1", Optimizer + "`1", ParameterBlock, NetworkArchitecture, LayerInfo, SkipInfo, Derivation, DerivationOf,
            ActivationEnum, LossEnum, SkipKindEnum, LayerKindEnum, DropoutRandom, AlignedArray + "`1", GradientWrite + "`1", TrainingGuard, SplitMix64,
            Initializer + ".He", Initializer + ".Glorot", GuardSampleCount, GuardLength, GuardSeparate, GuardOptimizer, Sgd, BinaryCrossEntropyTerm,
            RowsForward + "`1", ChunkedRowsForward,
        ];
        return fixedNames
            .Concat(KernelMethods.Select(Kernel))
            .Concat(LayerKernelMethods.Select(LayerKernel))
            .Concat(ImageKernelMethods.Select(ImageKernel))
            .Concat(Enum.GetValues(typeof(Activation)).Cast<Activation>().SelectMany(a => ActivationKernels(a).Concat(ActivationScalars(a))))
            .Concat(Enum.GetValues(typeof(Loss)).Cast<Loss>().Select(Loss));
    }
}
