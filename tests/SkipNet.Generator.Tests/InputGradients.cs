namespace SkipNet.Generator.Tests;

/// <summary>
/// Holds a network's <c>InputGradient</c> to central finite differences of <c>Evaluate</c> with respect
/// to every input value (docs/conventions.md, "Checking gradients"), and checks that it returns
/// Evaluate's loss, writes every value of its span and leaves the network as it found it.
/// </summary>
internal static class InputGradients
{
    private const double Step = 1e-6;

    /// <summary>dL/dx by InputGradient, after every check above; <paramref name="label"/> names the network in a failure.</summary>
    public static double[] Check(IResidualNetwork<double> net, double[] x, double[] y, string label)
    {
        var parameters = net.Parameters.ToArray();
        var gradients = net.Gradients.ToArray();
        var buffers = net.Buffers.ToArray();
        var tracked = net.BatchesTracked.ToArray();
        ulong randomState = net.RandomState;

        var analytic = Enumerable.Repeat(double.NaN, x.Length).ToArray(); // every value must be written
        double loss = net.InputGradient(x, y, analytic);
        double evaluated = net.Evaluate(x, y);
        loss.ShouldBe(evaluated, 1e-12 * (1 + Math.Abs(evaluated)), $"{label}: InputGradient returns Evaluate's loss");

        var shifted = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            shifted[i] = x[i] + Step;
            double plus = net.Evaluate(shifted, y);
            shifted[i] = x[i] - Step;
            double minus = net.Evaluate(shifted, y);
            shifted[i] = x[i];
            double numeric = (plus - minus) / (2 * Step);
            Math.Abs(analytic[i] - numeric).ShouldBeLessThanOrEqualTo(
                1e-6 + 1e-4 * Math.Abs(numeric), $"{label}: dL/dx[{i}] analytic {analytic[i]:R} numeric {numeric:R}");
        }

        net.Parameters.ToArray().ShouldBe(parameters, $"{label}: parameters untouched");
        net.Gradients.ToArray().ShouldBe(gradients, $"{label}: gradients untouched");
        net.Buffers.ToArray().ShouldBe(buffers, $"{label}: running statistics untouched");
        net.BatchesTracked.ToArray().ShouldBe(tracked, $"{label}: batch counts untouched");
        net.RandomState.ShouldBe(randomState, $"{label}: no dropout mask drawn");
        return analytic;
    }
}
