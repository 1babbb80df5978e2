// The members only generated code calls live in SkipNet.CompilerServices, out of the user's way;
// the rest of the runtime uses them as its own.
global using SkipNet.CompilerServices;
