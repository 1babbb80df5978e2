namespace SkipNet.Generator.Model;

/// <summary>
/// A network declaration: everything the emitter needs, and nothing from Roslyn. When
/// <see cref="Errors"/> is not empty the declaration has SKIP errors; the emitter then writes the
/// public surface only, every member throwing, so the SKIP errors are the only ones a user sees.
/// </summary>
/// <param name="Namespace">The namespace as C# source (segments escaped: "App.@internal"), or null.</param>
/// <param name="FullName">"App.internal.Outer.Net", unescaped: for the hint name and messages.</param>
/// <param name="TypeName">The class name, unescaped.</param>
/// <param name="TakenNames">Member names the class already has (its own and inherited ones it sees); generated private names avoid them.</param>
/// <param name="HuberDelta">δ of the Huber loss (1 unless declared).</param>
/// <param name="Layers">The layers (for an erroneous declaration, those whose names are usable).</param>
/// <param name="Skips">The skip edges (for an erroneous declaration, those that are well formed).</param>
/// <param name="Errors">The SKIP errors' messages, for the members of an erroneous declaration to throw.</param>
internal sealed record NetworkModel(
    string? Namespace,
    string FullName,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeName,
    TypeShape Shape,
    EquatableArray<string> TakenNames,
    int Inputs,
    ImageShape? InputShape,
    Loss Loss,
    double HuberDelta,
    Precision Precision,
    bool Unrolled,
    EquatableArray<LayerModel> Layers,
    EquatableArray<SkipModel> Skips,
    EquatableArray<string> Errors,
    Functions.FunctionModel? LossFunction = null)
{
    public bool IsStub => Errors.Count > 0;
}

/// <summary>What kind of type the network is, as far as the generated constructors care.</summary>
/// <param name="IsRecord">A record class: it gets a copy constructor, so that <c>with</c> copies the parameters too.</param>
/// <param name="IsSealed">Sealed (a record's copy constructor may then be private).</param>
/// <param name="HasPrimaryConstructor">Declared with a parameter list: no constructors are generated (C# requires every other constructor to call the primary one).</param>
/// <param name="DeclaresConstructor">The class declares a constructor SkipNet would generate (SKIP020): an erroneous declaration's members then leave the constructors out.</param>
/// <param name="HasRecordBase">A record deriving from another record: its copy constructor calls the base's.</param>
/// <param name="CopiedMembers">A record's instance fields and auto-properties (as C# source), which its copy constructor copies.</param>
internal sealed record TypeShape(bool IsRecord, bool IsSealed, bool HasPrimaryConstructor, bool DeclaresConstructor, bool HasRecordBase, EquatableArray<string> CopiedMembers)
{
    public string Keyword => IsRecord ? "record" : "class";
}

/// <summary>A type that encloses the network class, re-declared as partial around it.</summary>
/// <param name="Keyword">"class", "struct", "interface", "record" or "record struct".</param>
/// <param name="Name">The name as C# source (escaped).</param>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>A layer: z = its operation on h_prev (+ skips), h = f(z); <see cref="Layers.LayerRule"/> says what each kind computes.</summary>
/// <param name="Units">The layer's width (a LayerNorm's or Dropout's is the previous layer's).</param>
/// <param name="Epsilon">ε of a LayerNorm (unused by other kinds).</param>
/// <param name="P">The probability of a Dropout (unused by other kinds).</param>
/// <param name="Momentum">The running statistics' momentum of a BatchNorm (unused by other kinds).</param>
/// <param name="Image">The output as an image (Units = C·H·W), or null for a vector.</param>
/// <param name="Kernel">k of a convolution or a pooling window (0 for other kinds).</param>
/// <param name="Stride">The stride of a convolution or a pooling (0 for other kinds).</param>
/// <param name="Padding">The zero padding of a convolution.</param>
internal sealed record LayerModel(
    string Name, LayerKind Kind, int Units, Activation Activation, double Alpha, double Epsilon = 1e-5, double P = 0, double Momentum = 0.1,
    ImageShape? Image = null, int Kernel = 0, int Stride = 0, int Padding = 0, Functions.FunctionModel? Function = null);

/// <summary>An image: C channels of H rows of W values, NCHW (channel, then row, then column).</summary>
internal readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>H·W, the values of one channel.</summary>
    public int Spatial => Height * Width;

    public long Size => (long)Channels * Height * Width;

    /// <summary>"16×28×28".</summary>
    public override string ToString() => $"{Channels}×{Height}×{Width}";
}

/// <summary>What a node gives per sample: <see cref="Size"/> values, an image or a vector.</summary>
internal readonly record struct Shape(int Size, ImageShape? Image)
{
    /// <summary>A BatchNorm's channels: C of an image, every value of a vector.</summary>
    public int Channels => Image?.Channels ?? Size;

    /// <summary>H·W of an image, 1 for a vector.</summary>
    public int Spatial => Image?.Spatial ?? 1;

    /// <summary>The shape of an image's values (its size capped at int.MaxValue).</summary>
    public static Shape Of(ImageShape image) => new((int)System.Math.Min(image.Size, int.MaxValue), image);

    /// <summary>"16×28×28" or "10".</summary>
    public override string ToString() => Image?.ToString() ?? Size.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"an image of 16×28×28" or "a vector of 10".</summary>
    public string Describe() => Image is { } image ? $"an image of {image}" : $"a vector of {Size}";
}

/// <summary>A skip edge; <see cref="From"/> is a layer name or "x".</summary>
internal sealed record SkipModel(string From, string To, SkipKind Kind);
