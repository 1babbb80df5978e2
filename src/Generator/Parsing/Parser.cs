using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Diagnostics;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Parsing;

/// <summary>
/// Turns a class with [Residual], [Dense] and [Skip] into a <see cref="NetworkModel"/>, or into
/// diagnostics that say what to write instead. Never throws on user input.
/// </summary>
internal static class Parser
{
    public const string ResidualAttribute = "SkipNet.ResidualAttribute";
    public const string DenseAttribute = "SkipNet.DenseAttribute";
    public const string SkipAttribute = "SkipNet.SkipAttribute";

    /// <summary>The name that means the input vector.</summary>
    public const string Input = "x";

    public const int MaxUnits = 1 << 16;
    public const long MaxParameters = 0x7FFFFFC7; // Array.MaxLength

    /// <summary>CodeStyle.Auto unrolls when every layer and the input are at most this wide...</summary>
    public const int AutoUnrollMaxWidth = 8;

    /// <summary>...and unrolling never writes more parameter statements than this.</summary>
    public const int MaxUnrolledParameters = 4096;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var model = TryParse(context, diagnostics, cancellationToken);
        bool hasErrors = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
        return new ParseResult(hasErrors ? null : model, diagnostics.ToEquatableArray());
    }

    private static NetworkModel? TryParse(GeneratorAttributeSyntaxContext context, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
        {
            return null;
        }

        var typeLocation = declaration.Identifier.GetLocation();
        var containing = ParseTypeShape(type, declaration, typeLocation, diagnostics);

        var residual = context.Attributes[0];
        var residualSyntax = Syntax(residual, cancellationToken);
        if (residual.AttributeConstructor is null)
        {
            return null; // the compiler already reports the malformed attribute
        }

        int? inputs = null;
        var loss = LossKind.MSE;
        var precision = Precision.Double;
        var style = CodeStyle.Auto;
        foreach (var named in residual.NamedArguments)
        {
            var location = NamedArgumentLocation(residualSyntax, named.Key);
            switch (named.Key)
            {
                case "Inputs":
                    inputs = named.Value.Value as int? ?? 0;
                    break;
                case "Loss":
                    loss = ReadEnum<LossKind>(named.Value, "Loss", location, diagnostics);
                    break;
                case "Precision":
                    precision = ReadEnum<Precision>(named.Value, "Precision", location, diagnostics);
                    break;
                case "CodeStyle":
                    style = ReadEnum<CodeStyle>(named.Value, "CodeStyle", location, diagnostics);
                    break;
            }
        }

        if (inputs is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InputsMissing, residualSyntax?.GetLocation() ?? typeLocation, type.Name));
        }
        else if (inputs < 1 || inputs > MaxUnits)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InputsOutOfRange, NamedArgumentLocation(residualSyntax, "Inputs"), inputs, MaxUnits));
        }

        var layers = ParseLayers(type, diagnostics, cancellationToken, out bool layersMalformed);
        var skips = ParseSkips(type, diagnostics, cancellationToken, out bool skipsMalformed);
        if (layersMalformed || skipsMalformed)
        {
            return null;
        }

        if (layers.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NoLayers, typeLocation, type.Name));
            return null;
        }

        var output = layers[layers.Count - 1];
        if (output.Model.Activation == Activation.ReLU && loss == LossKind.MSE)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                Descriptors.SuspiciousOutput, output.ActivationLocation, output.Model.Name, "ReLU", "MSE",
                "it cannot predict a negative target, and once its pre-activation is negative the gradient is 0 and it stops learning"));
        }

        int inputWidth = inputs is >= 1 and <= MaxUnits ? inputs.Value : 1;
        ValidateSkips(layers, skips, inputWidth, diagnostics, cancellationToken);
        ValidateMembers(type, layers.Select(l => l.Model), skips.Select(s => s.Model), typeLocation, diagnostics, cancellationToken);

        long parameterCount = CountParameters(layers, skips, inputWidth);
        int maxWidth = Math.Max(inputWidth, layers.Max(l => l.Model.Units));
        if (parameterCount > MaxParameters)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.TooManyParameters, typeLocation, type.Name, parameterCount, MaxParameters));
        }
        else if (style == CodeStyle.Unrolled && parameterCount > MaxUnrolledParameters)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.TooLargeToUnroll, NamedArgumentLocation(residualSyntax, "CodeStyle"), parameterCount, MaxUnrolledParameters));
        }

        bool unrolled = style switch
        {
            CodeStyle.Unrolled => true,
            CodeStyle.Looped => false,
            _ => maxWidth <= AutoUnrollMaxWidth && parameterCount <= MaxUnrolledParameters,
        };

        return new NetworkModel(
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
            containing,
            declaration is RecordDeclarationSyntax ? "record" : "class",
            type.Name,
            inputWidth,
            loss,
            precision,
            unrolled,
            layers.Select(l => l.Model).ToEquatableArray(),
            skips.Select(s => s.Model).ToEquatableArray());
    }

    /// <summary>For a class with [Dense] or [Skip]: a diagnostic when it has no [Residual] (otherwise nothing, the main pipeline handles it).</summary>
    public static EquatableArray<DiagnosticInfo> ParseOrphan(GeneratorAttributeSyntaxContext context, string attributeName, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || AttributesNamed(type, ResidualAttribute).Any())
        {
            return EquatableArray<DiagnosticInfo>.Empty;
        }

        var location = Syntax(context.Attributes[0], cancellationToken)?.GetLocation();
        return new[] { DiagnosticInfo.Create(Descriptors.LayerWithoutResidual, location, type.Name, attributeName) }.ToEquatableArray();
    }

    private static EquatableArray<ContainingType> ParseTypeShape(INamedTypeSymbol type, TypeDeclarationSyntax declaration, Location typeLocation, List<DiagnosticInfo> diagnostics)
    {
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NotPartial, typeLocation, type.Name));
        }

        if (type.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.StaticClass, typeLocation, type.Name));
        }

        if (type.TypeParameters.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.GenericClass, typeLocation, type.Name));
        }

        var containing = new List<ContainingType>();
        for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
        {
            if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.ContainingTypeNotPartial, typeLocation, type.Name, parent.Identifier.ValueText));
            }

            if (parent.TypeParameterList is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.GenericClass, parent.Identifier.GetLocation(), parent.Identifier.ValueText));
            }

            string keyword = parent switch
            {
                RecordDeclarationSyntax r => r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                _ => parent.Keyword.ValueText,
            };
            containing.Insert(0, new ContainingType(keyword, parent.Identifier.ValueText));
        }

        return containing.ToEquatableArray();
    }

    private sealed record ParsedLayer(LayerModel Model, Location? NameLocation, Location? ActivationLocation);

    private sealed record ParsedSkip(SkipModel Model, Location? FromLocation, Location? ToLocation, Location? KindLocation);

    private static List<ParsedLayer> ParseLayers(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, out bool malformed)
    {
        malformed = false;
        var layers = new List<ParsedLayer>();
        foreach (var attribute in AttributesNamed(type, DenseAttribute))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var args = attribute.ConstructorArguments;
            if (attribute.AttributeConstructor is null || args.Length != 3 || args[0].Value is not string name || args[1].Value is not int units)
            {
                malformed = true;
                continue;
            }

            var syntax = Syntax(attribute, cancellationToken);
            var nameLocation = ArgumentLocation(syntax, 0, "name");
            var activationLocation = ArgumentLocation(syntax, 2, "activation");
            var activation = ReadEnum<Activation>(args[2], "Activation", activationLocation, diagnostics);

            double alpha = 0.01;
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Alpha" && named.Value.Value is double a)
                {
                    alpha = a;
                    if (activation != Activation.LeakyReLU)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Descriptors.AlphaIgnored, NamedArgumentLocation(syntax, "Alpha"), name, activation));
                    }
                }
            }

            if (name == Input)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.ReservedLayerName, nameLocation));
            }
            else if (!IsValidLayerName(name))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.InvalidLayerName, nameLocation, name));
            }
            else if (layers.FirstOrDefault(l => string.Equals(l.Model.Name, name, StringComparison.OrdinalIgnoreCase)) is { } existing)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateLayer, nameLocation, name, existing.Model.Name, Naming.Pascal(name)));
            }

            if (units < 1 || units > MaxUnits)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.UnitsOutOfRange, ArgumentLocation(syntax, 1, "units"), name, units, MaxUnits));
            }

            layers.Add(new ParsedLayer(new LayerModel(name, units, activation, alpha), nameLocation, activationLocation));
        }

        return layers;
    }

    private static List<ParsedSkip> ParseSkips(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, out bool malformed)
    {
        malformed = false;
        var skips = new List<ParsedSkip>();
        foreach (var attribute in AttributesNamed(type, SkipAttribute))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var args = attribute.ConstructorArguments;
            if (attribute.AttributeConstructor is null || args.Length != 3 || args[0].Value is not string from || args[1].Value is not string to)
            {
                malformed = true;
                continue;
            }

            var syntax = Syntax(attribute, cancellationToken);
            var kindLocation = ArgumentLocation(syntax, 2, "kind");
            var kind = ReadEnum<SkipKind>(args[2], "SkipKind", kindLocation, diagnostics);
            skips.Add(new ParsedSkip(
                new SkipModel(from, to, kind),
                ArgumentLocation(syntax, 0, "from"),
                ArgumentLocation(syntax, 1, "to"),
                kindLocation ?? syntax?.GetLocation()));
        }

        return skips;
    }

    private static void ValidateSkips(List<ParsedLayer> layers, List<ParsedSkip> skips, int inputWidth, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var skip in skips)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (from, to, kind) = (skip.Model.From, skip.Model.To, skip.Model.Kind);
            int fromIndex = from == Input ? -1 : layers.FindIndex(l => l.Model.Name == from);
            int toIndex = layers.FindIndex(l => l.Model.Name == to);

            bool known = true;
            if (fromIndex == -1 && from != Input)
            {
                diagnostics.Add(UnknownEndpoint(from, skip.FromLocation, layers, allowInput: true));
                known = false;
            }

            if (toIndex == -1)
            {
                diagnostics.Add(UnknownEndpoint(to, skip.ToLocation, layers, allowInput: false));
                known = false;
            }

            if (!known)
            {
                continue;
            }

            if (toIndex <= fromIndex)
            {
                string why = toIndex == fromIndex ? "points to itself" : $"points backward ('{to}' is declared before '{from}')";
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.SkipNotForward, skip.ToLocation, from, to, why));
                continue;
            }

            if (!seen.Add((from, to)))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateSkip, skip.ToLocation, from, to));
                continue;
            }

            int fromWidth = fromIndex == -1 ? inputWidth : layers[fromIndex].Model.Units;
            int toWidth = layers[toIndex].Model.Units;
            if (kind == SkipKind.Identity && fromWidth != toWidth)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.IdentitySkipWidthMismatch, skip.KindLocation, from, to, fromWidth, toWidth));
            }
        }
    }

    /// <summary>A member of the class (or an accessible inherited one) named like a generated member would make the generated code fail to compile.</summary>
    private static void ValidateMembers(INamedTypeSymbol type, IEnumerable<LayerModel> layers, IEnumerable<SkipModel> skips, Location typeLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var generated = new HashSet<string>(Naming.GeneratedMembers(layers, skips));
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var member in current.GetMembers())
            {
                bool visible = SymbolEqualityComparer.Default.Equals(current, type) || member.DeclaredAccessibility != Accessibility.Private;
                bool collides = member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } constructor
                    ? SymbolEqualityComparer.Default.Equals(current, type) && !constructor.IsImplicitlyDeclared
                        && (constructor.Parameters.Length == 0 || (constructor.Parameters.Length == 1 && constructor.Parameters[0].Type.SpecialType == SpecialType.System_Int32))
                    : visible && !member.IsImplicitlyDeclared && generated.Contains(member.Name);
                if (collides)
                {
                    var location = member.Locations.FirstOrDefault(l => l.IsInSource) ?? typeLocation;
                    string name = member is IMethodSymbol { MethodKind: MethodKind.Constructor } c ? $"{type.Name}({string.Join(", ", c.Parameters.Select(p => p.Type.ToDisplayString()))})" : member.Name;
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.MemberCollision, location, type.Name, name));
                }
            }
        }
    }

    private static long CountParameters(List<ParsedLayer> layers, List<ParsedSkip> skips, int inputWidth)
    {
        long count = 0;
        long previous = inputWidth;
        foreach (var layer in layers)
        {
            count += (previous + 1) * layer.Model.Units;
            previous = layer.Model.Units;
        }

        foreach (var skip in skips.Where(s => s.Model.Kind == SkipKind.Weighted))
        {
            long fromWidth = skip.Model.From == Input ? inputWidth : layers.FirstOrDefault(l => l.Model.Name == skip.Model.From)?.Model.Units ?? 0;
            long toWidth = layers.FirstOrDefault(l => l.Model.Name == skip.Model.To)?.Model.Units ?? 0;
            count += fromWidth * toWidth;
        }

        return count;
    }

    /// <summary>Letters and digits, starting with a letter, not a keyword: every generated name built from it is then unique.</summary>
    internal static bool IsValidLayerName(string name) =>
        name.Length > 0
        && char.IsLetter(name[0])
        && name.All(char.IsLetterOrDigit)
        && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None
        && SyntaxFacts.IsValidIdentifier(name);

    /// <summary>SKIP009, suggesting the closest declared name (and carrying it for the code fix) when one is close.</summary>
    private static DiagnosticInfo UnknownEndpoint(string name, Location? location, List<ParsedLayer> layers, bool allowInput)
    {
        var candidates = layers.Select(l => l.Model.Name).ToList();
        if (allowInput)
        {
            candidates.Add(Input);
        }

        var best = candidates
            .Select(c => (Name: c, Distance: Levenshtein(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        string declared = string.Join(", ", candidates.Select(c => $"\"{c}\""));
        bool close = best.Name is not null && best.Distance <= Math.Max(2, name.Length / 2);
        string hint = close ? $"; did you mean \"{best.Name}\"? (declared: {declared})" : $"; use one of {declared}";
        return DiagnosticInfo.Create(Descriptors.UnknownSkipEndpoint, location, name, hint) with
        {
            Replacement = close ? SymbolDisplay.FormatLiteral(best.Name!, quote: true) : null,
        };
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static TEnum ReadEnum<TEnum>(TypedConstant constant, string enumName, Location? location, List<DiagnosticInfo> diagnostics)
        where TEnum : struct, Enum
    {
        if (constant.Value is int value && Enum.IsDefined(typeof(TEnum), value))
        {
            return (TEnum)(object)value;
        }

        diagnostics.Add(DiagnosticInfo.Create(
            Descriptors.UndefinedEnumValue, location, constant.Value ?? "null", enumName,
            string.Join(", ", Enum.GetNames(typeof(TEnum)).Select(n => enumName + "." + n))));
        return default;
    }

    private static IEnumerable<AttributeData> AttributesNamed(INamedTypeSymbol type, string metadataName) =>
        type.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == metadataName);

    private static AttributeSyntax? Syntax(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

    /// <summary>The location of a constructor argument, by name (name: value) or position.</summary>
    private static Location? ArgumentLocation(AttributeSyntax? syntax, int position, string parameterName)
    {
        if (syntax?.ArgumentList is not { } list)
        {
            return syntax?.GetLocation();
        }

        int index = 0;
        foreach (var argument in list.Arguments)
        {
            if (argument.NameColon?.Name.Identifier.ValueText == parameterName)
            {
                return argument.GetLocation();
            }

            if (argument.NameColon is null && argument.NameEquals is null)
            {
                if (index == position)
                {
                    return argument.GetLocation();
                }

                index++;
            }
        }

        return syntax.GetLocation();
    }

    /// <summary>The location of a property argument (Name = value).</summary>
    private static Location? NamedArgumentLocation(AttributeSyntax? syntax, string propertyName) =>
        syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == propertyName)?.GetLocation()
        ?? syntax?.GetLocation();
}
