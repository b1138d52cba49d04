using System.Globalization;
using Runway.Effects.Definitions;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Style;

/// <summary>
/// Classical (CPU) engine of <see cref="StyleTransferDefinition"/>: colour transfer toward the reference in Oklab
/// (<see cref="ColourTransfer"/>), texture stylisation (<see cref="TextureStylizer"/>), preserve-colour/luminance in
/// Oklab, and temporal stabilisation against the previous source frame (<see cref="TemporalStabilizer"/>).
/// </summary>
/// <remarks>
/// Order independence: the previous frame's stylised result is taken from a <see cref="StyledFrameCache"/> only when
/// the previous source frame in <see cref="EffectFrame.Neighbours"/> hashes to a cached frame's pixels (with the same
/// settings and reference); otherwise final renders re-stylise it. Either way a frame's output depends only on its own
/// and its predecessor's pixels and the params. Interactive renders take the draft path: colour through a baked
/// lattice, texture at reduced size by a float domain transform, fewer colour samples, and stabilisation (fast flow)
/// only when the previous frame's draft result is cached — so scrubbing forward is stabilised, at no re-stylising cost.
/// The draft caches and blends reduced copies (<see cref="TemporalStabilizer.BlendReduced"/>), not full frames.
/// </remarks>
public sealed class StyleTransferEngine : IEffect
{
    /// <summary>Engine name reported in results.</summary>
    public const string Name = "classical/opencv-style";

    /// <summary>Source pixels sampled for colour statistics per frame (final, draft).</summary>
    public const int SourceSamples = 120_000, DraftSourceSamples = 30_000;

    private readonly ReferenceCache _references = new();
    private readonly StyledFrameCache _styled = new();

    public EffectDefinition Definition => StyleTransferDefinition.Definition;

