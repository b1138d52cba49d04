using System.Buffers;
using OpenCvSharp;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Synthesis;

/// <summary>How a patch-based fill runs.</summary>
/// <param name="Seed">Seed of the random initialisation; the same seed and inputs give the same fill.</param>
/// <param name="Variation">0 = the most likely fill; higher values pick among other plausible fills.</param>
/// <param name="Draft">Interactive fast path: reduced resolution and fewer iterations.</param>
public sealed record PatchFillOptions(int Seed = 0, double Variation = 0, bool Draft = false)
{
    /// <summary>Patch side in working pixels (odd; even values are rounded up). Default 7.</summary>
    public int PatchSize { get; init; } = 7;

    /// <summary>Search-and-vote rounds per pyramid level of a final render (drafts use <see cref="PatchFill.DraftIterations"/>).</summary>
    public int Iterations { get; init; } = 4;

    /// <summary>
    /// A field from an earlier fill (e.g. the previous frame's, moved by flow with <see cref="PatchField.Warp"/>) to start
    /// from instead of a random one: the fill then runs only at the working resolution, from that field, so the result
    /// stays close to the earlier one where the picture did not change. Null = seed-initialised coarse-to-fine fill.
    /// </summary>
    public PatchField? Initial { get; init; }

    /// <summary>
    /// Weight of the structure guide in the patch distance (0 = off, the plain fill). When above 0 every level carries a
    /// guide: for known pixels a local mean of the colour, for hole pixels the membrane fill (<see cref="MembraneFill"/>) of
    /// those means from the hole's border; a candidate patch pays this weight × the squared difference between its guide
    /// and the target's, so the patches chosen follow the smooth structure the surroundings predict instead of wandering.
    /// The coarsest level also starts from the membrane fill instead of a blur.
    /// </summary>
    public double StructureGuidance { get; init; }

    /// <summary>
    /// Weight of the texture guide in the patch distance (0 = off): as <see cref="StructureGuidance"/>, for the local
    /// detail strength (root mean square of colour minus its local mean). Hole pixels expect the strength the border
    /// has, so flat patches, which otherwise win against a blurred first guess and make flat polygons, lose where the
    /// surroundings are textured.
    /// </summary>
    public double TextureGuidance { get; init; }

    /// <summary>
    /// How sharply voting prefers good matches: each overlapping patch votes with weight exp(−distance ÷ (mean distance ÷
    /// this)). 1 = the plain fill's weights; higher values approach taking the best patch only (mean-shift-like), which
    /// keeps texture that an average of misaligned patches would wash out.
    /// </summary>
    public double VoteSharpness { get; init; } = 1;
}

/// <summary>What a fill did.</summary>
/// <param name="Filled">Hole pixels written.</param>
/// <param name="Levels">Pyramid levels the fill ran on.</param>
/// <param name="WorkingScale">Working resolution of the finest level relative to the image (1 = full).</param>
/// <param name="FromInitial">Whether the fill started from <see cref="PatchFillOptions.Initial"/>.</param>
/// <param name="Field">The nearest-neighbour field of the finest level, in image coordinates, for the next frame.</param>
public sealed record PatchFillResult(int Filled, int Levels, double WorkingScale, bool FromInitial, PatchField? Field);

/// <summary>
/// A nearest-neighbour field over a region of an image, on a grid of <see cref="GridWidth"/>×<see cref="GridHeight"/>
/// cells (the working resolution of the fill that made it): for each cell, which source the best patch came from
/// (0 = the image itself, 1 = the reference, <see cref="None"/> = not part of the fill) and the offset from the cell
/// to that patch's centre, in full-resolution pixels. Immutable once built.
/// </summary>
public sealed class PatchField
{
    /// <summary>Source value of cells that are not part of the field.</summary>
    public const byte None = 255;

    internal PatchField(Rect region, int gridWidth, int gridHeight, byte[] sources, float[] offsets)
    {
        Region = region;
        GridWidth = gridWidth;
        GridHeight = gridHeight;
        Sources = sources;
        Offsets = offsets;
    }

    /// <summary>Region of the image the field covers, in full-resolution pixels.</summary>
    public Rect Region { get; }

    /// <summary>Cells across.</summary>
    public int GridWidth { get; }

    /// <summary>Cells down.</summary>
    public int GridHeight { get; }

    internal byte[] Sources { get; }

    // dx, dy per cell, interleaved, in full-resolution pixels.
    internal float[] Offsets { get; }

    /// <summary>The cell holding image pixel (x, y), or -1 outside the region.</summary>
    internal int CellAt(int x, int y)
    {
        if (!Region.Contains(x, y)) return -1;
        var gx = Math.Min(GridWidth - 1, (int)((x - Region.X) * (long)GridWidth / Region.Width));
        var gy = Math.Min(GridHeight - 1, (int)((y - Region.Y) * (long)GridHeight / Region.Height));
        return gy * GridWidth + gx;
    }

    /// <summary>Source index at image pixel (x, y), or <see cref="None"/>.</summary>
    public byte SourceAt(int x, int y) => CellAt(x, y) is var c and >= 0 ? Sources[c] : None;

    /// <summary>
    /// The field moved to another frame of the same size: <paramref name="flowToThis"/> (CV_32FC2, in its own pixels,
    /// any size; scaled to the image of <paramref name="imageWidth"/>×<paramref name="imageHeight"/>) gives for each pixel
    /// p of the new frame where it lies in the frame this field belongs to (p + flow). Each cell of the same grid takes
    /// the entry found there, keeping its offset, so content that moved with the picture keeps copying the same patches.
    /// </summary>
    public PatchField Warp(Mat flowToThis, int imageWidth, int imageHeight)
    {
        ArgumentNullException.ThrowIfNull(flowToThis);
        var n = GridWidth * GridHeight;
        var sources = new byte[n];
        var offsets = new float[n * 2];
        Array.Fill(sources, None);
        var view = new Temporal.MatView(flowToThis);
        var sx = view.Cols / (float)imageWidth;
        var sy = view.Rows / (float)imageHeight;
        for (var gy = 0; gy < GridHeight; gy++)
        {
            var y = Region.Y + (gy + 0.5f) * Region.Height / GridHeight;
            var fy = Math.Clamp((int)(y * sy), 0, view.Rows - 1);
            var row = view.Row<float>(fy, 2);
            for (var gx = 0; gx < GridWidth; gx++)
            {
                var x = Region.X + (gx + 0.5f) * Region.Width / GridWidth;
                var fx = Math.Clamp((int)(x * sx), 0, view.Cols - 1);
                // Flow is in flow-resolution pixels: scale back to the image.
                var c = CellAt((int)(x + row[fx * 2] / sx), (int)(y + row[fx * 2 + 1] / sy));
                if (c < 0 || Sources[c] == None) continue;
                var o = gy * GridWidth + gx;
                sources[o] = Sources[c];
                offsets[o * 2] = Offsets[c * 2];
                offsets[o * 2 + 1] = Offsets[c * 2 + 1];
            }
        }
        return new PatchField(Region, GridWidth, GridHeight, sources, offsets);
    }
}

