using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkipNet.Generator.Tests;
using SkipNet.Onnx;

namespace SkipNet.Onnx.Tests;

/// <summary>
/// [Differentiable] activations exported from ONNX operators (every operation and comparison of the
/// grammar) and run in ONNX Runtime give Forward's outputs, in double and in float.
/// </summary>
public class DifferentiableExportTests
{
    private const string Declaration = """
        using System;
        using SkipNet;

        [Residual(Inputs = 3, Precision = Precision.PRECISION)]
        [Dense("h0", 6, Function = nameof(Waves))]
        [Dense("h1", 6, Function = nameof(Clipped))]
        [Dense("h2", 6, Function = nameof(Branches))]
        [Dense("y", 2)]
        [Skip("h0", "h2")]
        public partial class FunctionsPRECISION
        {
            [Differentiable] static double Waves(double z) => Math.Sin(z) * Math.Cos(0.5 * z) + Math.Sinh(z / 4.0) - Math.Cosh(z / 5.0) + Math.Abs(z) * 0.1 - -z;
            [Differentiable] static double Clipped(double z) => Math.Max(-1.5, Math.Min(z, 2.0)) + Math.Pow(Math.Abs(z) + 1.0, 0.5) - Math.Sqrt(z * z + 1.0);
            [Differentiable] static double Branches(double z) =>
                z < -1.0 ? -z : z <= 0.0 ? z * z : z > 2.0 ? Math.Log(z) : z >= 1.0 ? Math.Exp(-z) : z == 0.5 ? 7.0 : z != 0.75 ? Math.Tanh(z) : 0.0;
        }
        """;

    private static readonly Lazy<System.Reflection.Assembly> Networks = new(() => Harness.GenerateAndLoad(
        Declaration.Replace("PRECISION", "Double"),
        Regex.Replace(Declaration.Replace("PRECISION", "Single").Replace("double", "float").Replace("Math.", "MathF."), @"(\d+\.\d+)", "$1f")));

    [Fact]
    public void FunctionsRunInOnnxRuntimeAsInForward()
    {
        Check<double>("Double", 1e-12);
        Check<float>("Single", 1e-5);
    }

    private static void Check<T>(string precision, double tolerance)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var net = (IResidualNetwork<T>)Activator.CreateInstance(Networks.Value.GetType("Functions" + precision)!, 5)!;
        using var session = new InferenceSession(net.ToOnnxBytes());
        var random = new Random(5);
        int batch = 64;
        var x = Enumerable.Range(0, batch * net.InputSize).Select(_ => T.CreateTruncating(random.NextDouble() * 8 - 4)).ToArray();
        var expected = new T[batch * net.OutputSize];
        net.Forward(x, expected);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<T>(x, [batch, net.InputSize]))]);
        var y = results.First(r => r.Name == "y").AsTensor<T>().ToArray();
        for (int i = 0; i < y.Length; i++)
        {
            double a = double.CreateTruncating(y[i]), b = double.CreateTruncating(expected[i]);
            Math.Abs(a - b).ShouldBeLessThanOrEqualTo(tolerance * Math.Max(1, Math.Abs(b)), $"{precision} y[{i}]: ONNX Runtime {a}, Forward {b}");
        }
    }
}
