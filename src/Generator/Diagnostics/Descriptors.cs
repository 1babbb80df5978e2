using Microsoft.CodeAnalysis;

namespace SkipNet.Generator.Diagnostics;

/// <summary>
/// Every diagnostic SkipNet reports. Each has a section in docs/diagnostics.md (with a wrong and a
/// fixed example) and a line in AnalyzerReleases.Unshipped.md. Add new ones at the end, never reuse an ID.
/// </summary>
internal static class Descriptors
{
    private const string Category = "SkipNet";
    private const string HelpBase = Links.Diagnostics + "#";

    public static readonly DiagnosticDescriptor NotPartial = Error(
        "SKIP001", "Network class must be partial",
        "Class '{0}' has [Residual] but is not partial; declare it as 'partial class {0}' so SkipNet can add the network's members");

    public static readonly DiagnosticDescriptor InputsMissing = Error(
        "SKIP002", "Inputs is missing",
        "[Residual] on '{0}' does not say how wide the input is; write [Residual(Inputs = n)] with n ≥ 1");

    public static readonly DiagnosticDescriptor InputsOutOfRange = Error(
        "SKIP003", "Inputs out of range",
        "Inputs is {0}; it must be between 1 and {1}");

    public static readonly DiagnosticDescriptor UnitsOutOfRange = Error(
        "SKIP004", "Layer width out of range",
        "Layer '{0}' has {1} units; a layer needs between 1 and {2} units");

    public static readonly DiagnosticDescriptor NoLayers = Error(
        "SKIP005", "Network has no layers",
        "'{0}' declares no layers; add at least one [Dense(\"name\", units)] (the last one is the output)");

    public static readonly DiagnosticDescriptor DuplicateLayer = Error(
        "SKIP006", "Duplicate layer name",
        "Layer name '{0}' is already used by layer '{1}' (names are compared ignoring case, since each becomes a property such as {2}Weights); give this layer another name");

    public static readonly DiagnosticDescriptor InvalidLayerName = Error(
        "SKIP007", "Invalid layer name",
        "Layer name '{0}' is not allowed; use letters and digits starting with a letter, and not a C# keyword (for example \"h1\" or \"hidden1\")");

    public static readonly DiagnosticDescriptor ReservedLayerName = Error(
        "SKIP008", "Layer named x",
        "The name \"x\" means the network's input; give this layer another name (for example \"h0\")");

    public static readonly DiagnosticDescriptor UnknownSkipEndpoint = Error(
        "SKIP009", "Skip names an unknown layer",
        "Skip edge names '{0}', which is not a declared layer{1}");

    public static readonly DiagnosticDescriptor SkipNotForward = Error(
        "SKIP010", "Skip edge must point forward",
        "Skip edge {0}->{1} {2}; a skip must go from an earlier layer (or \"x\") to a later layer{3}");

    public static readonly DiagnosticDescriptor IdentitySkipWidthMismatch = Error(
        "SKIP011", "Identity skip between different widths",
        "Identity skip {0}->{1} adds {2} into {3}; make the shapes equal or write SkipKind.Weighted to learn {4}");

    public static readonly DiagnosticDescriptor DuplicateSkip = Error(
        "SKIP012", "Duplicate skip edge",
        "Skip edge {0}->{1} is declared twice; remove one (a weighted skip already learns any scale)");

    public static readonly DiagnosticDescriptor StaticClass = Error(
        "SKIP013", "Network class must not be static",
        "Class '{0}' is static, but a network holds its parameters in an instance; remove 'static'");

