namespace SkipNet.Generator.Tests;

/// <summary>The generator reads attribute arguments as its own copies of the runtime's enums; they must match.</summary>
public class EnumMirrorTests
{
    [Theory]
    [InlineData(typeof(SkipNet.Activation), typeof(Model.Activation))]
    [InlineData(typeof(SkipNet.Loss), typeof(Model.LossKind))]
    [InlineData(typeof(SkipNet.SkipKind), typeof(Model.SkipKind))]
    [InlineData(typeof(SkipNet.Precision), typeof(Model.Precision))]
    [InlineData(typeof(SkipNet.CodeStyle), typeof(Model.CodeStyle))]
    public void NamesAndValuesMatch(Type runtime, Type generator)
    {
        static (string, int)[] Members(Type t) => Enum.GetNames(t).Select(n => (n, (int)Enum.Parse(t, n))).ToArray();
        Members(generator).ShouldBe(Members(runtime));
    }
}
