// The program (linked from samples/FashionMnist) trains the network it calls FashionNet: here, the ResNet.
global using FashionNet = FashionMnist.FashionResNet;
using SkipNet;

namespace FashionMnist;

// A small ResNet on 1×28×28 images: two residual stages (16 channels at 28×28, 32 at 14×14, the
// second entered through a 1×1 convolution), BatchNorm2d after every convolution, max pooling,
// global average pooling and 10 logits, float.
[Residual(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
[Conv2D("c0", 16, 3, Padding = 1)]      [BatchNorm("bn0", Activation.ReLU)]
[Conv2D("c1", 16, 3, Padding = 1)]      [BatchNorm("bn1", Activation.ReLU)]
[Conv2D("c2", 16, 3, Padding = 1)]      [BatchNorm("bn2", Activation.ReLU)]
[Skip("bn0", "bn2")]                                        // added before bn2's ReLU
[MaxPool2D("p1", 2)]
[Conv2D("c3", 32, 3, Padding = 1)]      [BatchNorm("bn3", Activation.ReLU)]
[Conv2D("c4", 32, 3, Padding = 1)]      [BatchNorm("bn4", Activation.ReLU)]
[Skip("p1", "bn4", SkipKind.Weighted)]                      // 1×1 convolution, 16 → 32 channels
[MaxPool2D("p2", 2)]
[GlobalAvgPool2D("gap")]
[Dense("y", 10)]
public partial class FashionResNet;

/// <summary>What the program does unless told otherwise.</summary>
internal static class Defaults
{
    /// <summary>The network, as the plots name it.</summary>
    public const string Title = "ResNet";

    /// <summary>Epochs of training: 1 of warm-up, then a cosine decay to 0 (12 reach about 0.904, 20 more).</summary>
    public const int Epochs = 20;
}
