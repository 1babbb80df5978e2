using System;
using System.ComponentModel;
using System.IO;

namespace SkipNet.CompilerServices;

/// <summary>
/// How SkipNet's packages save files (weights, checkpoints, ONNX models): to a temporary file beside
/// the target, renamed over it at the end, so that a crash never leaves half a file.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AtomicFile
{
    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/>, then renames it over the path, so a
    /// crash never leaves half a file. A symbolic link is written through: its final target is
    /// replaced and the link stays.
    /// </summary>
    /// <param name="path">The file to write; a relative path is taken from the current directory.</param>
    /// <param name="write">Writes the contents to the stream it is given.</param>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> (or of its link's target) does not exist; the message names the user's path.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (new FileInfo(full) is { LinkTarget: not null } link && link.ResolveLinkTarget(returnFinalTarget: true) is { } target)
        {
            full = target.FullName;
        }

        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Could not write '{path}': the folder '{folder}' does not exist.");
        }

        string temporary = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
