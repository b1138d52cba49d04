using System.Diagnostics;
using System.Runtime.InteropServices;
using OpenCvSharp;
using Runway.Looks;

namespace Runway.Effects.Engines.Looks;

/// <summary>What to learn a look from and where to write it (a daemon job or an in-process run).</summary>
public sealed record LookLearnJob
{
    /// <summary>Ungraded stills, paired in order with <see cref="After"/>.</summary>
    public IReadOnlyList<string> Before { get; init; } = [];

    /// <summary>Graded versions of the <see cref="Before"/> stills (same sizes).</summary>
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary>Mood-board reference stills (instead of pairs).</summary>
    public IReadOnlyList<string> MoodBoard { get; init; } = [];

    /// <summary>With a mood board: stills of the footage to match to the board.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>LUT nodes per axis.</summary>
    public int Size { get; init; } = 33;

    /// <summary>Input shaper text (<see cref="InputShaper.Parse"/>); null or "none" = none. Pairs only.</summary>
    public string? Shaper { get; init; }

    /// <summary>Pair-fit smoothness; null = the fitter's default (or the cross-validated choice).</summary>
    public double? Smoothness { get; init; }

    /// <summary>The .cube or .3dl file to write (format by extension).</summary>
    public required string OutputPath { get; init; }

    /// <summary>TITLE in the file; null = the output file's name.</summary>
    public string? Title { get; init; }

    /// <summary>
    /// Pairs from different photos that the look must carry beyond: fit with the tone-curve prior and choose lattice
    /// size, smoothness and prior weight by leave-one-photo-out cross-validation (<see cref="LutFitter.GeneralisingCandidates"/>); the result is resampled to <see cref="Size"/>.
    /// </summary>
    public bool Generalise { get; init; }
}

/// <summary>Progress of a learning job: fraction of the whole job (0..1) and the stage it is in.</summary>
public sealed record LookLearnProgress(double Fraction, string Stage);

/// <summary>What a learning job produced.</summary>
/// <param name="OutputPath">The file written.</param>
/// <param name="Size">Nodes per axis of the written lattice.</param>
/// <param name="Kind">"pairs" or "moodboard".</param>
/// <param name="Samples">Pairs the fit used (0 for a mood board).</param>
/// <param name="RmsResidual">RMS |LUT(before) − after| over the fitted pairs (code values).</param>
/// <param name="MedianResidual">Median of the same.</param>
/// <param name="Outliers">Pairs the robust weighting down-weighted.</param>
/// <param name="MeanDeltaE2000">Mean ΔE2000 of the look applied to the before stills vs the after stills (sRGB code values read).</param>
/// <param name="Seconds">Wall time of the whole job.</param>
/// <param name="Note">What was learned, in words.</param>
public sealed record LookLearnResult(string OutputPath, int Size, string Kind, int Samples, double RmsResidual, double MedianResidual,
    int Outliers, double MeanDeltaE2000, double Seconds, string Note);

/// <summary>
/// Learns a look from before/after stills or a mood board and writes it (.cube, Resolve dialect, or .3dl):
/// the work behind <c>runway looks learn</c> (in process, or with --daemon through Looks.Learn). Input is checked
/// before any work (<see cref="Validate"/>), so bad jobs fail at once with a message that names the file or value.
/// </summary>
public static class LookLearner
{
    /// <summary>Stages reported in <see cref="LookLearnProgress.Stage"/>.</summary>
    public const string StageLoading = "loading", StageCrossValidating = "cross-validating", StageFitting = "fitting", StageWriting = "writing", StageDone = "done";

