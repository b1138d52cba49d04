using System.Globalization;
using OpenCvSharp;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Rotoscope;

/// <summary>
/// Mattes made by something much slower than the classical engine — a model pack's run (ISNet: about 1.2 s per 1080p
/// frame on this machine) — kept per instance as keyframes and carried to nearby frames with the rotoscope's own
/// propagation: optical flow (fast settings) and a colour re-fit of the edge band (one GrabCut iteration) at the
/// draft working size, then the usual guided-filter finishing at full resolution. Interactive frames then cost a
/// classical draft instead of a model run.
/// </summary>
/// <remarks>
/// <para>A carried matte is itself remembered (with the time of the model matte it came from), so stepping through a
/// shot carries one frame at a time rather than across a growing gap; no matte is carried further than
/// <see cref="Reach"/> frames from the model matte it came from, which bounds the drift — past that the caller runs the
/// model again and that frame becomes the next keyframe. A matte remembered at exactly the requested time is reused
/// as it is when the frame's picture has not changed (re-rendering a frame the model already matted).</para>
/// <para>Keys are the caller's: they must include the instance, the frame size and whatever makes the mattes (the
/// pack and its version), so one instance's mattes never feed another's. Thread-safe; storage is bounded as in
/// <see cref="MatteCache"/> (about 120 kB per 1080p frame: an 8-bit matte 384 wide and a flow grey 256 wide).</para>
/// </remarks>
public sealed class CarriedMattes
{
    /// <summary>Most frames a matte is carried from the model matte it came from.</summary>
    /// <remarks>
    /// Measured 2026-11-24 with the real ISNet medium pack on DAVIS 854×480, drafts stepped one frame at a time from a
    /// model matte at frame 0: IoU of the carried matte with the model's own matte of the same frame 0.94 after 1 frame,
    /// 0.92 after 4, 0.90 after 8 on blackswan; 0.82, 0.70 and 0.66 on bmx-trees (thin bike, trees in front). Against
    /// the true masks after 8 frames: carried 0.886 / 0.575, the model run on that frame 0.958 / 0.806, the frame-0
    /// matte left in place 0.577 / 0.366. Eight frames keeps drafts close on ordinary shots; finals always run the model.
    /// </remarks>
    public const int Reach = 8;

    /// <summary>Colour re-fit iterations for a carried matte: one keeps a 1080p draft well inside 150 ms.</summary>
    public const int RefitIterations = 1;

    private readonly MatteCache _cache = new();

    /// <summary>Forgets every remembered matte.</summary>
    public void Clear() => _cache.Clear();

    /// <summary>
    /// Remembers the subject probability <paramref name="probability"/> (0..1, one value per pixel of
    /// <paramref name="source"/>, row-major) made for frame <paramref name="time"/> as a keyframe for later carries.
    /// </summary>
    public unsafe void Remember(string key, double time, FloatImage source, ReadOnlySpan<float> probability)
    {
        var (w, h) = (source.Width, source.Height);
        if (probability.Length < w * h) throw new ArgumentException("probability must hold one value per source pixel", nameof(probability));
        var work = MatteImages.WorkingSize(w, h, RotoscopeEngine.DraftWorkingSide);
        using var small = new Mat();
        fixed (float* p = probability)
        {
            using var given = Mat.FromPixelData(h, w, MatType.CV_32FC1, (IntPtr)p);
            Cv2.Resize(given, small, work, 0, 0, InterpolationFlags.Area);
        }
        using var stored = new Mat();
        small.ConvertTo(stored, MatType.CV_8UC1, 255);
        using var grey = FlowEstimator.Grey(source, FlowEstimator.FlowSize(w, h, FlowSettings.Fast));
        _cache.Put(key, time, stored, grey);
    }

