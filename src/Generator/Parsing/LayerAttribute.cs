using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Diagnostics;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Parsing;

/// <summary>One layer attribute as a <see cref="Layers.LayerRule"/> reads it: its arguments, where each is written, and where to report.</summary>
internal sealed class LayerAttribute
{
    private readonly AttributeData _attribute;
    private readonly AttributeSyntax? _syntax;
    private readonly List<DiagnosticInfo> _diagnostics;

    public LayerAttribute(string name, AttributeData attribute, AttributeSyntax? syntax, Precision precision, List<DiagnosticInfo> diagnostics)
    {
        Name = name;
        _attribute = attribute;
        _syntax = syntax;
        Precision = precision;
        _diagnostics = diagnostics;
    }

    /// <summary>The layer's name, as declared.</summary>
    public string Name { get; }

    public Precision Precision { get; }

    public Location? ArgumentLocation(int position, string parameterName) => Parser.ArgumentLocation(_syntax, position, parameterName);

    public T? Argument<T>(int index) where T : struct => _attribute.ConstructorArguments[index].Value as T?;

    public TEnum Enum<TEnum>(int index, string enumName, Location? location) where TEnum : struct, System.Enum =>
        Parser.ReadEnum<TEnum>(_attribute.ConstructorArguments[index], enumName, location, _diagnostics);

    /// <summary>The Epsilon property (1e-5 unless set): finite and &gt; 0, also once rounded to float for a float network (SKIP035).</summary>
    public double Epsilon()
    {
        var named = _attribute.NamedArguments.FirstOrDefault(a => a.Key == "Epsilon");
        if (named.Key is null || named.Value.Value is not double epsilon)
        {
            return 1e-5;
        }

        bool zeroAsFloat = Precision == Precision.Single && ((float)epsilon == 0 || float.IsInfinity((float)epsilon));
        if (!(epsilon > 0) || double.IsInfinity(epsilon) || zeroAsFloat)
        {
            string shown = Literals.Describe(epsilon) + (zeroAsFloat && epsilon > 0 && !double.IsInfinity(epsilon) ? $", which is {((float)epsilon == 0 ? "0" : "∞")} in float (Precision.Single)" : "");
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.EpsilonOutOfRange, Parser.NamedArgumentLocation(_syntax, "Epsilon"), Name, shown));
            return 1e-5;
        }

        return epsilon;
    }

    /// <summary>The Momentum property (0.1 unless set): in (0, 1] (SKIP037).</summary>
    public double Momentum()
    {
        var named = _attribute.NamedArguments.FirstOrDefault(a => a.Key == "Momentum");
        if (named.Key is null || named.Value.Value is not double momentum)
        {
            return 0.1;
        }

        if (!(momentum > 0 && momentum <= 1))
        {
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.MomentumOutOfRange, Parser.NamedArgumentLocation(_syntax, "Momentum"), Name, Literals.Describe(momentum)));
            return 0.1;
        }

        return momentum;
    }

    /// <summary>The int argument at <paramref name="index"/> (a count or a size): at least 1 (SKIP038), else 1.</summary>
    public int Positive(int index, string parameterName)
    {
        int value = Argument<int>(index) ?? 0;
        if (value < 1)
        {
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.ImageArgumentOutOfRange, ArgumentLocation(index, parameterName), Name, parameterName, value, 1));
            return 1;
        }

        return value;
    }

    /// <summary>An int property (<paramref name="fallback"/> unless set): at least <paramref name="minimum"/> (SKIP038).</summary>
    public int Property(string key, int fallback, int minimum)
    {
        var named = _attribute.NamedArguments.FirstOrDefault(a => a.Key == key);
        if (named.Key is null || named.Value.Value is not int value)
        {
            return fallback;
        }

        if (value < minimum)
        {
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.ImageArgumentOutOfRange, Parser.NamedArgumentLocation(_syntax, key), Name, key, value, minimum));
            return fallback;
        }

        return value;
    }

    /// <summary>The input's image, or null after SKIP039 when the layer reads a vector.</summary>
    public ImageShape? Image(Shape input, string kind)
    {
        if (input.Image is null)
        {
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.ImageLayerOnVector, _syntax?.GetLocation(), Name, kind, input.Describe()));
        }

        return input.Image;
    }

    /// <summary>
    /// H' and W' of k × k windows <paramref name="stride"/> apart over the image padded by
    /// <paramref name="padding"/>, or null after SKIP040 when the window is larger than the padded image.
    /// </summary>
    public (int Height, int Width)? Windows(ImageShape image, int kernel, int stride, int padding, string kind)
    {
        int height = image.Height + 2 * padding, width = image.Width + 2 * padding;
        if (kernel > height || kernel > width)
        {
            string padded = padding == 0 ? "" : $" padded by {padding} to {image.Channels}×{height}×{width}";
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.WindowDoesNotFit, _syntax?.GetLocation(), kind, Name, kernel, $"{image}{padded}"));
            return null;
        }

        return ((height - kernel) / stride + 1, (width - kernel) / stride + 1);
    }

    /// <summary>The probability argument at <paramref name="index"/>: in [0, 1) (SKIP034), else 0.</summary>
    public double Probability(int index)
    {
        double p = Argument<double>(index) ?? double.NaN;
        if (!(p >= 0 && p < 1))
        {
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.DropoutOutOfRange, ArgumentLocation(index, "p"), Name, Literals.Describe(p)));
            return 0;
        }

        return p;
    }
}
