namespace Runway.Effects.Definitions;

/// <summary>
/// Extend shot: makes new frames past a clip's last frame (or before its first) by carrying the camera's motion on,
/// or by holding, looping or ping-ponging the clip's end. Inside the source range the effect is the identity.
/// The constants below are the effect's whole public face: the OFX shim, the CLI and the daemon all read them.
/// </summary>
public static class ExtendShotDefinition
{
    public const string Id = "com.runwayml.extend-shot";
    public const string Label = "Extend Shot";
    public const string Group = "Runway";
    public const string Description =
        "Generates frames beyond the clip's last frame (or before its first): the clip's time range grows by the number of " +
        "frames asked for. Extrapolate carries the camera's motion on (tracked over the last frames, slowed by the damping) " +
        "and fills what comes into view; Hold freezes the end frame; Loop and Ping-pong repeat the frames at the clip's end. " +
        "Inside the clip the source passes through untouched. Works on scene-linear float without clipping.";
    public const int VersionMajor = 1;
    public const int VersionMinor = 0;

    public const string ClipSource = "Source";

    public const string ParamFrames = "frames";
    public const string ParamFramesLabel = "Frames";
    public const string ParamFramesHint = "How many frames to add to the clip.";

    /// <summary>Most frames one instance adds (about 25 s at 24 fps): extrapolated motion means little beyond that.</summary>
    public const int MaxFrames = 600;

    public const string ParamDirection = "direction";
    public const string ParamDirectionLabel = "Direction";
    public const string ParamDirectionHint = "After: new frames follow the clip's last frame. Before: new frames precede its first.";

    public const string ParamMode = "mode";
    public const string ParamModeLabel = "Mode";
    public const string ParamModeHint =
        "Extrapolate: continue the camera's motion and fill what comes into view. Hold: freeze the end frame. " +
        "Loop: repeat the History frames at the clip's end, end frame included, in playback order. " +
        "Ping-pong: play those same frames backwards from the end frame, then forwards again. " +
        "Loop and Ping-pong only ever use that History window (at most 24 frames), never the rest of the clip.";
    public const string ModeExtrapolate = "extrapolate";
    public const string ModeHold = "hold";
    public const string ModeLoop = "loop";
    public const string ModePingPong = "ping-pong";

    public const string ParamDamping = "damping";
    public const string ParamDampingLabel = "Motion Damping";
    public const string ParamDampingHint =
        "How quickly the extrapolated motion slows down: each new frame keeps (1 - damping) of the previous frame's motion. " +
        "0 keeps the camera moving at its last speed; 1 stops it at once (a hold).";

    public const string ParamHistory = "history";
    public const string ParamHistoryLabel = "History";
    public const string ParamHistoryHint =
        "Frames at the clip's end whose motion is analysed, the nearest three also blended into final renders where they agree (Extrapolate), " +
        "or the window that is repeated (Loop, Ping-pong: History frames before the end frame plus the end frame). " +
        "More frames steady the motion estimate; fewer follow a late change of speed.";

    /// <summary>Most history frames, and so the frames needed from the host on the extended side.</summary>
    public const int MaxHistory = 24;

    /// <summary>History of interactive renders: enough pairs for a steady motion estimate, few frames to fetch.</summary>
    public const int InteractiveHistory = 4;

    public const string ParamTailBlend = "tailBlend";
    public const string ParamTailBlendLabel = "Blend To Tail";
    public const string ParamTailBlendHint =
        "Extrapolate only: the fraction of the new frames, at their far end, over which the extrapolated picture " +
        "cross-fades into the held end frame, so a long extension settles on real pixels. 0 = pure extrapolation.";

    /// <summary>The definition described to hosts.</summary>
    public static readonly EffectDefinition Definition = new(
        Id, Label, Group, Description, VersionMajor, VersionMinor,
        Contexts: [EffectContext.Filter, EffectContext.General],
        Clips:
        [
            new ClipDefinition(ClipSource, "Source", Optional: false, IsMask: false, Components: ["RGBA", "RGB", "Alpha"]),
        ],
        Params:
        [
            new ParamDefinition(ParamFrames, ParamFramesLabel, ParamKind.Integer, ParamFramesHint, 48L,
                Min: 1, Max: MaxFrames, DisplayMin: 1, DisplayMax: 240, Animates: false),
            new ParamDefinition(ParamDirection, ParamDirectionLabel, ParamKind.Choice, ParamDirectionHint, TimeExtension.After,
                Options:
                [
                    new ChoiceOption(TimeExtension.After, "After"),
                    new ChoiceOption(TimeExtension.Before, "Before"),
                ],
                Animates: false),
            new ParamDefinition(ParamMode, ParamModeLabel, ParamKind.Choice, ParamModeHint, ModeExtrapolate,
                Options:
                [
                    new ChoiceOption(ModeExtrapolate, "Extrapolate"),
                    new ChoiceOption(ModeHold, "Hold"),
                    new ChoiceOption(ModeLoop, "Loop"),
                    new ChoiceOption(ModePingPong, "Ping-pong"),
                ],
                Animates: false),
            new ParamDefinition(ParamDamping, ParamDampingLabel, ParamKind.Double, ParamDampingHint, 0.1,
                Min: 0, Max: 1, DisplayMin: 0, DisplayMax: 1, Animates: false),
            new ParamDefinition(ParamHistory, ParamHistoryLabel, ParamKind.Integer, ParamHistoryHint, 6L,
                Min: 1, Max: MaxHistory, DisplayMin: 1, DisplayMax: MaxHistory, Animates: false),
            new ParamDefinition(ParamTailBlend, ParamTailBlendLabel, ParamKind.Double, ParamTailBlendHint, 0.0,
                Min: 0, Max: 1, DisplayMin: 0, DisplayMax: 1, Animates: false),
        ],
        // Extending after needs the frames before the last one, extending before the frames after the first one.
        FramesNeeded: new FramesNeeded(MaxHistory, MaxHistory, ParamHistory, InteractiveHistory),
        ThreadSafety: ThreadSafety.FullySafe,
        Extends: new TimeExtension(ParamFrames, ParamDirection));
}