    /// <summary>
    /// Carries the nearest remembered matte(s) within <see cref="Reach"/> frames to frame <paramref name="time"/>
    /// and finishes it into <paramref name="matte"/> (one value per source pixel) with the choke, edge radius and
    /// feather of <paramref name="settings"/> (its other fields do not apply). Returns what was done, for the result
    /// notes, or null when nothing usable is remembered (the caller should run the model).
    /// </summary>
    /// <param name="neighbours">Frames the host sent around this one: a remembered matte whose frame is among them and
    /// no longer looks the same (the upstream picture changed) is forgotten instead of carried.</param>
    public string? Carry(string key, double time, FloatImage source, IReadOnlyList<TimedImage> neighbours, MatteRefineSettings settings,
        Span<float> matte, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (w, h) = (source.Width, source.Height);
        if (matte.Length < w * h) throw new ArgumentException("matte must hold one value per source pixel", nameof(matte));
        var work = MatteImages.WorkingSize(w, h, RotoscopeEngine.DraftWorkingSide);
        var flowSize = FlowEstimator.FlowSize(w, h, FlowSettings.Fast);
        using var grey = FlowEstimator.Grey(source, flowSize);

        Mat? prior = null;
        string note;
        double origin;
        using (var here = _cache.At(key, time))
        {
            if (here is not null && RotoscopeEngine.GreyDiffers(grey, here.Grey))
            {
                _cache.Remove(key, time);
            }
            else if (here is not null)
            {
                prior = new Mat();
                here.Matte.ConvertTo(prior, MatType.CV_32FC1, 1.0 / 255);
                origin = here.Origin;
                // This frame was matted before (by the model, or carried and re-fitted): nothing to carry or re-fit.
                note = here.Origin != time ? $"matte carried earlier to this frame reused (from the model matte at t={Format(origin)})"
                    : "model matte of this frame reused";
                return Finish(source, prior, work, grey, settings, refit: false, key, time, origin, note, matte, cancellationToken);
            }
        }

        using var before = Anchor(key, time, before: true, flowSize, neighbours);
        using var after = Anchor(key, time, before: false, flowSize, neighbours);
        if (before is null && after is null) return null;
        if (before is null || after is null)
        {
            var only = (before ?? after)!;
            prior = Warp(only, grey);
            origin = only.Origin;
            note = $"carried by optical flow from t={Format(only.Time)}";
        }
        else
        {
            using var b = Warp(before, grey);
            using var a = Warp(after, grey);
            var (db, da) = (time - before.Time, after.Time - time);
            prior = new Mat();
            Cv2.AddWeighted(b, da / (da + db), a, db / (da + db), 0, prior);
            origin = db <= da ? before.Origin : after.Origin;
            note = $"carried by optical flow from t={Format(before.Time)} and t={Format(after.Time)}, blended by distance";
        }
        return Finish(source, prior, work, grey, settings, refit: true, key, time, origin, note, matte, cancellationToken);
    }

    /// <summary>The nearest remembered matte on one side still within reach of its model matte, or null; stale ones are forgotten.</summary>
    private MatteCache.Entry? Anchor(string key, double time, bool before, Size flowSize, IReadOnlyList<TimedImage> neighbours)
    {
        var entry = _cache.Nearest(key, time, before, Reach);
        if (entry is null) return null;
        if (Math.Abs(time - entry.Origin) > Reach)
        {
            entry.Dispose();
            return null;
        }
        if (neighbours.FirstOrDefault(n => n.Time == entry.Time) is { } same)
        {
            using var g = FlowEstimator.Grey(same.Source, flowSize);
            if (RotoscopeEngine.GreyDiffers(g, entry.Grey))
            {
                _cache.Remove(key, entry.Time);
                entry.Dispose();
                return null;
            }
        }
        return entry;
    }

    private static Mat Warp(MatteCache.Entry entry, Mat grey)
    {
        using var m = new Mat();
        entry.Matte.ConvertTo(m, MatType.CV_32FC1, 1.0 / 255);
        return MatteWarp.Warp(m, grey, entry.Grey, FlowSettings.Fast);
    }

    private string Finish(FloatImage source, Mat prior, Size work, Mat grey, MatteRefineSettings settings, bool refit, string key, double time,
        double origin, string note, Span<float> matte, CancellationToken cancellationToken)
    {
        using var _p = prior;
        var (bgr, guide) = MatteImages.Analyse(source, work);
        using var _b = bgr;
        using var _g = guide;
        Mat segmented;
        if (refit)
        {
            var band = MatteRefiner.Band(work, RotoscopeEngine.PropagatedBand);
            segmented = ColourSegmenter.Segment(bgr, prior, SegmentHints.None, band, RefitIterations, cancellationToken) ?? prior.Clone();
            if (RotoscopeEngine.AreaJumped(prior, segmented))
            {
                // As in the classical engine: a colour model that disagrees this much with the motion is not trusted.
                segmented.Dispose();
                segmented = prior.Clone();
                note += "; colour re-fit rejected (area jumped), flow-carried matte kept";
            }
            else
            {
                note += $"; colour re-fit ({RefitIterations} GrabCut iteration)";
            }
            using var stored = new Mat();
            segmented.ConvertTo(stored, MatType.CV_8UC1, 255);
            _cache.Put(key, time, stored, grey, origin);
        }
        else
        {
            segmented = prior.Clone();
        }
        using var _s = segmented;
        var workScale = work.Width / (double)source.Width;
        MatteRefiner.Finish(source, segmented, guide, settings.Choke * workScale, settings.EdgeRadius * workScale, settings.Feather, matte);
        return string.Create(CultureInfo.InvariantCulture, $"draft: model not run; {note}; working size {work.Width}x{work.Height}");
    }

    private static string Format(double t) => t.ToString("0.###", CultureInfo.InvariantCulture);
}
