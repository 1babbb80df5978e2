using SkipNet.Generator.Diagnostics;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Parsing;

/// <summary>The transform's output: a model when the declaration is valid, and its diagnostics.</summary>
internal sealed record ParseResult(NetworkModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
