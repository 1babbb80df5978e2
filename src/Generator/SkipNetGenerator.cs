using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Diagnostics;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Layers;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator;

/// <summary>
/// [Residual] class → <see cref="ParseResult"/> (equatable model + diagnostics) → diagnostics
/// reported, and one source file per network: its full code, or for a declaration with errors
/// its public surface with members that throw.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SkipNetGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.ResidualAttribute,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (ctx, ct) => Parser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        var diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        var networks = results
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Networks);

        // A layer attribute or [Skip] on a class without [Residual]: say so, rather than generate nothing silently.
        // One diagnostic per class, on its first layer attribute of the first kind (in LayerRule.All's order), else its [Skip].
        var orphans = Orphans(context, Parser.SkipAttribute, "Skip");
        foreach (var rule in LayerRule.All.Reverse())
        {
            orphans = Orphans(context, rule.AttributeName, rule.ShortName)
                .Combine(orphans)
                .Select(static (pair, _) => OrphanDiagnostics(pair.Left, pair.Right));
        }

        orphans = orphans.WithTrackingName(TrackingNames.Orphans);

        var allDiagnostics = diagnostics.Collect()
            .Combine(orphans)
            .Select(static (pair, _) => pair.Left.SelectMany(d => d).Concat(pair.Right).ToEquatableArray())
            .WithTrackingName(TrackingNames.AllDiagnostics);

        // One report step takes the current compilation, only to place each diagnostic in its
        // syntax tree (so #pragma warning applies); the emitted sources depend on the models alone.
        context.RegisterSourceOutput(allDiagnostics.Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left, pair.Right));

        // Hint names must be unique ignoring case: the few names that collide so get a suffix. A new
        // network changes this set only when its name collides, so the others are not emitted again.
        var collidingNames = networks
            .Select(static (model, _) => model.FullName)
            .Collect()
            .Select(static (names, _) => HintNames.Colliding(names))
            .WithTrackingName(TrackingNames.CollidingNames);

        var emissions = networks
            .Combine(collidingNames)
            .Select(static (pair, _) => new Emission(pair.Left, HintNames.For(pair.Left.FullName, pair.Right)))
            .WithTrackingName(TrackingNames.Emissions);

        context.RegisterSourceOutput(emissions, static (spc, emission) =>
            spc.AddSource(emission.HintName, Emitter.Emit(emission.Model, spc.CancellationToken)));
    }

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, Compilation compilation)
    {
        foreach (var diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(compilation));
        }
    }

    /// <summary>SKIP021 for each class that has the attribute but no [Residual].</summary>
    private static IncrementalValueProvider<EquatableArray<DiagnosticInfo>> Orphans(IncrementalGeneratorInitializationContext context, string attribute, string shortName) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attribute,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: (ctx, ct) => Parser.ParseOrphan(ctx, shortName, ct))
            .Collect()
            .Select(static (all, _) => all.SelectMany(d => d).ToEquatableArray());

    /// <summary>One diagnostic per class: the first list's, then the second's for the classes the first does not report.</summary>
    private static EquatableArray<DiagnosticInfo> OrphanDiagnostics(EquatableArray<DiagnosticInfo> first, EquatableArray<DiagnosticInfo> second)
    {
        var reported = first.ToList();
        var classes = new HashSet<string>(reported.Select(d => d.Arguments[0]));
        reported.AddRange(second.Where(d => !classes.Contains(d.Arguments[0])));
        return reported.ToEquatableArray();
    }
}
