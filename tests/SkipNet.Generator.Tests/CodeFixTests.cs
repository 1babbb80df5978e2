using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using SkipNet.CodeFixes;

namespace SkipNet.Generator.Tests;

/// <summary>Each mechanical fix turns the reported declaration into one that generates cleanly.</summary>
public class CodeFixTests
{
    private const string Layers = "[Dense(\"h0\", 2, Activation.ReLU)]\n[Dense(\"y\", 1)]\n";

    public static TheoryData<string, string, string> Cases() => new()
    {
        // diagnostic, declaration, expected text after the fix
        { "SKIP001", $"[Residual(Inputs = 1)]\n{Layers}public class Net {{ }}", "public partial class Net { }" },
        { "SKIP001", $"/// <summary>Doc.</summary>\n[Residual(Inputs = 1)]\n{Layers}class Net {{ }}", "partial class Net { }" },
        { "SKIP015", $"public class Outer\n{{\n[Residual(Inputs = 1)]\n{Layers}public partial class Net {{ }}\n}}", "public partial class Outer" },
        { "SKIP009", $"[Residual(Inputs = 1)]\n{Layers}[Skip(\"h0\", \"yy\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "[Skip(\"h0\", \"y\", SkipKind.Weighted)]" },
        { "SKIP011", $"[Residual(Inputs = 1)]\n{Layers}[Skip(\"h0\", \"y\")]\npublic partial class Net {{ }}", "[Skip(\"h0\", \"y\", SkipKind.Weighted)]" },
        { "SKIP011", $"[Residual(Inputs = 1)]\n{Layers}[Skip(\"h0\", \"y\", SkipKind.Identity)]\npublic partial class Net {{ }}", "[Skip(\"h0\", \"y\", SkipKind.Weighted)]" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheFixMakesTheDeclarationValid(string id, string declaration, string expected)
    {
        string source = "using SkipNet;\n" + declaration;
        using var workspace = new AdhocWorkspace();
        var document = workspace.AddProject("Networks", LanguageNames.CSharp)
            .WithMetadataReferences(Harness.References)
            .WithParseOptions(Harness.ParseOptions)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
            .AddDocument("Network0.cs", source, filePath: "Network0.cs");

        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostic = Harness.Driver().RunGenerators(compilation).GetRunResult().Diagnostics.ShouldHaveSingleItem();
        diagnostic.Id.ShouldBe(id);

        CodeFixProvider fix = new CodeFixProvider[] { new MakePartialCodeFix(), new UseDeclaredLayerCodeFix(), new UseWeightedSkipCodeFix() }
            .Single(f => f.FixableDiagnosticIds.Contains(id));
        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        var operation = (await actions.ShouldHaveSingleItem().GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single();
        string fixedSource = (await operation.ChangedSolution.GetDocument(document.Id)!.GetTextAsync()).ToString();

        fixedSource.ShouldContain(expected);
        Harness.GenerateAndLoad(fixedSource).GetTypes().ShouldContain(t => t.Name == "Net");
    }
}