    public static readonly DiagnosticDescriptor GenericClass = Error(
        "SKIP014", "Network class must not be generic",
        "Class '{0}' is generic; a network's element type comes from [Residual(Precision = ...)], so remove the type parameters");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
        "SKIP015", "Containing type must be partial",
        "'{0}' is nested in '{1}', which is not partial; declare '{1}' as partial, or move '{0}' out of it");

    public static readonly DiagnosticDescriptor TooLargeToUnroll = Error(
        "SKIP016", "Network too large to unroll",
        "CodeStyle.Unrolled would write {0} parameter statements, more than the limit of {1}; use CodeStyle.Looped or CodeStyle.Auto");

    public static readonly DiagnosticDescriptor TooManyParameters = Error(
        "SKIP017", "Network has too many parameters",
        "'{0}' has {1} parameters, more than one array can hold ({2}); make the layers narrower or fewer");

    public static readonly DiagnosticDescriptor AlphaIgnored = new(
        "SKIP018", "Alpha has no effect",
        "Layer '{0}' sets Alpha but its activation is {1}; Alpha only applies to Activation.LeakyReLU, so remove it or change the activation",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "skip018");

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error(
        "SKIP019", "Undefined enum value",
        "{0} is not a defined {1}; use one of {2}");

    public static readonly DiagnosticDescriptor MemberCollision = Error(
        "SKIP020", "Member collides with a generated member",
        "'{0}' already has a member '{1}', which SkipNet generates for the network; rename or remove it (generated members are listed in docs/diagnostics.md)");

    public static readonly DiagnosticDescriptor LayerWithoutResidual = Error(
        "SKIP021", "Layer or skip without [Residual]",
        "'{0}' has [{1}] but no [Residual], so no network is generated; add [Residual(Inputs = n)] to '{0}'");

    public static readonly DiagnosticDescriptor SuspiciousOutput = new(
        "SKIP022", "Output activation does not suit the loss",
        "The output layer '{0}' uses {1} with {2} loss: {3}; use Activation.Identity on the output unless this is intended",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "skip022");

    public static readonly DiagnosticDescriptor SplitDeclaration = Error(
        "SKIP023", "Layers and skips must sit beside [Residual]",
        "[{0}] is on another partial declaration of '{1}' than [Residual]; the layer order would then follow the order the compiler reads files in. Move every [Dense] and [Skip] to the declaration that carries [Residual]");

    public static readonly DiagnosticDescriptor ResidualTwice = Error(
        "SKIP024", "[Residual] on more than one declaration",
        "'{0}' has [Residual] on more than one of its partial declarations; keep one, and put every [Dense] and [Skip] beside it");

    public static readonly DiagnosticDescriptor FileLocal = Error(
        "SKIP025", "Network class must not be file-local",
        "'{0}' is file-local ('file' on '{1}'), but SkipNet writes the network's members in a file of its own, where a file-local type does not exist; remove 'file' (make it internal to keep it out of other assemblies)");

    public static readonly DiagnosticDescriptor DerivesFromNetwork = Error(
        "SKIP026", "Network class derives from another network",
        "'{0}' derives from '{1}', which is a network too: its members would hide the base network's, and calls through '{1}' would train a second set of parameters; derive from a class that is not a network, or hold a '{1}' in a field");

    public static readonly DiagnosticDescriptor AlphaNotFinite = Error(
        "SKIP027", "Alpha must be finite",
        "Alpha is {0}{1}; LeakyReLU's negative slope must be a finite number, such as 0.01");

    public static readonly DiagnosticDescriptor NameCollision = Error(
        "SKIP028", "Two declarations generate the same member",
        "{0} would generate a member named '{1}', as {2} does; rename one of the layers so that the names differ");

    public static readonly DiagnosticDescriptor TypeNameCollision = Error(
        "SKIP029", "Class named like a generated member",
        "The class name '{0}' is also the name of a member SkipNet generates for it ({1}), and C# does not allow a member named like its class; rename the class{2}");

    public static readonly DiagnosticDescriptor LossTakesLogits = Error(
        "SKIP030", "The loss takes logits",
        "Loss.{0} takes logits and applies the {1} itself, so the output layer '{2}' must be linear; write [Dense(\"{2}\", {3})] (Activation.Identity) and read probabilities with the {1} of its outputs");

    public static readonly DiagnosticDescriptor CrossEntropyOneOutput = Error(
        "SKIP031", "Cross-entropy needs a class per output",
        "Loss.CrossEntropy needs one output per class, at least 2, but '{0}' has 1: a softmax over one output is always 1 and learns nothing; give '{0}' one unit per class, or use Loss.BinaryCrossEntropy for a single yes/no output");

    public static readonly DiagnosticDescriptor HuberDeltaOutOfRange = Error(
        "SKIP032", "HuberDelta out of range",
        "HuberDelta is {0}; Huber's threshold must be a finite number > 0, such as 1.0");

    public static readonly DiagnosticDescriptor HuberDeltaIgnored = new(
        "SKIP033", "HuberDelta has no effect",
        "HuberDelta only applies to Loss.Huber, and the loss is {0}; remove HuberDelta or write Loss = Loss.Huber",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "skip033");

    public static readonly DiagnosticDescriptor DropoutOutOfRange = Error(
        "SKIP034", "Dropout probability out of range",
        "Dropout '{0}' has p = {1}; p is the probability of zeroing a value and must be in [0, 1), such as 0.1 (0 is the identity)");

    public static readonly DiagnosticDescriptor EpsilonOutOfRange = Error(
        "SKIP035", "Epsilon out of range",
        "Layer '{0}' has Epsilon = {1}; ε is added to the variance and must be a finite number > 0, such as 1e-5 (PyTorch's default)");

    public static readonly DiagnosticDescriptor KindNotUnrolled = Error(
        "SKIP036", "Layer kind has no unrolled code",
        "CodeStyle.Unrolled writes Dense layers only, and '{0}' is a {1} layer; use CodeStyle.Looped or CodeStyle.Auto (which chooses looped code for it)");

    public static readonly DiagnosticDescriptor MomentumOutOfRange = Error(
        "SKIP037", "Momentum out of range",
        "BatchNorm '{0}' has Momentum = {1}; the weight of each batch in the running statistics must be in (0, 1], such as 0.1 (PyTorch's default)");

    public static readonly DiagnosticDescriptor ImageArgumentOutOfRange = Error(
        "SKIP038", "Image layer argument out of range",
        "Layer '{0}' has {1} = {2}; it must be at least {3}");

    public static readonly DiagnosticDescriptor ImageLayerOnVector = Error(
        "SKIP039", "Image layer reads a vector",
        "'{0}' is a {1} layer, which reads an image, but its input is {2}; give the network an image with [Residual(InputShape = new[] {{ C, H, W }})], or put '{0}' after an image layer");

    public static readonly DiagnosticDescriptor WindowDoesNotFit = Error(
        "SKIP040", "Window larger than the image",
        "{0} '{1}' has a {2}×{2} window, larger than its input {3}; use a smaller kernel size, more padding, or declare it before the image shrinks");

    public static readonly DiagnosticDescriptor InputShapeOutOfRange = Error(
        "SKIP041", "InputShape out of range",
        "InputShape is {0}; it must be three sizes {{ C, H, W }}, each at least 1, of at most {1} values in all, such as new[] {{ 1, 28, 28 }}");

    public static readonly DiagnosticDescriptor InputsDisagreeWithShape = Error(
        "SKIP042", "Inputs disagrees with InputShape",
        "Inputs is {0}, but InputShape {1} holds {2} values per sample; remove Inputs (it follows from InputShape) or make it {2}");

    public static readonly DiagnosticDescriptor ImageSkipStride = Error(
        "SKIP043", "Weighted skip between images of unrelated sizes",
        "Weighted skip {0}->{1} maps {2} onto {3}; its 1×1 convolution needs H and W to shrink by the same whole factor (the stride), such as 16×28×28 onto 32×14×14");

    public static readonly DiagnosticDescriptor UnsupportedInFunction = Error(
        "SKIP044", "Not supported in a [Differentiable] function",
        "[Differentiable] '{0}' contains {1}; a [Differentiable] body uses + − × ÷, unary minus, literals, its parameters, consts and locals, one final return, ?: on a comparison, Math's Exp, Log, Sqrt, Pow, Tanh, Sinh, Cosh, Sin, Cos, Abs, Max and Min, and calls to other [Differentiable] methods");

    public static readonly DiagnosticDescriptor FunctionNotFound = Error(
        "SKIP045", "No such [Differentiable] method",
        "{0} = \"{1}\" names no [Differentiable] method of {2}; declare [Differentiable] static {3} {1}({4}) in {2}, or name one that is declared");

    public static readonly DiagnosticDescriptor FunctionParameterCount = Error(
        "SKIP046", "[Differentiable] method has the wrong parameters",
        "{0} = \"{1}\" names a method of {2} parameter(s); {3} takes {4}, such as static {5} {1}({6})");

    public static readonly DiagnosticDescriptor FunctionAndBuiltIn = Error(
        "SKIP047", "Both a built-in and a function of your own",
        "{0} gives both {1} and {2}; keep one ({2} replaces {1})");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());
}
