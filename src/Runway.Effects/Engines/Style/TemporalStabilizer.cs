using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OpenCvSharp;
using Runway.Effects.Engines.Temporal;
using Runway.Effects.Pixels;

namespace Runway.Effects.Engines.Style;

/// <summary>What <see cref="TemporalStabilizer.Blend"/> did.</summary>
/// <param name="Reliable">Fraction of pixels whose motion passed the forward/backward check (not occluded).</param>
/// <param name="MeanWeight">Mean weight given to the previous frame's result over the whole frame.</param>
public sealed record StabilisationStats(double Reliable, double MeanWeight);

/// <summary>
/// Temporal stabilisation: blends a stylised frame with the previous frame's stylised result carried along the
/// motion, so per-frame stylisation (whose colour statistics and filter decisions change a little every frame) does
/// not boil.
/// </summary>
/// <remarks>
/// Flow current → previous and back are estimated on the clean sources (<see cref="FlowEstimator"/>, reduced size).
/// The previous result is trusted at a pixel only where (1) the forward/backward check passes
/// (|f(p) + b(p + f(p))|² ≤ α(|f|² + |b|²) + β, Sundaram et al. 2010) — occluded and disoccluded pixels fail it — and
/// (2) the previous source, warped the same way, looks like the current source there (a Gaussian falloff on their
/// difference), which catches flow errors the check misses. Weight = strength × both. The caller renders the previous
/// result itself from the previous source, so the output depends only on the two source frames, never on render order.
/// </remarks>
public static class TemporalStabilizer
{
    private const float ConsistencyRelative = 0.01f;
    private const float ConsistencyAbsolute = 0.5f;

    // Source mismatch (square-root-encoded units) at which the previous result's weight falls to e^-1.
    private const float MismatchScale = 0.06f;

    /// <summary>
    /// Blends into <paramref name="styled"/> (the current result, in place) the previous result
    /// <paramref name="previousStyled"/> warped onto the current frame, with weight up to <paramref name="strength"/>.
    /// All four images have the same size; alpha stays the current frame's.
    /// </summary>
    public static StabilisationStats Blend(FloatImage source, FloatImage styled, FloatImage previousSource, FloatImage previousStyled,
        float strength, FlowSettings settings, CancellationToken ct)
    {
        var (w, h) = (source.Width, source.Height);
        foreach (var image in new[] { styled, previousSource, previousStyled })
        {
            if (image.Width != w || image.Height != h) throw new ArgumentException("all four images must have the same size");
        }
        var size = FlowEstimator.FlowSize(w, h, settings);
        using var motion = Motion.Estimate(source, previousSource, size, settings, ct);
        var weightSum = Warp(source, styled, previousSource, previousStyled, strength, new MatView(motion.Forward), new MatView(motion.Soft), size, ct);
        return new StabilisationStats(motion.ReliableFraction, weightSum / ((double)w * h));
    }

    /// <summary>
    /// Longer side of the reduced pictures <see cref="BlendReduced"/> works on: the draft's texture runs at this size
    /// (<see cref="TextureStylizer.DraftMaxSide"/>), so it is the finest scale at which the draft's stylisation changes
    /// from frame to frame; finer detail is the source's own, which needs no stabilising.
    /// </summary>
    public const int ReducedMaxSide = TextureStylizer.DraftMaxSide;

    /// <summary>Size of the reduced pictures <see cref="BlendReduced"/> takes for a <paramref name="width"/>×<paramref name="height"/> frame.</summary>
    public static (int Width, int Height) ReducedSize(int width, int height)
    {
        var longest = Math.Max(width, height);
        if (longest <= ReducedMaxSide) return (width, height);
        var s = ReducedMaxSide / (double)longest;
        return (Math.Max(8, (int)Math.Round(width * s)), Math.Max(8, (int)Math.Round(height * s)));
    }