    /// <summary>Checks a job without loading pixels; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static InputShaper? Validate(LookLearnJob job)
    {
        if (string.IsNullOrWhiteSpace(job.OutputPath)) throw new ArgumentException("no output path: give a .cube or .3dl file to write");
        if (!job.OutputPath.EndsWith(".cube", StringComparison.OrdinalIgnoreCase) && !LookFiles.IsThreeDl(job.OutputPath))
            throw new ArgumentException($"output '{job.OutputPath}' must end in .cube or .3dl");
        var folder = Path.GetDirectoryName(Path.GetFullPath(job.OutputPath));
        if (folder is not null && !Directory.Exists(folder)) throw new ArgumentException($"output folder '{folder}' does not exist");
        if (job.Size is < 2 or > CubeFormat.MaxSize3D) throw new ArgumentException($"size {job.Size} is outside 2..{CubeFormat.MaxSize3D} (17, 33 or 65 are usual)");
        if (job.Before.Count != job.After.Count)
            throw new ArgumentException($"{job.Before.Count} before but {job.After.Count} after stills; give them in pairs");
        if ((job.Before.Count == 0) == (job.MoodBoard.Count == 0))
            throw new ArgumentException("give either before/after pairs or mood-board stills");
        if (job.Sources.Count > 0 && job.MoodBoard.Count == 0) throw new ArgumentException("source stills go with a mood board");
        if (job.Smoothness is { } s && !(s >= 0 && double.IsFinite(s))) throw new ArgumentException($"smoothness {s} must be a finite number ≥ 0");
        InputShaper? shaper;
        try
        {
            shaper = InputShaper.Parse(job.Shaper ?? "none");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"unknown shaper: {e.Message}", e);
        }
        if (shaper is not null && job.MoodBoard.Count > 0)
            throw new ArgumentException("a shaper applies to before/after pairs; a mood-board look works on 0..1 stills");
        if (job.Generalise && job.Before.Count < 2) throw new ArgumentException("generalise needs at least 2 before/after pairs (it cross-validates over them)");
        foreach (var file in job.Before.Concat(job.After).Concat(job.MoodBoard).Concat(job.Sources))
        {
            if (!File.Exists(file)) throw new ArgumentException($"image '{file}' does not exist");
        }
        return shaper;
    }

    /// <summary>
    /// Runs a job: validate, load, fit (cancellable), write. Reports progress as it goes. The one implementation behind
    /// both the daemon's Looks.Learn and the in-process <c>runway looks learn</c>.
    /// </summary>
    /// <param name="job">What to learn from and where to write it.</param>
    /// <param name="progress">Receives the stage and fraction done (synchronously, in order).</param>
    /// <param name="cancellationToken">Stops loading or fitting; nothing is written once cancelled.</param>
    /// <param name="loadStill">Reads one still as tightly packed RGBA float code values (default <see cref="LoadStill"/>);
    /// the command line passes its own reader, which also knows its PAM files.</param>
    /// <exception cref="ArgumentException">Bad input: missing or undecodable file, size mismatch, unknown shaper …</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing is written.</exception>
    public static LookLearnResult Learn(LookLearnJob job, IProgress<LookLearnProgress>? progress = null, CancellationToken cancellationToken = default,
        Func<string, (int Width, int Height, float[] Pixels)>? loadStill = null)
    {
        loadStill ??= LoadStill;
        var shaper = Validate(job);
        var clock = Stopwatch.StartNew();
        var files = job.Before.Count + job.After.Count + job.MoodBoard.Count + job.Sources.Count;
        var loaded = 0;
        float[] Load(string path, out int width, out int height)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (w, h, pixels) = loadStill(path);
            width = w;
            height = h;
            progress?.Report(new LookLearnProgress(0.2 * ++loaded / files, StageLoading));
            return pixels;
        }

        Lut3D lut;
        string kind, note;
        LutFitReport? report = null;
        double meanDeltaE = 0;
        if (job.MoodBoard.Count > 0)
        {
            var references = job.MoodBoard.Select(f => Load(f, out _, out _)).ToArray();
            var sources = job.Sources.Select(f => Load(f, out _, out _)).ToArray();
            progress?.Report(new LookLearnProgress(0.2, StageFitting));
            cancellationToken.ThrowIfCancellationRequested();
            lut = MoodBoard.Fit(references, job.Size, sources, step: 2);
            kind = "moodboard";
            note = $"mood board look from {references.Length} reference still(s){(sources.Length > 0 ? $" matched to {sources.Length} source still(s)" : "")}";
        }
        else
        {
            var samples = new LookSamples();
            var befores = new List<float[]>();
            var afters = new List<float[]>();
            for (var i = 0; i < job.Before.Count; i++)
            {
                var b = Load(job.Before[i], out var bw, out var bh);
                var a = Load(job.After[i], out var aw, out var ah);
                if (aw != bw || ah != bh)
                    throw new ArgumentException($"'{job.Before[i]}' is {bw}x{bh} but '{job.After[i]}' is {aw}x{ah}; pairs must be aligned stills of one size");
                samples.AddImages(b, a);
                befores.Add(b);
                afters.Add(a);
            }
            var fitSamples = shaper is null ? samples : samples.Shaped(shaper);
            var options = new LutFitOptions { Size = job.Size };
            var fitStart = 0.2;
            if (job.Generalise)
            {
                // The candidates fit in Oklab, which reads pairs as sRGB code values; after a shaper the pairs are
                // lattice coordinates, so the same settings are fitted in those instead.
                var candidates = shaper is null
                    ? LutFitter.GeneralisingCandidates
                    : LutFitter.GeneralisingCandidates.Select(c => c with { Space = LutFitSpace.CodeValues }).ToList();
                var (best, _) = LutFitter.CrossValidate(fitSamples, candidates, cancellationToken,
                    new Progress(p => progress?.Report(new LookLearnProgress(0.2 + 0.5 * p, StageCrossValidating))));
                options = best;
                fitStart = 0.7;
            }
            if (job.Smoothness is { } alpha) options = options with { Smoothness = alpha };
            progress?.Report(new LookLearnProgress(fitStart, StageFitting));
            var (fitted, fitReport) = LutFitter.Fit(fitSamples, options, cancellationToken,
                new Progress(p => progress?.Report(new LookLearnProgress(fitStart + (0.95 - fitStart) * p, StageFitting))));
            // A generalising fit is solved on its own coarse lattice (what was validated) and then sampled at the size
            // asked for, which reproduces it (tetrahedral interpolation of a piecewise-linear function on a finer grid).
            lut = fitted.Size == job.Size ? fitted : Lut3D.FromFunction(job.Size, fitted.Apply, fitted.DomainMin, fitted.DomainMax);
            report = fitReport;
            kind = "pairs";
            var scoring = new Look(null, lut).WithInputShaper(shaper);
            double sum = 0;
            var n = 0;
            for (var i = 0; i < befores.Count; i++)
            {
                var applied = new float[befores[i].Length];
                scoring.Apply(befores[i], applied, befores[i].Length / 4, 1, cancellationToken: cancellationToken);
                var pixels = befores[i].Length / 4;
                sum += ColorSpaces.MeanDeltaE2000(applied, afters[i], step: Math.Max(1, pixels / 50_000));
                n++;
            }
            meanDeltaE = sum / n;
            note = $"learned from {job.Before.Count} before/after pair(s){(job.Generalise ? $" (generalised: {options.Size}³ in {(options.Space == LutFitSpace.Oklab ? "Oklab" : "code values")} on a {options.ToneCurveBins}-bin tone-curve prior, smoothness {options.Smoothness:g}, prior weight {options.PriorWeight:g}, chosen by leave-one-photo-out)" : "")}: " +
                   $"{fitReport.Samples} samples, rms residual {fitReport.RmsResidual:F4}, mean ΔE2000 {meanDeltaE:F2}";
        }

        cancellationToken.ThrowIfCancellationRequested();
        progress?.Report(new LookLearnProgress(0.95, StageWriting));
        var title = job.Title ?? Path.GetFileNameWithoutExtension(job.OutputPath);
        var look = new Look(null, lut, title, [$"runway looks learn: {note}"]).WithInputShaper(shaper);
        if (LookFiles.IsThreeDl(job.OutputPath)) ThreeDlFormat.Write(job.OutputPath, look);
        else CubeFormat.Write(job.OutputPath, look, CubeDialect.Resolve);
        progress?.Report(new LookLearnProgress(1, StageDone));
        return new LookLearnResult(Path.GetFullPath(job.OutputPath), job.Size, kind, report?.Samples ?? 0, report?.RmsResidual ?? 0,
            report?.MedianResidual ?? 0, report?.Outliers ?? 0, meanDeltaE, clock.Elapsed.TotalSeconds, note);
    }

    /// <summary>A still as RGBA float code values (8-bit /255, 16-bit /65535, float as stored), tightly packed.</summary>
    /// <exception cref="ArgumentException">Missing or undecodable.</exception>
    public static (int Width, int Height, float[] Pixels) LoadStill(string path)
    {
        using var raw = Cv2.ImRead(path, ImreadModes.Unchanged);
        if (raw.Empty()) throw new ArgumentException($"cannot decode image '{path}' (missing, corrupt or unsupported format)");
        using var rgba = new Mat();
        switch (raw.Channels())
        {
            case 1: Cv2.CvtColor(raw, rgba, ColorConversionCodes.GRAY2RGBA); break;
            case 3: Cv2.CvtColor(raw, rgba, ColorConversionCodes.BGR2RGBA); break;
            case 4: Cv2.CvtColor(raw, rgba, ColorConversionCodes.BGRA2RGBA); break;
            default: throw new ArgumentException($"image '{path}' has {raw.Channels()} channels; 1, 3 or 4 are supported");
        }
        return RgbaPixels(rgba);
    }

    /// <summary>
    /// A decoded 4-channel RGBA image as tightly packed float code values: 8-bit /255, 16-bit /65535, float as stored
    /// (the encoding a look is fitted and applied in).
    /// </summary>
    public static (int Width, int Height, float[] Pixels) RgbaPixels(Mat rgba)
    {
        if (rgba.Channels() != 4) throw new ArgumentException($"expected an RGBA image, got {rgba.Channels()} channels", nameof(rgba));
        var scale = rgba.Depth() switch { MatType.CV_8U => 1 / 255.0, MatType.CV_16U => 1 / 65535.0, _ => 1.0 };
        // ConvertTo allocates its output, so it is one continuous block.
        using var f = new Mat();
        rgba.ConvertTo(f, MatType.CV_32FC4, scale);
        var pixels = new float[f.Rows * f.Cols * 4];
        Marshal.Copy(f.Data, pixels, 0, pixels.Length);
        return (f.Cols, f.Rows, pixels);
    }

    /// <summary>Synchronous progress relay (System.Progress posts to the thread pool, which would reorder reports).</summary>
    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
