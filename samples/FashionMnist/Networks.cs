using SkipNet;

namespace FashionMnist;

// The residual MLP: 784 → h0 256 → h1 256 (+h0) → h2 256 (+h1) → 10 logits, float.
[Residual(Inputs = 784, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
[Dense("h0", 256, Activation.GELU)]
[Dense("h1", 256, Activation.GELU)]
[Dense("h2", 256, Activation.GELU)]
[Dense("y", 10)]
[Skip("h0", "h1")]
[Skip("h1", "h2")]
public partial class FashionNet;

/// <summary>What the program does unless told otherwise.</summary>
internal static class Defaults
{
    /// <summary>The network, as the plots name it.</summary>
    public const string Title = "residual MLP";

    /// <summary>Epochs of training: 1 of warm-up, then a cosine decay to 0.</summary>
    public const int Epochs = 12;
}