    /// <summary>
    /// Area-averages <paramref name="image"/> into <paramref name="reduced"/> (any smaller or equal size; a copy when
    /// equal): each reduced pixel is the mean of the full-size pixels its footprint covers, partly covered ones
    /// weighted by their coverage (what OpenCV's area resize computes). The reduced copies
    /// <see cref="BlendReduced"/> takes are made with this.
    /// </summary>
    /// <remarks>
    /// Managed, separable and row-parallel with one 4-lane vector per pixel: a 1080p frame is read once in a few
    /// milliseconds, without OpenCV's own thread pool, whose workers keep spinning after the call and compete with the
    /// draft's next steps on a 2-core machine.
    /// </remarks>
    public static void Reduce(FloatImage image, FloatImage reduced, CancellationToken ct = default)
    {
        var (w, h) = (image.Width, image.Height);
        var (rw, rh) = (reduced.Width, reduced.Height);
        if (rw > w || rh > h) throw new ArgumentException($"cannot reduce {w}x{h} to {rw}x{rh}", nameof(reduced));
        if (rw == w && rh == h)
        {
            image.CopyTo(reduced);
            return;
        }
        using var columns = new Footprints(w, rw);
        using var rows = new Footprints(h, rh);
        var bands = Math.Min(rh, Environment.ProcessorCount * 4);
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            var pool = System.Buffers.ArrayPool<float>.Shared;
            var narrow = pool.Rent(rw * 4);
            try
            {
                for (var y = rh * band / bands; y < rh * (band + 1) / bands; y++)
                {
                    var dst = reduced.Row(y);
                    dst.Clear();
                    var (first, count) = rows.Span(y);
                    for (var k = 0; k < count; k++)
                    {
                        var weight = Vector128.Create(rows.Weight(y, k));
                        ref var src = ref MemoryMarshal.GetReference(image.Row(first + k));
                        ref var acc = ref MemoryMarshal.GetArrayDataReference(narrow);
                        for (var x = 0; x < rw; x++)
                        {
                            var (cx, cn) = columns.Span(x);
                            var sum = Vector128<float>.Zero;
                            for (var j = 0; j < cn; j++) sum += Vector128.Create(columns.Weight(x, j)) * Vector128.LoadUnsafe(ref src, (nuint)((cx + j) * 4));
                            sum.StoreUnsafe(ref acc, (nuint)(x * 4));
                        }
                        ref var d = ref MemoryMarshal.GetReference(dst);
                        for (var x = 0; x < rw; x++)
                        {
                            var o = (nuint)(x * 4);
                            (Vector128.LoadUnsafe(ref d, o) + weight * Vector128.LoadUnsafe(ref acc, o)).StoreUnsafe(ref d, o);
                        }
                    }
                }
            }
            finally
            {
                pool.Return(narrow);
            }
        });
    }

    /// <summary>
    /// For each of <c>reduced</c> cells along one axis of length <c>full</c>: the first full-size index it covers, how
    /// many, and each one's weight (its covered fraction over the cell's length, so the weights sum to 1).
    /// </summary>
    private sealed class Footprints : IDisposable
    {
        private readonly int[] _first;
        private readonly int[] _count;
        private readonly float[] _weights;
        private readonly int _taps;

        public Footprints(int full, int reduced)
        {
            var scale = full / (double)reduced;
            _taps = (int)Math.Ceiling(scale) + 1;
            _first = System.Buffers.ArrayPool<int>.Shared.Rent(reduced);
            _count = System.Buffers.ArrayPool<int>.Shared.Rent(reduced);
            _weights = System.Buffers.ArrayPool<float>.Shared.Rent(reduced * _taps);
            for (var i = 0; i < reduced; i++)
            {
                var start = i * scale;
                var end = Math.Min(full, (i + 1) * scale);
                var first = (int)Math.Floor(start);
                var count = 0;
                for (var k = first; k < end && count < _taps; k++, count++)
                {
                    var covered = Math.Min(end, k + 1) - Math.Max(start, k);
                    _weights[i * _taps + count] = (float)(covered / scale);
                }
                _first[i] = first;
                _count[i] = count;
            }
        }

        public (int First, int Count) Span(int i) => (_first[i], _count[i]);

        public float Weight(int i, int k) => _weights[i * _taps + k];

        public void Dispose()
        {
            System.Buffers.ArrayPool<int>.Shared.Return(_first);
            System.Buffers.ArrayPool<int>.Shared.Return(_count);
            System.Buffers.ArrayPool<float>.Shared.Return(_weights);
        }
    }

    /// <summary>
    /// The draft's stabilisation: like <see cref="Blend"/>, but the motion, the occlusion and mismatch tests and the
    /// blend are computed on reduced copies (<see cref="ReducedSize"/>, made by <see cref="Reduce"/>) of the current
    /// source and result and of the previous source and result; the change the blend makes there is upsampled once
    /// (bilinear) and added to the full-size <paramref name="styled"/> in place. The full-size result keeps its own
    /// detail (no resampled copy of the previous frame is mixed into it) while what flickers in a draft — colour
    /// statistics and the texture, both computed at reduced size — is stabilised as in the final render.
    /// </summary>
    /// <remarks>
    /// Cost: the full-size picture is read once by the caller's <see cref="Reduce"/> and read and written once here;
    /// everything else touches about a ninth of the pixels of a 1080p frame. Values the blend would turn negative where
    /// the result was not are held at 0, and a non-finite change (NaN or infinite input) is dropped.
    /// Measured 2026-11-24 against the full-size blend the draft used before, on 01_dog.mp4 frames 60–64 at 1280 px
    /// (stabilisation 0.5): warped flicker ratio (stabilised / per-frame) 0.88 against 0.80 for stylize, 0.80 against
    /// 0.76 for pencil, while the full-size blend also softened the picture (mean |Laplacian| −8% and −7%; here −0.4% and
    /// −3%): part of what it removed as flicker was detail. 1080p CPU per frame: about 70 ms instead of 210 ms.
    /// <para>Tried and not kept (2026-11-24, same frames at 1280 px, mean |Laplacian| of √luminance as the sharpness
    /// measure; ratio / sharpness change, warm synthetic reference then starry_night): this blend, stylize 0.885 / −0.3%
    /// and 0.950 / −0.5%, pencil 0.793 / −4.0% and 0.791 / −2.2%; the full-size blend 0.801 / −5.1%, 0.933 / −4.4%,
    /// 0.758 / −6.1%, 0.759 / −5.5%. (1) The change applied in a square-root encoding instead of linear: within 0.002
    /// of this. (2) The blend at 800 or 960 px instead of 640: pencil 0.789 / −2.1% and 0.779 / −2.7%, stylize 0.948 and
    /// 0.945 (starry_night) — a little flicker for a little detail, at 2.25× the reduced work. (3) The reduced change
    /// sharpened before upsampling (to restore what area reduction takes from the texture's own 640 px scale): pencil
    /// 0.768 / −5.7%, stylize worse (0.894). Split into bands (σ 2 px at 1280), the gap to the full-size blend is all in
    /// the fine band: pencil's fine-band flicker 0.0094 per-frame, 0.0071 here, 0.0063 full-size, with the low band equal
    /// (0.0134 / 0.0133); stylize's per-frame output flickers less than its source (0.0034 against 0.0049), and what the
    /// full-size blend removes beyond this one is the source's own fine detail and noise. Every variant that reached the
    /// full-size blend's ratio did so by mixing the previous frame's fine detail in, and lost ≥ 5% sharpness.</para>
    /// </remarks>
    public static StabilisationStats BlendReduced(FloatImage styled, FloatImage source, FloatImage reducedStyled, FloatImage previousSource,
        FloatImage previousStyled, float strength, FlowSettings settings, CancellationToken ct)
    {
        var (rw, rh) = (source.Width, source.Height);
        foreach (var image in new[] { reducedStyled, previousSource, previousStyled })
        {
            if (image.Width != rw || image.Height != rh) throw new ArgumentException("the four reduced images must have the same size");
        }
        if (styled.Width < rw || styled.Height < rh) throw new ArgumentException("the result is smaller than the reduced images", nameof(styled));
        var size = FlowEstimator.FlowSize(rw, rh, settings);
        using var motion = Motion.Estimate(source, previousSource, size, settings, ct);
        var pool = System.Buffers.ArrayPool<float>.Shared;
        var change = pool.Rent(rw * rh * 3);
        try
        {
            var weightSum = Change(source, reducedStyled, previousSource, previousStyled, strength, new MatView(motion.Forward),
                new MatView(motion.Soft), size, change, ct);
            AddUpsampled(styled, change, rw, rh, ct);
            return new StabilisationStats(motion.ReliableFraction, weightSum / ((double)rw * rh));
        }
        finally
        {
            pool.Return(change);
        }
    }

    /// <summary>Forward flow (current → previous) and the softened reliability of each flow vector, at flow size.</summary>
    private sealed class Motion : IDisposable
    {
        private Motion(Mat forward, Mat soft, double reliableFraction) => (Forward, Soft, ReliableFraction) = (forward, soft, reliableFraction);

        public Mat Forward { get; }

        public Mat Soft { get; }

        public double ReliableFraction { get; }

        public static Motion Estimate(FloatImage source, FloatImage previousSource, Size size, FlowSettings settings, CancellationToken ct)
        {
            using var greyCurrent = FlowEstimator.Grey(source, size);
            using var greyPrevious = FlowEstimator.Grey(previousSource, size);
            Mat? forward = null, backward = null;
            try
            {
                // The two directions are independent: on 2 cores they run side by side.
                Parallel.Invoke(new ParallelOptions { CancellationToken = ct },
                    () => forward = FlowEstimator.Compute(greyCurrent, greyPrevious, settings),
                    () => backward = FlowEstimator.Compute(greyPrevious, greyCurrent, settings));
                ct.ThrowIfCancellationRequested();
                using var reliable = Reliability(forward!, backward!);
                var reliableFraction = Cv2.CountNonZero(reliable) / (double)(size.Width * size.Height);
                // Soften the occlusion mask's edges by a flow-resolution pixel so the blend has no hard seams.
                var soft = new Mat();
                reliable.ConvertTo(soft, MatType.CV_32FC1, 1.0 / 255);
                Cv2.GaussianBlur(soft, soft, new Size(3, 3), 0);
                var motion = new Motion(forward!, soft, reliableFraction);
                forward = null;
                return motion;
            }
            finally
            {
                forward?.Dispose();
                backward?.Dispose();
            }
        }

        public void Dispose()
        {
            Forward.Dispose();
            Soft.Dispose();
        }
    }

    /// <summary>255 where the forward vector lands inside the previous frame and passes the forward/backward check.</summary>
    private static Mat Reliability(Mat forward, Mat backward)
    {
        var (w, h) = (forward.Cols, forward.Rows);
        var mask = new Mat(h, w, MatType.CV_8UC1, Scalar.All(0));
        var (fv, bv, mv) = (new MatView(forward), new MatView(backward), new MatView(mask));
        for (var y = 0; y < h; y++)
        {
            var fr = fv.Row<float>(y, 2);
            var mr = mv.Row<byte>(y);
            for (var x = 0; x < w; x++)
            {
                var fx = fr[x * 2];
                var fy = fr[x * 2 + 1];
                var qx = x + fx;
                var qy = y + fy;
                if (!(qx >= 0) || !(qy >= 0) || qx > w - 1 || qy > h - 1) continue;
                var (bx, by) = FlowEstimator.Sample(bv, qx, qy);
                var ex = fx + bx;
                var ey = fy + by;
                if (ex * ex + ey * ey <= ConsistencyRelative * (fx * fx + fy * fy + bx * bx + by * by) + ConsistencyAbsolute) mr[x] = 255;
            }
        }
        return mask;
    }

    private static double Warp(FloatImage source, FloatImage styled, FloatImage previousSource, FloatImage previousStyled, float strength,
        MatView flow, MatView reliable, Size size, CancellationToken ct)
    {
        var h = source.Height;
        using var grid = new Grid(source.Width, source.Height, size);
        var bands = Math.Min(h, Environment.ProcessorCount * 4);
        var sums = new double[bands];
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            using var row = new RowBuffers(source.Width);
            double sum = 0;
            for (var y = h * band / bands; y < h * (band + 1) / bands; y++)
            {
                var outRow = styled.Row(y);
                grid.SampleRow(y, source.Row(y), previousSource, previousStyled, strength, flow, reliable, row.Weights, row.Warped);
                for (var x = 0; x < row.Weights.Length; x++)
                {
                    var weight = row.Weights[x];
                    if (weight < 0f) continue;
                    var o = x * 4;
                    for (var c = 0; c < 3; c++) outRow[o + c] += weight * (row.Warped[x * 3 + c] - outRow[o + c]);
                    sum += weight;
                }
            }
            sums[band] = sum;
        });
        return sums.Sum();
    }

    /// <summary>
    /// Per reduced pixel, the change the blend makes (weight × (warped previous result − current result), RGB) into
    /// <paramref name="change"/>; returns the sum of the weights.
    /// </summary>
    private static double Change(FloatImage source, FloatImage styled, FloatImage previousSource, FloatImage previousStyled, float strength,
        MatView flow, MatView reliable, Size size, float[] change, CancellationToken ct)
    {
        var (w, h) = (source.Width, source.Height);
        using var grid = new Grid(w, h, size);
        var bands = Math.Min(h, Environment.ProcessorCount * 4);
        var sums = new double[bands];
        Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
        {
            using var row = new RowBuffers(w);
            double sum = 0;
            for (var y = h * band / bands; y < h * (band + 1) / bands; y++)
            {
                var outRow = styled.Row(y);
                var dst = change.AsSpan(y * w * 3, w * 3);
                grid.SampleRow(y, source.Row(y), previousSource, previousStyled, strength, flow, reliable, row.Weights, row.Warped);
                for (var x = 0; x < w; x++)
                {
                    var weight = row.Weights[x];
                    var o = x * 4;
                    if (weight < 0f)
                    {
                        dst[x * 3] = dst[x * 3 + 1] = dst[x * 3 + 2] = 0f;
                        continue;
                    }
                    for (var c = 0; c < 3; c++)
                    {
                        var d = weight * (row.Warped[x * 3 + c] - outRow[o + c]);
                        // NaN or infinite pixels (either frame) must not spread through the upsampling.
                        dst[x * 3 + c] = float.IsFinite(d) ? d : 0f;
                    }
                    sum += weight;
                }
            }
            sums[band] = sum;
        });
        return sums.Sum();
    }

    /// <summary>Per-band scratch rows of <see cref="Grid.SampleRow"/>, pooled.</summary>
    private readonly struct RowBuffers : IDisposable
    {
        private readonly float[] _weights;
        private readonly float[] _warped;
        private readonly int _width;

        public RowBuffers(int width)
        {
            _width = width;
            _weights = System.Buffers.ArrayPool<float>.Shared.Rent(width);
            _warped = System.Buffers.ArrayPool<float>.Shared.Rent(width * 3);
        }

        public Span<float> Weights => _weights.AsSpan(0, _width);

        public Span<float> Warped => _warped.AsSpan(0, _width * 3);

        public void Dispose()
        {
            System.Buffers.ArrayPool<float>.Shared.Return(_weights);
            System.Buffers.ArrayPool<float>.Shared.Return(_warped);
        }
    }

    /// <summary>
    /// Where each pixel of a frame grid reads the flow-resolution fields: the column taps and fractions are the same for
    /// every row, so they are computed once per frame instead of per pixel (same arithmetic as
    /// <see cref="FlowEstimator.Sample(MatView, float, float)"/>, so results are identical).
    /// </summary>
    private sealed class Grid : IDisposable
    {
        private readonly int _width, _height;
        private readonly float _sx, _sy;
        private readonly Size _flow;
        private readonly int[] _x0, _x1, _relX;
        private readonly float[] _fx;

        public Grid(int width, int height, Size flow)
        {
            (_width, _height, _flow) = (width, height, flow);
            _sx = flow.Width / (float)width;
            _sy = flow.Height / (float)height;
            var ints = System.Buffers.ArrayPool<int>.Shared;
            _x0 = ints.Rent(width);
            _x1 = ints.Rent(width);
            _relX = ints.Rent(width);
            _fx = System.Buffers.ArrayPool<float>.Shared.Rent(width);
            for (var x = 0; x < width; x++)
            {
                _relX[x] = Math.Min(flow.Width - 1, (int)((x + 0.5f) * _sx));
                var lx = Math.Clamp((x + 0.5f) * _sx - 0.5f, 0f, flow.Width - 1f);
                _x0[x] = (int)lx;
                _x1[x] = Math.Min(_x0[x] + 1, flow.Width - 1);
                _fx[x] = lx - _x0[x];
            }
        }

        /// <summary>
        /// For row <paramref name="y"/>: each pixel's blend weight (strength × reliability × source agreement; −1 where
        /// the motion is unreliable or leaves the previous frame) and the previous result carried along the motion (RGB).
        /// </summary>
        public void SampleRow(int y, ReadOnlySpan<float> current, FloatImage previousSource, FloatImage previousStyled, float strength,
            MatView flow, MatView reliable, Span<float> weights, Span<float> warped)
        {
            var ly = Math.Clamp((y + 0.5f) * _sy - 0.5f, 0f, _flow.Height - 1f);
            var fy0 = (int)ly;
            var fy1 = Math.Min(fy0 + 1, _flow.Height - 1);
            var fyf = ly - fy0;
            var f0 = flow.Row<float>(fy0, 2);
            var f1 = flow.Row<float>(fy1, 2);
            var relRow = reliable.Row<float>(Math.Min(_flow.Height - 1, (int)((y + 0.5f) * _sy)));
            var stride = previousSource.Stride;
            var prevSrc = previousSource.Pixels;
            var prevOut = previousStyled.Pixels;
            for (var x = 0; x < _width; x++)
            {
                weights[x] = -1f;
                var rel = relRow[_relX[x]];
                if (rel <= 0f) continue;
                int a = _x0[x] * 2, b = _x1[x] * 2;
                var t = _fx[x];
                var ax = f0[a] + t * (f0[b] - f0[a]);
                var ay = f0[a + 1] + t * (f0[b + 1] - f0[a + 1]);
                var bx = f1[a] + t * (f1[b] - f1[a]);
                var by = f1[a + 1] + t * (f1[b + 1] - f1[a + 1]);
                // Flow vectors are in flow pixels; this grid is finer by 1/sx, 1/sy.
                var px = x + (ax + fyf * (bx - ax)) / _sx;
                var py = y + (ay + fyf * (by - ay)) / _sy;
                if (!(px >= 0) || !(py >= 0) || px > _width - 1 || py > _height - 1) continue;
                var x0 = (int)px;
                var y0 = (int)py;
                var x1 = Math.Min(x0 + 1, _width - 1);
                var y1 = Math.Min(y0 + 1, _height - 1);
                var u = px - x0;
                var v = py - y0;
                int o00 = y0 * stride + x0 * 4, o01 = y0 * stride + x1 * 4, o10 = y1 * stride + x0 * 4, o11 = y1 * stride + x1 * 4;
                float mismatch = 0;
                var o = x * 4;
                for (var c = 0; c < 3; c++)
                {
                    var top = prevSrc[o00 + c] + u * (prevSrc[o01 + c] - prevSrc[o00 + c]);
                    var bottom = prevSrc[o10 + c] + u * (prevSrc[o11 + c] - prevSrc[o10 + c]);
                    var d = Encode(current[o + c]) - Encode(top + v * (bottom - top));
                    mismatch += d * d;
                    top = prevOut[o00 + c] + u * (prevOut[o01 + c] - prevOut[o00 + c]);
                    bottom = prevOut[o10 + c] + u * (prevOut[o11 + c] - prevOut[o10 + c]);
                    warped[x * 3 + c] = top + v * (bottom - top);
                }
                weights[x] = strength * rel * MathF.Exp(-mismatch / (3 * MismatchScale * MismatchScale));
            }
        }

        public void Dispose()
        {
            var ints = System.Buffers.ArrayPool<int>.Shared;
            ints.Return(_x0);
            ints.Return(_x1);
            ints.Return(_relX);
            System.Buffers.ArrayPool<float>.Shared.Return(_fx);
        }
    }

    /// <summary>
    /// Adds <paramref name="change"/> (<paramref name="cw"/>×<paramref name="ch"/>, RGB) to <paramref name="image"/>'s
    /// RGB, bilinearly upsampled with pixel centres aligned (as OpenCV's linear resize), in one row-parallel pass.
    /// </summary>
    /// <remarks>
    /// Separable: each reduced row is widened to full width (RGBA, alpha change 0) once per band into a pooled row
    /// pair, and every full-size row is then a vertical mix of two widened rows added with SIMD — per full-size pixel
    /// only a multiply–add, not a 2-D interpolation.
    /// </remarks>
    private static void AddUpsampled(FloatImage image, float[] change, int cw, int ch, CancellationToken ct)
    {
        var (w, h) = (image.Width, image.Height);
        var sx = cw / (float)w;
        var sy = ch / (float)h;
        var intPool = System.Buffers.ArrayPool<int>.Shared;
        var floatPool = System.Buffers.ArrayPool<float>.Shared;
        // Column taps are the same for every row: computed once.
        var taps = intPool.Rent(w);
        var fractions = floatPool.Rent(w);
        try
        {
            for (var x = 0; x < w; x++)
            {
                var lx = Math.Clamp((x + 0.5f) * sx - 0.5f, 0f, cw - 1f);
                var x0 = (int)lx;
                taps[x] = x0;
                fractions[x] = lx - x0;
            }
            var stride = w * 4;
            var bands = Math.Min(h, Environment.ProcessorCount * 4);
            Parallel.For(0, bands, new ParallelOptions { CancellationToken = ct }, band =>
            {
                var rows = floatPool.Rent(stride * 2);
                try
                {
                    // Which reduced rows the two widened rows hold (-1: none yet).
                    int held0 = -1, held1 = -1;
                    for (var y = h * band / bands; y < h * (band + 1) / bands; y++)
                    {
                        var ly = Math.Clamp((y + 0.5f) * sy - 0.5f, 0f, ch - 1f);
                        var y0 = (int)ly;
                        var y1 = Math.Min(y0 + 1, ch - 1);
                        var fy = ly - y0;
                        var top = rows.AsSpan(0, stride);
                        var bottom = rows.AsSpan(stride, stride);
                        if (held0 != y0)
                        {
                            if (held1 == y0) bottom.CopyTo(top);
                            else Widen(change.AsSpan(y0 * cw * 3, cw * 3), top, taps, fractions, cw);
                            held0 = y0;
                        }
                        if (held1 != y1)
                        {
                            Widen(change.AsSpan(y1 * cw * 3, cw * 3), bottom, taps, fractions, cw);
                            held1 = y1;
                        }
                        AddRow(image.Row(y), top, bottom, fy);
                    }
                }
                finally
                {
                    floatPool.Return(rows);
                }
            });
        }
        finally
        {
            intPool.Return(taps);
            floatPool.Return(fractions);
        }
    }

    /// <summary>One reduced RGB row, linearly interpolated to the full width as RGBA with alpha 0.</summary>
    private static void Widen(ReadOnlySpan<float> reduced, Span<float> wide, int[] taps, float[] fractions, int cw)
    {
        var w = wide.Length / 4;
        for (var x = 0; x < w; x++)
        {
            var a = taps[x] * 3;
            var b = Math.Min(taps[x] + 1, cw - 1) * 3;
            var f = fractions[x];
            var o = x * 4;
            wide[o] = reduced[a] + f * (reduced[b] - reduced[a]);
            wide[o + 1] = reduced[a + 1] + f * (reduced[b + 1] - reduced[a + 1]);
            wide[o + 2] = reduced[a + 2] + f * (reduced[b + 2] - reduced[a + 2]);
            wide[o + 3] = 0f;
        }
    }

    /// <summary>
    /// row += top + fy·(bottom − top) on RGB; alpha kept bit for bit. The full-size value may be darker than its
    /// reduced neighbourhood, so a sum below 0 is held at 0 (or at the value itself, if that was already negative).
    /// </summary>
    private static void AddRow(Span<float> row, ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, float fy)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<float>.Count % 4 == 0)
        {
            // Lanes 3, 7, 11, … are alpha: Vector<float>.Count is a multiple of 4, so every vector starts on a pixel.
            Span<int> pattern = stackalloc int[Vector<float>.Count];
            for (var k = 0; k < pattern.Length; k++) pattern[k] = k % 4 == 3 ? -1 : 0;
            var alpha = new Vector<int>(pattern);
            var weight = new Vector<float>(fy);
            for (; i + Vector<float>.Count <= row.Length; i += Vector<float>.Count)
            {
                var v = new Vector<float>(row[i..]);
                var t = new Vector<float>(top[i..]);
                var d = t + weight * (new Vector<float>(bottom[i..]) - t);
                var sum = v + d;
                var floor = Vector.Min(v, Vector<float>.Zero);
                var kept = Vector.ConditionalSelect(Vector.LessThan(sum, floor), floor, sum);
                Vector.ConditionalSelect(alpha, v, kept).CopyTo(row[i..]);
            }
        }
        for (; i < row.Length; i++)
        {
            if ((i & 3) == 3) continue;
            var d = top[i] + fy * (bottom[i] - top[i]);
            var sum = row[i] + d;
            var floor = MathF.Min(row[i], 0f);
            row[i] = sum < floor ? floor : sum;
        }
    }

    private static float Encode(float v) => v > 0 ? MathF.Sqrt(MathF.Min(v, 16f)) : 0f;
}
