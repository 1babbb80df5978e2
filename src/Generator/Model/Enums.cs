namespace SkipNet.Generator.Model;

// Mirrors of the runtime's public enums (SkipNet.Activation, ...). The generator cannot reference
// the runtime (netstandard2.0 vs net8.0), so it reads attribute arguments as these integers; a
// test checks that names and values match the runtime's.

internal enum Activation
{
    Identity = 0,
    ReLU = 1,
    LeakyReLU = 2,
    Tanh = 3,
    Sigmoid = 4,
    GELU = 5,
    SiLU = 6,
    Softplus = 7,
}

internal enum LossKind
{
    L1 = 0,
    MSE = 1,
    CrossEntropy = 2,
    BinaryCrossEntropy = 3,
    Huber = 4,
}

internal enum SkipKind
{
    Identity = 0,
    Weighted = 1,
}

internal enum Precision
{
    Double = 0,
    Single = 1,
}

internal enum CodeStyle
{
    Auto = 0,
    Unrolled = 1,
    Looped = 2,
}
