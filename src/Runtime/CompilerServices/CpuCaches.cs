using System;
using System.Globalization;
using System.IO;
using System.Runtime.Intrinsics.X86;

namespace SkipNet.CompilerServices;

/// <summary>
/// The data caches of one core, as the CPU or the OS reports them: the sizes the products' block
/// sizes (<see cref="Blocking"/>) are derived from.
/// </summary>
/// <param name="L1Data">The level-1 data cache of one core, in bytes.</param>
/// <param name="L2">The level-2 cache of one core (or, where several cores share it, of the group), in bytes.</param>
/// <param name="Source">Where the sizes came from: "cpuid leaf 4", "cpuid 0x80000005/6", "sysfs" or "default".</param>
internal readonly record struct CpuCaches(int L1Data, int L2, string Source)
{
    /// <summary>What is assumed where nothing reports the caches: the smallest of the CPUs this project meets.</summary>
    public static CpuCaches Default { get; } = new(32 * 1024, 512 * 1024, "default");

    /// <summary>This machine's caches, read once.</summary>
    public static CpuCaches Current { get; } = Read();

    /// <summary>
    /// x86: CPUID's deterministic cache parameters (leaf 4, Intel and others), else AMD's extended
    /// leaves (0x80000005 for the L1, 0x80000006 for the L2); elsewhere (ARM64) Linux's sysfs; a size
    /// nothing reports keeps <see cref="Default"/>'s.
    /// </summary>
    private static CpuCaches Read()
    {
        try
        {
            if (X86Base.IsSupported && (FromLeaf4() ?? FromAmdLeaves()) is { } x86)
            {
                return x86;
            }

            return FromSysfs() ?? Default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return Default;
        }
    }

    private static CpuCaches? FromLeaf4()
    {
        if (X86Base.CpuId(0, 0).Eax < 4)
        {
            return null;
        }

        int l1 = 0, l2 = 0;
        for (int index = 0; index < 16; index++)
        {
            var (eax, ebx, ecx, _) = X86Base.CpuId(4, index);
            int type = eax & 0x1f; // 1 data, 2 instruction, 3 unified; 0: no more caches
            if (type == 0)
            {
                break;
            }

            int level = (eax >> 5) & 7;
            long size = (long)(((ebx >> 22) & 0x3ff) + 1) * (((ebx >> 12) & 0x3ff) + 1) * ((ebx & 0xfff) + 1) * ((long)(uint)ecx + 1);
            if (level == 1 && type == 1)
            {
                l1 = (int)Math.Min(size, int.MaxValue);
            }
            else if (level == 2 && type is 1 or 3)
            {
                l2 = (int)Math.Min(size, int.MaxValue);
            }
        }

        return l1 > 0 && l2 > 0 ? new CpuCaches(l1, l2, "cpuid leaf 4") : null;
    }

    private static CpuCaches? FromAmdLeaves()
    {
        if ((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax < 0x80000006)
        {
            return null;
        }

        int l1 = (int)((uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24) * 1024;
        int l2 = (int)((uint)X86Base.CpuId(unchecked((int)0x80000006), 0).Ecx >> 16) * 1024;
        return l1 > 0 && l2 > 0 ? new CpuCaches(l1, l2, "cpuid 0x80000005/6") : null;
    }

    private static CpuCaches? FromSysfs()
    {
        const string root = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(root))
        {
            return null;
        }

        int l1 = 0, l2 = 0;
        foreach (var dir in Directory.EnumerateDirectories(root, "index*"))
        {
            string Read(string name) => File.ReadAllText(Path.Combine(dir, name)).Trim();
            if (!File.Exists(Path.Combine(dir, "size")))
            {
                continue;
            }

            string level = Read("level"), type = Read("type");
            int size = ParseSize(Read("size"));
            if (level == "1" && type == "Data")
            {
                l1 = size;
            }
            else if (level == "2" && type is "Unified" or "Data")
            {
                l2 = size;
            }
        }

        return l1 > 0 && l2 > 0 ? new CpuCaches(l1, l2, "sysfs") : null;
    }

    /// <summary>"48K", "1024K", "2M" (sysfs's form) in bytes.</summary>
    internal static int ParseSize(string text)
    {
        int scale = text.EndsWith("K", StringComparison.Ordinal) ? 1024 : text.EndsWith("M", StringComparison.Ordinal) ? 1024 * 1024 : 1;
        string digits = scale == 1 ? text : text.Substring(0, text.Length - 1);
        return checked(int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) * scale);
    }
}
