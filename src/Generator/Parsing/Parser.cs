using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Diagnostics;
using SkipNet.Generator.Functions;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Layers;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Parsing;

/// <summary>
/// Turns a class with [Residual], [Dense] and [Skip] into a <see cref="NetworkModel"/> and the
/// diagnostics that say what to write instead. A class that cannot take generated members at all
/// (not partial, static, generic, file-local, derived from another network) gets no model; any
/// other mistake gives a model marked with its errors, for which only the throwing public surface
/// is written. Never throws on user input.
/// </summary>
internal static class Parser
{
    public const string ResidualAttribute = "SkipNet.ResidualAttribute";
    public const string DenseAttribute = "SkipNet.DenseAttribute";
    public const string SkipAttribute = "SkipNet.SkipAttribute";

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
        return new ParseResult(model, diagnostics.ToEquatableArray());
    }

    private static NetworkModel? TryParse(GeneratorAttributeSyntaxContext context, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
        {
            return null;
        }

        var residual = context.Attributes[0];
        var residualSyntax = Syntax(residual, cancellationToken);
        var typeLocation = declaration.Identifier.GetLocation();
        if (residual.AttributeConstructor is null || type.IsValueType)
        {
            return null; // the compiler reports the malformed attribute, or [Residual] on a struct
        }

        var errors = new List<string>(); // compiler errors in the attributes, which have no SKIP diagnostic
        if (!ParseTypeShape(type, declaration, residualSyntax, typeLocation, diagnostics, cancellationToken, out var containing, out var shape))
        {
            return null;
        }

        int? inputs = null;
        TypedConstant? inputShape = null;
        double? huberDelta = null;
        string? lossFunction = null;
        bool lossGiven = false;
        var loss = Loss.MSE;
        var precision = Precision.Double;
        var style = CodeStyle.Auto;
        foreach (var named in residual.NamedArguments)
        {
            var location = NamedArgumentLocation(residualSyntax, named.Key);
            if (named.Value.Kind == TypedConstantKind.Error)
            {
                errors.Add($"[Residual]'s {named.Key} does not compile");
                continue;
            }

            switch (named.Key)
            {
                case "Inputs":
                    inputs = named.Value.Value as int? ?? 0;
                    break;
                case "InputShape":
                    inputShape = named.Value;
                    break;
                case "Loss":
                    loss = ReadEnum<Loss>(named.Value, "Loss", location, diagnostics);
                    lossGiven = true;
                    break;
                case "LossFunction":
                    lossFunction = named.Value.Value as string;
                    break;
                case "Precision":
                    precision = ReadEnum<Precision>(named.Value, "Precision", location, diagnostics);
                    break;
                case "CodeStyle":
                    style = ReadEnum<CodeStyle>(named.Value, "CodeStyle", location, diagnostics);
                    break;
                case "HuberDelta":
                    huberDelta = named.Value.Value as double? ?? double.NaN;
                    break;
            }
        }

        if (huberDelta is { } delta)
        {
            var location = NamedArgumentLocation(residualSyntax, "HuberDelta");
            if (!(delta > 0) || double.IsInfinity(delta))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.HuberDeltaOutOfRange, location, Literals.Describe(delta)));
            }
            else if (precision == Precision.Single && (float.IsInfinity((float)delta) || (float)delta == 0))
            {
                // δ as the float network holds it: overflowing to ∞ or underflowing to 0 (every residual then on the linear branch, δ·|e| = 0).
                string single = float.IsInfinity((float)delta) ? "∞" : "0";
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.HuberDeltaOutOfRange, location, $"{Literals.Describe(delta)}, which is {single} in float (Precision.Single)"));
            }
            else if (loss != Loss.Huber)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.HuberDeltaIgnored, location, loss));
            }
        }

        var image = ReadInputShape(inputShape, NamedArgumentLocation(residualSyntax, "InputShape"), diagnostics);
        if (inputs is null && inputShape is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InputsMissing, residualSyntax?.GetLocation() ?? typeLocation, type.Name));
        }
        else if (inputs is not null && (inputs < 1 || inputs > MaxUnits))
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InputsOutOfRange, NamedArgumentLocation(residualSyntax, "Inputs"), inputs, MaxUnits));
        }
        else if (inputs is not null && image is { } declared && inputs != declared.Size)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InputsDisagreeWithShape, NamedArgumentLocation(residualSyntax, "Inputs"), inputs, declared, declared.Size));
        }

        int inputWidth = image is { } input ? (int)input.Size : inputs is >= 1 and <= MaxUnits ? inputs.Value : 1;
        var inputShapeModel = new Shape(inputWidth, image);
        var functions = new FunctionReader(type, context.SemanticModel.Compilation, precision, diagnostics, cancellationToken);
        FunctionModel? lossModel = null;
        if (lossFunction is not null)
        {
            var location = NamedArgumentLocation(residualSyntax, "LossFunction");
            lossModel = functions.Read(lossFunction, "LossFunction", location, parameters: 2);
            if (lossGiven)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.FunctionAndBuiltIn, location, "[Residual]", $"Loss = {loss}", $"LossFunction = {lossFunction}"));
            }
        }

        var layers = ParseLayers(type, declaration, precision, inputShapeModel, functions, diagnostics, errors, cancellationToken);
        var skips = ParseSkips(type, declaration, diagnostics, errors, cancellationToken);
        if (layers.Count == 0 && errors.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NoLayers, typeLocation, type.Name));
        }

        if (layers.Count > 0 && lossFunction is null)
        {
            ValidateOutput(layers[layers.Count - 1], LossRule.Of(loss), diagnostics);
        }

        ValidateSkips(layers, skips, inputShapeModel, diagnostics, cancellationToken);
        ValidateNames(type, declaration, shape, layers, skips, typeLocation, diagnostics, cancellationToken);

        long parameterCount = CountParameters(layers, skips, inputShapeModel);
        int maxWidth = Math.Max(inputWidth, layers.Select(l => l.Model.Units).DefaultIfEmpty(1).Max());
        if (parameterCount > MaxParameters)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.TooManyParameters, typeLocation, type.Name, parameterCount, MaxParameters));
        }
        else if (style == CodeStyle.Unrolled && parameterCount > MaxUnrolledParameters)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.TooLargeToUnroll, NamedArgumentLocation(residualSyntax, "CodeStyle"), parameterCount, MaxUnrolledParameters));
        }

        // Unrolled code writes Dense layers only: CodeStyle.Auto chooses looped code for the other kinds.
        var notUnrollable = layers.FirstOrDefault(l => !LayerRule.Of(l.Model.Kind).Unrollable);
        if (style == CodeStyle.Unrolled && notUnrollable is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.KindNotUnrolled, notUnrollable.AttributeLocation, notUnrollable.Model.Name, notUnrollable.Model.Kind));
        }

        bool unrolled = style switch
        {
            CodeStyle.Unrolled => true,
            CodeStyle.Looped => false,
            CodeStyle.Auto => maxWidth <= AutoUnrollMaxWidth && parameterCount <= MaxUnrolledParameters && notUnrollable is null,
            _ => throw new InvalidOperationException("Unknown code style " + style),
        };

        errors.AddRange(diagnostics.Where(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error).Select(d => d.Message));
        bool stub = errors.Count > 0;
        return new NetworkModel(
            Namespace(type, escaped: true),
            FullName(type),
            containing,
            type.Name,
            shape,
            TakenNames(type, cancellationToken),
            inputWidth,
            image,
            loss,
            huberDelta is > 0 and < double.PositiveInfinity ? huberDelta.Value : 1.0,
            precision,
            unrolled && !stub,
            layers.Where(l => l.Usable).Select(l => l.Model).ToEquatableArray(),
            skips.Where(s => s.Usable).Select(s => s.Model).ToEquatableArray(),
            errors.Distinct().ToEquatableArray(),
            lossModel);
    }

    /// <summary>The output layer against the loss: logits for cross-entropies (SKIP030), a class per output (SKIP031), no ReLU for regression (SKIP022).</summary>
    private static void ValidateOutput(ParsedLayer output, LossRule loss, List<DiagnosticInfo> diagnostics)
    {
        var (name, units, activation) = (output.Model.Name, output.Model.Units, output.Model.Activation);
        if (loss.LogitsOf is { } applies && (activation != Activation.Identity || output.Model.Function is not null))
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.LossTakesLogits, output.ActivationLocation, loss.Kind, applies, name, units));
        }

        if (units < loss.MinimumOutputs)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.CrossEntropyOneOutput, output.UnitsLocation, name));
        }

        if (activation == Activation.ReLU && loss.Kind is Loss.MSE or Loss.Huber)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                Descriptors.SuspiciousOutput, output.ActivationLocation, name, "ReLU", loss.Kind,
                "it cannot predict a negative target, and once its pre-activation is negative the gradient is 0 and it stops learning"));
        }
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

    /// <summary>Whether generated members can be added to the class at all; reports why not.</summary>
    private static bool ParseTypeShape(
        INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeSyntax? residualSyntax, Location typeLocation,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, out EquatableArray<ContainingType> containing, out TypeShape shape)
    {
        containing = EquatableArray<ContainingType>.Empty;
        shape = new TypeShape(false, false, false, false, false, EquatableArray<string>.Empty);
        int before = diagnostics.Count;
        var residuals = AttributesNamed(type, ResidualAttribute).Select(a => a.ApplicationSyntaxReference).ToList();
        if (residuals.Count > 1)
        {
            // Each declaration with a [Residual] is a target of its own (and sees them all): the one
            // with the first says nothing, each other one reports its own.
            bool Here(SyntaxReference? r) => r is not null && r.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(r.Span);
            if (!Here(residuals[0]) && residuals.FirstOrDefault(Here) is { } own)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.ResidualTwice, own.GetSyntax(cancellationToken).GetLocation(), type.Name));
            }

            return false;
        }

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

        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.FileLocal, typeLocation, type.Name, t.Name));
                break;
            }
        }

        for (var b = type.BaseType; b is not null; b = b.BaseType)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (AttributesNamed(b, ResidualAttribute).Any())
            {
                var location = (declaration.BaseList?.Types.FirstOrDefault()?.GetLocation()) ?? typeLocation;
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DerivesFromNetwork, location, type.Name, b.Name));
                break;
            }
        }

        var outer = new List<ContainingType>();
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
            outer.Insert(0, new ContainingType(keyword, Naming.Escape(parent.Identifier.ValueText)));
        }

        containing = outer.ToEquatableArray();
        bool primary = type.InstanceConstructors.Any(c => c.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax));
        var copied = new List<string>();
        if (type.IsRecord)
        {
            // Every instance field is a named field or the backing field of an auto-property or a
            // field-like event (a record's positional parameters become properties, so none is hidden).
            foreach (var field in type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst))
            {
                string? name = field.AssociatedSymbol is IPropertySymbol or IEventSymbol ? field.AssociatedSymbol.Name
                    : field.CanBeReferencedByName ? field.Name
                    : null;
                if (name is not null)
                {
                    copied.Add(Naming.Escape(name));
                }
            }
        }

        bool declaresConstructor = type.InstanceConstructors.Any(c => CollidesWithGeneratedConstructor(type, primary, type.IsRecord, c));
        shape = new TypeShape(type.IsRecord, type.IsSealed, primary, declaresConstructor, type.BaseType?.IsRecord == true, copied.ToEquatableArray());
        return diagnostics.Skip(before).All(d => d.Descriptor.DefaultSeverity != DiagnosticSeverity.Error);
    }

    private sealed record ParsedLayer(LayerModel Model, Location? NameLocation, Location? ActivationLocation, Location? UnitsLocation, Location? AttributeLocation)
    {
        /// <summary>Its name can name members: valid, not "x", not a duplicate.</summary>
        public bool Usable { get; set; }
    }

    private sealed record ParsedSkip(SkipModel Model, Location? FromLocation, Location? ToLocation, Location? KindLocation)
    {
        /// <summary>Both ends are usable layers (or x), it points forward, and it is not a duplicate.</summary>
        public bool Usable { get; set; }
    }

    private static List<ParsedLayer> ParseLayers(
        INamedTypeSymbol type, TypeDeclarationSyntax declaration, Precision precision, Shape input, FunctionReader functions, List<DiagnosticInfo> diagnostics, List<string> errors, CancellationToken cancellationToken)
    {
        // Every layer attribute, of whatever kind, in the order written: the order of the layers.
        var layers = new List<ParsedLayer>();
        var previous = input;
        foreach (var attribute in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (LayerRule.ForAttribute(attribute.AttributeClass?.ToDisplayString()) is not { } rule)
            {
                continue;
            }

            var args = attribute.ConstructorArguments;
            var syntax = Syntax(attribute, cancellationToken);
            if (attribute.AttributeConstructor is null || args.Length != rule.ArgumentCount || args[0].Value is not string name
                || args.Any(a => a.Kind == TypedConstantKind.Error) || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
            {
                errors.Add($"a [{rule.ShortName}] attribute does not compile");
                continue;
            }

            CheckBeside(syntax, declaration, rule.ShortName, type, diagnostics);
            var nameLocation = ArgumentLocation(syntax, 0, "name");
            var read = rule.Read(new LayerAttribute(name, attribute, syntax, precision, diagnostics), previous);
            var activation = read.Activation;

            double alpha = 0.01;
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Alpha" && named.Value.Value is double a)
                {
                    alpha = a;
                    var alphaLocation = NamedArgumentLocation(syntax, "Alpha");
                    if (double.IsNaN(a) || double.IsInfinity(a) || (precision == Precision.Single && float.IsInfinity((float)a)))
                    {
                        bool asFloat = !double.IsNaN(a) && !double.IsInfinity(a);
                        diagnostics.Add(DiagnosticInfo.Create(Descriptors.AlphaNotFinite, alphaLocation, Literals.Describe(a), asFloat ? ", which is infinite as a float (Precision.Single)" : ""));
                        alpha = 0.01;
                    }
                    else if (activation != Activation.LeakyReLU)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Descriptors.AlphaIgnored, alphaLocation, name, activation));
                    }
                }
            }

            // A function of the user's own instead of the activation.
            FunctionModel? function = null;
            if (attribute.NamedArguments.FirstOrDefault(a => a.Key == "Function").Value.Value is string functionName)
            {
                var functionLocation = NamedArgumentLocation(syntax, "Function");
                function = functions.Read(functionName, "Function", functionLocation, parameters: 1);
                if (activation != Activation.Identity)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.FunctionAndBuiltIn, functionLocation, $"Layer '{name}'", $"activation {activation}", $"Function = {functionName}"));
                }
            }

            bool usable = false;
            if (Naming.IsInput(name))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.ReservedLayerName, nameLocation));
            }
            else if (!IsValidLayerName(name))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.InvalidLayerName, nameLocation, name));
            }
            else if (layers.FirstOrDefault(l => Naming.Key(l.Model.Name) == Naming.Key(name)) is { } existing)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateLayer, nameLocation, name, existing.Model.Name, Naming.Pascal(name)));
            }
            else
            {
                usable = true;
            }

            // What the layer gives: its own shape, a vector of its units, or (a kind without a width of its own) the previous layer's.
            var output = read.Output ?? (read.Units is { } width ? new Shape(width, null) : previous);
            if (read.Units is not null && (output.Size < 1 || output.Size > MaxUnits))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.UnitsOutOfRange, read.UnitsLocation, name, output.Size, MaxUnits));
                output = new Shape(Math.Max(1, Math.Min(output.Size, MaxUnits)), null);
            }
            else if (output.Image is { } image && image.Size > MaxUnits)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.UnitsOutOfRange, syntax?.GetLocation(), name, $"{image.Size} ({image})", MaxUnits));
                output = Shape.Of(new ImageShape(1, 1, 1));
            }

            var model = new LayerModel(name, rule.Kind, output.Size, activation, alpha, read.Epsilon, read.P, read.Momentum, output.Image, read.Kernel, read.Stride, read.Padding, function);
            previous = output;
            layers.Add(new ParsedLayer(model, nameLocation, read.ActivationLocation ?? syntax?.GetLocation(), read.UnitsLocation ?? syntax?.GetLocation(), syntax?.GetLocation()) { Usable = usable });
        }

        return layers;
    }

    private static List<ParsedSkip> ParseSkips(
        INamedTypeSymbol type, TypeDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics, List<string> errors, CancellationToken cancellationToken)
    {
        var skips = new List<ParsedSkip>();
        foreach (var attribute in AttributesNamed(type, SkipAttribute))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var args = attribute.ConstructorArguments;
            var syntax = Syntax(attribute, cancellationToken);
            if (attribute.AttributeConstructor is null || args.Length != 3 || args[0].Value is not string from || args[1].Value is not string to)
            {
                errors.Add("a [Skip] attribute does not compile");
                continue;
            }

            CheckBeside(syntax, declaration, "Skip", type, diagnostics);
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

    /// <summary>SKIP023 when the attribute sits on another partial declaration than [Residual]: the order of layers and skips would follow the compiler's file order.</summary>
    private static void CheckBeside(AttributeSyntax? syntax, TypeDeclarationSyntax declaration, string attributeName, INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        if (syntax?.Parent?.Parent is TypeDeclarationSyntax owner && (owner.SyntaxTree != declaration.SyntaxTree || owner.SpanStart != declaration.SpanStart))
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.SplitDeclaration, syntax.GetLocation(), attributeName, type.Name));
        }
    }

    private static void ValidateSkips(List<ParsedLayer> layers, List<ParsedSkip> skips, Shape input, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var skip in skips)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (from, to, kind) = (skip.Model.From, skip.Model.To, skip.Model.Kind);
            if (Naming.IsInput(to))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.SkipNotForward, skip.ToLocation, from, to, $"ends at the input \"{Naming.Input}\"", ""));
                continue;
            }

            int fromIndex = from == Naming.Input ? -1 : layers.FindIndex(l => l.Model.Name == from);
            int toIndex = layers.FindIndex(l => l.Model.Name == to);

            bool known = true;
            if (fromIndex == -1 && from != Naming.Input)
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
                string suggestion = toIndex == fromIndex ? "" : $", such as [Skip(\"{to}\", \"{from}\")]";
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.SkipNotForward, skip.ToLocation, from, to, why, suggestion));
                continue;
            }

            if (!seen.Add((from, to)))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateSkip, skip.ToLocation, from, to));
                continue;
            }

            var fromShape = fromIndex == -1 ? input : ShapeOf(layers[fromIndex].Model);
            var toShape = ShapeOf(layers[toIndex].Model);
            if (kind == SkipKind.Identity && fromShape != toShape)
            {
                // Say both shapes; the fix is the weighted skip's block.
                bool sameKind = (fromShape.Image is null) == (toShape.Image is null);
                var (rows, cols) = Emit.NetworkPlan.SkipShape(fromShape, toShape);
                string projection = fromShape.Image is not null && toShape.Image is not null
                    ? $"a 1×1 convolution from {cols} to {rows} channels"
                    : $"a {rows}×{cols} matrix";
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.IdentitySkipWidthMismatch, skip.KindLocation, from, to, fromShape.Describe(), sameKind ? "one of " + toShape : toShape.Describe(), projection));
                continue;
            }

            if (kind == SkipKind.Weighted && fromShape.Image is { } a && toShape.Image is { } b
                && (a.Height % b.Height != 0 || a.Width % b.Width != 0 || a.Height / b.Height != a.Width / b.Width))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.ImageSkipStride, skip.KindLocation, from, to, a, b));
                continue;
            }

            skip.Usable = (fromIndex == -1 || layers[fromIndex].Usable) && layers[toIndex].Usable;
        }
    }

    /// <summary>
    /// The public member names are API: two declarations giving the same one (SKIP028), the class
    /// named like one (SKIP029), or a member the class already has (SKIP020) are reported, and the
    /// later declaration is left out of the members an erroneous declaration still gets.
    /// </summary>
    private static void ValidateNames(
        INamedTypeSymbol type, TypeDeclarationSyntax declaration, TypeShape shape, List<ParsedLayer> layers, List<ParsedSkip> skips,
        Location typeLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var usableLayers = layers.Where(l => l.Usable).ToList();
        var usableSkips = skips.Where(s => s.Usable).ToList();
        void LeaveOut(PublicName p)
        {
            if (p.Layer >= 0)
            {
                usableLayers[p.Layer].Usable = false;
            }
            else if (p.Skip >= 0)
            {
                usableSkips[p.Skip].Usable = false;
            }
        }

        string Describe(PublicName p) => p.Layer >= 0 ? $"layer '{usableLayers[p.Layer].Model.Name}'" : $"skip {usableSkips[p.Skip].Model.From}->{usableSkips[p.Skip].Model.To}";

        var owners = new Dictionary<string, PublicName>(StringComparer.Ordinal);
        foreach (var name in Naming.PublicMembers(shape.IsRecord, usableLayers.Select(l => l.Model).ToList(), usableSkips.Select(s => s.Model).ToList()))
        {
            if (!owners.TryGetValue(name.Identifier, out var first))
            {
                owners.Add(name.Identifier, name);
                continue;
            }

            if (!(name.Layer >= 0 ? usableLayers[name.Layer].Usable : usableSkips[name.Skip].Usable))
            {
                continue; // reported already, for its first member
            }

            // Only a skip can repeat a name ("a" → "bToC" and "aToB" → "c" are both AToBToCSkip).
            var location = name.Layer >= 0 ? usableLayers[name.Layer].NameLocation : usableSkips[name.Skip].ToLocation;
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NameCollision, location, Describe(name), name.Identifier, first.Layer < 0 && first.Skip < 0 ? "a member every network has" : Describe(first)));
            LeaveOut(name);
        }

        if (owners.TryGetValue(type.Name, out var clash))
        {
            string from = clash.Layer < 0 && clash.Skip < 0 ? "every network has it" : "from " + Describe(clash);
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.TypeNameCollision, typeLocation, type.Name, from, clash.Layer < 0 && clash.Skip < 0 ? "" : " or the layer"));
        }

        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool own = SymbolEqualityComparer.Default.Equals(current, type);
            foreach (var member in current.GetMembers())
            {
                bool collides = member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } constructor
                    ? own && CollidesWithGeneratedConstructor(type, shape.HasPrimaryConstructor, shape.IsRecord, constructor)
                    : (own || member.DeclaredAccessibility != Accessibility.Private) && !member.IsImplicitlyDeclared && owners.ContainsKey(member.Name);
                if (collides)
                {
                    var location = member.Locations.FirstOrDefault(l => l.IsInSource) ?? typeLocation;
                    string name = member is IMethodSymbol { MethodKind: MethodKind.Constructor } c ? $"{type.Name}({string.Join(", ", c.Parameters.Select(p => p.Type.ToDisplayString()))})" : member.Name;
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.MemberCollision, location, type.Name, name));
                    if (owners.TryGetValue(member.Name, out var owner))
                    {
                        LeaveOut(owner);
                    }
                }
            }
        }

        // A skip whose end lost its members goes with it.
        foreach (var skip in usableSkips)
        {
            skip.Usable &= (skip.Model.From == Naming.Input || layers.Any(l => l.Usable && l.Model.Name == skip.Model.From)) && layers.Any(l => l.Usable && l.Model.Name == skip.Model.To);
        }
    }

    /// <summary>The generated constructors: (), (int seed), and for a record the copy constructor; none with a primary constructor.</summary>
    private static bool CollidesWithGeneratedConstructor(INamedTypeSymbol type, bool hasPrimaryConstructor, bool isRecord, IMethodSymbol constructor)
    {
        var parameters = constructor.Parameters;
        if (constructor.IsImplicitlyDeclared || constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax))
        {
            return false; // the compiler's own, or the primary constructor itself
        }

        bool seeded = !hasPrimaryConstructor && (parameters.Length == 0 || (parameters.Length == 1 && parameters[0].Type.SpecialType == SpecialType.System_Int32));
        bool copy = isRecord && parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(parameters[0].Type, type);
        return seeded || copy;
    }

    /// <summary>Names the class already has, its own and those it inherits and sees: generated private names avoid them.</summary>
    private static EquatableArray<string> TakenNames(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var member in current.GetMembers())
            {
                if (SyntaxFacts.IsValidIdentifier(member.Name) && (SymbolEqualityComparer.Default.Equals(current, type) || member.DeclaredAccessibility != Accessibility.Private))
                {
                    names.Add(member.Name);
                }
            }
        }

        return names.ToEquatableArray();
    }

    private static long CountParameters(List<ParsedLayer> layers, List<ParsedSkip> skips, Shape input)
    {
        long count = 0;
        var previous = input;
        foreach (var layer in layers)
        {
            var (weights, biasRows) = LayerRule.Of(layer.Model.Kind).Blocks(layer.Model, previous);
            count += (weights is { } w ? (long)w.Rows * w.Cols : 0) + biasRows;
            previous = ShapeOf(layer.Model);
        }

        foreach (var skip in skips.Where(s => s.Model.Kind == SkipKind.Weighted))
        {
            Shape? Find(string name) => name == Naming.Input ? input : layers.FirstOrDefault(l => l.Model.Name == name) is { } l ? ShapeOf(l.Model) : null;
            if (Find(skip.Model.From) is { } from && Find(skip.Model.To) is { } to)
            {
                var (rows, cols) = Emit.NetworkPlan.SkipShape(from, to);
                count += (long)rows * cols;
            }
        }

        return count;
    }

    /// <summary>What a layer gives per sample.</summary>
    private static Shape ShapeOf(LayerModel layer) => new(layer.Units, layer.Image);

    /// <summary>[Residual]'s InputShape: three sizes, each at least 1, of at most MaxUnits values (SKIP041); null when not given or wrong.</summary>
    private static ImageShape? ReadInputShape(TypedConstant? value, Location? location, List<DiagnosticInfo> diagnostics)
    {
        if (value is not { } constant)
        {
            return null;
        }

        var sizes = constant.Kind == TypedConstantKind.Array && !constant.IsNull
            ? constant.Values.Select(v => v.Value as int? ?? 0).ToArray()
            : [];
        long size = sizes.Aggregate(1L, (product, d) => product * Math.Max(d, 0));
        if (sizes.Length != 3 || sizes.Any(d => d < 1) || size > MaxUnits)
        {
            string shown = constant.IsNull ? "null" : $"{{ {string.Join(", ", sizes)} }}";
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InputShapeOutOfRange, location, shown, MaxUnits));
            return null;
        }

        return new ImageShape(sizes[0], sizes[1], sizes[2]);
    }

    /// <summary>Letters and digits, starting with a letter, not a keyword: names built from it are then identifiers.</summary>
    internal static bool IsValidLayerName(string name) =>
        name.Length > 0
        && char.IsLetter(name[0])
        && name.All(char.IsLetterOrDigit)
        && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None
        && SyntaxFacts.IsValidIdentifier(name);

    /// <summary>"App.@internal" (escaped, for source) or "App.internal" (for names and messages).</summary>
    private static string? Namespace(INamedTypeSymbol type, bool escaped)
    {
        var segments = new List<string>();
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            segments.Insert(0, escaped ? Naming.Escape(ns.Name) : ns.Name);
        }

        return segments.Count == 0 ? null : string.Join(".", segments);
    }

    private static string FullName(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            parts.Insert(0, t.Name);
        }

        string? ns = Namespace(type, escaped: false);
        return (ns is null ? "" : ns + ".") + string.Join(".", parts);
    }

    /// <summary>SKIP009, suggesting the closest declared name (and carrying it for the code fix) when one is close.</summary>
    private static DiagnosticInfo UnknownEndpoint(string name, Location? location, List<ParsedLayer> layers, bool allowInput)
    {
        var candidates = layers.Select(l => l.Model.Name).ToList();
        if (allowInput)
        {
            candidates.Add(Naming.Input);
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

    internal static TEnum ReadEnum<TEnum>(TypedConstant constant, string enumName, Location? location, List<DiagnosticInfo> diagnostics)
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
    internal static Location? ArgumentLocation(AttributeSyntax? syntax, int position, string parameterName)
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
    internal static Location? NamedArgumentLocation(AttributeSyntax? syntax, string propertyName) =>
        syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == propertyName)?.GetLocation()
        ?? syntax?.GetLocation();
}