    public EffectResult Render(EffectFrame frame, CancellationToken cancellationToken)
    {
        var source = frame.Source;
        var output = frame.Output;
        if (output.Width != source.Width || output.Height != source.Height)
            throw new ArgumentException($"output is {output.Width}x{output.Height}, source is {source.Width}x{source.Height}", nameof(frame));
        cancellationToken.ThrowIfCancellationRequested();
        var p = frame.Params;
        var notes = new List<string>();

        var reference = ResolveReference(frame, notes);
        var interactive = frame.Interactive;
        Stylise(source, output, p, reference, frame.RenderScale, interactive, notes, cancellationToken);

        var strength = (float)p.Double(StyleTransferDefinition.ParamTemporal);
        if (strength <= 0) return new EffectResult(Name, notes);
        // Stabilisation needs the previous frame stylised exactly as this one would be: remember this frame's result
        // (keyed by its pixels) so the next frame, in whatever order it comes, can take it instead of re-stylising.
        var settings = SettingsKey(p, frame.RenderScale, interactive);
        var key = new StyledFrameCache.Key(frame.InstanceId, ReferenceCache.ContentHash(source.Pixels), source.Width, source.Height, settings, reference);
        var previous = frame.Neighbours
            .Where(n => n.Time < frame.Time - 1e-9 && n.Source.Width == source.Width && n.Source.Height == source.Height)
            .OrderByDescending(n => n.Time)
            .FirstOrDefault();
        var previousKey = previous is null ? null : key with { SourceHash = ReferenceCache.ContentHash(previous.Source.Pixels) };
        if (interactive)
        {
            StabiliseDraft(source, output, key, previous, previousKey, strength, notes, cancellationToken);
            return new EffectResult(Name, notes);
        }
        if (previous is null)
        {
            _styled.Store(key, output);
            notes.Add("stabilisation: no previous frame (first frame or a still)");
            return new EffectResult(Name, notes);
        }
        using var previousStyled = new FloatImage(source.Width, source.Height);
        var cached = _styled.TryCopy(previousKey!, previousStyled);
        _styled.Store(key, output);
        if (!cached)
        {
            Stylise(previous.Source, previousStyled, p, reference, frame.RenderScale, interactive: false, notes: null, cancellationToken);
            _styled.Store(previousKey!, previousStyled);
        }
        var stats = TemporalStabilizer.Blend(source, output, previous.Source, previousStyled, strength, FlowSettings.Medium, cancellationToken);
        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"stabilised with frame {previous.Time} ({(cached ? "cached" : "re-stylised")} previous result): motion reliable on {stats.Reliable:P0}, mean blend {stats.MeanWeight:0.00}"));
        return new EffectResult(Name, notes);
    }

    /// <summary>
    /// The draft's stabilisation: keeps only reduced copies of each frame's source and result in the cache (a ninth of
    /// a 1080p frame), and blends at that size (<see cref="TemporalStabilizer.BlendReduced"/>) when the previous
    /// frame's copies are cached; it never re-stylises the previous frame, which would double the draft's cost.
    /// </summary>
    private void StabiliseDraft(FloatImage source, FloatImage output, StyledFrameCache.Key key, TimedImage? previous,
        StyledFrameCache.Key? previousKey, float strength, List<string> notes, CancellationToken ct)
    {
        var (rw, rh) = TemporalStabilizer.ReducedSize(source.Width, source.Height);
        using var reducedSource = new FloatImage(rw, rh);
        using var reducedStyled = new FloatImage(rw, rh);
        TemporalStabilizer.Reduce(source, reducedSource, ct);
        TemporalStabilizer.Reduce(output, reducedStyled, ct);
        using var previousSource = previous is null ? null : new FloatImage(rw, rh);
        using var previousStyled = previous is null ? null : new FloatImage(rw, rh);
        var cached = previous is not null && _styled.TryCopy(previousKey!, previousStyled!, previousSource);
        _styled.Store(key, reducedStyled, reducedSource);
        if (previous is null)
        {
            notes.AddRange(["draft: stabilisation skipped", "no previous frame sent"]);
            return;
        }
        if (!cached)
        {
            notes.AddRange(["draft: stabilisation skipped", "previous frame's draft result not in the cache"]);
            return;
        }
        var stats = TemporalStabilizer.BlendReduced(output, reducedSource, reducedStyled, previousSource!, previousStyled!, strength,
            FlowSettings.Fast, ct);
        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"draft: stabilised with frame {previous.Time} (cached previous result) at {rw}x{rh}: motion reliable on {stats.Reliable:P0}, mean blend {stats.MeanWeight:0.00}"));
    }

    private ColourStatistics? ResolveReference(EffectFrame frame, List<string> notes)
    {
        if (frame.Clips.TryGetValue(StyleTransferDefinition.ClipReference, out var clip))
        {
            notes.Add($"reference: {StyleTransferDefinition.ClipReference} clip ({clip.Width}x{clip.Height})");
            return _references.ForImage(clip);
        }
        var path = frame.Params.String(StyleTransferDefinition.ParamReferencePath).Trim();
        if (path.Length == 0)
        {
            notes.Add("no reference: colour transfer skipped");
            return null;
        }
        try
        {
            var stats = _references.ForFile(path);
            notes.Add($"reference: {Path.GetFileName(path)}");
            return stats;
        }
        catch (Exception e) when (e is FileNotFoundException or FormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // A missing or unreadable file is the request's problem, reported to the host as an invalid param.
            throw new ParamException($"reference image '{path}': {e.Message}");
        }
    }

    /// <summary>Everything besides the source and reference that <see cref="Stylise"/> depends on, as a cache key.</summary>
    private static string SettingsKey(ParamSet p, double renderScale, bool interactive) => string.Create(CultureInfo.InvariantCulture,
        $"{p.Choice(StyleTransferDefinition.ParamColourMethod)}|{p.Double(StyleTransferDefinition.ParamColourStrength):R}|{p.Choice(StyleTransferDefinition.ParamTexture)}|" +
        $"{p.Double(StyleTransferDefinition.ParamTextureStrength):R}|{p.Double(StyleTransferDefinition.ParamTextureSize):R}|" +
        $"{p.Boolean(StyleTransferDefinition.ParamPreserveColour)}|{p.Boolean(StyleTransferDefinition.ParamPreserveLuminance)}|{renderScale:R}|{interactive}");

    /// <summary>Colour, texture and preserve options: everything but stabilisation, for one frame.</summary>
    private static void Stylise(FloatImage source, FloatImage output, ParamSet p, ColourStatistics? reference, double renderScale,
        bool interactive, List<string>? notes, CancellationToken ct)
    {
        var method = p.Choice(StyleTransferDefinition.ParamColourMethod);
        var colourStrength = (float)p.Double(StyleTransferDefinition.ParamColourStrength);
        if (reference is not null && method != StyleTransferDefinition.ColourNone && colourStrength > 0)
        {
            var own = ColourStatistics.Measure(source, interactive ? DraftSourceSamples : SourceSamples,
                quantiles: method == StyleTransferDefinition.ColourHistogram);
            var transfer = ColourTransfer.Create(method, own, reference);
            if (interactive) transfer.ApplyBaked(source, output, colourStrength, ct);
            else transfer.Apply(source, output, colourStrength, ct);
            notes?.Add(string.Create(CultureInfo.InvariantCulture,
                $"colour: {method} in Oklab, strength {colourStrength:0.##}{(interactive ? $" (draft: baked {ColourTransfer.LatticeSize}³ lattice)" : "")}"));
        }
        else
        {
            source.CopyTo(output);
        }
        ct.ThrowIfCancellationRequested();

        var texture = p.Choice(StyleTransferDefinition.ParamTexture);
        var textureStrength = (float)p.Double(StyleTransferDefinition.ParamTextureStrength);
        if (texture != StyleTransferDefinition.TextureNone && textureStrength > 0)
        {
            var sigma = p.Double(StyleTransferDefinition.ParamTextureSize) * renderScale;
            TextureStylizer.Apply(output, texture, textureStrength, sigma, interactive, ct);
            notes?.Add(string.Create(CultureInfo.InvariantCulture,
                $"texture: {texture}, strength {textureStrength:0.##}, tone-mapped {(!interactive ? "float, full resolution (OpenCV's filter computed on float)" : TextureStylizer.UsesDomainTransformInDraft(texture) ? "float domain transform" : "8-bit OpenCV")}{(interactive ? $" at ≤{TextureStylizer.DraftMaxSide} px (draft)" : "")}"));
        }

        var keepColour = p.Boolean(StyleTransferDefinition.ParamPreserveColour);
        var keepLuminance = p.Boolean(StyleTransferDefinition.ParamPreserveLuminance);
        if (keepColour || keepLuminance)
        {
            Preserve(source, output, keepColour, keepLuminance, ct);
            notes?.Add(keepColour && keepLuminance ? "kept source lightness and chroma (Oklab)"
                : keepColour ? "kept source chroma (Oklab a, b)" : "kept source lightness (Oklab L)");
        }
    }

    /// <summary>Puts the source's Oklab chroma and/or lightness back into the output.</summary>
    private static void Preserve(FloatImage source, FloatImage output, bool chroma, bool lightness, CancellationToken ct)
    {
        var height = source.Height;
        var bands = Math.Min(height, Environment.ProcessorCount * 4);
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            for (var y = height * band / bands; y < height * (band + 1) / bands; y++)
            {
                var src = source.Row(y);
                var dst = output.Row(y);
                for (var o = 0; o < src.Length; o += 4)
                {
                    Oklab.FromLinear(src[o], src[o + 1], src[o + 2], out var sl, out var sa, out var sb);
                    Oklab.FromLinear(dst[o], dst[o + 1], dst[o + 2], out var l, out var a, out var b);
                    if (chroma)
                    {
                        a = sa;
                        b = sb;
                    }
                    if (lightness) l = sl;
                    Oklab.ToLinear(l, a, b, out dst[o], out dst[o + 1], out dst[o + 2]);
                }
            }
        });
    }
}
