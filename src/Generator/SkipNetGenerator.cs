using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator;

/// <summary>
/// [Residual] class → <see cref="ParseResult"/> (equatable model + diagnostics) → diagnostics
/// reported, and one source file per valid network.
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

        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (var item in items)
            {
                spc.ReportDiagnostic(item.ToDiagnostic());
            }
        });

        context.RegisterSourceOutput(networks, static (spc, model) =>
            spc.AddSource(Emitter.HintName(model), Emitter.Emit(model, spc.CancellationToken)));
    }
}
