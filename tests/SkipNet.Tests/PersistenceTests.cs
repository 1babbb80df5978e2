using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace SkipNet.Tests;

/// <summary>Weights as safetensors: round trips, the format on disk, PyTorch's names, refusals that change nothing, and a fuzz test.</summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("skipnet-persistence-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string File(string name) => Path.Combine(_directory, name);

    public static TheoryData<string> Networks => new(Catalog.Keys);

    // Every shape of test network: double and float, unrolled and looped, every skip kind and loss.
    private static readonly Dictionary<string, Func<int, object>> Catalog = new()
    {
        ["SeedNet"] = s => new SeedNet(s),
        ["SeedNetSingle"] = s => new SeedNetSingle(s),
        ["MixedUnrolled"] = s => new MixedUnrolled(s),
        ["MixedLooped"] = s => new MixedLooped(s),
        ["WideNet"] = s => new WideNet(s),
        ["WideNetSingle"] = s => new WideNetSingle(s),
        ["ClassifierSingle"] = s => new ClassifierSingle(s),
        ["BinaryNet"] = s => new BinaryNet(s),
        ["HuberNet"] = s => new HuberNet(s),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void SavedWeightsLoadBitForBitInBothNamings(string network)
    {
        switch (Catalog[network](1))
        {
            case IResidualNetwork<double> d:
                RoundTrip(d, () => (IResidualNetwork<double>)Catalog[network](2));
                break;
            case IResidualNetwork<float> f:
                RoundTrip(f, () => (IResidualNetwork<float>)Catalog[network](2));
                break;
        }
    }

    private void RoundTrip<T>(IResidualNetwork<T> saved, Func<IResidualNetwork<T>> fresh)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var x = Enumerable.Range(0, 5 * saved.InputSize).Select(i => T.CreateTruncating(Math.Sin(i + 0.5) * 2)).ToArray();
        var expected = new T[5 * saved.OutputSize];
        saved.Forward(x, expected);
        foreach (var names in Enum.GetValues<WeightNames>())
        {
            var loaded = fresh();
            loaded.Parameters.ToArray().ShouldNotBe(saved.Parameters.ToArray());
            string path = File($"{names}.safetensors");
            saved.SaveWeights(path, names);
            loaded.LoadWeights(path);
            loaded.Parameters.ToArray().ShouldBe(saved.Parameters.ToArray(), $"{names}");
            var output = new T[expected.Length];
            loaded.Forward(x, output);
            output.ShouldBe(expected);

            var memory = new MemoryStream();
            saved.SaveWeights(memory, names);
            var other = fresh();
            other.LoadWeights(new MemoryStream(memory.ToArray()));
            other.Parameters.ToArray().ShouldBe(saved.Parameters.ToArray());
            memory.ToArray().ShouldBe(System.IO.File.ReadAllBytes(path), "the stream and the file hold the same bytes");
        }
    }

    [Fact]
    public void TheFileIsSafetensorsWithTheDeclaredNamesShapesAndMetadata()
    {
        var net = new MixedUnrolled(3);
        var memory = new MemoryStream();
        net.SaveWeights(memory);
        byte[] bytes = memory.ToArray();
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        (length % 8).ShouldBe(0UL);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)length));
        var root = header.RootElement;
        var dataStart = 8 + (int)length;
        foreach (var block in MixedUnrolled.Blocks)
        {
            var tensor = root.GetProperty(block.Name);
            tensor.GetProperty("dtype").GetString().ShouldBe("F64");
            var shape = tensor.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            shape.ShouldBe(block.Name.EndsWith(".b") ? [block.Rows] : [block.Rows, block.Cols]);
            var offsets = tensor.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var values = Enumerable.Range(0, block.Length).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(dataStart + offsets[0] + 8 * i))).ToArray();
            values.ShouldBe(block.Of<double>(net.Parameters).ToArray());
        }

        root.EnumerateObject().Count().ShouldBe(MixedUnrolled.Blocks.Count + 1);
        root.TryGetProperty("a->o.S", out _).ShouldBeTrue();
        var metadata = root.GetProperty("__metadata__");
        string architecture = metadata.GetProperty("skipnet.architecture").GetString()!;
        architecture.ShouldContain("\"name\":\"b\",\"width\":4,\"activation\":\"LeakyReLU\",\"alpha\":0.1");
        architecture.ShouldContain("{\"from\":\"a\",\"to\":\"o\",\"kind\":\"Weighted\"}");
        architecture.ShouldContain("\"precision\":\"double\"");
        metadata.GetProperty("skipnet.architecture_sha256").GetString()
            .ShouldBe(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(architecture))).ToLowerInvariant());
    }

    [Fact]
    public void PyTorchNamesAreTheModulesStateDictNames()
    {
        var net = new SeedNet(1);
        var memory = new MemoryStream();
        net.SaveWeights(memory, WeightNames.PyTorch);
        Names(memory.ToArray()).ShouldBe(["h0.weight", "h0.bias", "h1.weight", "h1.bias", "y.weight", "y.bias", "h0_to_y.weight"], ignoreOrder: true);
    }

    [Fact]
    public void AFileWithoutSkipNetMetadataLoadsByNamesAndShapes()
    {
        // As safetensors.torch.save_file writes it: PyTorch's names, no __metadata__, tensors in another order.
        var source = new MixedLooped(5);
        var tensors = new (string Name, long[] Shape, double[] Values)[]
        {
            ("a_to_o.weight", [2, 4], MixedLooped.Architecture.Block("a->o.S").Of<double>(source.Parameters).ToArray()),
            ("o.bias", [2], MixedLooped.Architecture.Block("o.b").Of<double>(source.Parameters).ToArray()),
            ("o.weight", [2, 3], MixedLooped.Architecture.Block("o.W").Of<double>(source.Parameters).ToArray()),
            ("a.weight", [4, 3], MixedLooped.Architecture.Block("a.W").Of<double>(source.Parameters).ToArray()),
            ("a.bias", [4], MixedLooped.Architecture.Block("a.b").Of<double>(source.Parameters).ToArray()),
            ("b.weight", [4, 4], MixedLooped.Architecture.Block("b.W").Of<double>(source.Parameters).ToArray()),
            ("b.bias", [4], MixedLooped.Architecture.Block("b.b").Of<double>(source.Parameters).ToArray()),
            ("c.weight", [3, 4], MixedLooped.Architecture.Block("c.W").Of<double>(source.Parameters).ToArray()),
            ("c.bias", [3], MixedLooped.Architecture.Block("c.b").Of<double>(source.Parameters).ToArray()),
        };
        var net = new MixedLooped(6);
        net.LoadWeights(new MemoryStream(Write(tensors.Select(t => (t.Name, "F64", t.Shape, Bytes(t.Values))).ToArray())));
        net.Parameters.ToArray().ShouldBe(source.Parameters.ToArray());
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "empty", "shorter than the 8-byte header length" },
        { "truncated data", "truncated: tensor 'h0->y.S'" },
        { "header past the end", "past the end of the file" },
        { "malformed JSON", "not valid JSON" },
        { "missing tensor", "no tensor 'h1.b' (expected F64 [1])" },
        { "extra tensor", "a tensor 'h2.W' (F64 [1, 1]) that this network does not have" },
        { "wrong shape", "Tensor 'h0.W' has shape [1]; expected F64 [1, 1]" },
        { "wrong dtype", "Tensor 'h0.W' is F32; this network is double" },
        { "another architecture", "another architecture" },
        { "not finite", "Tensor 'y.b' holds NaN at index 0" },
        { "overlap", "Tensor 'h0.b' starts at data byte 0" },
        { "bad offsets", "needs 1·8 bytes; its data_offsets [0, 4] hold 4" },
        { "unknown dtype", "unknown dtype 'F128'" },
        { "duplicate name", "names 'h0.W' twice" },
        { "promises a gigabyte", "tensor 'h0.W' needs data bytes up to 1073741824, and the data ends at byte 8" },
        { "promises a terabyte", "SkipNet reads files of up to" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void ADamagedFileIsRefusedByNameAndChangesNothing(string damage, string message)
    {
        var net = new SeedNet(1);
        var good = Save(new SeedNet(2));
        var one = Bytes([1.0]);
        byte[] file = damage switch
        {
            "empty" => [],
            "truncated data" => good[..^4],
            "header past the end" => WithLength(good, (ulong)good.Length),
            "malformed JSON" => Encoding.UTF8.GetBytes("\u0010\0\0\0\0\0\0\0{\"h0.W\": [1, 2").Concat(new byte[8]).ToArray(),
            "missing tensor" => Write(SeedTensors().Where(t => t.Name != "h1.b").ToArray()),
            "extra tensor" => Write([.. SeedTensors(), ("h2.W", "F64", [1, 1], one)]),
            "wrong shape" => Write(SeedTensors().Select(t => t.Name == "h0.W" ? (t.Name, t.DType, new long[] { 1 }, t.Bytes) : t).ToArray()),
            "wrong dtype" => Write(SeedTensors().Select(t => t.Name == "h0.W" ? (t.Name, "F32", t.Shape, new byte[4]) : t).ToArray()),
            "another architecture" => Save(new MixedUnrolled(1)),
            "not finite" => Write(SeedTensors().Select(t => t.Name == "y.b" ? (t.Name, t.DType, t.Shape, Bytes([double.NaN])) : t).ToArray()),
            "overlap" => Raw("{\"h0.W\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]},\"h0.b\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8),
            "bad offsets" => Raw("{\"h0.W\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,4]}}", 4),
            "unknown dtype" => Raw("{\"h0.W\":{\"dtype\":\"F128\",\"shape\":[1,1],\"data_offsets\":[0,16]}}", 16),
            "promises a gigabyte" => Raw("{\"h0.W\":{\"dtype\":\"F64\",\"shape\":[134217728],\"data_offsets\":[0,1073741824]}}", 8),
            "promises a terabyte" => Raw("{\"h0.W\":{\"dtype\":\"F64\",\"shape\":[131072,1048576],\"data_offsets\":[0,1099511627776]}}", 8),
            "duplicate name" => Raw("{\"h0.W\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]},\"h0.W\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[8,16]}}", 16),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        var before = net.Parameters.ToArray();
        var error = Should.Throw<InvalidDataException>(() => net.LoadWeights(new MemoryStream(file)));
        error.Message.ShouldContain(message);
        net.Parameters.ToArray().ShouldBe(before);

        // The same through a path, and through a stream that cannot seek (read to its end).
        System.IO.File.WriteAllBytes(File("damaged.safetensors"), file);
        Should.Throw<InvalidDataException>(() => net.LoadWeights(File("damaged.safetensors")));
        Should.Throw<InvalidDataException>(() => net.LoadWeights(new ForwardOnlyStream(file)));
        net.Parameters.ToArray().ShouldBe(before);
    }

    [Fact]
    public void ArgumentsAreCheckedByName()
    {
        var net = new SeedNet(1);
        Should.Throw<ArgumentNullException>(() => net.LoadWeights((Stream)null!)).ParamName.ShouldBe("stream");
        Should.Throw<ArgumentException>(() => net.SaveWeights("")).ParamName.ShouldBe("path");
        Should.Throw<ArgumentOutOfRangeException>(() => net.SaveWeights(new MemoryStream(), (WeightNames)7)).ParamName.ShouldBe("names");
        Should.Throw<FileNotFoundException>(() => net.LoadWeights(File("missing.safetensors")));
    }

    [Fact]
    public void FuzzedFilesFailOnlyWithInvalidDataAndChangeNothingWhenRefused()
    {
        var random = new Random(12345);
        var good = Save(new MixedUnrolled(2));
        var net = new MixedUnrolled(1);
        int refused = 0, loaded = 0;

        void Try(byte[] bytes)
        {
            var before = net.Parameters.ToArray();
            try
            {
                net.LoadWeights(new MemoryStream(bytes));
                loaded++;
                before.AsSpan().CopyTo(net.Parameters);
            }
            catch (InvalidDataException)
            {
                refused++;
                net.Parameters.ToArray().ShouldBe(before);
            }
        }

        for (int n = 0; n < good.Length; n++)
        {
            Try(good[..n]);
        }

        for (int i = 0; i < 3000; i++)
        {
            var flipped = (byte[])good.Clone();
            int flips = 1 + random.Next(3);
            for (int f = 0; f < flips; f++)
            {
                int at = random.Next(flipped.Length);
                flipped[at] ^= (byte)(1 << random.Next(8));
            }

            Try(flipped);
        }

        for (int i = 0; i < 500; i++)
        {
            var noise = new byte[random.Next(0, 200)];
            random.NextBytes(noise);
            if (noise.Length >= 8 && random.Next(2) == 0)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(noise, (ulong)random.Next(0, noise.Length));
            }

            Try(noise);
        }

        refused.ShouldBeGreaterThan(good.Length);
        loaded.ShouldBeGreaterThan(0, "flips in the data give other finite weights, which load");
    }

    [Fact]
    public void AFailedSaveLeavesTheOldFileAndNoTemporaryFile()
    {
        string path = File("weights.safetensors");
        new SeedNet(1).SaveWeights(path);
        var before = System.IO.File.ReadAllBytes(path);
        Should.Throw<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[100]);
            throw new IOException("the disk is full");
        }));
        System.IO.File.ReadAllBytes(path).ShouldBe(before);
        Directory.GetFiles(_directory).ShouldBe([path]);

        new SeedNet(2).SaveWeights(path);
        Directory.GetFiles(_directory).ShouldBe([path]);
        System.IO.File.ReadAllBytes(path).ShouldNotBe(before);
    }

    [Fact]
    public void SavingIntoAMissingFolderNamesTheUsersPath()
    {
        string path = Path.Combine(_directory, "missing", "w.safetensors");
        var error = Should.Throw<DirectoryNotFoundException>(() => new SeedNet(1).SaveWeights(path));
        error.Message.ShouldContain($"Could not write '{path}'");
        error.Message.ShouldNotContain(".tmp");
    }

    [Fact]
    public void SavingThroughASymbolicLinkWritesItsTargetAndKeepsTheLink()
    {
        Directory.CreateDirectory(File("models"));
        string target = File("models/w.safetensors"), link = File("current.safetensors");
        new SeedNet(1).SaveWeights(target);
        System.IO.File.CreateSymbolicLink(link, "models/w.safetensors");

        new SeedNet(2).SaveWeights(link);
        new FileInfo(link).LinkTarget.ShouldBe("models/w.safetensors");
        var loaded = new SeedNet(3);
        loaded.LoadWeights(target);
        loaded.Parameters.ToArray().ShouldBe(new SeedNet(2).Parameters.ToArray());
        Directory.GetFiles(File("models")).ShouldBe([target]);
    }

    [Fact]
    public void InputsOfListsEachLayersTermsInTheOrderTheyAreAdded()
    {
        var architecture = MixedLooped.Architecture;
        architecture.InputsOf("a").ShouldBe([new LayerInput("x", "a.W", null)]);
        architecture.InputsOf("c").ShouldBe([new LayerInput("b", "c.W", null), new LayerInput("x", null, SkipKind.Identity)]);
        architecture.InputsOf("o").ShouldBe([new LayerInput("c", "o.W", null), new LayerInput("a", "a->o.S", SkipKind.Weighted)]);
        architecture.Layers.SelectMany(l => architecture.InputsOf(l.Name)).Count(i => i.Skip is not null).ShouldBe(architecture.Skips.Count);
        Should.Throw<ArgumentException>(() => architecture.InputsOf("nope")).Message.ShouldContain("no layer 'nope'");
    }

    [Fact]
    public void ThePyTorchModuleIsApproved() =>
        SeedNet.Architecture.ToPyTorch("SeedNet").ShouldMatchApproved(c => c.SubFolder("Approved").NoDiff().WithFileExtension("py"));

    [Fact]
    public void PythonKeywordsAreRegisteredWithAddModule() =>
        PythonKeywordNet.Architecture.ToPyTorch("KeywordNet").ShouldMatchApproved(c => c.SubFolder("Approved").NoDiff().WithFileExtension("py"));

    [Fact]
    public void ANameNnModuleReservesIsRefused()
    {
        var architecture = SeedNet.Architecture with { Layers = [new LayerInfo("forward", 1, Activation.ReLU), .. SeedNet.Architecture.Layers.Skip(1)], Skips = [] };
        Should.Throw<NotSupportedException>(() => architecture.ToPyTorch()).Message.ShouldContain("'forward'");
        Should.Throw<ArgumentException>(() => SeedNet.Architecture.ToPyTorch("class")).ParamName.ShouldBe("className");
    }

    private static byte[] Save<T>(IResidualNetwork<T> net) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var memory = new MemoryStream();
        net.SaveWeights(memory);
        return memory.ToArray();
    }

    private static (string Name, string DType, long[] Shape, byte[] Bytes)[] SeedTensors()
    {
        var net = new SeedNet(2);
        return SeedNet.Blocks.Select(b => (b.Name, "F64", b.Name.EndsWith(".b") ? new long[] { b.Rows } : [b.Rows, b.Cols], Bytes(b.Of<double>(net.Parameters).ToArray()))).ToArray();
    }

    private static byte[] Bytes(double[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    private static byte[] WithLength(byte[] file, ulong length)
    {
        var copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
        return copy;
    }

    private static byte[] Raw(string json, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var file = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        return file;
    }

    /// <summary>A safetensors file with no metadata, written here independently of SkipNet's writer.</summary>
    internal static byte[] Write((string Name, string DType, long[] Shape, byte[] Bytes)[] tensors)
    {
        var json = new StringBuilder("{");
        long offset = 0;
        foreach (var t in tensors)
        {
            json.Append($"\"{t.Name}\":{{\"dtype\":\"{t.DType}\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{offset},{offset + t.Bytes.Length}]}},");
            offset += t.Bytes.Length;
        }

        json.Length--;
        json.Append('}');
        var file = Raw(json.ToString(), 0).Concat(tensors.SelectMany(t => t.Bytes)).ToArray();
        return file;
    }

    internal static string[] Names(byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        using var header = JsonDocument.Parse(file.AsMemory(8, length));
        return header.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "__metadata__").ToArray();
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 3));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
