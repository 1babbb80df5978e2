using Microsoft.CodeAnalysis;

namespace SkipNet.Generator.Tests;

/// <summary>Every bad declaration gives its SKIP diagnostic, on the offending text, and no code.</summary>
public class DiagnosticTests
{
    private const string Layers = """
        [Dense("h0", 2, Activation.ReLU)]
        [Dense("h1", 2, Activation.ReLU)]
        [Dense("y", 1)]
        """;

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // id, attributes and class, the text the diagnostic must point at, a phrase of its message
        { "SKIP001", $"[Residual(Inputs = 1)]\n{Layers}\npublic class Net {{ }}", "Net", "partial class Net" },
        { "SKIP002", $"[Residual(Loss = Loss.L1)]\n{Layers}\npublic partial class Net {{ }}", "Residual(Loss = Loss.L1)", "Inputs = n" },
        { "SKIP003", $"[Residual(Inputs = 0)]\n{Layers}\npublic partial class Net {{ }}", "Inputs = 0", "between 1 and 65536" },
        { "SKIP003", $"[Residual(Inputs = -3)]\n{Layers}\npublic partial class Net {{ }}", "Inputs = -3", "Inputs is -3" },
        { "SKIP004", "[Residual(Inputs = 1)]\n[Dense(\"h0\", 0)]\npublic partial class Net { }", "0", "'h0' has 0 units" },
        { "SKIP004", "[Residual(Inputs = 1)]\n[Dense(\"h0\", 100000)]\npublic partial class Net { }", "100000", "between 1 and 65536" },
        { "SKIP005", "[Residual(Inputs = 1)]\npublic partial class Net { }", "Net", "[Dense(\"name\", units)]" },
        { "SKIP006", $"[Residual(Inputs = 1)]\n{Layers}\n[Dense(\"H0\", 1)]\npublic partial class Net {{ }}", "\"H0\"", "already used by layer 'h0'" },
        { "SKIP007", "[Residual(Inputs = 1)]\n[Dense(\"my_layer\", 1)]\npublic partial class Net { }", "\"my_layer\"", "letters and digits" },
        { "SKIP007", "[Residual(Inputs = 1)]\n[Dense(\"int\", 1)]\npublic partial class Net { }", "\"int\"", "not a C# keyword" },
        { "SKIP008", "[Residual(Inputs = 1)]\n[Dense(\"x\", 1)]\npublic partial class Net { }", "\"x\"", "means the network's input" },
        { "SKIP009", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h0\", \"yy\")]\npublic partial class Net {{ }}", "\"yy\"", "did you mean \"y\"" },
        { "SKIP009", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"hh1\", \"y\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "\"hh1\"", "did you mean \"h1\"" },
        { "SKIP010", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"y\", \"h0\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "\"h0\"", "points backward" },
        { "SKIP010", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h1\", \"h1\")]\npublic partial class Net {{ }}", "\"h1\"", "points to itself" },
        { "SKIP011", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h0\", \"y\")]\npublic partial class Net {{ }}", "Skip(\"h0\", \"y\")", "SkipKind.Weighted" },
        { "SKIP011", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"x\", \"h1\", SkipKind.Identity)]\npublic partial class Net {{ }}", "SkipKind.Identity", "vector of 1 into one of 2" },
        { "SKIP012", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h0\", \"y\", SkipKind.Weighted)]\n[Skip(\"h0\", \"y\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "\"y\"", "declared twice" },
        { "SKIP013", $"[Residual(Inputs = 1)]\n{Layers}\npublic static partial class Net {{ }}", "Net", "remove 'static'" },
        { "SKIP014", $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net<T> {{ }}", "Net", "remove the type parameters" },
        { "SKIP015", $"public class Outer {{\n[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ }} }}", "Net", "declare 'Outer' as partial" },
        { "SKIP016", "[Residual(Inputs = 64, CodeStyle = CodeStyle.Unrolled)]\n[Dense(\"h0\", 64)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "CodeStyle = CodeStyle.Unrolled", "use CodeStyle.Looped" },
        { "SKIP017", "[Residual(Inputs = 65536)]\n[Dense(\"h0\", 65536)]\npublic partial class Net { }", "Net", "4295032832 parameters" },
        { "SKIP018", $"[Residual(Inputs = 1)]\n[Dense(\"h0\", 2, Activation.ReLU, Alpha = 0.2)]\n[Dense(\"y\", 1)]\npublic partial class Net {{ }}", "Alpha = 0.2", "only applies to Activation.LeakyReLU" },
        { "SKIP020", $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ public void Step() {{ }} }}", "Step", "already has a member 'Step'" },
        { "SKIP020", $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ public Net(int size) {{ }} }}", "Net", "member 'Net(int)'" },
        { "SKIP020", $"public class Base {{ protected int H1Bias; }}\n[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net : Base {{ }}", "H1Bias", "member 'H1Bias'" },
        { "SKIP021", $"{Layers}\n[Skip(\"h0\", \"y\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "Dense(\"h0\", 2, Activation.ReLU)", "add [Residual(Inputs = n)] to 'Net'" },
        { "SKIP021", "[Skip(\"h0\", \"y\")]\npublic class Net { }", "Skip(\"h0\", \"y\")", "has [Skip] but no [Residual]" },
        { "SKIP021", "[Dense(\"h0\", 2)]\n[LayerNorm(\"n0\")]\n[Dropout(\"d0\", 0.1)]\npublic class Net { }", "Dense(\"h0\", 2)", "has [Dense] but no [Residual]" },
        { "SKIP021", "[Dropout(\"d0\", 0.1)]\n[LayerNorm(\"n0\")]\npublic class Net { }", "LayerNorm(\"n0\")", "has [LayerNorm] but no [Residual]" },
        { "SKIP021", "[Dropout(\"d0\", 0.1)]\npublic class Net { }", "Dropout(\"d0\", 0.1)", "has [Dropout] but no [Residual]" },
        { "SKIP022", "[Residual(Inputs = 1, Loss = Loss.MSE)]\n[Dense(\"h0\", 2, Activation.ReLU)]\n[Dense(\"y\", 1, Activation.ReLU)]\npublic partial class Net { }", "Activation.ReLU", "cannot predict a negative target" },
        { "SKIP019", "[Residual(Inputs = 1)]\n[Dense(\"y\", 1, (Activation)42)]\npublic partial class Net { }", "(Activation)42", "42 is not a defined Activation" },
        { "SKIP010", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"x\", \"x\")]\npublic partial class Net {{ }}", "\"x\"", "ends at the input \"x\"" },
        { "SKIP008", "[Residual(Inputs = 1)]\n[Dense(\"X\", 1)]\npublic partial class Net { }", "\"X\"", "means the network's input" },
        { "SKIP006", "[Residual(Inputs = 1)]\n[Dense(\"sa\", 2)]\n[Dense(\"\u017Fa\", 1)]\npublic partial class Net { }", "\"\u017Fa\"", "already used by layer 'sa'" },
        { "SKIP023", "[Residual(Inputs = 1)]\n[Dense(\"h0\", 2)]\npublic partial class Net { }\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Dense(\"y\", 1)", "Move every [Dense] and [Skip] to the declaration that carries [Residual]" },
        { "SKIP023", $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ }}\n[Skip(\"h0\", \"y\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "Skip(\"h0\", \"y\", SkipKind.Weighted)", "[Skip] is on another partial declaration of 'Net'" },
        { "SKIP024", "[Residual(Inputs = 1)]\n[Dense(\"y\", 1)]\npublic partial class Net { }\n[Residual(Inputs = 2)]\npublic partial class Net { }", "Residual(Inputs = 2)", "more than one of its partial declarations" },
        { "SKIP025", $"[Residual(Inputs = 1)]\n{Layers}\nfile partial class Net {{ }}", "Net", "remove 'file'" },
        { "SKIP025", $"file partial class Outer {{\n[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ }} }}", "Net", "('file' on 'Outer')" },
        { "SKIP026", $"[Residual(Inputs = 1)]\n[Dense(\"y\", 1)]\npublic partial class Base {{ }}\n[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net : Base {{ }}", "Base", "'Net' derives from 'Base', which is a network too" },
        { "SKIP027", "[Residual(Inputs = 1)]\n[Dense(\"h0\", 2, Activation.LeakyReLU, Alpha = double.NaN)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Alpha = double.NaN", "Alpha is NaN; LeakyReLU's negative slope must be a finite number" },
        { "SKIP027", "[Residual(Inputs = 1)]\n[Dense(\"h0\", 2, Activation.LeakyReLU, Alpha = double.PositiveInfinity)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Alpha = double.PositiveInfinity", "Alpha is ∞" },
        { "SKIP027", "[Residual(Inputs = 1, Precision = Precision.Single)]\n[Dense(\"h0\", 2, Activation.LeakyReLU, Alpha = 1e39)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Alpha = 1e39", "which is infinite as a float" },
        { "SKIP028", "[Residual(Inputs = 1)]\n[Dense(\"a\", 2)]\n[Dense(\"bToC\", 2)]\n[Dense(\"aToB\", 2)]\n[Dense(\"c\", 1)]\n[Skip(\"a\", \"bToC\", SkipKind.Weighted)]\n[Skip(\"aToB\", \"c\", SkipKind.Weighted)]\npublic partial class Net { }", "\"c\"", "skip aToB->c would generate a member named 'AToBToCSkip', as skip a->bToC does" },
        { "SKIP029", "[Residual(Inputs = 1)]\n[Dense(\"y\", 1)]\npublic partial class YBias { }", "YBias", "from layer 'y'" },
        { "SKIP029", "[Residual(Inputs = 1)]\n[Dense(\"y\", 1)]\npublic partial class Diagram { }", "Diagram", "every network has it" },
        { "SKIP020", $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ public object Clone() => this; }}", "Clone", "already has a member 'Clone'" },
        { "SKIP030", "[Residual(Inputs = 1, Loss = Loss.CrossEntropy)]\n[Dense(\"h0\", 2, Activation.ReLU)]\n[Dense(\"y\", 3, Activation.Sigmoid)]\npublic partial class Net { }", "Activation.Sigmoid", "Loss.CrossEntropy takes logits and applies the softmax itself, so the output layer 'y' must be linear; write [Dense(\"y\", 3)]" },
        { "SKIP030", "[Residual(Inputs = 1, Loss = Loss.BinaryCrossEntropy)]\n[Dense(\"y\", 1, Activation.Sigmoid)]\npublic partial class Net { }", "Activation.Sigmoid", "applies the sigmoid itself" },
        { "SKIP031", "[Residual(Inputs = 1, Loss = Loss.CrossEntropy)]\n[Dense(\"h0\", 2, Activation.ReLU)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "1", "use Loss.BinaryCrossEntropy for a single yes/no output" },
        { "SKIP032", $"[Residual(Inputs = 1, Loss = Loss.Huber, HuberDelta = 0)]\n{Layers}\npublic partial class Net {{ }}", "HuberDelta = 0", "HuberDelta is 0; Huber's threshold must be a finite number > 0" },
        { "SKIP032", $"[Residual(Inputs = 1, Loss = Loss.Huber, HuberDelta = double.NaN)]\n{Layers}\npublic partial class Net {{ }}", "HuberDelta = double.NaN", "HuberDelta is NaN" },
        { "SKIP032", $"[Residual(Inputs = 1, Loss = Loss.Huber, HuberDelta = 1e-50, Precision = Precision.Single)]\n{Layers}\npublic partial class Net {{ }}", "HuberDelta = 1e-50", "HuberDelta is 1E-50, which is 0 in float (Precision.Single); Huber's threshold must be a finite number > 0" },
        { "SKIP032", $"[Residual(Inputs = 1, Loss = Loss.Huber, HuberDelta = 1e300, Precision = Precision.Single)]\n{Layers}\npublic partial class Net {{ }}", "HuberDelta = 1e300", "which is ∞ in float" },
        { "SKIP033", $"[Residual(Inputs = 1, Loss = Loss.MSE, HuberDelta = 2)]\n{Layers}\npublic partial class Net {{ }}", "HuberDelta = 2", "the loss is MSE" },
        { "SKIP034", "[Residual(Inputs = 2)]\n[Dropout(\"d0\", 1.0)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "1.0", "Dropout 'd0' has p = 1; p is the probability of zeroing a value and must be in [0, 1)" },
        { "SKIP034", "[Residual(Inputs = 2)]\n[Dense(\"h0\", 3)]\n[Dropout(\"d0\", p: -0.1)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "p: -0.1", "p = -0.1" },
        { "SKIP034", "[Residual(Inputs = 2)]\n[Dropout(\"d0\", double.NaN)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "double.NaN", "p = NaN" },
        { "SKIP035", "[Residual(Inputs = 2)]\n[LayerNorm(\"n0\", Epsilon = 0)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Epsilon = 0", "'n0' has Epsilon = 0; ε is added to the variance and must be a finite number > 0" },
        { "SKIP035", "[Residual(Inputs = 2, Precision = Precision.Single)]\n[LayerNorm(\"n0\", Activation.ReLU, Epsilon = 1e-50)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Epsilon = 1e-50", "which is 0 in float" },
        { "SKIP037", "[Residual(Inputs = 2)]\n[BatchNorm(\"bn0\", Momentum = 0)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Momentum = 0", "BatchNorm 'bn0' has Momentum = 0; the weight of each batch in the running statistics must be in (0, 1]" },
        { "SKIP037", "[Residual(Inputs = 2)]\n[BatchNorm(\"bn0\", Activation.ReLU, Momentum = 1.5)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Momentum = 1.5", "Momentum = 1.5" },
        { "SKIP035", "[Residual(Inputs = 2)]\n[BatchNorm(\"bn0\", Epsilon = double.PositiveInfinity)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Epsilon = double.PositiveInfinity", "'bn0' has Epsilon = ∞" },
        { "SKIP036", "[Residual(Inputs = 2, CodeStyle = CodeStyle.Unrolled)]\n[BatchNorm(\"bn0\")]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "BatchNorm(\"bn0\")", "'bn0' is a BatchNorm layer" },
        { "SKIP036", "[Residual(Inputs = 2, CodeStyle = CodeStyle.Unrolled)]\n[Dense(\"h0\", 2)]\n[LayerNorm(\"n0\")]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "LayerNorm(\"n0\")", "'n0' is a LayerNorm layer; use CodeStyle.Looped or CodeStyle.Auto" },
        { "SKIP038", "[Residual(InputShape = new[] { 1, 8, 8 })]\n[Conv2D(\"c0\", 0, 3)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "0", "Layer 'c0' has channels = 0; it must be at least 1" },
        { "SKIP038", "[Residual(InputShape = new[] { 1, 8, 8 })]\n[Conv2D(\"c0\", 4, 3, Padding = -1)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Padding = -1", "Padding = -1; it must be at least 0" },
        { "SKIP038", "[Residual(InputShape = new[] { 1, 8, 8 })]\n[MaxPool2D(\"p0\", 2, Stride = 0)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Stride = 0", "Stride = 0; it must be at least 1" },
        { "SKIP039", "[Residual(Inputs = 64)]\n[Conv2D(\"c0\", 4, 3)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Conv2D(\"c0\", 4, 3)", "'c0' is a Conv2D layer, which reads an image, but its input is a vector of 64; give the network an image with [Residual(InputShape = new[] { C, H, W })]" },
        { "SKIP039", "[Residual(InputShape = new[] { 2, 4, 4 })]\n[GlobalAvgPool2D(\"gap\")]\n[MaxPool2D(\"p1\", 2)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "MaxPool2D(\"p1\", 2)", "but its input is a vector of 2" },
        { "SKIP040", "[Residual(InputShape = new[] { 1, 4, 4 })]\n[Conv2D(\"c0\", 4, 5)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Conv2D(\"c0\", 4, 5)", "Conv2D 'c0' has a 5×5 window, larger than its input 1×4×4" },
        { "SKIP040", "[Residual(InputShape = new[] { 1, 4, 4 })]\n[Conv2D(\"c0\", 4, 7, Padding = 1)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Conv2D(\"c0\", 4, 7, Padding = 1)", "1×4×4 padded by 1 to 1×6×6" },
        { "SKIP040", "[Residual(InputShape = new[] { 3, 5, 5 })]\n[MaxPool2D(\"p0\", 2)]\n[AvgPool2D(\"p1\", 3)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "AvgPool2D(\"p1\", 3)", "AvgPool2D 'p1' has a 3×3 window, larger than its input 3×2×2" },
        { "SKIP041", "[Residual(InputShape = new[] { 1, 28 })]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "InputShape = new[] { 1, 28 }", "InputShape is { 1, 28 }; it must be three sizes { C, H, W }" },
        { "SKIP041", "[Residual(InputShape = new[] { 1, 0, 28 })]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "InputShape = new[] { 1, 0, 28 }", "each at least 1" },
        { "SKIP041", "[Residual(InputShape = new[] { 3, 256, 256 })]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "InputShape = new[] { 3, 256, 256 }", "of at most 65536 values" },
        { "SKIP042", "[Residual(Inputs = 780, InputShape = new[] { 1, 28, 28 })]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Inputs = 780", "Inputs is 780, but InputShape 1×28×28 holds 784 values per sample" },
        { "SKIP043", "[Residual(InputShape = new[] { 1, 7, 7 })]\n[Conv2D(\"c0\", 2, 3, Padding = 1)]\n[Conv2D(\"c1\", 2, 3, Stride = 2)]\n[Dense(\"y\", 1)]\n[Skip(\"c0\", \"c1\", SkipKind.Weighted)]\npublic partial class Net { }", "SkipKind.Weighted", "Weighted skip c0->c1 maps 2×7×7 onto 2×3×3" },
        { "SKIP011", "[Residual(InputShape = new[] { 1, 8, 8 })]\n[Conv2D(\"c0\", 4, 3, Padding = 1)]\n[MaxPool2D(\"p0\", 2)]\n[Conv2D(\"c1\", 8, 3, Padding = 1)]\n[Dense(\"y\", 1)]\n[Skip(\"p0\", \"c1\")]\npublic partial class Net { }", "Skip(\"p0\", \"c1\")", "adds an image of 4×4×4 into one of 8×4×4; make the shapes equal or write SkipKind.Weighted to learn a 1×1 convolution from 4 to 8 channels" },
        { "SKIP004", "[Residual(InputShape = new[] { 1, 64, 64 })]\n[Conv2D(\"c0\", 64, 3, Padding = 1)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Conv2D(\"c0\", 64, 3, Padding = 1)", "Layer 'c0' has 262144 (64×64×64) units" },
        { "SKIP021", "[Conv2D(\"c0\", 4, 3)]\n[GlobalAvgPool2D(\"g\")]\npublic class Net { }", "Conv2D(\"c0\", 4, 3)", "has [Conv2D] but no [Residual]" },
        { "SKIP022", "[Residual(Inputs = 1, Loss = Loss.Huber)]\n[Dense(\"h0\", 2, Activation.GELU)]\n[Dense(\"y\", 1, Activation.ReLU)]\npublic partial class Net { }", "Activation.ReLU", "with Huber loss" },
        { "SKIP044", "[Residual(Inputs = 1)]\n[Dense(\"h\", 2, Function = nameof(F))]\n[Dense(\"y\", 1)]\npublic partial class Net { [Differentiable] static double F(double z) { double s = z; for (int i = 0; i < 3; i++) { } return s; } }", "for", "[Differentiable] 'F' contains a loop" },
        { "SKIP044", "[Residual(Inputs = 1)]\n[Dense(\"h\", 2, Function = nameof(F))]\n[Dense(\"y\", 1)]\npublic partial class Net { [Differentiable] static double F(double z) => System.Math.Floor(z); }", "System.Math.Floor", "[Differentiable] 'F' contains" },
        { "SKIP030", "[Residual(Inputs = 1, Loss = Loss.CrossEntropy)]\n[Dense(\"y\", 2, Function = nameof(F))]\npublic partial class Net { [Differentiable] static double F(double z) => z * z; }", "Dense(\"y\", 2, Function = nameof(F))", "the output layer 'y' must be linear" },
        { "SKIP045", "[Residual(Inputs = 1)]\n[Dense(\"h\", 2, Function = \"Missing\")]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "Function = \"Missing\"", "Function = \"Missing\" names no [Differentiable] method of Net; declare [Differentiable] static double Missing(double z)" },
        { "SKIP045", "[Residual(Inputs = 1)]\n[Dense(\"h\", 2, Function = nameof(F))]\n[Dense(\"y\", 1)]\npublic partial class Net { static double F(double z) => z; }", "Function = nameof(F)", "names no [Differentiable] method of Net" },
        { "SKIP046", "[Residual(Inputs = 1, LossFunction = nameof(L))]\n[Dense(\"y\", 1)]\npublic partial class Net { [Differentiable] static double L(double a) => a * a; }", "LossFunction = nameof(L)", "names a method of 1 parameter(s); a loss takes two values (ŷ, then y), such as static double L(double yhat, double y)" },
        { "SKIP047", "[Residual(Inputs = 1)]\n[Dense(\"h\", 2, Activation.ReLU, Function = nameof(F))]\n[Dense(\"y\", 1)]\npublic partial class Net { [Differentiable] static double F(double z) => z * z; }", "Function = nameof(F)", "Layer 'h' gives both activation ReLU and Function = F" },
        { "SKIP047", "[Residual(Inputs = 1, Loss = Loss.L1, LossFunction = nameof(L))]\n[Dense(\"y\", 1)]\npublic partial class Net { [Differentiable] static double L(double a, double b) => (a - b) * (a - b); }", "LossFunction = nameof(L)", "[Residual] gives both Loss = L1 and LossFunction = L" },
    };

    /// <summary>Classes SkipNet cannot add members to at all, or that are not networks: no code is generated for them.</summary>
    private static readonly string[] NoCode = ["SKIP001", "SKIP013", "SKIP014", "SKIP015", "SKIP021", "SKIP024", "SKIP025", "SKIP026"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadDeclarationsAreReportedWhereTheyAre(string id, string declaration, string located, string phrase)
    {
        string source = "using SkipNet;\n" + declaration;
        var (run, output) = Harness.Generate(source);

        var diagnostic = run.Diagnostics.ShouldHaveSingleItem();
        diagnostic.Id.ShouldBe(id);
        var span = diagnostic.Location.SourceSpan;
        source.Substring(span.Start, span.Length).ShouldBe(located);
        diagnostic.Location.GetLineSpan().Path.ShouldBe("Network0.cs");
        diagnostic.GetMessage().ShouldContain(phrase);
        diagnostic.Descriptor.HelpLinkUri.ShouldEndWith("diagnostics.md#" + id.ToLowerInvariant());

        // Warnings generate the network; errors its public surface, every member throwing (so uses of
        // the class compile); a class that cannot take members at all gets nothing.
        var generated = Harness.Sources(run).Where(s => !s.Key.StartsWith("Base.")).Select(s => s.Value).ToList();
        if (diagnostic.DefaultSeverity == DiagnosticSeverity.Warning)
        {
            generated.ShouldHaveSingleItem().ShouldNotContain("not generated");
        }
        else if (NoCode.Contains(id))
        {
            generated.ShouldBeEmpty();
        }
        else
        {
            generated.ShouldHaveSingleItem().ShouldContain($"{id}: ");
            var generatedTrees = run.GeneratedTrees.ToHashSet();
            output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } t && generatedTrees.Contains(t))
                .Select(d => d.ToString()).ShouldBeEmpty();
        }
    }

    public static TheoryData<string> ErroneousDeclarations() => new()
    {
        $"[Residual(Inputs = 1)]\n[Dense(\"h0\", 2)]\n[Dense(\"h_1\", 2)]\n[Dense(\"y\", 1)]\npublic partial class Net {{ }}",
        $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h0\", \"yy\")]\npublic partial class Net {{ }}",
        $"[Residual]\n{Layers}\npublic partial class Net {{ }}",
        $"[Residual(Inputs = 1)]\n{Layers}\n[Dense(\"H1\", 3)]\npublic partial class Net {{ }}",
        $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ public int H1Weights; }}",
        $"[Residual(Inputs = 1)]\n[Dense(\"h0\", 2, Activation.LeakyReLU, Alpha = double.NaN)]\n[Dense(\"h1\", 2)]\n[Dense(\"y\", 1)]\npublic partial class Net {{ }}",
        $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ public void Step() {{ }} }}",
        $"[Residual(Inputs = 1)]\n{Layers}\n[Dense(\"y\")]\npublic partial class Net {{ }}",
    };

    [Theory]
    [MemberData(nameof(ErroneousDeclarations))]
    public void ADeclarationWithErrorsLeavesOnlyThoseErrors(string declaration)
    {
        // Code that uses the network compiles while its declaration is being fixed: the SKIP errors
        // (or the compiler's own error in the attribute) are the only ones.
        const string Use = """
            public static class Use
            {
                public static object Run()
                {
                    var net = new Net(seed: 1);
                    var x = new double[Net.InputSize];
                    var y = new double[Net.OutputSize];
                    net.Forward(x, y);
                    net.Backward(x, y);
                    net.ZeroGradients();
                    net.TrainStep(x, y, 0.1);
                    net.Initialize(2);
                    SkipNet.IResidualNetwork<double> general = net.Clone();
                    return (net.Evaluate(x, y), net.H0Weights.Length, net.H0BiasGradient.Length, Net.Blocks, Net.Architecture, Net.Diagram, Net.ParameterCount, general, net.Explain(x, y, 0.1));
                }
            }
            """;
        var (run, output) = Harness.Generate("using SkipNet;\n" + declaration, Use);
        var errors = run.Diagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        errors.ShouldNotBeEmpty();
        errors.Where(d => d.Location.GetLineSpan().Path == "Network1.cs").Select(d => d.ToString()).ShouldBeEmpty("errors where the network is used");
        errors.Where(d => !d.Id.StartsWith("SKIP") && d.Location.GetLineSpan().Path != "Network0.cs").Select(d => d.ToString()).ShouldBeEmpty("errors in generated code");
        Harness.Sources(run)["Net.g.cs"].ShouldContain("not generated");
    }

    [Fact]
    public void EveryDescriptorIsTestedDocumentedAndTracked()
    {
        var ids = typeof(SkipNetGenerator).Assembly.GetType("SkipNet.Generator.Diagnostics.Descriptors")!
            .GetFields().Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).ToList();
        ids.ShouldBeUnique();
        var tested = Cases().Select(row => (string)row[0]).ToHashSet();
        string root = RepositoryRoot();
        string docs = File.ReadAllText(Path.Combine(root, "docs", "diagnostics.md"));
        string releases = File.ReadAllText(Path.Combine(root, "src", "Generator", "AnalyzerReleases.Unshipped.md"));
        foreach (var id in ids)
        {
            tested.ShouldContain(id);
            docs.ShouldContain($"## {id}");
            releases.ShouldContain(id + " |");
        }
    }

    [Theory]
    [InlineData("namespace A.B;\n[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\npublic partial class Net { }")]
    [InlineData("[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\ninternal partial class Net { }")]
    [InlineData("public partial class Outer { public partial struct Inner {\n[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\ninternal sealed partial class Net { } } }")]
    [InlineData("[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\npublic partial record Net;")]
    [InlineData("[Residual(Inputs = 2, Loss = Loss.MSE)]\n[Dense(name: \"h\", activation: Activation.Tanh, units: 3)]\n[Dense(\"y\", 1)]\n[Skip(to: \"y\", from: \"x\", kind: SkipKind.Weighted)]\npublic partial class Net { }")]
    [InlineData("[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\npublic sealed partial record Net(string Name) { public int Uses { get; set; } }")]
    [InlineData("public abstract record Base(int Id);\n[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\npublic partial record Net(int Id) : Base(Id) { public required string Tag { get; init; } }")]
    [InlineData("public interface ILogger { }\n[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\npublic partial class Net(ILogger log) { public ILogger Log => log; }")]
    [InlineData("public class Service { public virtual int Count => 0; }\n[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\npublic abstract partial class Net : Service { public Net(string name) : this(seed: name.Length) { } }")]
    public void ValidDeclarationsCompileWithoutWarnings(string declaration) =>
        Harness.GenerateAndLoad("using SkipNet;\n" + declaration).GetTypes().ShouldContain(t => t.Name == "Net");

    [Fact]
    public void DiagnosticsArePlacedInTheCompilationsOwnTree()
    {
        // In-source locations let #pragma warning and the IDE's code fixes apply to them
        // (tests/SkipNet.Tests/Networks.cs builds with a pragma-silenced SKIP018 under TreatWarningsAsErrors).
        var compilation = Harness.Compilation("using SkipNet;\n[Residual(Inputs = 1)]\n[Dense(\"y\", 1, Activation.Tanh, Alpha = 0.3)]\npublic partial class Net { }");
        var diagnostic = Harness.Driver().RunGenerators(compilation).GetRunResult().Diagnostics.ShouldHaveSingleItem();
        diagnostic.Location.IsInSource.ShouldBeTrue();
        diagnostic.Location.SourceTree.ShouldBeSameAs(compilation.SyntaxTrees.Single());
    }

    [Fact]
    public void MalformedAttributesLeaveTheErrorToTheCompiler()
    {
        var (run, output) = Harness.Generate("using SkipNet;\n[Residual(Inputs = 1)]\n[Dense(\"y\")]\npublic partial class Net { }");
        run.Diagnostics.ShouldBeEmpty();
        Harness.Sources(run).Single().Value.ShouldContain("a [Dense] attribute does not compile");
        output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ShouldBe(["CS7036"]); // missing argument 'units', and nothing else
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SkipNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("SkipNet.sln not found above " + AppContext.BaseDirectory);
    }
}