/// <summary>Exemplar-based hole filling shared by generative fill and extend shot.</summary>
/// <remarks>
/// <para>The method is PatchMatch (Barnes et al. 2009) inside the coarse-to-fine expectation-maximisation of Wexler et
/// al. 2007: for every patch that overlaps the hole, a nearest-neighbour field points at the most similar fully-known
/// patch of the image (or anywhere in the reference); each hole pixel then becomes the weighted average of what every
/// overlapping patch's match says it should be (voting, weights falling with match distance), and the two steps repeat.
/// The pyramid starts where the hole is a few patches across, so large structures are settled coarse and refined fine.</para>
/// <para>Matching compares the square root of the linear colour (closer to how differences are seen, and it keeps
/// highlights from dominating); voting averages the linear RGBA values themselves, so values above 1 pass through
/// untouched. Only the hole's bounding box grown by about half its size is searched, which keeps large frames with
/// small holes cheap.</para>
/// <para>Determinism: every random choice is a hash of (seed, level, iteration, pixel), and the scan is sequential, so a
/// seed and inputs give the same fill whatever the thread or order. Variation adds a seeded, per-source-location cost to
/// each candidate, so higher values steer matches to other, nearly-as-good regions.</para>
/// <para>Guidance (<see cref="PatchFillOptions.StructureGuidance"/>, <see cref="PatchFillOptions.TextureGuidance"/>):
/// left alone, the EM iteration drifts to flat patches, because a blurred first guess matches flat sources best and
/// voting blurs again; guided, each candidate also pays for disagreeing with what the border predicts at the target
/// (its local mean colour and local detail strength, diffused into the hole by a membrane fill), so the fill keeps the
/// surroundings' structure and texture strength. With <see cref="PatchFillOptions.VoteSharpness"/> above 1 voting
/// follows the best of the overlapping patches instead of their average.</para>
/// </remarks>
public static class PatchFill
{
    /// <summary>Largest side of the working region of a draft fill; the fill is upsampled from it.</summary>
    public const int DraftMaxSide = 200;

    /// <summary>Search-and-vote rounds per level of a draft fill.</summary>
    public const int DraftIterations = 2;

    // A level needs at least this many fully-known patches to start the fill from.
    private const int MinSources = 256;

    // Coarsest level: hole at least this many patches across, region at least this many pixels.
    private const int CoarsestRegion = 48;

    /// <summary>
    /// Fills, in place, the pixels of <paramref name="image"/> where <paramref name="hole"/> (CV_8UC1, same size,
    /// non-zero = fill) is set, with patches taken from the rest of the image and from <paramref name="reference"/>
    /// (any size; null = none). Float RGBA, values above 1 kept; alpha filled like colour.
    /// </summary>
    public static void Fill(FloatImage image, Mat hole, FloatImage? reference, PatchFillOptions options, CancellationToken cancellationToken)
        => Run(image, hole, reference, options, cancellationToken);

