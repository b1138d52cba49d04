using Runway.Effects.Definitions;
using Runway.Timeline.Schema;

namespace Runway.Cli.Timeline;

/// <summary>What to plan: the effect with its bound params, which clips, and how many handle frames.</summary>
/// <param name="Effect">The effect every selected clip goes through.</param>
/// <param name="Params">Its params, bound and validated (defaults filled in).</param>
/// <param name="Selector">Which clips.</param>
/// <param name="Handles">Extra frames rendered each side of each clip's used range, clamped to the media.</param>
/// <param name="Interactive">Draft renders (temporal effects use their smaller draft window).</param>
/// <param name="BaseDirectory">Folder relative media URLs are resolved against (the .otio's folder).</param>
public sealed record PlanOptions(EffectDefinition Effect, ParamSet Params, ClipSelector Selector, int Handles = 0,
    bool Interactive = false, string BaseDirectory = ".");

/// <summary>One clip's work, in whole frames of media time at <see cref="Rate"/>.</summary>
/// <param name="Number">1-based position in the plan.</param>
/// <param name="Clip">The clip as placed in the timeline.</param>
/// <param name="Media">Its media, resolved to local files.</param>
/// <param name="Rate">Frames per second of the clip's media time.</param>
/// <param name="Used">Frames the edit shows: its source range plus the handles adjacent transitions need, as far as
/// the media has them.</param>
/// <param name="Render">Frames written: <see cref="Used"/> plus handles (clamped to the media), plus the frames an
/// extending effect makes past the media's end or before its start.</param>
/// <param name="Read">Frames decoded: <see cref="Render"/> inside the media, plus the neighbours a temporal effect needs.</param>
/// <param name="Before">Neighbour frames the effect sees before each rendered frame.</param>
/// <param name="After">Neighbour frames after.</param>
public sealed record ClipPlan(int Number, TimelineClip Clip, ClipMedia Media, double Rate, FrameSpan Used, FrameSpan Render,
    FrameSpan Read, int Before, int After)
{
    /// <summary>True for a frame of <see cref="Render"/> the media does not have (made by an extending effect).</summary>
    public bool IsGenerated(long frame) => Media.Available is { } a && !a.Contains(frame);
}

/// <summary>Plans a timeline batch: selects clips, resolves their media and works out the frames each needs.</summary>
public static class TimelinePlanner
{
    /// <summary>Plans every selected clip; all problems are found before any frame is rendered.</summary>
    /// <exception cref="TimelinePlanException">Bad selector, missing or unsupported media, a range the media lacks.</exception>
    public static IReadOnlyList<ClipPlan> Plan(Runway.Timeline.Schema.Timeline timeline, PlanOptions options)
    {
        if (options.Handles < 0) throw new TimelinePlanException($"--handles wants 0 or more frames, got {options.Handles}");
        var (before, after) = Reach(options);
        var extension = Extension(options);
        var plans = new List<ClipPlan>();
        foreach (var clip in options.Selector.Select(timeline))
        {
            var rate = clip.SourceRange.Duration.Rate > 0 ? clip.SourceRange.Duration.Rate : clip.SourceRange.StartTime.Rate;
            var media = MediaResolver.Resolve(clip, rate, options.BaseDirectory);
            var source = FrameSpan.FromTimeRange(clip.SourceRange, rate);
            if (source.Count <= 0) throw new TimelinePlanException($"clip '{clip.Name}' has no frames (duration 0)");
            if (media.Available is { } available && source.ClampedTo(available) != source)
                throw new TimelinePlanException(
                    $"clip '{clip.Name}' uses media frames {source} but '{media.Path}' has only {available}");
            // Frames an adjacent transition shows are wanted too, as far as the media has them (editors often cut
            // transitions over media that ends early; the host then holds a frame, and so does the result).
            var used = FrameSpan.FromTimeRange(clip.VisibleRange, rate);
            if (media.Available is { } mediaFrames) used = used.ClampedTo(mediaFrames);
            var render = FrameSpan.FromBounds(used.Start - options.Handles, used.End + options.Handles);
            if (media.Available is { } bounds) render = render.ClampedTo(bounds);
            if (extension is { Frames: > 0 } ext)
            {
                render = ext.After
                    ? FrameSpan.FromBounds(render.Start, Math.Max(render.End, used.End + ext.Frames))
                    : FrameSpan.FromBounds(Math.Min(render.Start, used.Start - ext.Frames), render.End);
            }
            var read = FrameSpan.FromBounds(render.Start - before, render.End + after);
            if (media.Available is { } limit) read = read.ClampedTo(limit);
            if (media.Kind == ClipMediaKind.Sequence)
            {
                foreach (var file in media.FilesFor(read, rate))
                    if (!File.Exists(file))
                        throw new TimelinePlanException($"clip '{clip.Name}': image '{file}' of its sequence does not exist");
            }
            plans.Add(new ClipPlan(plans.Count + 1, clip, media, rate, used, render, read, before, after));
        }
        return plans;
    }

    /// <summary>
    /// Neighbours each side, as a host would fetch them: the effect's declared need, capped by its window param and, for
    /// draft renders, by its interactive limit.
    /// </summary>
    public static (int Before, int After) Reach(PlanOptions options)
    {
        var need = options.Effect.FramesNeeded;
        int before = need.Before, after = need.After;
        if (need.LimitParam is { } limitParam)
        {
            var cap = options.Params.Integer(limitParam);
            before = Math.Min(before, cap);
            after = Math.Min(after, cap);
        }
        if (options.Interactive && need.InteractiveLimit is { } draft)
        {
            before = Math.Min(before, draft);
            after = Math.Min(after, draft);
        }
        return (Math.Max(0, before), Math.Max(0, after));
    }

    // Effects that extend a shot say by how many frames and on which side through two of their params.
    private static (int Frames, bool After)? Extension(PlanOptions options) =>
        options.Effect.Extends is { } extends
            ? (options.Params.Integer(extends.FramesParam),
               !string.Equals(options.Params.Choice(extends.DirectionParam), TimeExtension.Before, StringComparison.Ordinal))
            : null;
}
