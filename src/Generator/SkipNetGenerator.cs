using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Diagnostics;
using SkipNet.Generator.Emit;
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

        // [Dense] or [Skip] on a class without [Residual]: say so, rather than generate nothing silently.
        var orphans = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.DenseAttribute,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (ctx, ct) => Parser.ParseOrphan(ctx, "Dense", ct))
            .Collect()
            .Combine(context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    Parser.SkipAttribute,
                    predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.ParseOrphan(ctx, "Skip", ct))
                .Collect())
            .Select(static (pair, _) => OrphanDiagnostics(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Orphans);

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

    /// <summary>One diagnostic per class: a class with both [Dense] and [Skip] but no [Residual] is reported once, on its first [Dense].</summary>
    private static EquatableArray<DiagnosticInfo> OrphanDiagnostics(ImmutableArray<EquatableArray<DiagnosticInfo>> dense, ImmutableArray<EquatableArray<DiagnosticInfo>> skip)
    {
        var reported = dense.SelectMany(d => d).ToList();
        var classes = new HashSet<string>(reported.Select(d => d.Arguments[0]));
        reported.AddRange(skip.SelectMany(d => d).Where(d => !classes.Contains(d.Arguments[0])));
        return reported.ToEquatableArray();
    }
}
