using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Diagnostics;
using SkipNet.Generator.Functions;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Parsing;

/// <summary>
/// Finds the [Differentiable] methods a network's <c>Function</c> and <c>LossFunction</c> name and
/// reads them into <see cref="FunctionModel"/>s, reporting what is wrong where it is written: no such
/// method (SKIP045), the wrong number of parameters (SKIP046), a construct the body may not contain
/// (SKIP044, once per method however many layers use it).
/// </summary>
internal sealed class FunctionReader
{
    public const string Attribute = "SkipNet.DifferentiableAttribute";

    private readonly INamedTypeSymbol _type;
    private readonly Compilation _compilation;
    private readonly Precision _precision;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<SyntaxTree, FunctionParser> _parsers = new();

    public FunctionReader(INamedTypeSymbol type, Compilation compilation, Precision precision, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        _type = type;
        _compilation = compilation;
        _precision = precision;
        _diagnostics = diagnostics;
        _cancellationToken = cancellationToken;
    }

    private string Element => _precision == Precision.Single ? "float" : "double";

    /// <summary>
    /// The function <paramref name="name"/> names, with <paramref name="parameters"/> parameters (an
    /// activation 1, a loss 2), or null after reporting why not.
    /// </summary>
    /// <param name="property">"Function" or "LossFunction", as written.</param>
    /// <param name="location">Where the property is written.</param>
    public FunctionModel? Read(string name, string property, Location? location, int parameters)
    {
        var candidates = _type.GetMembers(name).OfType<IMethodSymbol>()
            .Where(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == Attribute))
            .ToList();
        string signature = parameters == 1 ? $"{Element} z" : $"{Element} yhat, {Element} y";
        string takes = parameters == 1 ? "an activation" : "a loss";
        string wants = parameters == 1 ? "one value" : "two values (ŷ, then y)";
        if (candidates.Count == 0)
        {
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.FunctionNotFound, location, property, name, _type.Name, Element, signature));
            return null;
        }

        var method = candidates.FirstOrDefault(m => m.Parameters.Length == parameters) ?? candidates[0];
        if (method.Parameters.Length != parameters)
        {
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.FunctionParameterCount, location, property, name, method.Parameters.Length, takes, wants, Element, signature));
            return null;
        }

        if (method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is not MethodDeclarationSyntax syntax)
        {
            _diagnostics.Add(DiagnosticInfo.Create(Descriptors.FunctionNotFound, location, property, name, _type.Name, Element, signature));
            return null;
        }

        if (!_parsers.TryGetValue(syntax.SyntaxTree, out var parser))
        {
            parser = new FunctionParser(_compilation.GetSemanticModel(syntax.SyntaxTree), _precision, Attribute, _cancellationToken);
            _parsers[syntax.SyntaxTree] = parser;
        }

        int before = parser.Problems.Count;
        var model = parser.Parse(syntax);
        foreach (var problem in parser.Problems.Skip(before))
        {
            _diagnostics.Add(new DiagnosticInfo(Descriptors.UnsupportedInFunction, problem.Location, new[] { method.Name, problem.Construct }.ToEquatableArray()));
        }

        return model;
    }
}
