using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace SkipNet.Generator.Diagnostics;

/// <summary>Where a diagnostic points, without holding a syntax tree.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location?.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    /// <summary>
    /// The location in <paramref name="compilation"/>'s own syntax tree for the file, so that
    /// #pragma warning and the IDE treat it as source; a detached file location if the tree is gone.
    /// </summary>
    public Location ToLocation(Compilation compilation)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.FilePath == FilePath && Span.End <= tree.Length)
            {
                return Location.Create(tree, Span);
            }
        }

        return Location.Create(FilePath, Span, LineSpan);
    }
}

/// <summary>A diagnostic to report, equatable so the pipeline can cache it.</summary>
/// <param name="Replacement">For a code fix: the text that should replace the located argument (SKIP009's suggestion).</param>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments, string? Replacement = null)
{
    /// <summary>The diagnostic property a code fix reads the replacement from.</summary>
    public const string ReplacementProperty = "Replacement";

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object[] arguments)
    {
        var args = new string[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            args[i] = System.Convert.ToString(arguments[i], System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }

        return new DiagnosticInfo(descriptor, LocationInfo.From(location), args.ToEquatableArray());
    }

    /// <summary>"SKIP007: Layer name 'my_layer' is not allowed; ...", as the build prints it.</summary>
    public string Message =>
        Descriptor.Id + ": " + string.Format(System.Globalization.CultureInfo.InvariantCulture, Descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), Arguments.Cast<object>().ToArray());

    public Diagnostic ToDiagnostic(Compilation compilation)
    {
        var args = new object[Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Arguments[i];
        }

        var properties = Replacement is null
            ? null
            : System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty.Add(ReplacementProperty, Replacement);
        return Diagnostic.Create(Descriptor, Location?.ToLocation(compilation), properties, args);
    }
}
