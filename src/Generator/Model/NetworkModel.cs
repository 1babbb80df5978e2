namespace SkipNet.Generator.Model;

/// <summary>A validated network declaration: everything the emitter needs, and nothing from Roslyn.</summary>
internal sealed record NetworkModel(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeKeyword,
    string TypeName,
    int Inputs,
    LossKind Loss,
    Precision Precision,
    bool Unrolled,
    EquatableArray<LayerModel> Layers,
    EquatableArray<SkipModel> Skips)
{
    /// <summary>"Namespace.Outer.Type" for the hint name and messages.</summary>
    public string FullName
    {
        get
        {
            var prefix = Namespace is null ? "" : Namespace + ".";
            foreach (var t in ContainingTypes)
            {
                prefix += t.Name + ".";
            }

            return prefix + TypeName;
        }
    }
}

/// <summary>A type that encloses the network class, re-declared as partial around it.</summary>
/// <param name="Keyword">"class", "struct", "record" or "record struct".</param>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>A dense layer: z = W·h_prev + b (+ skips), h = f(z).</summary>
internal sealed record LayerModel(string Name, int Units, Activation Activation, double Alpha);

/// <summary>A skip edge; <see cref="From"/> is a layer name or "x".</summary>
internal sealed record SkipModel(string From, string To, SkipKind Kind);
