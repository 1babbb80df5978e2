using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Diagnostics;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Functions;

/// <summary>A [Differentiable] method read into the expression model: its parameters and its body with locals, consts and calls substituted.</summary>
internal sealed record FunctionModel(string Name, EquatableArray<string> Parameters, Expr Body);

/// <summary>Something a [Differentiable] body may not contain, and where: the construct as the message names it.</summary>
internal sealed record Unsupported(LocationInfo? Location, string Construct);

/// <summary>
/// Reads a [Differentiable] method into a <see cref="FunctionModel"/>: an expression body, or a block
/// of local declarations (const or not) ending in one return; + − × ÷, unary minus, numeric
/// constants, parameters, locals, <c>?:</c> with a comparison, Math/MathF Exp, Log, Sqrt, Pow, Tanh,
/// Sinh, Cosh, Sin, Cos, Abs, Max, Min, and calls to other [Differentiable] methods of the class,
/// whose bodies are substituted (a call cycle is refused). Everything else is an
/// <see cref="Unsupported"/> at that construct. Never throws on user code.
/// </summary>
internal sealed class FunctionParser
{
    /// <summary>What the method may call: Math's or MathF's members, by name, with their argument count.</summary>
    private static readonly Dictionary<string, (Op Op, int Arguments)> MathMembers = new()
    {
        ["Exp"] = (Op.Exp, 1), ["Log"] = (Op.Log, 1), ["Sqrt"] = (Op.Sqrt, 1), ["Pow"] = (Op.Pow, 2),
        ["Tanh"] = (Op.Tanh, 1), ["Sinh"] = (Op.Sinh, 1), ["Cosh"] = (Op.Cosh, 1), ["Sin"] = (Op.Sin, 1),
        ["Cos"] = (Op.Cos, 1), ["Abs"] = (Op.Abs, 1), ["Max"] = (Op.Max, 2), ["Min"] = (Op.Min, 2),
    };

    private readonly SemanticModel _semantics;
    private readonly SpecialType _element;
    private readonly string _attribute;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<IMethodSymbol, FunctionModel?> _done = new(SymbolEqualityComparer.Default);
    private readonly HashSet<IMethodSymbol> _open = new(SymbolEqualityComparer.Default);

    /// <param name="semantics">The semantic model of the methods' tree.</param>
    /// <param name="precision">The network's: parameters and results are double or float.</param>
    /// <param name="attribute">The attribute's full name, "SkipNet.DifferentiableAttribute".</param>
    /// <param name="cancellationToken">The pipeline's.</param>
    public FunctionParser(SemanticModel semantics, Precision precision, string attribute, CancellationToken cancellationToken)
    {
        _semantics = semantics;
        _element = precision == Precision.Single ? SpecialType.System_Single : SpecialType.System_Double;
        _attribute = attribute;
        _cancellationToken = cancellationToken;
    }

    /// <summary>What the parser found wrong, in source order per method.</summary>
    public List<Unsupported> Problems { get; } = new();

    private string Element => _element == SpecialType.System_Single ? "float" : "double";

    /// <summary>The method's model, or null when something in it (or in a method it calls) is not supported.</summary>
    public FunctionModel? Parse(MethodDeclarationSyntax method) =>
        _semantics.GetDeclaredSymbol(method, _cancellationToken) is { } symbol ? Parse(symbol, method) : null;

    private FunctionModel? Parse(IMethodSymbol symbol, MethodDeclarationSyntax method)
    {
        if (_done.TryGetValue(symbol, out var done))
        {
            return done;
        }

        int before = Problems.Count;
        _open.Add(symbol);
        Expr? body = Signature(symbol, method) ? Body(method) : null;
        _open.Remove(symbol);
        var model = body is not null && Problems.Count == before
            ? new FunctionModel(symbol.Name, symbol.Parameters.Select(p => p.Name).ToEquatableArray(), body)
            : null;
        _done[symbol] = model;
        return model;
    }

