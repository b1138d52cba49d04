using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Runway.Models.Packs;

/// <summary>The outcome of validating a pack folder: the pack when model.json could be read, and every problem found.</summary>
public sealed record PackReport(string Directory, ModelPack? Pack, IReadOnlyList<string> Problems)
{
    public bool Ok => Pack is not null && Problems.Count == 0;
}

/// <summary>
/// Checks a pack beyond its manifest: every listed file exists and hashes to its sha256, and the declared inputs and
/// outputs match the ONNX graph's own (names, element types, ranks, fixed sizes), as ONNX Runtime reads them.
/// </summary>
public static class PackValidator
{
    /// <summary>Reads and fully checks the pack in <paramref name="directory"/>; never throws for a bad pack.</summary>
    public static PackReport Validate(string directory, CancellationToken ct = default)
    {
        directory = Path.GetFullPath(directory);
        ModelPack pack;
        try
        {
            pack = PackReader.Read(directory);
        }
        catch (PackException e)
        {
            return new PackReport(directory, null, e.Problems);
        }
        var problems = CheckFiles(pack, ct).ToList();
        if (problems.Count > 0) return new PackReport(directory, pack, problems);
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = new InferenceSession(pack.ModelPath, options);
            problems.AddRange(CheckGraph(pack, session));
        }
        catch (OnnxRuntimeException e)
        {
            problems.Add($"{pack.Model}: ONNX Runtime cannot load it: {e.Message}");
        }
        return new PackReport(directory, pack, problems);
    }

    /// <summary>Problems with the pack's files: missing, unreadable, or a sha256 that differs from model.json.</summary>
    public static IEnumerable<string> CheckFiles(ModelPack pack, CancellationToken ct = default)
    {
        foreach (var file in pack.Files)
        {
            ct.ThrowIfCancellationRequested();
            var path = Path.Combine(pack.Directory, file.Path);
            string? problem;
            try
            {
                using var stream = File.OpenRead(path);
                var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
                problem = actual == file.Sha256 ? null : $"{file.Path}: sha256 is {actual}, model.json says {file.Sha256} (file corrupt or replaced)";
            }
            catch (FileNotFoundException)
            {
                problem = $"{file.Path}: listed in model.json but missing";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem = $"{file.Path}: cannot read: {e.Message}";
            }
            if (problem is not null) yield return problem;
        }
    }

    /// <summary>Problems between the declared tensors and the session's real inputs and outputs.</summary>
    public static IEnumerable<string> CheckGraph(ModelPack pack, InferenceSession session)
    {
        foreach (var p in Compare("input", pack.Inputs, session.InputMetadata, requireAllDeclared: true)) yield return p;
        foreach (var p in Compare("output", pack.Outputs, session.OutputMetadata, requireAllDeclared: false)) yield return p;
    }

    private static IEnumerable<string> Compare(string kind, IReadOnlyList<TensorDeclaration> declared,
        IReadOnlyDictionary<string, NodeMetadata> actual, bool requireAllDeclared)
    {
        foreach (var d in declared)
        {
            if (!actual.TryGetValue(d.Name, out var meta))
            {
                yield return $"{kind} '{d.Name}': declared in model.json but the model has no such {kind} (it has: {string.Join(", ", actual.Keys)})";
                continue;
            }
            if (!meta.IsTensor)
            {
                yield return $"{kind} '{d.Name}': the model's {kind} is a {meta.OnnxValueType}, not a tensor";
                continue;
            }
            var element = ToOrt(d.ElementType);
            if (meta.ElementDataType != element)
                yield return $"{kind} '{d.Name}': element type is {Name(meta.ElementDataType)} in the model, model.json says {Name(element)}";
            var dims = meta.Dimensions;
            if (dims.Length != d.Shape.Count)
            {
                yield return $"{kind} '{d.Name}': the model's tensor has {dims.Length} axes [{Shape(meta)}], model.json declares {d.Shape.Count} [{string.Join(", ", d.Shape)}]";
                continue;
            }
            for (var i = 0; i < dims.Length; i++)
            {
                var declaredDim = d.Shape[i];
                // The model may leave an axis free that the pack fixes (the pack narrows it); the reverse cannot run.
                if (dims[i] > 0 && declaredDim.IsDynamic)
                    yield return $"{kind} '{d.Name}': axis {i} is fixed at {dims[i]} in the model, model.json declares it dynamic ('{declaredDim.Symbol}')";
                else if (dims[i] > 0 && dims[i] != declaredDim.Fixed)
                    yield return $"{kind} '{d.Name}': axis {i} is {dims[i]} in the model, model.json says {declaredDim.Fixed}";
            }
        }
        if (!requireAllDeclared) yield break;
        foreach (var name in actual.Keys.Where(n => declared.All(d => d.Name != n)))
            yield return $"{kind} '{name}': the model needs it but model.json does not declare it";
    }

    /// <summary>The ONNX Runtime element type for a declared one.</summary>
    public static TensorElementType ToOrt(TensorElement e) => e switch
    {
        TensorElement.Float32 => TensorElementType.Float,
        TensorElement.Float16 => TensorElementType.Float16,
        TensorElement.UInt8 => TensorElementType.UInt8,
        TensorElement.String => TensorElementType.String,
        _ => TensorElementType.Int64,
    };

    private static string Name(TensorElementType t) => t switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Int64 => "int64",
        TensorElementType.Double => "float64",
        TensorElementType.String => "string",
        TensorElementType.Int32 => "int32",
        _ => t.ToString().ToLowerInvariant(),
    };

    private static string Shape(NodeMetadata meta) => string.Join(", ", meta.Dimensions.Select((d, i) =>
        d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : meta.SymbolicDimensions.Length > i && meta.SymbolicDimensions[i].Length > 0 ? meta.SymbolicDimensions[i] : "?"));
}
