// What the shared sources need on netstandard2.1 and .NET 8 has built in: the attributes and
// records' IsExternalInit the C# compiler looks for by name, and the argument checks
// (ArgumentNullException.ThrowIfNull, ArgumentException.ThrowIfNullOrEmpty) Math.CopySign, char.IsAsciiLetter and IsAsciiLetterOrDigit as static extensions, and the
// tuple-returning Enumerable.Zip.
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }

    [AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
    internal sealed class CallerArgumentExpressionAttribute(string parameterName) : Attribute
    {
        public string ParameterName { get; } = parameterName;
    }
}

namespace SkipNet
{
    using System;

    internal static class ArgumentChecks
    {
        extension(ArgumentNullException)
        {
            public static void ThrowIfNull([NotNull] object? argument, [CallerArgumentExpression(nameof(argument))] string? paramName = null)
            {
                if (argument is null)
                {
                    throw new ArgumentNullException(paramName);
                }
            }
        }

        extension(Math)
        {
            public static double CopySign(double x, double y) => BitConverter.Int64BitsToDouble(
                (BitConverter.DoubleToInt64Bits(x) & long.MaxValue) | (BitConverter.DoubleToInt64Bits(y) & long.MinValue));
        }

        extension(char)
        {
            public static bool IsAsciiLetter(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';

            public static bool IsAsciiLetterOrDigit(char c) => char.IsAsciiLetter(c) || (uint)(c - '0') <= 9;
        }

        public static System.Collections.Generic.IEnumerable<(TFirst First, TSecond Second)> Zip<TFirst, TSecond>(
            this System.Collections.Generic.IEnumerable<TFirst> first, System.Collections.Generic.IEnumerable<TSecond> second) =>
            System.Linq.Enumerable.Zip(first, second, (a, b) => (a, b));

        extension(ArgumentException)
        {
            public static void ThrowIfNullOrEmpty([NotNull] string? argument, [CallerArgumentExpression(nameof(argument))] string? paramName = null)
            {
                if (argument is null)
                {
                    throw new ArgumentNullException(paramName);
                }

                if (argument.Length == 0)
                {
                    throw new ArgumentException("The value cannot be an empty string.", paramName);
                }
            }
        }
    }
}