    /// <summary>static, not generic, returning the element type, taking element-type parameters by value.</summary>
    private bool Signature(IMethodSymbol symbol, MethodDeclarationSyntax method)
    {
        bool ok = true;
        if (!symbol.IsStatic)
        {
            ok = Refuse(method.Identifier, $"instance method '{symbol.Name}' (a [Differentiable] function is static)");
        }

        if (symbol.IsGenericMethod)
        {
            ok = Refuse(method.TypeParameterList ?? (SyntaxNode)method, $"generic method '{symbol.Name}'");
        }

        if (symbol.ReturnType.SpecialType != _element || symbol.ReturnsByRef || symbol.ReturnsByRefReadonly)
        {
            ok = Refuse(method.ReturnType, $"return type '{symbol.ReturnType.ToDisplayString()}' (the network computes in {Element})");
        }

        if (symbol.Parameters.Length is 0 or > 2)
        {
            ok = Refuse(method.ParameterList, $"{symbol.Parameters.Length} parameters (an activation takes 1, a loss 2: ŷ and y)");
        }

        foreach (var (parameter, syntax) in symbol.Parameters.Zip(method.ParameterList.Parameters, (p, s) => (p, s)))
        {
            if (parameter.Type.SpecialType != _element || parameter.RefKind != RefKind.None || parameter.IsParams || parameter.HasExplicitDefaultValue)
            {
                ok = Refuse(syntax, $"parameter '{syntax}' (each is a plain {Element})");
            }
        }

        if (method.Body is null && method.ExpressionBody is null)
        {
            ok = Refuse(method.Identifier, $"method '{symbol.Name}' without a body");
        }

        return ok;
    }

    private Expr? Body(MethodDeclarationSyntax method)
    {
        var locals = new Dictionary<ILocalSymbol, Expr>(SymbolEqualityComparer.Default);
        if (method.ExpressionBody is { } arrow)
        {
            return Read(arrow.Expression, locals);
        }

        var statements = method.Body!.Statements;
        Expr? result = null;
        for (int i = 0; i < statements.Count; i++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            switch (statements[i])
            {
                case LocalDeclarationStatementSyntax declaration when !declaration.UsingKeyword.IsKind(SyntaxKind.UsingKeyword):
                    foreach (var variable in declaration.Declaration.Variables)
                    {
                        if (variable.Initializer is null)
                        {
                            Refuse(variable, $"local '{variable.Identifier.Text}' without a value (give it one where it is declared)");
                            continue;
                        }

                        if (_semantics.GetDeclaredSymbol(variable, _cancellationToken) is ILocalSymbol local && Read(variable.Initializer.Value, locals) is { } value)
                        {
                            locals[local] = value;
                        }
                    }

                    break;
                case ReturnStatementSyntax { Expression: { } returned } when i == statements.Count - 1:
                    result = Read(returned, locals);
                    break;
                case ReturnStatementSyntax early:
                    Refuse(early, "a return before the last statement (use ?: for a choice)");
                    break;
                case IfStatementSyntax branch:
                    Refuse(branch.IfKeyword, "an if statement (use ?: with a comparison)");
                    break;
                case ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax:
                    Refuse(statements[i].GetFirstToken(), "a loop");
                    break;
                case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment }:
                    Refuse(assignment, $"an assignment to '{assignment.Left}' (declare a new local instead)");
                    break;
                case ExpressionStatementSyntax { Expression: PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax } step:
                    Refuse(step, $"'{step.Expression}' (declare a new local instead)");
                    break;
                default:
                    Refuse(statements[i], $"the statement '{First(statements[i])}'");
                    break;
            }
        }

        if (result is null && !statements.OfType<ReturnStatementSyntax>().Any())
        {
            Refuse(method.Body.CloseBraceToken, "a block without a final return");
        }

