using SkipNet;

namespace SeedExercise;

/// <summary>
/// The seed exercise: x → h0 → h1 → ŷ with ReLU, a weighted skip from h0 into ŷ, L1 loss.
/// SkipNet writes everything else into this class at build time.
/// </summary>
[Residual(Inputs = 1, Loss = Loss.L1)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
public partial class SeedNet
{
}
