using SkipNet;

namespace Playground;

/// <summary>The seed exercise's network (samples/SeedExercise): x → h0 → h1 → ŷ, ReLU, a weighted skip h0 → ŷ, L1 loss.</summary>
[Residual(Inputs = 1, Loss = Loss.L1)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
public partial class SeedNet;