        return result;
    }

    private Expr? Read(ExpressionSyntax syntax, Dictionary<ILocalSymbol, Expr> locals)
    {
        _cancellationToken.ThrowIfCancellationRequested();

        // Literals, consts and constant expressions: their value in the element type.
        var constant = _semantics.GetConstantValue(syntax, _cancellationToken);
        if (constant.HasValue && constant.Value is double or float or int or long or short or byte or sbyte or uint or ulong or ushort or decimal)
        {
            return new Constant(System.Convert.ToDouble(constant.Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        switch (syntax)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return Read(parenthesized.Expression, locals);
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } minus:
                return Read(minus.Operand, locals) is { } negated ? -negated : null;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryPlusExpression } plus:
                return Read(plus.Operand, locals);
            case BinaryExpressionSyntax binary when Arithmetic(binary.Kind()) is { } op:
                {
                    var left = Read(binary.Left, locals);
                    var right = Read(binary.Right, locals);
                    return left is null || right is null ? null : new Binary(op, left, right);
                }

            case ConditionalExpressionSyntax conditional:
                return Choice(conditional, locals);
            case IdentifierNameSyntax name:
                return Name(name, locals);
            case InvocationExpressionSyntax call:
                return Call(call, locals);
            case CastExpressionSyntax cast:
                Refuse(cast, $"the cast '{cast.OpenParenToken}{cast.Type}{cast.CloseParenToken}' (compute in {Element} throughout" + (_element == SpecialType.System_Single ? ", with MathF)" : ")"));
                return null;
            case BinaryExpressionSyntax other:
                Refuse(other.OperatorToken, $"the operator '{other.OperatorToken.Text}'");
                return null;
            case PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax:
                Refuse(syntax, $"'{syntax}'");
                return null;
            case AssignmentExpressionSyntax assignment:
                Refuse(assignment, $"an assignment to '{assignment.Left}' (declare a new local instead)");
                return null;
            case LiteralExpressionSyntax literal:
                Refuse(literal, $"the literal {literal} (a [Differentiable] function computes with numbers)");
                return null;
            default:
                Refuse(syntax, $"'{First(syntax)}'");
                return null;
        }
    }

    private Expr? Choice(ConditionalExpressionSyntax conditional, Dictionary<ILocalSymbol, Expr> locals)
    {
        var condition = conditional.Condition;
        while (condition is ParenthesizedExpressionSyntax p)
        {
            condition = p.Expression;
        }

        Comparison? comparison = condition.Kind() switch
        {
            SyntaxKind.LessThanExpression => Comparison.Less,
            SyntaxKind.LessThanOrEqualExpression => Comparison.LessOrEqual,
            SyntaxKind.GreaterThanExpression => Comparison.Greater,
            SyntaxKind.GreaterThanOrEqualExpression => Comparison.GreaterOrEqual,
            SyntaxKind.EqualsExpression => Comparison.Equal,
            SyntaxKind.NotEqualsExpression => Comparison.NotEqual,
            _ => null,
        };
        if (comparison is null || condition is not BinaryExpressionSyntax test)
        {
            Refuse(condition, $"the condition '{condition}' (a ?: tests one comparison of two values: <, <=, >, >=, == or !=)");
            return null;
        }

        var left = Read(test.Left, locals);
        var right = Read(test.Right, locals);
        var whenTrue = Read(conditional.WhenTrue, locals);
        var whenFalse = Read(conditional.WhenFalse, locals);
        return left is null || right is null || whenTrue is null || whenFalse is null
            ? null
            : new Conditional(comparison.Value, left, right, whenTrue, whenFalse);
    }

    private Expr? Name(IdentifierNameSyntax name, Dictionary<ILocalSymbol, Expr> locals)
    {
        switch (_semantics.GetSymbolInfo(name, _cancellationToken).Symbol)
        {
            case IParameterSymbol parameter:
                return new Variable(parameter.Name);
            case ILocalSymbol local when locals.TryGetValue(local, out var value):
                return value;
            case ILocalSymbol:
                return null; // its declaration was refused already
            case IFieldSymbol field:
                Refuse(name, $"the field '{field.Name}' (only consts and locals hold values)");
                return null;
            case IPropertySymbol property:
                Refuse(name, $"the property '{property.Name}' (only consts and locals hold values)");
                return null;
            default:
                Refuse(name, $"'{name}'");
                return null;
        }
    }

    private Expr? Call(InvocationExpressionSyntax call, Dictionary<ILocalSymbol, Expr> locals)
    {
        if (_semantics.GetSymbolInfo(call, _cancellationToken).Symbol is not IMethodSymbol method)
        {
            Refuse(call.Expression, $"the call '{call.Expression}'");
            return null;
        }

        var arguments = call.ArgumentList.Arguments;
        if (arguments.Any(a => a.NameColon is not null || !a.RefKindKeyword.IsKind(SyntaxKind.None)))
        {
            Refuse(call.ArgumentList, "named or ref arguments (pass the values in order)");
            return null;
        }

        string type = method.ContainingType.ToDisplayString();
        if (type is "System.Math" or "System.MathF")
        {
            if (!MathMembers.TryGetValue(method.Name, out var member) || member.Arguments != arguments.Count)
            {
                Refuse(call.Expression, $"{type.Substring(7)}.{method.Name} (the functions are Exp, Log, Sqrt, Pow, Tanh, Sinh, Cosh, Sin, Cos, Abs, Max and Min)");
                return null;
            }

            if (method.ReturnType.SpecialType != _element || method.Parameters.Any(p => p.Type.SpecialType != _element))
            {
                string math = _element == SpecialType.System_Single ? "MathF" : "Math";
                Refuse(call.Expression, $"{type.Substring(7)}.{method.Name} on {method.Parameters[0].Type.ToDisplayString()} (the network computes in {Element}: use {math}.{method.Name})");
                return null;
            }

            var values = arguments.Select(a => Read(a.Expression, locals)).ToList();
            if (values.Any(v => v is null))
            {
                return null;
            }

            return member.Arguments == 1 ? new Unary(member.Op, values[0]!) : new Binary(member.Op, values[0]!, values[1]!);
        }

        if (!method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == _attribute))
        {
            Refuse(call.Expression, $"the call to '{method.Name}' (mark it [Differentiable], or use Math/MathF's functions)");
            return null;
        }

        if (_open.Contains(method.OriginalDefinition))
        {
            Refuse(call, $"the recursive call to '{method.Name}' (a [Differentiable] function is a formula: it cannot call itself, directly or through another)");
            return null;
        }

        var declaration = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        if (declaration is null || declaration.SyntaxTree != _semantics.SyntaxTree)
        {
            Refuse(call.Expression, $"the call to '{method.Name}' (declare it in the same file as the network)");
            return null;
        }

        // A callee with problems has them reported where they are, once.
        var callee = Parse(method.OriginalDefinition, declaration);
        var argumentValues = arguments.Select(a => Read(a.Expression, locals)).ToList();
        if (callee is null || argumentValues.Any(v => v is null))
        {
            return null;
        }

        var bindings = callee.Parameters.Zip(argumentValues, (p, v) => (p, v!)).ToDictionary(b => b.p, b => b.Item2);
        return Substitute(callee.Body, bindings);
    }

    /// <summary>The body with each parameter replaced by the argument's expression.</summary>
    public static Expr Substitute(Expr e, IReadOnlyDictionary<string, Expr> bindings) => e switch
    {
        Variable v => bindings.TryGetValue(v.Name, out var value) ? value : v,
        Unary u => new Unary(u.Op, Substitute(u.Operand, bindings)),
        Binary b => new Binary(b.Op, Substitute(b.Left, bindings), Substitute(b.Right, bindings)),
        Conditional c => new Conditional(c.Comparison, Substitute(c.Left, bindings), Substitute(c.Right, bindings), Substitute(c.WhenTrue, bindings), Substitute(c.WhenFalse, bindings)),
        _ => e,
    };

    private static Op? Arithmetic(SyntaxKind kind) => kind switch
    {
        SyntaxKind.AddExpression => Op.Add,
        SyntaxKind.SubtractExpression => Op.Subtract,
        SyntaxKind.MultiplyExpression => Op.Multiply,
        SyntaxKind.DivideExpression => Op.Divide,
        _ => null,
    };

    /// <summary>The first line of a construct, for a message.</summary>
    private static string First(SyntaxNode node)
    {
        string text = node.ToString();
        int end = text.IndexOfAny(new[] { '\r', '\n' });
        return end < 0 ? text : text.Substring(0, end).TrimEnd() + " …";
    }

    private bool Refuse(SyntaxNode node, string construct) => Refuse(node.GetLocation(), construct);

    private bool Refuse(SyntaxToken token, string construct) => Refuse(token.GetLocation(), construct);

    private bool Refuse(Location location, string construct)
    {
        Problems.Add(new Unsupported(LocationInfo.From(location), construct));
        return false;
    }
}
