using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SkipNet;

public sealed partial record NetworkArchitecture
{
    // Python's keywords, and the names the module's own code uses.
    private static readonly HashSet<string> PythonReserved =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
        "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
        "while", "with", "yield", "match", "case", "type", "self", "torch", "nn", "F", "super", "getattr",
    ];

    // nn.Module's attributes: PyTorch refuses a submodule named like one of them.
    private static readonly HashSet<string> ModuleAttributes =
    [
        "forward", "training", "train", "eval", "parameters", "named_parameters", "buffers", "named_buffers", "children", "named_children",
        "modules", "named_modules", "state_dict", "load_state_dict", "to", "cuda", "cpu", "double", "float", "half", "bfloat16", "type", "apply",
        "zero_grad", "requires_grad_", "register_buffer", "register_parameter", "register_module", "add_module", "get_submodule", "get_parameter",
        "get_buffer", "extra_repr", "share_memory", "dump_patches", "call_super_init", "compile", "ipu", "xpu", "mtia", "to_empty",
        "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook", "register_backward_hook", "set_extra_state",
        "get_extra_state", "T_destination",
    ];

    /// <summary>
    /// The Python source of the equivalent PyTorch module: an <c>nn.Linear</c> per Dense layer (an
    /// <c>nn.LayerNorm</c>, <c>nn.Dropout</c>, <c>nn.BatchNorm1d</c> per layer of those kinds) and an
    /// <c>nn.Linear(bias=False)</c> per weighted skip, the same activations in the same order, and
    /// <c>loss_fn</c>, the declared loss with the same reduction. Its <c>state_dict</c> names are
    /// <c>WeightNames.PyTorch</c>'s, so weights move both ways with
    /// <c>SaveWeights(path, WeightNames.PyTorch)</c> / <c>LoadWeights</c> and
    /// <c>safetensors.torch.load_file</c> / <c>save_file</c>.
    /// </summary>
    /// <param name="className">The Python class name.</param>
    /// <returns>Python 3 source that imports torch.</returns>
    /// <exception cref="ArgumentException"><paramref name="className"/> is not a Python identifier.</exception>
    /// <exception cref="NotSupportedException">A layer is named like an attribute of <c>nn.Module</c> (PyTorch refuses a submodule of that name).</exception>
    public string ToPyTorch(string className = "Net")
    {
        if (!IsAsciiIdentifier(className) || PythonReserved.Contains(className))
        {
            throw new ArgumentException($"The class name must be a Python identifier; it is '{className}'.", nameof(className));
        }

        var modules = Layers.Select(l => l.Name).Concat(Skips.Where(s => s.Kind == SkipKind.Weighted).Select(s => SkipModule(s))).ToList();
        foreach (string module in modules)
        {
            if (ModuleAttributes.Contains(module) || module.StartsWith("__", StringComparison.Ordinal) || module.StartsWith('_'))
            {
                throw new NotSupportedException($"PyTorch cannot name a submodule '{module}' (nn.Module has an attribute of that name, or it is private): rename the layer.");
            }
        }

        var locals = new Dictionary<string, string>(StringComparer.Ordinal) { ["x"] = "x" };
        for (int i = 0; i < Layers.Count; i++)
        {
            string name = Layers[i].Name;
            string local = Safe(name) ? name : "h_" + i.ToString(CultureInfo.InvariantCulture);
            while (locals.ContainsValue(local) || Layers.Any(l => l.Name == local && l.Name != name))
            {
                local += "_";
            }

            locals[name] = local;
        }

        var text = new StringBuilder();
        text.AppendLine("# The PyTorch module equivalent to a SkipNet declaration: same layers, skips, activations and loss.");
        text.AppendLine("# Its state_dict names are SkipNet's WeightNames.PyTorch; weights move both ways as safetensors.");
        text.AppendLine("import torch");
        text.AppendLine("from torch import nn");
        text.AppendLine("import torch.nn.functional as F");
        text.AppendLine();
        text.AppendLine();
        foreach (var function in Functions())
        {
            // Each [Differentiable] function as a Python function of tensors: autograd differentiates it as SkipNet did.
            var parameters = function.Parameters.Select((p, i) => Safe(p) ? p : "p" + i.ToString(CultureInfo.InvariantCulture)).ToList();
            var rename = function.Parameters.Zip(parameters).ToDictionary(pair => pair.First, pair => pair.Second);
            text.AppendLine($"def {PythonName(function)}({string.Join(", ", parameters)}):");
            text.AppendLine($"    \"\"\"{function}\"\"\"");
            text.AppendLine($"    return {Torch(function.Body, rename, top: true)}");
            text.AppendLine();
            text.AppendLine();
        }

        text.AppendLine($"class {className}(nn.Module):");
        text.AppendLine($"    \"\"\"{Describe()}\"\"\"");
        text.AppendLine();
        text.AppendLine("    input_size = " + InputSize.ToString(CultureInfo.InvariantCulture));
        text.AppendLine("    output_size = " + OutputSize.ToString(CultureInfo.InvariantCulture));
        text.AppendLine();
        text.AppendLine("    def __init__(self):");
        text.AppendLine("        super().__init__()");
        string previous = "x";
        foreach (var layer in Layers)
        {
            // Images are [batch, C, H, W] between image layers, as nn.Conv2d takes them.
            var input = ShapeOf(previous);
            int channels = input?[0] ?? Width(previous);
            string module = layer.Kind switch
            {
                LayerKind.Dense => $"nn.Linear({Width(previous)}, {layer.Width})",
                LayerKind.LayerNorm when layer.Shape is { } image => $"nn.LayerNorm([{string.Join(", ", image)}], eps={Python(layer.Epsilon)})",
                LayerKind.LayerNorm => $"nn.LayerNorm({layer.Width}, eps={Python(layer.Epsilon)})",
                LayerKind.Dropout => $"nn.Dropout(p={Python(layer.P)})",
                LayerKind.BatchNorm => $"nn.BatchNorm{(layer.Shape is null ? "1d" : "2d")}({layer.Channels}, eps={Python(layer.Epsilon)}, momentum={Python(layer.Momentum)})",
                LayerKind.Conv2D => $"nn.Conv2d({channels}, {layer.Channels}, {layer.KernelSize}, stride={layer.Stride}, padding={layer.Padding})",
                LayerKind.MaxPool2D => $"nn.MaxPool2d({layer.KernelSize}, stride={layer.Stride})",
                LayerKind.AvgPool2D => $"nn.AvgPool2d({layer.KernelSize}, stride={layer.Stride})",
                LayerKind.GlobalAvgPool2D => "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())",
                _ => throw new NotSupportedException($"ToPyTorch does not know the layer kind {layer.Kind}."),
            };
            text.AppendLine($"        {Register(layer.Name, module)}");
            previous = layer.Name;
        }

        foreach (var skip in Skips.Where(s => s.Kind == SkipKind.Weighted))
        {
            // Between images a 1×1 convolution whose stride maps H_from onto H_to; otherwise a matrix on the flattened values.
            var (from, to) = (ShapeOf(skip.From), ShapeOf(skip.To));
            string module = from is not null && to is not null
                ? $"nn.Conv2d({from[0]}, {to[0]}, 1, stride={from[1] / to[1]}, bias=False)"
                : $"nn.Linear({Width(skip.From)}, {Width(skip.To)}, bias=False)";
            text.AppendLine($"        {Register(SkipModule(skip), module)}");
        }

        text.AppendLine();
        text.AppendLine("    def forward(self, x):");
        if (InputShape is { } shape)
        {
            text.AppendLine($"        x = x.reshape(-1, {string.Join(", ", shape)})");
        }

        foreach (var layer in Layers)
        {
            // z = the layer's module on h_prev + Σ skips: nn.Linear carries b, each weighted skip an nn.Linear without one
            // (or a 1×1 nn.Conv2d between images). A vector module reads an image flattened (NCHW); a vector added to
            // an image is viewed as one.
            var terms = InputsOf(layer.Name).Select(input =>
            {
                var from = ShapeOf(input.From);
                string h = locals[input.From];
                bool matrix = input.Skip == SkipKind.Weighted && !(from is not null && layer.Shape is not null);
                string read = from is not null && (layer.Kind == LayerKind.Dense && input.Skip is null || matrix) ? $"torch.flatten({h}, 1)" : h;
                string term = input.Skip switch
                {
                    null => $"{Module(layer.Name)}({read})",
                    SkipKind.Weighted => $"{Module(SkipModule(input.From, layer.Name))}({read})",
                    _ => read,
                };
                return matrix && layer.Shape is { } image ? $"{term}.view(-1, {string.Join(", ", image)})" : term;
            });

            string z = string.Join(" + ", terms);
            text.AppendLine($"        {locals[layer.Name]} = {Activate(layer, z)}");
            previous = layer.Name;
        }

        text.AppendLine(ShapeOf(previous) is null ? $"        return {locals[previous]}" : $"        return torch.flatten({locals[previous]}, 1)");
        text.AppendLine();
        text.AppendLine();
        if (LossFunction is { } loss)
        {
            text.AppendLine($"# The training loss, SkipNet's {loss.Name} of each output: the mean over all outputs.");
            text.AppendLine($"def loss_fn(yhat, y):");
            text.AppendLine($"    return {PythonName(loss)}(yhat, y).mean()");
            return text.ToString();
        }

        text.AppendLine($"# The training loss, as SkipNet's {Loss}: the mean over {(Loss == Loss.CrossEntropy ? "samples" : "all outputs")}.");
        text.AppendLine("loss_fn = " + LossInfo.Of(Loss).PyTorch(HuberDelta));
        return text.ToString();

        int Width(string layer) => layer == "x" ? InputSize : Layers.First(l => l.Name == layer).Width;
    }

    /// <summary>A double as Python reads it back exactly ("1e-05", "0.1").</summary>
    private static string Python(double value) => value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private static string SkipModule(SkipInfo skip) => SkipModule(skip.From, skip.To);

    private static string SkipModule(string from, string to) => from + "_to_" + to;

    private static bool IsAsciiIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static bool Safe(string name) => IsAsciiIdentifier(name) && !PythonReserved.Contains(name);

    private static string Register(string module, string value) =>
        Safe(module) ? $"self.{module} = {value}" : $"self.add_module(\"{module}\", {value})";

    private static string Module(string module) => Safe(module) ? $"self.{module}" : $"getattr(self, \"{module}\")";

    private static string Activate(LayerInfo layer, string z) =>
        layer.Function is { } function ? $"{PythonName(function)}({z})" : ActivationInfo.Of(layer.Activation).PyTorch(z, layer.Alpha);

    /// <summary>The network's [Differentiable] functions, once each by name: the layers', then the loss's.</summary>
    internal IReadOnlyList<DifferentiableFunction> Functions() =>
        Layers.Select(l => l.Function).Append(LossFunction).OfType<DifferentiableFunction>().GroupBy(f => f.Name, StringComparer.Ordinal).Select(g => g.First()).ToList();

    /// <summary>"fn_Mish": apart from the module's and Python's names.</summary>
    private static string PythonName(DifferentiableFunction function) => "fn_" + (IsAsciiIdentifier(function.Name) ? function.Name : "f" + (uint)StringComparer.Ordinal.GetHashCode(function.Name));

    /// <summary>The expression in torch operations on tensors; a constant that a torch function takes is made a double tensor.</summary>
    private static string Torch(FunctionExpression e, IReadOnlyDictionary<string, string> parameters, bool top = false)
    {
        string Operand(int i) => Torch(e.Operands[i], parameters);
        string Tensor(int i) => e.Operands[i].Operation == FunctionOperation.Constant ? $"torch.as_tensor({Constant(e.Operands[i].Value)}, dtype=torch.float64)" : Torch(e.Operands[i], parameters, top: true);
        string text = e.Operation switch
        {
            FunctionOperation.Constant => Constant(e.Value),
            FunctionOperation.Parameter => parameters[e.Name!],
            FunctionOperation.Negate => $"-{Operand(0)}",
            FunctionOperation.Add => $"{Operand(0)} + {Operand(1)}",
            FunctionOperation.Subtract => $"{Operand(0)} - {Operand(1)}",
            FunctionOperation.Multiply => $"{Operand(0)} * {Operand(1)}",
            FunctionOperation.Divide => $"{Operand(0)} / {Operand(1)}",
            FunctionOperation.Pow => $"torch.pow({Tensor(0)}, {Tensor(1)})",
            FunctionOperation.Max => $"torch.maximum({Tensor(0)}, {Tensor(1)})",
            FunctionOperation.Min => $"torch.minimum({Tensor(0)}, {Tensor(1)})",
            FunctionOperation.Condition => $"torch.where({Tensor(0)} {Comparison(e.Comparison)} {Tensor(1)}, {Tensor(2)}, {Tensor(3)})",
            _ => $"torch.{e.Operation.ToString().ToLowerInvariant()}({Tensor(0)})",
        };
        return top || e.Operation is FunctionOperation.Constant or FunctionOperation.Parameter || text.StartsWith("torch.", StringComparison.Ordinal) ? text : $"({text})";
    }

    private static string Constant(double value) =>
        double.IsNaN(value) ? "float('nan')" : double.IsInfinity(value) ? (value > 0 ? "float('inf')" : "float('-inf')") : value < 0 ? $"({Python(value)})" : Python(value);

    private static string Comparison(FunctionComparison comparison) => comparison switch
    {
        FunctionComparison.Less => "<",
        FunctionComparison.LessOrEqual => "<=",
        FunctionComparison.Greater => ">",
        FunctionComparison.GreaterOrEqual => ">=",
        FunctionComparison.Equal => "==",
        _ => "!=",
    };

    private string Describe()
    {
        static string Size(IReadOnlyList<int>? shape, int width) => shape is null ? width.ToString(CultureInfo.InvariantCulture) : string.Join("x", shape);
        var text = new StringBuilder($"x: {Size(InputShape, InputSize)}");
        foreach (var layer in Layers)
        {
            text.Append(layer.Kind switch
            {
                LayerKind.Dense => $" -> {layer.Name}: {layer.Width} {layer.Function?.Name ?? layer.Activation.ToString()}",
                LayerKind.Dropout => $" -> {layer.Name}: Dropout(p={Python(layer.P)})",
                _ => $" -> {layer.Name}: {layer.Kind} {Size(layer.Shape, layer.Width)} {layer.Function?.Name ?? layer.Activation.ToString()}",
            });
        }

        foreach (var skip in Skips)
        {
            text.Append($"; skip {skip.From} -> {skip.To} ({skip.Kind.ToString().ToLowerInvariant()})");
        }

        return text.Append($"; loss {LossFunction?.Name ?? Loss.ToString()}.").ToString().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
    }
}
