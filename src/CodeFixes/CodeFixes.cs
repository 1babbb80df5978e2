using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SkipNet.CodeFixes;

/// <summary>SKIP001, SKIP015: adds <c>partial</c> to the network class and to every enclosing type that lacks it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SKIP001", "SKIP015");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault() is not { } type)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create($"Make '{type.Identifier.ValueText}' partial", ct => Fix(context.Document, root, type), nameof(MakePartialCodeFix)),
            context.Diagnostics);
    }

    private static Task<Document> Fix(Document document, SyntaxNode root, TypeDeclarationSyntax type)
    {
        var targets = type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword));
        var fixedRoot = root.ReplaceNodes(targets, (_, t) =>
        {
            if (t.Modifiers.Count == 0)
            {
                // "class X" → "partial class X", keeping the declaration's leading trivia in front.
                var partialToken = SyntaxFactory.Token(t.Keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
                return t.WithKeyword(t.Keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partialToken));
            }

            return t.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        });
        return Task.FromResult(document.WithSyntaxRoot(fixedRoot));
    }
}

/// <summary>SKIP009: replaces an unknown layer name in a skip with the closest declared one.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseDeclaredLayerCodeFix)), Shared]
public sealed class UseDeclaredLayerCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SKIP009");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var diagnostic = context.Diagnostics[0];
        if (!diagnostic.Properties.TryGetValue("Replacement", out var replacement) || replacement is null)
        {
            return;
        }

        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span) is not { } node || node.AncestorsAndSelf().OfType<AttributeArgumentSyntax>().FirstOrDefault() is not { } argument)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create($"Use {replacement}", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(
                argument.Expression, SyntaxFactory.ParseExpression(replacement).WithTriviaFrom(argument.Expression)))), nameof(UseDeclaredLayerCodeFix)),
            diagnostic);
    }
}

/// <summary>SKIP011: turns an identity skip between different widths into a weighted one.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseWeightedSkipCodeFix)), Shared]
public sealed class UseWeightedSkipCodeFix : CodeFixProvider
{
    private const string Weighted = "SkipKind.Weighted";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SKIP011");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span) is not { } node || node.AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault() is not { } attribute)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Use SkipKind.Weighted", ct => Fix(context.Document, root, attribute, node, ct), nameof(UseWeightedSkipCodeFix)),
            context.Diagnostics);
    }

    private static Task<Document> Fix(Document document, SyntaxNode root, AttributeSyntax attribute, SyntaxNode located, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var weighted = SyntaxFactory.ParseExpression(Weighted);
        SyntaxNode fixedRoot = located.AncestorsAndSelf().OfType<AttributeArgumentSyntax>().FirstOrDefault() is { } kind
            ? root.ReplaceNode(kind.Expression, weighted.WithTriviaFrom(kind.Expression))
            : root.ReplaceNode(attribute, attribute.AddArgumentListArguments(SyntaxFactory.AttributeArgument(weighted)));
        return Task.FromResult(document.WithSyntaxRoot(fixedRoot));
    }
}
