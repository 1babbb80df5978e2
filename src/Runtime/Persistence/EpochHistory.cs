using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace SkipNet;

/// <summary>A trainer's epoch reports as JSON text (numbers as round-trip strings, so NaN survives).</summary>
internal static class History
{
    public static string Format(IReadOnlyList<EpochReport> reports)
    {
        var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var r in reports)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(r.Epoch.ToString(CultureInfo.InvariantCulture));
                writer.WriteStringValue(Text.Of(r.TrainingLoss));
                writer.WriteStringValue(r.TrainingAccuracy is { } a ? Text.Of(a) : "");
                writer.WriteStringValue(r.ValidationLoss is { } l ? Text.Of(l) : "");
                writer.WriteStringValue(r.ValidationAccuracy is { } v ? Text.Of(v) : "");
                writer.WriteStringValue(Text.Of(r.LearningRate));
                writer.WriteStringValue(r.TrainingTime.Ticks.ToString(CultureInfo.InvariantCulture));
                writer.WriteStringValue(r.Elapsed.Ticks.ToString(CultureInfo.InvariantCulture));
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <exception cref="InvalidDataException">The text is missing or not a history.</exception>
    public static List<EpochReport> Parse(string? json)
    {
        const string Damaged = "The checkpoint's 'trainer.history' is missing or damaged.";
        var reports = new List<EpochReport>();
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json ?? throw new InvalidDataException(Damaged));
            foreach (var row in document.RootElement.EnumerateArray())
            {
                var f = row.EnumerateArray().Select(e => e.GetString() ?? throw new InvalidDataException(Damaged)).ToArray();
                if (f.Length != 8)
                {
                    throw new InvalidDataException(Damaged);
                }

                double? Optional(string s) => s.Length == 0 ? null : double.Parse(s, CultureInfo.InvariantCulture);
                reports.Add(new EpochReport(
                    int.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture), Optional(f[2]), Optional(f[3]), Optional(f[4]),
                    double.Parse(f[5], CultureInfo.InvariantCulture), TimeSpan.FromTicks(long.Parse(f[6], CultureInfo.InvariantCulture)), TimeSpan.FromTicks(long.Parse(f[7], CultureInfo.InvariantCulture))));
                if (reports[^1].Epoch != reports.Count)
                {
                    throw new InvalidDataException(Damaged);
                }
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidDataException(Damaged, e);
        }

        return reports;
    }
}