    /// <summary>As <see cref="Fill"/>, and reports what was done, including the finest nearest-neighbour field.</summary>
    public static PatchFillResult Run(FloatImage image, Mat hole, FloatImage? reference, PatchFillOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(hole);
        ArgumentNullException.ThrowIfNull(options);
        if (hole.Type() != MatType.CV_8UC1 || hole.Cols != image.Width || hole.Rows != image.Height)
            throw new ArgumentException($"hole must be CV_8UC1 {image.Width}x{image.Height}, is {hole.Type()} {hole.Cols}x{hole.Rows}", nameof(hole));
        cancellationToken.ThrowIfCancellationRequested();

        using var holeCopy = hole.IsContinuous() ? null : hole.Clone();
        var holeMat = holeCopy ?? hole;
        var box = Cv2.BoundingRect(holeMat);
        if (box.Width == 0 || box.Height == 0) return new PatchFillResult(0, 0, 1, false, null);

        var patch = Math.Clamp(options.PatchSize | 1, 3, 31);
        var radius = patch / 2;
        var grow = Math.Max(box.Width, box.Height) / 2 + patch * 2;
        var roi = HoleRegions.Grow(box, grow, image.Width, image.Height);

        var scale = 1.0;
        if (options.Draft && Math.Max(roi.Width, roi.Height) > DraftMaxSide) scale = DraftMaxSide / (double)Math.Max(roi.Width, roi.Height);
        var iterations = options.Draft ? DraftIterations : Math.Max(1, options.Iterations);

        using var roiValues = new Mat(roi.Height, roi.Width, MatType.CV_32FC4);
        CopyIn(image, roi, roiValues);
        using var roiHole = new Mat(holeMat, roi);

        // Level sizes, finest first.
        var sizes = new List<Size> { new((int)Math.Max(patch + 1, Math.Round(roi.Width * scale)), (int)Math.Max(patch + 1, Math.Round(roi.Height * scale))) };
        var holeSide = Math.Max(box.Width, box.Height) * scale;
        if (options.Initial is null)
        {
            while (true)
            {
                var last = sizes[^1];
                var next = new Size((last.Width + 1) / 2, (last.Height + 1) / 2);
                holeSide /= 2;
                if (Math.Min(next.Width, next.Height) < CoarsestRegion || holeSide < 2 * patch) break;
                sizes.Add(next);
            }
        }

        var usedLevels = sizes.Count;
        var state = new Search(options, radius, reference is not null);
        using var refFull = reference is null ? null : new Mat(reference.Height, reference.Width, MatType.CV_32FC4);
        if (reference is not null) CopyIn(reference, new Rect(0, 0, reference.Width, reference.Height), refFull!);

        Level? coarser = null;
        try
        {
            for (var l = sizes.Count - 1; l >= 0; l--)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var levelScale = sizes[l].Width / (double)roi.Width;
                var level = new Level(roiValues, roiHole, sizes[l], radius);
                if (coarser is null && l > 0 && level.FullyKnownSources < MinSources && reference is null)
                {
                    // So little is known at this scale that the patches would mostly copy the hole's own guess:
                    // start at the next finer level instead.
                    level.Dispose();
                    usedLevels--;
                    continue;
                }
                if (refFull is not null) level.SetReference(refFull, levelScale, radius, roi);
                try
                {
                    if (state.Guided) level.BuildGuide(radius, cancellationToken);
                    if (coarser is null)
                    {
                        if (options.Initial is { } initial && InitFromField(level, initial, roi, levelScale, state)) { }
                        else if (level.RefValues is not null)
                        {
                            // With a reference, start from its own spot for every pixel: exact for a clean plate, and
                            // the search moves away from it wherever the reference does not line up.
                            state.IdentityInit(level, l);
                            level.FillHoleFromField(state);
                        }
                        else
                        {
                            level.FillHoleSmooth();
                            // Guided: the membrane of the border is a closer first guess than a blur (its structure is
                            // what the guide asks the patches to follow).
                            if (state.Guided) level.FillHoleMembrane(cancellationToken);
                            state.RandomInit(level, l);
                        }
                    }
                    else
                    {
                        // Upsample the field, not the picture: copying from the matches keeps the detail a blurred
                        // coarse fill would lose, so fine texture is not out-voted by smooth patches.
                        state.Upsample(level, coarser, l);
                        level.FillHoleFromField(state);
                    }
                    level.UpdateFeatures();
                    state.ComputeCosts(level);
                    for (var it = 0; it < iterations; it++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        state.Pass(level, l, it, cancellationToken);
                        state.Vote(level);
                        level.UpdateFeatures();
                        state.ComputeCosts(level);
                    }
                }
                catch
                {
                    level.Dispose();
                    throw;
                }
                coarser?.Dispose();
                coarser = level;
            }
            var finest = coarser!;
            var filled = WriteBack(finest, image, roi, roiHole);
            var field = ExportField(finest, roi, state);
            return new PatchFillResult(filled, usedLevels, scale, options.Initial is not null, field);
        }
        finally
        {
            coarser?.Dispose();
        }
    }

    private static unsafe void CopyIn(FloatImage image, Rect roi, Mat dst)
    {
        var basePtr = (float*)dst.DataPointer;
        for (var y = 0; y < roi.Height; y++)
            image.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4).CopyTo(new Span<float>(basePtr + (long)y * roi.Width * 4, roi.Width * 4));
    }

    private static unsafe int WriteBack(Level finest, FloatImage image, Rect roi, Mat roiHole)
    {
        using var up = new Mat();
        var values = finest.Values;
        if (finest.W != roi.Width || finest.H != roi.Height)
        {
            Cv2.Resize(finest.Values, up, new Size(roi.Width, roi.Height), 0, 0, InterpolationFlags.Linear);
            values = up;
        }
        var src = (float*)values.DataPointer;
        var hv = new Temporal.MatView(roiHole);
        var count = 0;
        for (var y = 0; y < roi.Height; y++)
        {
            var h = hv.Row<byte>(y);
            var dst = image.Row(roi.Y + y).Slice(roi.X * 4, roi.Width * 4);
            var s = src + (long)y * roi.Width * 4;
            for (var x = 0; x < roi.Width; x++)
            {
                if (h[x] == 0) continue;
                dst[x * 4] = s[x * 4];
                dst[x * 4 + 1] = s[x * 4 + 1];
                dst[x * 4 + 2] = s[x * 4 + 2];
                dst[x * 4 + 3] = s[x * 4 + 3];
                count++;
            }
        }
        return count;
    }

    private static PatchField ExportField(Level level, Rect roi, Search state)
    {
        var n = level.W * level.H;
        var sources = new byte[n];
        var offsets = new float[n * 2];
        Array.Fill(sources, PatchField.None);
        var fx = level.W / (double)roi.Width;
        var fy = level.H / (double)roi.Height;
        var rfx = level.RefW > 0 && level.RefFull is { } rf ? level.RefW / (double)rf.Width : 1;
        var rfy = level.RefH > 0 && level.RefFull is { } rf2 ? level.RefH / (double)rf2.Height : 1;
        for (var i = 0; i < n; i++)
        {
            if (level.Target[i] == 0) continue;
            int x = i % level.W, y = i / level.W;
            sources[i] = state.Src[i];
            // Offsets in full-resolution pixels (the reference's own full resolution for reference matches).
            var s = state.Src[i];
            offsets[i * 2] = (float)(s == 0 ? (state.Sx[i] - x) / fx : state.Sx[i] / rfx - (roi.X + x / fx));
            offsets[i * 2 + 1] = (float)(s == 0 ? (state.Sy[i] - y) / fy : state.Sy[i] / rfy - (roi.Y + y / fy));
        }
        return new PatchField(roi, level.W, level.H, sources, offsets);
    }

    private static bool InitFromField(Level level, PatchField field, Rect roi, double levelScale, Search state)
    {
        state.Allocate(level);
        var any = false;
        var n = level.W * level.H;
        var rfx = level.RefFull is { } rf ? level.RefW / (double)rf.Width : 1;
        var rfy = level.RefFull is { } rf2 ? level.RefH / (double)rf2.Height : 1;
        for (var i = 0; i < n; i++)
        {
            if (level.Target[i] == 0) continue;
            int x = i % level.W, y = i / level.W;
            var ix = roi.X + (int)((x + 0.5) / levelScale);
            var iy = roi.Y + (int)((y + 0.5) / levelScale);
            var c = field.CellAt(ix, iy);
            var ok = false;
            if (c >= 0 && field.Sources[c] is var s and not PatchField.None)
            {
                int sx, sy;
                if (s == 0)
                {
                    sx = (int)Math.Round(x + field.Offsets[c * 2] * levelScale);
                    sy = (int)Math.Round(y + field.Offsets[c * 2 + 1] * levelScale);
                }
                else
                {
                    sx = (int)Math.Round((ix + field.Offsets[c * 2]) * rfx);
                    sy = (int)Math.Round((iy + field.Offsets[c * 2 + 1]) * rfy);
                }
                ok = state.TrySet(level, i, s, sx, sy);
            }
            if (!ok) state.RandomOne(level, i, -1, 0);
            else any = true;
        }
        if (!any) return false;
        level.FillHoleFromField(state);
        return true;
    }

    /// <summary>One pyramid level: values, matching features and masks, in native Mats (no managed per-pixel allocation).</summary>
    internal sealed unsafe class Level : IDisposable
    {
        public readonly int W, H;
        public readonly Mat Values;     // CV_32FC4 linear RGBA
        public readonly Mat Features;   // CV_32FC3 sqrt colour
        public readonly byte[] Hole;    // 1 = hole
        public readonly byte[] Target;  // 1 = patch centred here overlaps the hole
        public readonly byte[] Valid;   // 1 = fully known patch centred here
        public readonly int[] ValidList;

        /// <summary>Fully-known patches at this level (before any fallback to partly-known ones).</summary>
        public readonly int FullyKnownSources;
        public Mat? RefValues, RefFeatures;
        public int RefW, RefH;
        public Size? RefFull;

        /// <summary>Guide values per pixel (<see cref="GuideChannels"/>): local mean colour, then local detail strength, in feature units.</summary>
        public Mat? Guide, RefGuide;

        // Data pointers read once: Mat.DataPointer is a P/Invoke, far too slow per patch.
        public float* V, F, RV, RF, G, RG;

        /// <summary>Values per pixel of <see cref="Guide"/>.</summary>
        public const int GuideChannels = 6;

        public Level(Mat roiValues, Mat roiHole, Size size, int radius)
        {
            W = size.Width;
            H = size.Height;
            Values = new Mat();
            if (size.Width == roiValues.Cols && size.Height == roiValues.Rows) roiValues.CopyTo(Values);
            else Cv2.Resize(roiValues, Values, size, 0, 0, InterpolationFlags.Area);
            Features = new Mat(size, MatType.CV_32FC3);
            V = (float*)Values.DataPointer;
            F = (float*)Features.DataPointer;
            using var hole = new Mat();
            // Any coverage makes a coarse pixel a hole, so no hole colour leaks into the known region.
            if (size.Width == roiHole.Cols && size.Height == roiHole.Rows) Cv2.Threshold(roiHole, hole, 0, 255, ThresholdTypes.Binary);
            else
            {
                Cv2.Resize(roiHole, hole, size, 0, 0, InterpolationFlags.Area);
                Cv2.Threshold(hole, hole, 0, 255, ThresholdTypes.Binary);
            }
            using var kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(2 * radius + 1, 2 * radius + 1));
            using var target = new Mat();
            Cv2.Dilate(hole, target, kernel);
            // A source patch must lie inside the level and hold no hole pixel: erode "known" with the patch, borders
            // counting as unknown.
            using var invalid = new Mat();
            Cv2.Dilate(hole, invalid, kernel, null, 1, BorderTypes.Constant, Scalar.All(255));
            Hole = ToFlags(hole);
            Target = ToFlags(target);
            Valid = ToFlags(invalid);
            for (var i = 0; i < Valid.Length; i++) Valid[i] = (byte)(1 - Valid[i]);
            // Too large a hole for any fully-known patch at this level: fall back to patches centred on known pixels.
            var count = 0;
            foreach (var v in Valid) count += v;
            FullyKnownSources = count;
            if (count == 0)
            {
                for (var y = radius; y < H - radius; y++)
                    for (var x = radius; x < W - radius; x++)
                        if (Hole[y * W + x] == 0) { Valid[y * W + x] = 1; count++; }
            }
            ValidList = new int[count];
            for (int i = 0, k = 0; i < Valid.Length; i++) if (Valid[i] != 0) ValidList[k++] = i;
        }

        /// <summary>Reference position (level pixels) of the same image point as level pixel x / y: a clean plate's own spot.</summary>
        public int RefXOf(int x) => (int)Math.Round((_roiX + (x + 0.5) / _levelScale) * _refScaleX - 0.5);

        public int RefYOf(int y) => (int)Math.Round((_roiY + (y + 0.5) / _levelScale) * _refScaleY - 0.5);

        private double _levelScale = 1, _refScaleX = 1, _refScaleY = 1;
        private int _roiX, _roiY;

        public void SetReference(Mat refFull, double levelScale, int radius, Rect roi)
        {
            var size = new Size(Math.Max(2 * radius + 2, (int)Math.Round(refFull.Cols * levelScale)), Math.Max(2 * radius + 2, (int)Math.Round(refFull.Rows * levelScale)));
            RefValues = new Mat();
            if (size.Width == refFull.Cols && size.Height == refFull.Rows) refFull.CopyTo(RefValues);
            else Cv2.Resize(refFull, RefValues, size, 0, 0, InterpolationFlags.Area);
            RefFeatures = new Mat(size, MatType.CV_32FC3);
            RefW = size.Width;
            RefH = size.Height;
            RefFull = new Size(refFull.Cols, refFull.Rows);
            _levelScale = levelScale;
            _refScaleX = size.Width / (double)refFull.Cols;
            _refScaleY = size.Height / (double)refFull.Rows;
            _roiX = roi.X;
            _roiY = roi.Y;
            RV = (float*)RefValues.DataPointer;
            RF = (float*)RefFeatures.DataPointer;
            ToFeatures(RefValues, RefFeatures, null);
        }

        private static byte[] ToFlags(Mat m)
        {
            var flags = new byte[m.Rows * m.Cols];
            var p = (byte*)m.DataPointer;
            for (var i = 0; i < flags.Length; i++) flags[i] = p[i] != 0 ? (byte)1 : (byte)0;
            return flags;
        }

        /// <summary>Recomputes the matching features of the pixels that can have changed.</summary>
        public void UpdateFeatures()
        {
            // Known pixels never change: after the first pass only hole pixels need new features.
            ToFeatures(Values, Features, _featuresReady ? Hole : null);
            _featuresReady = true;
        }

        private bool _featuresReady;

        private static void ToFeatures(Mat values, Mat features, byte[]? only)
        {
            var n = values.Rows * values.Cols;
            var v = (float*)values.DataPointer;
            var f = (float*)features.DataPointer;
            for (var i = 0; i < n; i++)
            {
                if (only is not null && only[i] == 0) continue;
                f[i * 3] = Perceptual(v[i * 4]);
                f[i * 3 + 1] = Perceptual(v[i * 4 + 1]);
                f[i * 3 + 2] = Perceptual(v[i * 4 + 2]);
            }
        }

        // Square root of linear light, sign kept; NaN becomes 0 so it cannot poison distances.
        private static float Perceptual(float v) => v >= 0f ? MathF.Sqrt(v) : v < 0f ? -MathF.Sqrt(-v) : 0f;

        /// <summary>First guess for the coarsest level: each hole pixel the Gaussian-weighted mean of known pixels around it.</summary>
        public void FillHoleSmooth()
        {
            using var weight = new Mat(H, W, MatType.CV_32FC1);
            var wp = (float*)weight.DataPointer;
            for (var i = 0; i < Hole.Length; i++) wp[i] = Hole[i] == 0 ? 1f : 0f;
            using var weighted = new Mat();
            Cv2.Merge([weight, weight, weight, weight], weighted);
            Cv2.Multiply(Values, weighted, weighted);
            var sigma = Math.Max(W, H) / 8.0;
            using var num = new Mat();
            using var den = new Mat();
            Cv2.GaussianBlur(weighted, num, new Size(0, 0), sigma, sigma, BorderTypes.Reflect);
            Cv2.GaussianBlur(weight, den, new Size(0, 0), sigma, sigma, BorderTypes.Reflect);
            var v = (float*)Values.DataPointer;
            var np = (float*)num.DataPointer;
            var dp = (float*)den.DataPointer;
            for (var i = 0; i < Hole.Length; i++)
            {
                if (Hole[i] == 0) continue;
                var d = dp[i] > 1e-6f ? 1f / dp[i] : 0f;
                for (var c = 0; c < 4; c++) v[i * 4 + c] = np[i * 4 + c] * d;
            }
        }

        /// <summary>Hole pixels copied from their own match's centre (a starting point before voting).</summary>
        public void FillHoleFromField(Search state)
        {
            var v = (float*)Values.DataPointer;
            var rv = RefValues is null ? null : (float*)RefValues.DataPointer;
            for (var i = 0; i < Hole.Length; i++)
            {
                if (Hole[i] == 0) continue;
                var s = state.Src[i];
                var src = s == 0 ? v + (state.Sy[i] * W + state.Sx[i]) * 4 : rv + (state.Sy[i] * RefW + state.Sx[i]) * 4;
                for (var c = 0; c < 4; c++) v[i * 4 + c] = src[c];
            }
        }

        /// <summary>
        /// Builds the guide of this level (and of the reference, if any): for known pixels the Gaussian-weighted mean of
        /// the known features around them and the root mean square of the features' difference from it; for hole
        /// pixels the membrane fill of both from the hole's border.
        /// </summary>
        public void BuildGuide(int radius, CancellationToken ct)
        {
            Guide = ComputeGuide(Values, Hole, radius, ct);
            G = (float*)Guide.DataPointer;
            if (RefValues is not null)
            {
                RefGuide = ComputeGuide(RefValues, null, radius, ct);
                RG = (float*)RefGuide.DataPointer;
            }
        }

        private static Mat ComputeGuide(Mat values, byte[]? hole, int radius, CancellationToken ct)
        {
            int w = values.Cols, h = values.Rows, n = w * h;
            using var f = new Mat(h, w, MatType.CV_32FC3);
            using var k = new Mat(h, w, MatType.CV_32FC1);
            var v = (float*)values.DataPointer;
            var fp = (float*)f.DataPointer;
            var kp = (float*)k.DataPointer;
            for (var i = 0; i < n; i++)
            {
                var isKnown = hole is null || hole[i] == 0;
                kp[i] = isKnown ? 1f : 0f;
                for (var c = 0; c < 3; c++) fp[i * 3 + c] = isKnown ? Perceptual(v[i * 4 + c]) : 0f;
            }
            // Normalised convolution: hole pixels have weight 0, so their (unknown) values never enter a mean.
            var sigma = Math.Max(1.0, radius);
            using var den = new Mat();
            using var num = new Mat();
            Cv2.GaussianBlur(k, den, new Size(0, 0), sigma, sigma, BorderTypes.Reflect);
            Cv2.GaussianBlur(f, num, new Size(0, 0), sigma, sigma, BorderTypes.Reflect);
            var dp = (float*)den.DataPointer;
            var np = (float*)num.DataPointer;
            using var sq = new Mat(h, w, MatType.CV_32FC3);
            var sp = (float*)sq.DataPointer;
            for (var i = 0; i < n; i++)
            {
                var inv = dp[i] > 1e-4f ? 1f / dp[i] : 0f;
                for (var c = 0; c < 3; c++)
                {
                    np[i * 3 + c] *= inv;
                    var d = fp[i * 3 + c] - np[i * 3 + c];
                    sp[i * 3 + c] = kp[i] * d * d;
                }
            }
            using var sqBlur = new Mat();
            using var den2 = new Mat();
            var sigma2 = sigma * 1.5;
            Cv2.GaussianBlur(sq, sqBlur, new Size(0, 0), sigma2, sigma2, BorderTypes.Reflect);
            Cv2.GaussianBlur(k, den2, new Size(0, 0), sigma2, sigma2, BorderTypes.Reflect);
            var qp = (float*)sqBlur.DataPointer;
            var d2 = (float*)den2.DataPointer;
            var guide = new Mat(h, w, MatType.CV_32FC(GuideChannels));
            var gp = (float*)guide.DataPointer;
            var mean = ArrayPool<float>.Shared.Rent(n * 3);
            var strength = ArrayPool<float>.Shared.Rent(n * 3);
            var known = ArrayPool<byte>.Shared.Rent(n);
            try
            {
                for (var i = 0; i < n; i++)
                {
                    var inv = d2[i] > 1e-4f ? 1f / d2[i] : 0f;
                    known[i] = kp[i] > 0f && dp[i] > 1e-4f ? (byte)1 : (byte)0;
                    for (var c = 0; c < 3; c++)
                    {
                        mean[i * 3 + c] = np[i * 3 + c];
                        strength[i * 3 + c] = MathF.Sqrt(qp[i * 3 + c] * inv);
                    }
                }
                if (hole is not null)
                {
                    MembraneFill.Fill(mean.AsSpan(0, n * 3), known.AsSpan(0, n), w, h, ct);
                    MembraneFill.Fill(strength.AsSpan(0, n * 3), known.AsSpan(0, n), w, h, ct);
                }
                for (var i = 0; i < n; i++)
                    for (var c = 0; c < 3; c++)
                    {
                        gp[i * GuideChannels + c] = mean[i * 3 + c];
                        gp[i * GuideChannels + 3 + c] = strength[i * 3 + c];
                    }
            }
            catch
            {
                guide.Dispose();
                throw;
            }
            finally
            {
                ArrayPool<float>.Shared.Return(mean);
                ArrayPool<float>.Shared.Return(strength);
                ArrayPool<byte>.Shared.Return(known);
            }
            return guide;
        }

        /// <summary>Hole pixels' colour replaced by the membrane fill of the known pixels (alpha kept).</summary>
        public void FillHoleMembrane(CancellationToken ct)
        {
            var n = W * H;
            var rgb = ArrayPool<float>.Shared.Rent(n * 3);
            var known = ArrayPool<byte>.Shared.Rent(n);
            try
            {
                for (var i = 0; i < n; i++)
                {
                    known[i] = Hole[i] == 0 ? (byte)1 : (byte)0;
                    for (var c = 0; c < 3; c++) rgb[i * 3 + c] = V[i * 4 + c];
                }
                MembraneFill.Fill(rgb.AsSpan(0, n * 3), known.AsSpan(0, n), W, H, ct);
                for (var i = 0; i < n; i++)
                    if (Hole[i] != 0)
                        for (var c = 0; c < 3; c++) V[i * 4 + c] = rgb[i * 3 + c];
            }
            finally
            {
                ArrayPool<float>.Shared.Return(rgb);
                ArrayPool<byte>.Shared.Return(known);
            }
        }

        public void Dispose()
        {
            Values.Dispose();
            Features.Dispose();
            RefValues?.Dispose();
            RefFeatures?.Dispose();
            Guide?.Dispose();
            RefGuide?.Dispose();
        }
    }

    /// <summary>The nearest-neighbour field of the current level and the search over it.</summary>
    internal sealed unsafe class Search(PatchFillOptions options, int radius, bool hasReference)
    {
        public byte[] Src = [];
        public int[] Sx = [], Sy = [];
        public float[] Cost = [];
        private readonly uint _seed = (uint)options.Seed;
        private readonly float _variation = (float)Math.Clamp(options.Variation, 0, 1);
        private readonly int _radius = radius;
        private readonly bool _hasReference = hasReference;
        private readonly float _structure = (float)Math.Max(0, options.StructureGuidance);
        private readonly float _texture = (float)Math.Max(0, options.TextureGuidance);
        private readonly float _sharpness = (float)Math.Clamp(options.VoteSharpness, 0.1, 100);
        private readonly float _area = (2 * radius + 1) * (2 * radius + 1);

        /// <summary>Whether the distance includes the guide (see <see cref="PatchFillOptions.StructureGuidance"/>).</summary>
        public bool Guided => _guided;

        private readonly bool _guided = options.StructureGuidance > 0 || options.TextureGuidance > 0;

        // Typical distance of a good match per patch: scales the variation cost and the voting weights' floor.
        private float PatchScale => (2 * _radius + 1) * (2 * _radius + 1) * 3 * 0.03f * 0.03f;

        public void Allocate(Level level)
        {
            var n = level.W * level.H;
            Src = new byte[n];
            Sx = new int[n];
            Sy = new int[n];
            Cost = new float[n];
        }

        public void RandomInit(Level level, int l)
        {
            Allocate(level);
            for (var i = 0; i < Src.Length; i++)
                if (level.Target[i] != 0) RandomOne(level, i, l, 0);
        }

        public void IdentityInit(Level level, int l)
        {
            Allocate(level);
            for (var i = 0; i < Src.Length; i++)
            {
                if (level.Target[i] == 0) continue;
                var sx = Math.Clamp(level.RefXOf(i % level.W), _radius, level.RefW - 1 - _radius);
                var sy = Math.Clamp(level.RefYOf(i / level.W), _radius, level.RefH - 1 - _radius);
                if (!TrySet(level, i, 1, sx, sy)) RandomOne(level, i, l, 0);
            }
        }

        public void RandomOne(Level level, int i, int l, int salt)
        {
            var h = Hash(_seed, (uint)(l + 7), (uint)i, (uint)salt);
            if (_hasReference && (h & 1) == 1 || level.ValidList.Length == 0 && _hasReference)
            {
                Src[i] = 1;
                var span = level.RefW - 2 * _radius;
                var h2 = Hash(h, 11, 0, 0);
                Sx[i] = _radius + (int)(h2 % (uint)span);
                Sy[i] = _radius + (int)(Hash(h2, 13, 0, 0) % (uint)(level.RefH - 2 * _radius));
                return;
            }
            if (level.ValidList.Length == 0)
            {
                // Nothing to copy from: point at the pixel itself; voting then keeps the smooth first guess.
                Src[i] = 0;
                Sx[i] = i % level.W;
                Sy[i] = i / level.W;
                return;
            }
            var p = level.ValidList[(int)(Hash(h, 17, 0, 0) % (uint)level.ValidList.Length)];
            Src[i] = 0;
            Sx[i] = p % level.W;
            Sy[i] = p / level.W;
        }

        public bool TrySet(Level level, int i, byte s, int sx, int sy)
        {
            if (!IsValid(level, s, sx, sy)) return false;
            Src[i] = s;
            Sx[i] = sx;
            Sy[i] = sy;
            return true;
        }

        private bool IsValid(Level level, int s, int sx, int sy)
        {
            if (s == 0) return (uint)sx < (uint)level.W && (uint)sy < (uint)level.H && level.Valid[sy * level.W + sx] != 0;
            return s == 1 && level.RefValues is not null && sx >= _radius && sy >= _radius && sx < level.RefW - _radius && sy < level.RefH - _radius;
        }

        public void Upsample(Level level, Level coarser, int l)
        {
            var cs = Src; var cx = Sx; var cy = Sy;
            var cw = coarser.W;
            Allocate(level);
            var fx = level.W / (double)coarser.W;
            var fy = level.H / (double)coarser.H;
            var rfx = coarser.RefW > 0 ? level.RefW / (double)coarser.RefW : 1;
            var rfy = coarser.RefH > 0 ? level.RefH / (double)coarser.RefH : 1;
            for (var i = 0; i < Src.Length; i++)
            {
                if (level.Target[i] == 0) continue;
                int x = i % level.W, y = i / level.W;
                var qx = Math.Min(coarser.W - 1, (int)(x / fx));
                var qy = Math.Min(coarser.H - 1, (int)(y / fy));
                var c = qy * cw + qx;
                var ok = false;
                if (coarser.Target[c] != 0)
                {
                    var s = cs[c];
                    var sfx = s == 0 ? fx : rfx;
                    var sfy = s == 0 ? fy : rfy;
                    // Keep the coarse offset; add where this pixel sits inside its coarse pixel.
                    var sx = (int)Math.Round(cx[c] * sfx) + (x - (int)Math.Round(qx * fx));
                    var sy = (int)Math.Round(cy[c] * sfy) + (y - (int)Math.Round(qy * fy));
                    ok = TrySet(level, i, s, sx, sy);
                }
                if (!ok) RandomOne(level, i, l, 1);
            }
        }

        public void ComputeCosts(Level level)
        {
            for (var i = 0; i < Src.Length; i++)
                if (level.Target[i] != 0) Cost[i] = Distance(level, i % level.W, i / level.W, Src[i], Sx[i], Sy[i], float.MaxValue) + Penalty(Src[i], Sx[i], Sy[i]);
        }

        /// <summary>One PatchMatch sweep: propagation from the two previously visited neighbours, then random search.</summary>
        public void Pass(Level level, int l, int iteration, CancellationToken ct)
        {
            var forward = iteration % 2 == 0;
            var step = forward ? 1 : -1;
            int w = level.W, h = level.H;
            var maxSelf = Math.Max(w, h);
            var maxRef = Math.Max(level.RefW, level.RefH);
            for (var yy = 0; yy < h; yy++)
            {
                if ((yy & 31) == 0) ct.ThrowIfCancellationRequested();
                var y = forward ? yy : h - 1 - yy;
                for (var xx = 0; xx < w; xx++)
                {
                    var x = forward ? xx : w - 1 - xx;
                    var i = y * w + x;
                    if (level.Target[i] == 0) continue;
                    // Propagation: a neighbour's match shifted by one is often a good match here.
                    var nx = x - step;
                    if ((uint)nx < (uint)w && level.Target[y * w + nx] != 0)
                    {
                        var n = y * w + nx;
                        Try(level, i, x, y, Src[n], Sx[n] + step, Sy[n]);
                    }
                    var ny = y - step;
                    if ((uint)ny < (uint)h && level.Target[ny * w + x] != 0)
                    {
                        var n = ny * w + x;
                        Try(level, i, x, y, Src[n], Sx[n], Sy[n] + step);
                    }
                    // Random search in exponentially shrinking windows around the best so far.
                    var k = 0u;
                    var r = Src[i] == 0 ? maxSelf : maxRef;
                    while (r >= 1)
                    {
                        var hsh = Hash(_seed, (uint)(l * 64 + iteration), (uint)i, k++);
                        var dx = (int)(hsh % (uint)(2 * r + 1)) - r;
                        var dy = (int)((hsh >> 16) % (uint)(2 * r + 1)) - r;
                        Try(level, i, x, y, Src[i], Sx[i] + dx, Sy[i] + dy);
                        r /= 2;
                    }
                    // Now and then a fresh guess in the other source, so the reference and the image both get a say; and
                    // the reference's own spot for this pixel, which is the answer when the reference is a clean plate.
                    if (_hasReference)
                    {
                        Try(level, i, x, y, 1, level.RefXOf(x), level.RefYOf(y));
                        var hsh = Hash(_seed, (uint)(l * 64 + iteration), (uint)i, 999);
                        var other = (byte)(1 - Src[i]);
                        if (other == 1) Try(level, i, x, y, 1, _radius + (int)(hsh % (uint)(level.RefW - 2 * _radius)), _radius + (int)((hsh >> 13) % (uint)(level.RefH - 2 * _radius)));
                        else if (level.ValidList.Length > 0)
                        {
                            var p = level.ValidList[(int)(hsh % (uint)level.ValidList.Length)];
                            Try(level, i, x, y, 0, p % w, p / w);
                        }
                    }
                }
            }
        }

        private void Try(Level level, int i, int x, int y, byte s, int sx, int sy)
        {
            if (s == Src[i] && sx == Sx[i] && sy == Sy[i]) return;
            if (!IsValid(level, s, sx, sy)) return;
            var penalty = Penalty(s, sx, sy);
            var best = Cost[i];
            var d = Distance(level, x, y, s, sx, sy, best - penalty);
            if (d + penalty >= best) return;
            Src[i] = s;
            Sx[i] = sx;
            Sy[i] = sy;
            Cost[i] = d + penalty;
        }

        // Seeded per-location cost: with variation above 0 different seeds prefer different, nearly-as-good sources.
        // Coarse cells (8 px) so that neighbouring patches agree and the fill stays coherent.
        private float Penalty(byte s, int sx, int sy)
        {
            if (_variation <= 0f) return 0f;
            var h = Hash(_seed ^ 0x9E3779B9u, s, (uint)(sx >> 3), (uint)(sy >> 3));
            return _variation * 4f * PatchScale * (h & 0xFFFF) / 65535f;
        }

        // The plain search (sequences, drafts, extend shot) runs the patch sum alone, exactly as before guidance existed.
        /// <summary>Sum of squared feature differences over the patch (target pixels outside the level skipped), stopping early past <paramref name="limit"/>.</summary>
        private float Distance(Level level, int tx, int ty, int s, int sx, int sy, float limit) =>
            _guided ? GuidedDistance(level, tx, ty, s, sx, sy, limit) : PatchDistance(level, tx, ty, s, sx, sy, limit, 0f);

        /// <summary><see cref="Distance"/> with the guide terms first.</summary>
        private float GuidedDistance(Level level, int tx, int ty, int s, int sx, int sy, float limit)
        {
            var w = level.W;
            var sw = s == 0 ? w : level.RefW;
            // Guide terms first (one pixel each, cheap), so a candidate that breaks the structure stops early.
            var gt = level.G + (ty * w + tx) * Level.GuideChannels;
            var gs = s == 0 ? level.G + (sy * w + sx) * Level.GuideChannels : level.RG + (sy * sw + sx) * Level.GuideChannels;
            float a = 0f, b = 0f;
            for (var c = 0; c < 3; c++)
            {
                var d = gt[c] - gs[c];
                a += d * d;
                var e = gt[3 + c] - gs[3 + c];
                b += e * e;
            }
            var sum = _area * (_structure * a + _texture * b);
            if (sum >= limit) return sum;
            return PatchDistance(level, tx, ty, s, sx, sy, limit, sum);
        }

        /// <summary>Sum of squared feature differences over the patch, added to <paramref name="sum"/>, stopping early past <paramref name="limit"/>.</summary>
        private float PatchDistance(Level level, int tx, int ty, int s, int sx, int sy, float limit, float sum)
        {
            int w = level.W, h = level.H, r = _radius;
            var tf = level.F;
            float* sf;
            int sw;
            if (s == 0) { sf = level.F; sw = w; }
            else { sf = level.RF; sw = level.RefW; }
            var x0 = Math.Max(-r, -tx);
            var x1 = Math.Min(r, w - 1 - tx);
            var y0 = Math.Max(-r, -ty);
            var y1 = Math.Min(r, h - 1 - ty);
            var n = (x1 - x0 + 1) * 3;
            for (var dy = y0; dy <= y1; dy++)
            {
                var a = tf + ((ty + dy) * w + tx + x0) * 3;
                var b = sf + ((sy + dy) * sw + sx + x0) * 3;
                for (var k = 0; k < n; k++)
                {
                    var d = a[k] - b[k];
                    sum += d * d;
                }
                if (sum >= limit) return sum;
            }
            return sum;
        }

        /// <summary>Each hole pixel becomes the weighted mean of what every overlapping patch's match puts there.</summary>
        public void Vote(Level level)
        {
            int w = level.W, h = level.H, r = _radius;
            var n = w * h;
            var acc = ArrayPool<float>.Shared.Rent(n * 4);
            var wsum = ArrayPool<float>.Shared.Rent(n);
            Array.Clear(acc, 0, n * 4);
            Array.Clear(wsum, 0, n);
            // Weights fall with the match distance relative to the typical one, so poor matches get little say.
            double total = 0;
            var count = 0;
            for (var i = 0; i < n; i++) if (level.Target[i] != 0) { total += Cost[i]; count++; }
            var sigma = (float)Math.Max(count > 0 ? total / count : 0, PatchScale) / _sharpness;
            var v = level.V;
            var rv = level.RV;
            fixed (float* ap = acc, wp = wsum)
            {
                for (var i = 0; i < n; i++)
                {
                    if (level.Target[i] == 0) continue;
                    int tx = i % w, ty = i / w;
                    var weight = MathF.Exp(-Cost[i] / sigma);
                    // Sharp voting is floored so that it never leaves a pixel with no weight at all (it then averages
                    // evenly); plain voting (sharpness 1, e.g. extend shot's fills) stays exactly as it was.
                    if (_sharpness > 1f) weight = MathF.Max(weight, 1e-30f);
                    float* sv;
                    int sw;
                    if (Src[i] == 0) { sv = v; sw = w; } else { sv = rv; sw = level.RefW; }
                    for (var dy = -r; dy <= r; dy++)
                    {
                        var py = ty + dy;
                        if ((uint)py >= (uint)h) continue;
                        for (var dx = -r; dx <= r; dx++)
                        {
                            var px = tx + dx;
                            if ((uint)px >= (uint)w) continue;
                            var p = py * w + px;
                            if (level.Hole[p] == 0) continue;
                            var q = sv + ((Sy[i] + dy) * sw + Sx[i] + dx) * 4;
                            var a = ap + p * 4;
                            a[0] += weight * q[0];
                            a[1] += weight * q[1];
                            a[2] += weight * q[2];
                            a[3] += weight * q[3];
                            wp[p] += weight;
                        }
                    }
                }
                for (var p = 0; p < n; p++)
                {
                    if (level.Hole[p] == 0 || wp[p] <= 0f) continue;
                    var inv = 1f / wp[p];
                    for (var c = 0; c < 4; c++) v[p * 4 + c] = ap[p * 4 + c] * inv;
                }
            }
            ArrayPool<float>.Shared.Return(acc);
            ArrayPool<float>.Shared.Return(wsum);
        }

        private static uint Hash(uint a, uint b, uint c, uint d)
        {
            // A few rounds of multiply-xorshift mixing (murmur3 finaliser style): cheap, well spread, order-free.
            var h = a * 0x85EBCA6Bu ^ b * 0xC2B2AE35u ^ c * 0x27D4EB2Fu ^ d * 0x165667B1u;
            h ^= h >> 16; h *= 0x7FEB352Du;
            h ^= h >> 15; h *= 0x846CA68Bu;
            h ^= h >> 16;
            h += c; h ^= h >> 13; h *= 0x5BD1E995u; h ^= h >> 15;
            h ^= b * 0x9E3779B9u; h ^= h >> 16; h *= 0x85EBCA6Bu; h ^= h >> 13;
            return h;
        }
    }
}
