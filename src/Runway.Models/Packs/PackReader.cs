using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Runway.Models.Packs;

/// <summary>A pack that cannot be used, with every problem found (each names the file and the JSON path).</summary>
public sealed class PackException(string packDirectory, IReadOnlyList<string> problems)
    : Exception($"model pack {packDirectory} is not usable: {string.Join("; ", problems)}")
{
    public string PackDirectory { get; } = packDirectory;

    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Reads <c>model.json</c> into a <see cref="ModelPack"/>, checking it against the pack format (the rules of
/// <c>model-pack.schema.json</c> plus the cross-field ones a schema cannot say, e.g. that a recurrent link names a
/// declared output). Collects every problem instead of stopping at the first, so one run of
/// <c>runway models validate</c> tells the pack author everything.
/// </summary>
public static partial class PackReader
{
    private static readonly string[] Layouts = ["NCHW", "NHWC"];
    private static readonly string[] Elements = ["float32", "float16", "uint8", "int64", "string"];
    private static readonly string[] Roles = ["image", "mask", "state", "reference", "alpha", "seed", "prompt", "points", "box", "labels", "history", "step"];
    private static readonly string[] Kinds = ["linear", "srgb", "normalised"];
    private static readonly string[] Blends = ["feather", "cut"];
    private static readonly string[] Activations = ["none", "sigmoid", "step"];
    private static readonly string[] Contracts = [.. ModelContracts.All];

    /// <summary>Reads the pack in <paramref name="directory"/>; throws <see cref="PackException"/> listing every problem.</summary>
    public static ModelPack Read(string directory)
    {
        directory = Path.GetFullPath(directory);
        var manifest = Path.Combine(directory, ModelPack.ManifestName);
        string text;
        try
        {
            text = File.ReadAllText(manifest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PackException(directory, [$"cannot read {ModelPack.ManifestName}: {e.Message}"]);
        }
        return Parse(text, directory);
    }

    /// <summary>Parses model.json text for a pack whose folder is <paramref name="directory"/>.</summary>
    public static ModelPack Parse(string json, string directory)
    {
        var problems = new List<string>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new PackException(directory, [$"{ModelPack.ManifestName} is not valid JSON: {e.Message}"]);
        }
        using (doc)
        {
            var pack = new Reader(problems).Pack(doc.RootElement, directory);
            if (problems.Count > 0 || pack is null) throw new PackException(directory, problems);
            return pack;
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SymbolPattern();

    /// <summary>One parse: problems accumulate, lookups return null (or a default) after recording what was wrong.</summary>
    private sealed class Reader(List<string> problems)
    {
        private static readonly HashSet<string> TopLevel =
        [
            "$schema", "id", "effect", "version", "description", "licence", "files", "model", "inputs", "outputs", "tiling",
            "recurrent", "priority", "contract", "memoryMb", "maxBatch",
        ];

        private static readonly HashSet<string> TensorKeys =
            ["name", "role", "elementType", "layout", "shape", "multipleOf", "range", "encoding", "clip", "stride", "activation"];

        public ModelPack? Pack(JsonElement root, string directory)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Problem("", "must be a JSON object");
                return null;
            }
            Unknown(root, "", TopLevel);
            var id = String(root, "id", "", required: true);
            if (id is not null && !IdPattern().IsMatch(id))
                Problem("id", $"'{id}' must be 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit");
            var effect = String(root, "effect", "", required: true);
            if (effect is not null && !effect.StartsWith("com.", StringComparison.Ordinal))
                Problem("effect", $"'{effect}' must be an effect id such as com.runwayml.inpaint");
            var version = String(root, "version", "", required: true);
            var description = String(root, "description", "", required: false);
            var licence = Licence(root);
            var files = Files(root, directory);
            var model = String(root, "model", "", required: false);
            if (model is null && files is not null)
            {
                var onnx = files.Where(f => f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)).ToArray();
                if (onnx.Length == 1) model = onnx[0].Path;
                else Problem("model", onnx.Length == 0 ? "no .onnx file is listed in files" : "several .onnx files are listed; name the one to run in 'model'");
            }
            else if (model is not null && files is not null && files.All(f => f.Path != model))
            {
                Problem("model", $"'{model}' is not listed in files");
            }
            var inputs = Tensors(root, "inputs");
            var outputs = Tensors(root, "outputs");
            var tiling = Tiling(root);
            var recurrent = Recurrent(root, inputs, outputs);
            var priority = Int(root, "priority", "", 0, -1000, 1000);
            var contract = String(root, "contract", "", required: false);
            if (contract is not null && !Contracts.Contains(contract)) Problem("contract", $"'{contract}' is not one of {string.Join(", ", Contracts)}");
            int? memory = root.TryGetProperty("memoryMb", out _) ? Int(root, "memoryMb", "", 0, 1, 1 << 20) : null;
            var maxBatch = Int(root, "maxBatch", "", 1, 1, 64);

            if (inputs is not null && outputs is not null)
            {
                CrossCheck(inputs, outputs, tiling, contract);
                if (recurrent.Count > 0 && tiling is not null)
                    Problem("tiling", "a recurrent pack cannot be tiled: its state describes the whole frame");
                if (maxBatch > 1) BatchCheck(inputs, outputs, recurrent);
            }
            if (contract is not null && Contracts.Contains(contract) && effect is not null && effect != ModelContracts.EffectFor(contract))
                Problem("effect", $"the '{contract}' contract serves {ModelContracts.EffectFor(contract)}, not '{effect}'");
            if (problems.Count > 0) return null;
            return new ModelPack(id!, effect!, version!, description, licence!, files!, model!, inputs!, outputs!, tiling, recurrent,
                priority, contract, memory, directory) { MaxBatch = maxBatch };
        }

        /// <summary>
        /// A batched pack stacks runs along axis 0, so every tensor must be a picture whose axis 0 is dynamic; recurrent
        /// state and the non-picture inputs (seed, prompt, prompts) belong to one caller and are not batched.
        /// </summary>
        private void BatchCheck(List<TensorDeclaration> inputs, List<TensorDeclaration> outputs, List<RecurrentLink> recurrent)
        {
            if (recurrent.Count > 0) Problem("maxBatch", "a recurrent pack cannot batch: its state belongs to one effect instance");
            foreach (var t in inputs.Concat(outputs))
            {
                if (!TensorRoles.IsSpatial(t.Role))
                    Problem("maxBatch", $"tensor '{t.Name}' ({RoleName(t.Role)}) is not a picture, so runs cannot be stacked; remove maxBatch");
                else if (t.Shape.Count > 0 && !t.Shape[0].IsDynamic)
                    Problem("maxBatch", $"tensor '{t.Name}' has a fixed batch axis ({t.Shape[0]}); a batched pack declares axis 0 dynamic, e.g. \"N\"");
            }
        }

        private void CrossCheck(List<TensorDeclaration> inputs, List<TensorDeclaration> outputs, TilingDeclaration? tiling, string? contract)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in inputs.Concat(outputs))
            {
                if (!names.Add(t.Name)) Problem("inputs/outputs", $"tensor name '{t.Name}' is declared twice");
            }
            if (!inputs.Any(t => t.Role == TensorRole.Image)) Problem("inputs", "no input has role 'image'");
            if (!outputs.Any(t => t.Role is TensorRole.Image or TensorRole.Alpha)) Problem("outputs", "no output has role 'image' or 'alpha'");
            foreach (var t in inputs.Where(t => t.Role == TensorRole.Alpha))
                Problem("inputs", $"'{t.Name}' has role 'alpha', which only outputs have");
            foreach (var t in outputs.Where(t => t.Role is not (TensorRole.Image or TensorRole.Alpha or TensorRole.State)))
                Problem("outputs", $"'{t.Name}' has role '{RoleName(t.Role)}'; outputs are 'image', 'alpha' or 'state'");
            foreach (var role in new[] { TensorRole.Image, TensorRole.Alpha })
            {
                if (outputs.Count(t => t.Role == role) > 1) Problem("outputs", $"more than one output has role '{RoleName(role)}'");
            }
            foreach (var role in new[] { TensorRole.Image, TensorRole.Mask, TensorRole.Reference, TensorRole.Seed, TensorRole.Prompt, TensorRole.Points, TensorRole.Box, TensorRole.Labels })
            {
                if (inputs.Count(t => t.Role == role) > 1) Problem("inputs", $"more than one input has role '{RoleName(role)}'");
            }
            if (inputs.FirstOrDefault(t => t.Role == TensorRole.Labels) is { } labels)
            {
                // One label per point: the N axes must be the same symbol or the same fixed size.
                var points = inputs.FirstOrDefault(t => t.Role == TensorRole.Points);
                if (points is null) Problem("inputs", $"'{labels.Name}' has role 'labels' but no input has role 'points'");
                else if (points.Shape.Count == 3 && labels.Shape.Count == 2 && points.Shape[1] != labels.Shape[1])
                    Problem("inputs", $"'{labels.Name}' has {labels.Shape[1]} labels but '{points.Name}' has {points.Shape[1]} points; declare the same N");
            }
            var spatial = inputs.Concat(outputs).Where(t => TensorRoles.IsSpatial(t.Role)).ToArray();
            // Symbols name one size wherever they appear, so an image and its mask cannot disagree.
            var fixedSizes = spatial.Select(t => t.FixedSpatial).Distinct().ToArray();
            if (fixedSizes.Length > 1) Problem("inputs/outputs", "either every tensor has fixed height and width or none has");
            if (tiling is not null)
            {
                foreach (var t in inputs.Where(t => TensorRoles.IsSpatial(t.Role)))
                {
                    if (t.MultipleOf > 1 && tiling.Tile % t.MultipleOf != 0)
                        Problem("tiling.tile", $"{tiling.Tile} is not a multiple of {t.Name}'s multipleOf {t.MultipleOf}");
                    if (t.FixedSpatial && (t.Shape[t.HeightAxis].Fixed != tiling.Tile || t.Shape[t.WidthAxis].Fixed != tiling.Tile))
                        Problem("tiling.tile", $"{tiling.Tile} differs from {t.Name}'s fixed size {t.Shape[t.HeightAxis]}x{t.Shape[t.WidthAxis]}");
                }
            }
            if (contract is not null) Contract(contract, inputs, outputs);
        }

        /// <summary>What each contract needs beyond the general rules, so a pack fails at validation, not mid-render.</summary>
        private void Contract(string contract, List<TensorDeclaration> inputs, List<TensorDeclaration> outputs)
        {
            bool Has(List<TensorDeclaration> list, TensorRole role) => list.Any(t => t.Role == role);
            void Allow(List<TensorDeclaration> list, string kind, params TensorRole[] roles)
            {
                foreach (var t in list.Where(t => !roles.Contains(t.Role)))
                    Problem("contract", $"the {contract} contract takes no {kind} with role '{RoleName(t.Role)}' ('{t.Name}'); allowed: {string.Join(", ", roles.Select(RoleName))}");
            }
            void Need(bool ok, string what)
            {
                if (!ok) Problem("contract", $"the {contract} contract needs {what}");
            }
            var image = outputs.FirstOrDefault(t => t.Role == TensorRole.Image);
            var alpha = outputs.FirstOrDefault(t => t.Role == TensorRole.Alpha);
            switch (contract)
            {
                case ModelContracts.Inpaint:
                    Need(inputs.Count(t => t.Role == TensorRole.Image) == 1 && inputs.Count(t => t.Role == TensorRole.Mask) == 1,
                        "exactly one 'image' and one 'mask' input");
                    Allow(inputs, "input", TensorRole.Image, TensorRole.Mask);
                    Need(image is not null, "an 'image' output");
                    Allow(outputs, "output", TensorRole.Image);
                    break;
                case ModelContracts.GenerativeFill:
                    Need(Has(inputs, TensorRole.Mask), "a 'mask' input");
                    Allow(inputs, "input", TensorRole.Image, TensorRole.Mask, TensorRole.Reference, TensorRole.Seed, TensorRole.Prompt);
                    Need(image is not null, "an 'image' output");
                    Allow(outputs, "output", TensorRole.Image);
                    break;
                case ModelContracts.SalientMatte:
                    Allow(inputs, "input", TensorRole.Image);
                    Need(alpha is not null, "an 'alpha' output (1 channel)");
                    Allow(outputs, "output", TensorRole.Alpha);
                    break;
                case ModelContracts.VideoMatting:
                    Need(Has(inputs, TensorRole.State), "at least one 'state' input fed back by a recurrent link");
                    Allow(inputs, "input", TensorRole.Image, TensorRole.State);
                    Need(alpha is not null, "an 'alpha' output (1 channel)");
                    Allow(outputs, "output", TensorRole.Alpha, TensorRole.Image, TensorRole.State);
                    break;
                case ModelContracts.PromptableSegmentation:
                    Need(Has(inputs, TensorRole.Points) || Has(inputs, TensorRole.Box), "a 'points' or 'box' input");
                    Allow(inputs, "input", TensorRole.Image, TensorRole.Points, TensorRole.Box, TensorRole.Labels);
                    Need(alpha is not null, "an 'alpha' output (the mask logits, 1 channel)");
                    Allow(outputs, "output", TensorRole.Alpha);
                    break;
                case ModelContracts.StyleFeedforward:
                    Allow(inputs, "input", TensorRole.Image);
                    Need(image is not null, "an 'image' output");
                    Allow(outputs, "output", TensorRole.Image);
                    break;
                case ModelContracts.FrameExtrapolation:
                    foreach (var why in FrameExtrapolationContract.Problems(inputs, outputs)) Problem("contract", why);
                    break;
                case ModelContracts.StyleArbitrary:
                    Need(Has(inputs, TensorRole.Reference), "a 'reference' input (the style picture, from the Reference clip)");
                    Allow(inputs, "input", TensorRole.Image, TensorRole.Reference);
                    Need(image is not null, "an 'image' output");
                    Allow(outputs, "output", TensorRole.Image);
                    break;
            }
        }

        private static string RoleName(TensorRole role) => role.ToString().ToLowerInvariant();

        private PackLicence? Licence(JsonElement root)
        {
            if (!Object(root, "licence", "", out var l)) return null;
            Unknown(l, "licence", ["spdx", "commercialUse", "url"]);
            var spdx = String(l, "spdx", "licence", required: true);
            var url = String(l, "url", "licence", required: false);
            bool? commercial = null;
            if (!l.TryGetProperty("commercialUse", out var c)) Problem("licence.commercialUse", "is required (true or false)");
            else if (c.ValueKind is JsonValueKind.True or JsonValueKind.False) commercial = c.GetBoolean();
            else Problem("licence.commercialUse", "must be true or false");
            return spdx is null || commercial is null ? null : new PackLicence(spdx, commercial.Value, url);
        }

        private List<PackFile>? Files(JsonElement root, string directory)
        {
            if (!Array(root, "files", "", out var arr)) return null;
            var files = new List<PackFile>();
            var i = 0;
            foreach (var f in arr.EnumerateArray())
            {
                var at = $"files[{i++}]";
                if (f.ValueKind != JsonValueKind.Object)
                {
                    Problem(at, "must be an object with path and sha256");
                    continue;
                }
                Unknown(f, at, ["path", "sha256"]);
                var path = String(f, "path", at, required: true);
                var sha = String(f, "sha256", at, required: true);
                if (path is not null)
                {
                    var full = Path.GetFullPath(Path.Combine(directory, path));
                    if (Path.IsPathRooted(path) || !full.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal))
                        Problem($"{at}.path", $"'{path}' must be a relative path inside the pack folder");
                }
                if (sha is not null && !Sha256Pattern().IsMatch(sha)) Problem($"{at}.sha256", "must be 64 lowercase hex digits");
                if (path is not null && sha is not null) files.Add(new PackFile(path, sha));
            }
            if (i == 0) Problem("files", "lists no file");
            return files;
        }

        private List<TensorDeclaration>? Tensors(JsonElement root, string key)
        {
            if (!Array(root, key, "", out var arr)) return null;
            var list = new List<TensorDeclaration>();
            var i = 0;
            foreach (var t in arr.EnumerateArray())
            {
                if (Tensor(t, $"{key}[{i++}]") is { } decl) list.Add(decl);
            }
            if (i == 0) Problem(key, "declares no tensor");
            return list;
        }

        private TensorDeclaration? Tensor(JsonElement t, string at)
        {
            if (t.ValueKind != JsonValueKind.Object)
            {
                Problem(at, "must be an object");
                return null;
            }
            Unknown(t, at, TensorKeys);
            var before = problems.Count;
            var name = String(t, "name", at, required: true);
            var role = Choice(t, "role", at, Roles, "image");
            var element = Choice(t, "elementType", at, Elements, null);
            // Seeds, prompts and point/box prompts are not pictures: they have no layout (NCHW is recorded, unused).
            var spatialRole = role is null || TensorRoles.IsSpatial(Enum.Parse<TensorRole>(role, ignoreCase: true));
            var layout = spatialRole ? Choice(t, "layout", at, Layouts, null) : Choice(t, "layout", at, Layouts, "NCHW");
            var shape = Shape(t, at);
            var multiple = Int(t, "multipleOf", at, 1, 1, 1024);
            var range = Range(t, at);
            var encoding = Encoding(t, at);
            var stride = Int(t, "stride", at, 1, 1, 64);
            var activation = Choice(t, "activation", at, Activations, "none");
            if (stride > 1 && role is not null && role != "state")
                Problem($"{at}.stride", $"only state tensors live at a fraction of the frame; a {role} has the run's size");
            if (activation is not null && activation != "none" && role is not null && role != "alpha")
                Problem($"{at}.activation", $"only an alpha output has an activation (mask logits), not a {role}");
            bool? clip = null;
            if (t.TryGetProperty("clip", out var c))
            {
                if (c.ValueKind is JsonValueKind.True or JsonValueKind.False) clip = c.GetBoolean();
                else Problem($"{at}.clip", "must be true or false");
            }
            if (shape is not null && !spatialRole && role is not null && element is not null)
            {
                NonSpatial(role, element, shape, at);
            }
            else if (shape is not null && layout is not null)
            {
                if (shape.Count != 4)
                {
                    Problem($"{at}.shape", $"has {shape.Count} axes; image tensors have 4 ({layout})");
                }
                else
                {
                    var channelAxis = layout == "NCHW" ? 1 : 3;
                    var ch = shape[channelAxis];
                    if (ch.IsDynamic || ch.Fixed is not (1 or 3 or 4))
                        Problem($"{at}.shape[{channelAxis}]", $"the channel axis of a {layout} tensor must be fixed at 1, 3 or 4, got {ch}");
                    else if (role is "mask" or "alpha" && ch.Fixed != 1)
                        Problem($"{at}.shape[{channelAxis}]", $"a {role} has 1 channel, got {ch.Fixed}");
                    if (!shape[0].IsDynamic && shape[0].Fixed != 1) Problem($"{at}.shape[0]", $"batch must be 1 or dynamic, got {shape[0]}");
                    var h = shape[layout == "NCHW" ? 2 : 1];
                    var w = shape[layout == "NCHW" ? 3 : 2];
                    if (h.IsDynamic != w.IsDynamic) Problem($"{at}.shape", "height and width must both be fixed or both dynamic");
                    if (stride > 1 && !h.IsDynamic)
                        Problem($"{at}.stride", $"a state at 1/{stride} of the frame needs dynamic height and width (its size follows the run's), got {h}x{w}");
                    if (multiple > 1 && !h.IsDynamic && (h.Fixed % multiple != 0 || w.Fixed % multiple != 0))
                        Problem($"{at}.multipleOf", $"fixed size {h}x{w} is not a multiple of {multiple}");
                    if (encoding is not null && encoding.Kind == ColourKind.Normalised && !ch.IsDynamic)
                    {
                        if (encoding.Mean.Count != ch.Fixed || encoding.Std.Count != ch.Fixed)
                            Problem($"{at}.encoding", $"mean and std need {ch.Fixed} values each (one per channel), got {encoding.Mean.Count} and {encoding.Std.Count}");
                    }
                }
            }
            if (role is not null && role is not ("image" or "reference" or "history") && encoding is not null && encoding.Kind != ColourKind.Linear)
                Problem($"{at}.encoding", $"a {role} tensor carries no colour; its encoding must be linear");
            if (problems.Count > before) return null;
            var enc = encoding!;
            return new TensorDeclaration(name!, Enum.Parse<TensorRole>(role!, ignoreCase: true), ParseElement(element!),
                layout == "NCHW" ? TensorLayout.Nchw : TensorLayout.Nhwc, shape!, multiple, range, enc, clip ?? enc.IsSrgb)
            {
                Stride = stride,
                Activation = Enum.Parse<AlphaActivation>(activation ?? "none", ignoreCase: true),
            };
        }

        private static TensorElement ParseElement(string s) => s switch
        {
            "float32" => TensorElement.Float32,
            "float16" => TensorElement.Float16,
            "uint8" => TensorElement.UInt8,
            "string" => TensorElement.String,
            _ => TensorElement.Int64,
        };

        /// <summary>Shape and type rules of the tensors that carry no picture.</summary>
        private void NonSpatial(string role, string element, List<TensorDim> shape, string at)
        {
            switch (role)
            {
                case "seed":
                    if (element != "int64") Problem($"{at}.elementType", $"a seed is int64, got {element}");
                    if (shape.Count > 1 || shape.Any(d => !d.IsDynamic && d.Fixed != 1)) Problem($"{at}.shape", "a seed has shape [] or [1]");
                    break;
                case "prompt":
                    if (element != "string") Problem($"{at}.elementType", $"a prompt is a string tensor, got {element}");
                    if (shape.Count != 1 || (!shape[0].IsDynamic && shape[0].Fixed != 1)) Problem($"{at}.shape", "a prompt has shape [1]");
                    break;
                case "points":
                    if (element != "float32") Problem($"{at}.elementType", $"points are float32, got {element}");
                    if (shape.Count != 3 || shape[2].IsDynamic || shape[2].Fixed != 2) Problem($"{at}.shape", "points have shape [1, N, 2] (x, y in pixels)");
                    break;
                case "box":
                    if (element != "float32") Problem($"{at}.elementType", $"a box is float32, got {element}");
                    if (shape.Count != 2 || shape[1].IsDynamic || shape[1].Fixed != 4) Problem($"{at}.shape", "a box has shape [1, 4] (x0, y0, x1, y1 in pixels)");
                    break;
                case "labels":
                    if (element != "float32") Problem($"{at}.elementType", $"point labels are float32, got {element}");
                    if (shape.Count != 2) Problem($"{at}.shape", "point labels have shape [1, N] (N as the points input's)");
                    break;
                case "step":
                    if (element != "float32") Problem($"{at}.elementType", $"a step is float32 (frames past the end frame), got {element}");
                    if (shape.Count > 1 || shape.Any(d => !d.IsDynamic && d.Fixed != 1)) Problem($"{at}.shape", "a step has shape [] or [1]");
                    break;
            }
        }

        private List<TensorDim>? Shape(JsonElement t, string at)
        {
            if (!Array(t, "shape", at, out var arr)) return null;
            var dims = new List<TensorDim>();
            var i = 0;
            foreach (var d in arr.EnumerateArray())
            {
                var where = $"{at}.shape[{i++}]";
                if (d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var n) && n > 0) dims.Add(TensorDim.Of(n));
                else if (d.ValueKind == JsonValueKind.String && SymbolPattern().IsMatch(d.GetString()!)) dims.Add(TensorDim.Dynamic(d.GetString()!));
                else Problem(where, $"must be a positive size or the name of a dynamic axis (e.g. \"height\"), got {d.GetRawText()}");
            }
            return dims.Count == i ? dims : null;
        }

        private ValueRange Range(JsonElement t, string at)
        {
            if (!t.TryGetProperty("range", out var r)) return ValueRange.Unit;
            if (r.ValueKind != JsonValueKind.Array || r.GetArrayLength() != 2 || r.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
            {
                Problem($"{at}.range", "must be [min, max], two numbers");
                return ValueRange.Unit;
            }
            var min = r[0].GetSingle();
            var max = r[1].GetSingle();
            if (!(max > min)) Problem($"{at}.range", $"max {max} must be greater than min {min}");
            return new ValueRange(min, max);
        }

        private ColourEncoding? Encoding(JsonElement t, string at)
        {
            if (!t.TryGetProperty("encoding", out var e)) return ColourEncoding.Linear;
            var where = $"{at}.encoding";
            if (e.ValueKind != JsonValueKind.Object)
            {
                Problem(where, "must be an object such as {\"kind\": \"srgb\"}");
                return null;
            }
            Unknown(e, where, ["kind", "transfer", "mean", "std"]);
            var kind = Choice(e, "kind", where, Kinds, null);
            var transfer = Choice(e, "transfer", where, ["linear", "srgb"], "srgb");
            var mean = Floats(e, "mean", where);
            var std = Floats(e, "std", where);
            if (kind is null || transfer is null) return null;
            if (kind == "normalised")
            {
                if (mean is null || std is null)
                {
                    Problem(where, "a normalised encoding needs mean and std arrays");
                    return null;
                }
                if (std.Any(s => !(s > 0) || !float.IsFinite(s))) Problem($"{where}.std", "every std must be a positive number");
                return new ColourEncoding(ColourKind.Normalised, transfer == "srgb" ? ColourKind.Srgb : ColourKind.Linear, mean, std);
            }
            if (mean is not null || std is not null) Problem(where, $"mean/std apply only to kind 'normalised', not '{kind}'");
            if (e.TryGetProperty("transfer", out _)) Problem($"{where}.transfer", $"applies only to kind 'normalised', not '{kind}'");
            return kind == "srgb" ? new ColourEncoding(ColourKind.Srgb, ColourKind.Srgb, [], []) : ColourEncoding.Linear;
        }

        private TilingDeclaration? Tiling(JsonElement root)
        {
            if (!root.TryGetProperty("tiling", out var t) || t.ValueKind == JsonValueKind.Null) return null;
            if (t.ValueKind != JsonValueKind.Object)
            {
                Problem("tiling", "must be an object {tile, overlap, blend}");
                return null;
            }
            Unknown(t, "tiling", ["tile", "overlap", "blend"]);
            var before = problems.Count;
            if (!t.TryGetProperty("tile", out _)) Problem("tiling.tile", "is required");
            var tile = Int(t, "tile", "tiling", 0, 16, 16384);
            var overlap = Int(t, "overlap", "tiling", 0, 0, 4096);
            var blend = Choice(t, "blend", "tiling", Blends, "feather");
            if (problems.Count == before && overlap * 2 >= tile) Problem("tiling.overlap", $"{overlap} must be less than half the tile ({tile})");
            if (problems.Count > before) return null;
            return new TilingDeclaration(tile, overlap, blend == "cut" ? TileBlend.Cut : TileBlend.Feather);
        }

        private List<RecurrentLink> Recurrent(JsonElement root, List<TensorDeclaration>? inputs, List<TensorDeclaration>? outputs)
        {
            var links = new List<RecurrentLink>();
            if (!root.TryGetProperty("recurrent", out var arr)) return links;
            if (arr.ValueKind != JsonValueKind.Array)
            {
                Problem("recurrent", "must be an array of {output, input}");
                return links;
            }
            var i = 0;
            foreach (var l in arr.EnumerateArray())
            {
                var at = $"recurrent[{i++}]";
                if (l.ValueKind != JsonValueKind.Object)
                {
                    Problem(at, "must be an object {output, input}");
                    continue;
                }
                Unknown(l, at, ["output", "input"]);
                var output = String(l, "output", at, required: true);
                var input = String(l, "input", at, required: true);
                if (output is null || input is null) continue;
                var o = outputs?.FirstOrDefault(t => t.Name == output);
                var n = inputs?.FirstOrDefault(t => t.Name == input);
                if (outputs is not null && o is null) Problem($"{at}.output", $"'{output}' is not a declared output");
                if (inputs is not null && n is null) Problem($"{at}.input", $"'{input}' is not a declared input");
                if (o is not null && n is not null)
                {
                    if (n.Role != TensorRole.State) Problem($"{at}.input", $"'{input}' is fed back, so its role must be 'state', not '{n.Role.ToString().ToLowerInvariant()}'");
                    if (!o.Shape.SequenceEqual(n.Shape) || o.Layout != n.Layout || o.ElementType != n.ElementType)
                        Problem(at, $"output '{output}' ({Describe(o)}) and input '{input}' ({Describe(n)}) must have the same type, layout and shape");
                    else if (o.Stride != n.Stride)
                        Problem(at, $"output '{output}' has stride {o.Stride} and input '{input}' stride {n.Stride}; a fed-back state keeps its size, declare the same stride");
                }
                links.Add(new RecurrentLink(output, input));
            }
            if (inputs is not null)
            {
                foreach (var state in inputs.Where(t => t.Role == TensorRole.State && links.All(l => l.Input != t.Name)))
                    Problem("recurrent", $"state input '{state.Name}' is fed by no output");
            }
            return links;
        }

        private static string Describe(TensorDeclaration t) =>
            $"{t.ElementType.ToString().ToLowerInvariant()} {t.Layout.ToString().ToUpperInvariant()} [{string.Join(", ", t.Shape)}]";

        private void Unknown(JsonElement obj, string at, IReadOnlySet<string> known)
        {
            foreach (var p in obj.EnumerateObject())
            {
                if (!known.Contains(p.Name))
                    Problem(Join(at, p.Name), $"unknown key; known keys here: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
            }
        }

        private void Unknown(JsonElement obj, string at, string[] known) => Unknown(obj, at, known.ToHashSet(StringComparer.Ordinal));

        private string? String(JsonElement obj, string key, string at, bool required)
        {
            if (!obj.TryGetProperty(key, out var v))
            {
                if (required) Problem(Join(at, key), "is required");
                return null;
            }
            if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
            {
                Problem(Join(at, key), $"must be a non-empty string, got {v.GetRawText()}");
                return null;
            }
            return v.GetString();
        }

        private string? Choice(JsonElement obj, string key, string at, string[] allowed, string? fallback)
        {
            if (!obj.TryGetProperty(key, out var v))
            {
                if (fallback is null) Problem(Join(at, key), $"is required (one of {string.Join(", ", allowed)})");
                return fallback;
            }
            var s = v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (s is null || !allowed.Contains(s, StringComparer.Ordinal))
            {
                Problem(Join(at, key), $"{v.GetRawText()} is not one of {string.Join(", ", allowed)}");
                return null;
            }
            return s;
        }

        private int Int(JsonElement obj, string key, string at, int fallback, int min, int max)
        {
            if (!obj.TryGetProperty(key, out var v)) return fallback;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < min || n > max)
            {
                Problem(Join(at, key), $"must be a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got {v.GetRawText()}");
                return fallback;
            }
            return n;
        }

        private float[]? Floats(JsonElement obj, string key, string at)
        {
            if (!obj.TryGetProperty(key, out var v)) return null;
            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
            {
                Problem(Join(at, key), "must be an array of numbers");
                return null;
            }
            return v.EnumerateArray().Select(x => x.GetSingle()).ToArray();
        }

        private bool Object(JsonElement obj, string key, string at, out JsonElement value)
        {
            if (!obj.TryGetProperty(key, out value))
            {
                Problem(Join(at, key), "is required");
                return false;
            }
            if (value.ValueKind == JsonValueKind.Object) return true;
            Problem(Join(at, key), "must be an object");
            return false;
        }

        private bool Array(JsonElement obj, string key, string at, out JsonElement value)
        {
            if (!obj.TryGetProperty(key, out value))
            {
                Problem(Join(at, key), "is required");
                return false;
            }
            if (value.ValueKind == JsonValueKind.Array) return true;
            Problem(Join(at, key), "must be an array");
            return false;
        }

        private void Problem(string at, string message) =>
            problems.Add(at.Length == 0 ? $"{ModelPack.ManifestName}: {message}" : $"{ModelPack.ManifestName}: {at}: {message}");

        private static string Join(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";
    }
}
