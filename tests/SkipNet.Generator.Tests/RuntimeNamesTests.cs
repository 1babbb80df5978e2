using System.ComponentModel;
using System.Reflection;
using SkipNet.Generator.Emit;

namespace SkipNet.Generator.Tests;

/// <summary>The boundary between the generator and the runtime: every name the generated code uses exists.</summary>
public class RuntimeNamesTests
{
    private static readonly Assembly Runtime = typeof(SkipNet.ParameterBlock).Assembly;

    public static TheoryData<string> Names => new(RuntimeNames.All().Distinct());

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryNameTheGeneratedCodeUsesResolvesInTheRuntime(string name)
    {
        name.ShouldStartWith("global::SkipNet.");
        string full = name["global::".Length..];
        if (Runtime.GetType(full) is { IsPublic: true })
        {
            return;
        }

        int dot = full.LastIndexOf('.');
        var type = Runtime.GetType(full[..dot]);
        type.ShouldNotBeNull($"{name}: no type {full[..dot]} in the runtime");
        type.IsPublic.ShouldBeTrue(name);
        type.GetMember(full[(dot + 1)..], BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance).ShouldNotBeEmpty($"{name}: {type.Name} has no public {full[(dot + 1)..]}");
    }

    [Fact]
    public void ThePlumbingIsHiddenFromTheEditorAndTheUsersApiIsNot()
    {
        var plumbing = Runtime.GetExportedTypes().Where(t => t.Namespace == "SkipNet.CompilerServices" && !t.IsNested).ToList();
        plumbing.Select(t => t.Name).ShouldContain("Kernels");
        plumbing.ShouldAllBe(t => t.GetCustomAttribute<EditorBrowsableAttribute>() != null && t.GetCustomAttribute<EditorBrowsableAttribute>()!.State == EditorBrowsableState.Never);
        Runtime.GetExportedTypes().Where(t => t.Namespace == "SkipNet").ShouldAllBe(t => t.GetCustomAttribute<EditorBrowsableAttribute>() == null);
    }
}
