using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Runway.Client.Arenas;
using Runway.Client.Connection;
using Runway.Client.Pixels;
using Runway.Protocol;
using Runway.Protocol.V1;

namespace Runway.Client;

/// <summary>
/// The one way every front end talks to runwayd: finds or auto-starts the daemon, handshakes, keeps the frame arenas,
/// renders frames, and reconnects after a daemon restart. Thread-safe; one per process is enough.
/// Every failure surfaces as a <see cref="RunwayException"/>.
/// </summary>
public sealed class RunwayClient : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan QuarantineDelay = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly ArenaPool _arenas;
    private readonly CancellationTokenSource _disposing = new();
    private DaemonConnection? _connection;
    private int _inFlight;
    private int _disposed;

    /// <summary>Creates a client. Nothing connects until the first call that needs the daemon.</summary>
    public RunwayClient(RunwayClientOptions? options = null)
    {
        Options = options ?? new RunwayClientOptions();
        SocketPath = Options.SocketPath ?? RunwayPaths.DefaultSocketPath();
        _arenas = new ArenaPool(Options.ArenaCapBytes, Options.ArenaDirectory, RetireArena);
    }

    /// <summary>The settings this client runs with.</summary>
    public RunwayClientOptions Options { get; }

    /// <summary>The daemon socket this client uses.</summary>
    public string SocketPath { get; }

    /// <summary>The frame arenas currently mapped (for diagnostics and tests).</summary>
    public IReadOnlyList<FrameArena> Arenas => _arenas.Arenas;

    /// <summary>
    /// Connects to the daemon, starting it detached when its socket does not answer (if <see cref="RunwayClientOptions.AutoStart"/>)
    /// and waiting up to <see cref="RunwayClientOptions.StartTimeout"/>; checks the protocol version. Returns the daemon's Hello.
    /// </summary>
    public async Task<HelloResponse> EnsureDaemonAsync(CancellationToken ct = default)
    {
        using var scope = Enter(null, ct, out var token, out var timeout);
        try
        {
            var connection = await GetConnectionAsync(token).ConfigureAwait(false);
            return connection.Hello!;
        }
        catch (Exception e) when (e is not RunwayException)
        {
            throw Translate(e, "connecting to runwayd", ct, timeout);
        }
    }

    /// <summary>Same as <see cref="EnsureDaemonAsync"/>; the name the C ABI uses.</summary>
    public Task<HelloResponse> PingAsync(CancellationToken ct = default) => EnsureDaemonAsync(ct);

    /// <summary>The daemon's health report.</summary>
    public Task<HealthResponse> HealthAsync(CancellationToken ct = default) =>
        CallAsync("health check", (c, o) => c.Daemon.HealthAsync(new HealthRequest(), o).ResponseAsync, null, ct);

    /// <summary>The daemon's counters.</summary>
    public Task<StatsResponse> StatsAsync(CancellationToken ct = default) =>
        CallAsync("stats", (c, o) => c.Daemon.StatsAsync(new StatsRequest(), o).ResponseAsync, null, ct);

    /// <summary>The effects.json the daemon serves (same schema as the bundle's Resources/effects.json).</summary>
    public async Task<DescribeResponse> DescribeAsync(CancellationToken ct = default) =>
        await CallAsync("describe effects", (c, o) => c.Effects.DescribeAsync(new DescribeRequest(), o).ResponseAsync, null, ct).ConfigureAwait(false);

    /// <summary>The model packs the daemon found, with their state, licence and the memory budget.</summary>
    public Task<ListModelsResponse> ListModelsAsync(CancellationToken ct = default) =>
        CallAsync("list models", (c, o) => c.Models.ListAsync(new ListModelsRequest(), o).ResponseAsync, null, ct);

    /// <summary>Loads a pack's session now (files checked, warmed up, kept resident); fails with the daemon's reason.</summary>
    public async Task<ModelInfo> LoadModelAsync(string id, CancellationToken ct = default) =>
        (await CallAsync("load model", (c, o) => c.Models.LoadAsync(new LoadModelRequest { Id = id }, o).ResponseAsync, null, ct)
            .ConfigureAwait(false)).Model;

    /// <summary>Drops a pack's session once renders using it finish; false when it was not loaded.</summary>
    public async Task<bool> UnloadModelAsync(string id, CancellationToken ct = default) =>
        (await CallAsync("unload model", (c, o) => c.Models.UnloadAsync(new UnloadModelRequest { Id = id }, o).ResponseAsync, null, ct)
            .ConfigureAwait(false)).Unloaded;

    /// <summary>
    /// Learns a look in the daemon (from before/after pairs or a mood board) and writes it where the request says. Each
    /// progress message goes to <paramref name="progress"/>; the result comes from the last one. No time limit: a large
    /// lattice may take minutes, and cancelling <paramref name="ct"/> stops the fit with nothing written.
    /// </summary>
    public Task<LearnLookResult> LearnLookAsync(LearnLookRequest request, IProgress<LearnLookProgress>? progress = null, CancellationToken ct = default) =>
        CallAsync("learn look", async (c, o) =>
        {
            using var call = c.Looks.Learn(request, o);
            LearnLookResult? result = null;
            await foreach (var p in call.ResponseStream.ReadAllAsync(o.CancellationToken).ConfigureAwait(false))
            {
                progress?.Report(p);
                if (p.Result is not null) result = p.Result;
            }
            return result ?? throw new RunwayException(RunwayStatus.Internal, "learn look failed: the daemon ended the job without a result");
        }, Timeout.InfiniteTimeSpan, ct);

    /// <summary>Asks a running daemon to stop; never starts one. Returns false when none was running.</summary>
    public async Task<bool> ShutdownAsync(bool cancelInFlight = false, CancellationToken ct = default)
    {
        using var scope = Enter(null, ct, out var token, out var timeout);
        using var connection = new DaemonConnection(SocketPath, Options.ConnectTimeout, Options.EffectiveIdentity);
        try
        {
            await connection.HandshakeAsync(Options.ClientName, DateTime.UtcNow + Options.ConnectTimeout, token).ConfigureAwait(false);
            await connection.Daemon.ShutdownAsync(new ShutdownRequest { CancelInFlight = cancelInFlight },
                deadline: DateTime.UtcNow + Options.ConnectTimeout, cancellationToken: token).ConfigureAwait(false);
            _connection?.MarkBroken();
            return true;
        }
        catch (RpcException e) when (DaemonConnection.NeverReachedDaemon(e))
        {
            return false;
        }
        catch (Exception e) when (e is not RunwayException)
        {
            throw Translate(e, "stopping runwayd", ct, timeout);
        }
    }

    /// <summary>
    /// Renders one frame. The source's bounds are sent whole (bottom-up rows); a mask whose bounds differ is aligned
    /// to the source (zero outside its bounds); the daemon produces a source-sized result in the output image's
    /// components, depth and alpha mode, which is copied into <paramref name="output"/> only inside
    /// window ∩ output bounds — window pixels outside the source's bounds become transparent black.
    /// </summary>
    public async Task<RenderResult> RenderAsync(RenderRequest request, HostImage source, HostImage? mask, HostImage output,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        Validate(request, source, mask, output);
        var region = (request.Window ?? output.Bounds).Intersect(output.Bounds);
        using var scope = Enter(request.Timeout, ct, out var token, out var timeout);
        try
        {
            var transport = request.Transport ?? Options.Transport;
            var (descriptor, info) = transport == FrameTransport.Inline
                ? await RenderInlineAsync(request, source, mask, output, region, token).ConfigureAwait(false)
                : await RenderSharedAsync(request, source, mask, output, region, token).ConfigureAwait(false);
            return new RenderResult(descriptor, info, clock.Elapsed);
        }
        catch (Exception e) when (e is not RunwayException)
        {
            throw Translate(e, $"render of {request.EffectId}", ct, timeout);
        }
    }

    /// <summary>
    /// Renders from and to managed arrays (CLI): pins them and renders them as host images with bounds at the origin.
    /// The output must be the source's size.
    /// </summary>
    public async Task<RenderResult> RenderAsync(RenderRequest request, ManagedImage source, ManagedImage? mask, ManagedImage output,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(output);
        using var sourcePin = source.Pixels.AsMemory().Pin();
        using var maskPin = mask is null ? default : mask.Pixels.AsMemory().Pin();
        using var outputPin = output.Pixels.AsMemory().Pin();
        HostImage s, o;
        HostImage? m;
        unsafe
        {
            s = source.View((nint)sourcePin.Pointer);
            m = mask?.View((nint)maskPin.Pointer);
            o = output.View((nint)outputPin.Pointer);
        }
        return await RenderAsync(request, s, m, o, ct).ConfigureAwait(false);
    }

    /// <summary>Waits briefly for renders in flight, tells the daemon to drop this client's arenas, unlinks them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var waited = Stopwatch.StartNew();
        while (Volatile.Read(ref _inFlight) > 0 && waited.Elapsed < TimeSpan.FromSeconds(5))
            await Task.Delay(10).ConfigureAwait(false);
        _disposing.Cancel();
        var connection = _connection;
        if (connection is { IsBroken: false })
        {
            foreach (var arena in _arenas.Arenas)
                await connection.ReleaseArenaAsync(arena, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        connection?.Dispose();
        _arenas.Dispose();
        _connectGate.Dispose();
        _disposing.Dispose();
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    // ------------------------------------------------------------------ rendering

    private async Task<(FrameDescriptor, RenderInfo)> RenderSharedAsync(RenderRequest request, HostImage source, HostImage? mask,
        HostImage output, PixelRect region, CancellationToken ct)
    {
        var bounds = source.Bounds;
        var sourceDesc = Packed(bounds, source.Components, source.Depth, source.EffectiveAlpha);
        var maskDesc = mask is { } mk ? Packed(bounds, mk.Components, mk.Depth, mk.EffectiveAlpha) : null;
        var outputDesc = Packed(bounds, output.Components, output.Depth, output.EffectiveAlpha);
        // Neighbouring frames take two extra slots each (source, then mask if any), and each named clip one, leased with
        // the rest in one step; every slot is sized for its own image (a reference still may be larger than the source).
        var inputs = ExtraInputs(request, bounds);

        var leases = await _arenas.LeaseAsync(SpanBytes(sourceDesc), maskDesc is null ? 0 : SpanBytes(maskDesc), SpanBytes(outputDesc), ct,
            inputs.Select(i => SpanBytes(i.Descriptor)).ToList()).ConfigureAwait(false);
        var outcome = RunwayStatus.Internal;
        try
        {
            var sourceRef = WriteSlot(leases.Source, sourceDesc, source, bounds);
            var maskRef = mask is { } m ? WriteSlot(leases.Mask, maskDesc!, m, bounds) : default;
            var extraRefs = new ulong[inputs.Count];
            for (var i = 0; i < inputs.Count; i++) extraRefs[i] = WriteSlot(leases.Extra[i], inputs[i].Descriptor, inputs[i].Image, inputs[i].Bounds);
            var outputGen = leases.Output.Arena.Stamp(leases.Output.Slot, outputDesc);

            var proto = BuildRequest(request);
            var response = await CallAsync("render", async (connection, options) =>
            {
                proto.Source = new FrameInput { Descriptor_ = sourceDesc, ContentId = request.SourceContentId ?? "",
                    Slot = await SlotRefAsync(connection, leases.Source, sourceRef, options.CancellationToken).ConfigureAwait(false) };
                if (maskDesc is not null)
                    proto.Mask = new FrameInput { Descriptor_ = maskDesc,
                        Slot = await SlotRefAsync(connection, leases.Mask, maskRef, options.CancellationToken).ConfigureAwait(false) };
                proto.Output = new FrameOutput { Descriptor_ = outputDesc,
                    Slot = await SlotRefAsync(connection, leases.Output, outputGen, options.CancellationToken).ConfigureAwait(false) };
                proto.Neighbours.Clear();
                proto.Clips.Clear();
                for (var i = 0; i < inputs.Count; i++)
                {
                    var input = new FrameInput { Descriptor_ = inputs[i].Descriptor,
                        Slot = await SlotRefAsync(connection, leases.Extra[i], extraRefs[i], options.CancellationToken).ConfigureAwait(false) };
                    AddExtra(proto, inputs[i], input);
                }
                return await connection.Render.RenderFrameAsync(proto, options).ResponseAsync.ConfigureAwait(false);
            }, null, ct, "render").ConfigureAwait(false);

            var result = CheckResult(response.Output, outputDesc, leases.Output.Capacity);
            CopyOut(PixelPlane.Stored(leases.Output.Payload, (long)result.RowBytes, bounds, BytesPerPixel(result), result.TopDown),
                output, region, bounds);
            outcome = RunwayStatus.Ok;
            return (result, response.Info ?? new RenderInfo());
        }
        catch (Exception e)
        {
            outcome = e switch
            {
                RunwayException re => re.Status,
                RpcException rpc => ErrorMapping.FromRpc(rpc, "render").Status,
                _ => RunwayStatus.Cancelled,
            };
            throw;
        }
        finally
        {
            ReturnSlots(leases, outcome);
        }
    }

    private async Task<(FrameDescriptor, RenderInfo)> RenderInlineAsync(RenderRequest request, HostImage source, HostImage? mask,
        HostImage output, PixelRect region, CancellationToken ct)
    {
        var bounds = source.Bounds;
        var sourceDesc = Packed(bounds, source.Components, source.Depth, source.EffectiveAlpha);
        var maskDesc = mask is { } mk ? Packed(bounds, mk.Components, mk.Depth, mk.EffectiveAlpha) : null;
        var outputDesc = Packed(bounds, output.Components, output.Depth, output.EffectiveAlpha);

        byte[]? sourceBytes = null, maskBytes = null, resultBytes = null;
        var inputs = ExtraInputs(request, bounds);
        var extraBytes = new byte[]?[inputs.Count];
        try
        {
            // Same copy routine as the slot path into a staging buffer, so both paths send identical bytes.
            sourceBytes = Stage(source, sourceDesc, bounds);
            if (mask is { } m) maskBytes = Stage(m, maskDesc!, bounds);
            for (var i = 0; i < inputs.Count; i++) extraBytes[i] = Stage(inputs[i].Image, inputs[i].Descriptor, inputs[i].Bounds);

            var proto = BuildRequest(request);
            proto.Source = new FrameInput { Descriptor_ = sourceDesc, Inline = true, ContentId = request.SourceContentId ?? "" };
            if (maskDesc is not null) proto.Mask = new FrameInput { Descriptor_ = maskDesc, Inline = true };
            proto.Output = new FrameOutput { Descriptor_ = outputDesc, Inline = true };
            foreach (var input in inputs) AddExtra(proto, input, new FrameInput { Descriptor_ = input.Descriptor, Inline = true });
            var sourceLength = (int)SpanBytes(sourceDesc);
            var maskLength = maskDesc is null ? 0 : (int)SpanBytes(maskDesc);

            var (response, received) = await CallAsync("render (inline)", async (connection, options) =>
            {
                using var call = connection.Render.RenderInline(options);
                await call.RequestStream.WriteAsync(new RenderChunk { Request = proto }).ConfigureAwait(false);
                await SendChunksAsync(call.RequestStream, sourceBytes.AsMemory(0, sourceLength)).ConfigureAwait(false);
                if (maskBytes is not null) await SendChunksAsync(call.RequestStream, maskBytes.AsMemory(0, maskLength)).ConfigureAwait(false);
                // Neighbouring frames after source and mask, in request order, each source then its mask; then the clips.
                for (var i = 0; i < inputs.Count; i++)
                    await SendChunksAsync(call.RequestStream, extraBytes[i].AsMemory(0, (int)SpanBytes(inputs[i].Descriptor))).ConfigureAwait(false);
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);

                RenderFrameResponse? head = null;
                long length = 0, expected = 0;
                while (await call.ResponseStream.MoveNext(options.CancellationToken).ConfigureAwait(false))
                {
                    var chunk = call.ResponseStream.Current;
                    if (chunk.PartCase == RenderChunk.PartOneofCase.Response && head is null)
                    {
                        head = chunk.Response;
                        var checkedDesc = CheckResult(head.Output, outputDesc, ulong.MaxValue);
                        expected = (long)SpanBytes(checkedDesc);
                        if (expected > Array.MaxLength)
                            throw new RunwayException(RunwayStatus.ResourceExhausted, $"inline result of {expected} bytes is too large");
                        resultBytes = ArrayPool<byte>.Shared.Rent((int)expected);
                    }
                    else if (chunk.PartCase == RenderChunk.PartOneofCase.Data && head is not null)
                    {
                        var data = chunk.Data.Span;
                        if (length + data.Length > expected)
                            throw new RunwayException(RunwayStatus.Internal, $"runwayd sent more than the {expected} result bytes it announced");
                        data.CopyTo(resultBytes.AsSpan((int)length));
                        length += data.Length;
                    }
                    else
                    {
                        throw new RunwayException(RunwayStatus.Internal, $"runwayd sent an unexpected {chunk.PartCase} message in an inline render");
                    }
                }
                if (head is null || length != expected)
                    throw new RunwayException(RunwayStatus.Internal,
                        $"inline render ended after {length} of {expected} result bytes{(head is null ? " and no response" : "")}");
                return (head, length);
            }, null, ct, "render").ConfigureAwait(false);

            var result = response.Output;
            unsafe
            {
                fixed (byte* p = resultBytes)
                    CopyOut(PixelPlane.Stored((nint)p, (long)result.RowBytes, bounds, BytesPerPixel(result), result.TopDown), output, region, bounds);
            }
            return (result, response.Info ?? new RenderInfo());
        }
        finally
        {
            if (sourceBytes is not null) ArrayPool<byte>.Shared.Return(sourceBytes);
            if (maskBytes is not null) ArrayPool<byte>.Shared.Return(maskBytes);
            if (resultBytes is not null) ArrayPool<byte>.Shared.Return(resultBytes);
            foreach (var bytes in extraBytes)
                if (bytes is not null) ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private enum ExtraKind { NeighbourSource, NeighbourMask, Clip }

    /// <summary>
    /// One extra input of a render: a neighbouring frame's source or mask (packed in the source's bounds), or a named
    /// clip (packed in its own bounds, since a reference need not match the source).
    /// </summary>
    private sealed record ExtraInput(ExtraKind Kind, double Time, string? Name, HostImage Image, PixelRect Bounds, FrameDescriptor Descriptor);

    /// <summary>
    /// Extra inputs flattened in wire order: each neighbour's source, then its mask when it has one; then each named
    /// clip in request order.
    /// </summary>
    private static List<ExtraInput> ExtraInputs(RenderRequest request, PixelRect bounds)
    {
        var inputs = new List<ExtraInput>(request.Neighbours.Count * 2 + request.Clips.Count);
        foreach (var n in request.Neighbours)
        {
            inputs.Add(new ExtraInput(ExtraKind.NeighbourSource, n.Time, null, n.Source, bounds,
                Packed(bounds, n.Source.Components, n.Source.Depth, n.Source.EffectiveAlpha)));
            if (n.Mask is { } m)
                inputs.Add(new ExtraInput(ExtraKind.NeighbourMask, n.Time, null, m, bounds, Packed(bounds, m.Components, m.Depth, m.EffectiveAlpha)));
        }
        foreach (var c in request.Clips)
            inputs.Add(new ExtraInput(ExtraKind.Clip, request.Time, c.Name, c.Image, c.Image.Bounds,
                Packed(c.Image.Bounds, c.Image.Components, c.Image.Depth, c.Image.EffectiveAlpha)));
        return inputs;
    }

    /// <summary>Puts one extra input where it belongs in the request (inputs come in <see cref="ExtraInputs"/> order).</summary>
    private static void AddExtra(RenderFrameRequest proto, ExtraInput input, FrameInput frame)
    {
        switch (input.Kind)
        {
            case ExtraKind.NeighbourSource: proto.Neighbours.Add(new TimedFrame { Time = input.Time, Source = frame }); break;
            case ExtraKind.NeighbourMask: proto.Neighbours[^1].Mask = frame; break;
            default: proto.Clips.Add(new NamedFrame { Name = input.Name!, Frame = frame }); break;
        }
    }

    private static async Task SendChunksAsync(IClientStreamWriter<RenderChunk> stream, ReadOnlyMemory<byte> bytes)
    {
        for (var offset = 0; offset < bytes.Length; offset += ProtocolInfo.InlineChunkBytes)
        {
            var piece = bytes.Slice(offset, Math.Min(ProtocolInfo.InlineChunkBytes, bytes.Length - offset));
            // The message is serialized before WriteAsync completes, so wrapping the staging buffer is safe.
            await stream.WriteAsync(new RenderChunk { Data = UnsafeByteOperations.UnsafeWrap(piece) }).ConfigureAwait(false);
        }
    }

    private unsafe byte[] Stage(HostImage image, FrameDescriptor descriptor, PixelRect bounds)
    {
        var length = SpanBytes(descriptor);
        if (length > (ulong)Array.MaxLength)
            throw new RunwayException(RunwayStatus.ResourceExhausted, $"a {length >> 20} MiB frame is too large for the inline path");
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        fixed (byte* p = buffer)
            FillSlotLayout((nint)p, descriptor, image, bounds);
        return buffer;
    }

    /// <summary>Copies an input into slot layout (bounds of the source, bottom-up, packed) and stamps the slot.</summary>
    private ulong WriteSlot(SlotLease lease, FrameDescriptor descriptor, HostImage image, PixelRect bounds)
    {
        FillSlotLayout(lease.Payload, descriptor, image, bounds);
        return lease.Arena.Stamp(lease.Slot, descriptor);
    }

    private void FillSlotLayout(nint target, FrameDescriptor descriptor, HostImage image, PixelRect bounds) =>
        FillSlotLayout(target, (long)descriptor.RowBytes, image, bounds, Options.ParallelCopyBytes);

    private void CopyOut(PixelPlane result, HostImage output, PixelRect region, PixelRect sourceBounds) =>
        CopyOut(result, output, region, sourceBounds, Options.ParallelCopyBytes);

    /// <summary>
    /// Lays an input out as the daemon reads it: the source's bounds, bottom-up rows <paramref name="rowBytes"/> apart.
    /// An image whose bounds differ (a mask) is aligned by pixel coordinates and counts as zero where it has no pixels.
    /// </summary>
    internal static void FillSlotLayout(nint target, long rowBytes, HostImage image, PixelRect bounds, long parallelBytes)
    {
        var plane = PixelPlane.Stored(target, rowBytes, bounds, image.BytesPerPixel, topDown: false);
        var overlap = image.Bounds.Intersect(bounds);
        PixelCopy.Copy(PixelPlane.Of(image), plane, overlap, parallelBytes);
        PixelCopy.ClearOutside(plane, bounds, overlap);
    }

    /// <summary>
    /// Writes a source-sized result into the host's output inside <paramref name="region"/> only; where the region
    /// lies outside the source's bounds there is no result, so those pixels become transparent black.
    /// </summary>
    internal static void CopyOut(PixelPlane result, HostImage output, PixelRect region, PixelRect sourceBounds, long parallelBytes)
    {
        if (region.IsEmpty) return;
        var target = PixelPlane.Of(output);
        PixelCopy.Copy(result, target, region.Intersect(sourceBounds), parallelBytes);
        PixelCopy.ClearOutside(target, region, sourceBounds);
    }

    private async Task<SlotRef> SlotRefAsync(DaemonConnection connection, SlotLease lease, ulong generation, CancellationToken ct) =>
        new()
        {
            ArenaId = await connection.ArenaIdAsync(lease.Arena, ct).ConfigureAwait(false),
            Slot = (uint)lease.Slot,
            Generation = generation,
        };

    private void ReturnSlots(LeaseSet leases, RunwayStatus outcome)
    {
        if (outcome == RunwayStatus.Ok)
        {
            _arenas.Release(leases);
            return;
        }
        // The request may still be running in the daemon: make its slot references stale, and for outcomes where the
        // daemon may still be touching the pixels (cancelled, timed out, unknown), keep the slots out of use a while.
        Invalidate(leases.Source);
        Invalidate(leases.Mask);
        Invalidate(leases.Output);
        foreach (var extra in leases.Extra) Invalidate(extra);
        if (outcome is RunwayStatus.InvalidArgument or RunwayStatus.NotFound or RunwayStatus.ProtocolMismatch
            or RunwayStatus.Unavailable or RunwayStatus.ResourceExhausted)
        {
            _arenas.Release(leases);
            return;
        }
        _ = Task.Delay(QuarantineDelay).ContinueWith(_ => _arenas.Release(leases), TaskScheduler.Default);
    }

    private static void Invalidate(SlotLease lease)
    {
        if (!lease.IsNone) lease.Arena.Invalidate(lease.Slot);
    }

    private static RenderFrameRequest BuildRequest(RenderRequest request)
    {
        var proto = new RenderFrameRequest
        {
            EffectId = request.EffectId,
            InstanceId = request.InstanceId ?? "",
            Time = request.Time,
            RenderScaleX = request.RenderScaleX > 0 ? request.RenderScaleX : 1,
            RenderScaleY = request.RenderScaleY > 0 ? request.RenderScaleY : 1,
            PixelAspectRatio = request.PixelAspect > 0 ? request.PixelAspect : 1,
        };
        proto.Interactive = request.Interactive || proto.RenderScaleX < 1 || proto.RenderScaleY < 1;
        proto.Priority = proto.Interactive ? Priority.Interactive : Priority.Final;
        if (request.SourceRange is { } range) proto.SourceRange = new FrameRange { First = range.First, Last = range.Last };
        if (request.Params is { } parameters)
            foreach (var (name, value) in parameters)
                proto.Params[name] = value;
        return proto;
    }

    private static void Validate(RenderRequest request, HostImage source, HostImage? mask, HostImage output)
    {
        string? problem = string.IsNullOrWhiteSpace(request.EffectId) ? "no effect id given" : null;
        problem ??= source.Problem("source");
        problem ??= mask?.Problem("mask", allowEmpty: true);
        problem ??= output.Problem("output");
        if (problem is null && mask is { Bounds.IsEmpty: false, Data: 0 }) problem = "mask image has no pixel data";
        for (var i = 0; problem is null && i < request.Neighbours.Count; i++)
        {
            var n = request.Neighbours[i];
            if (n is null) problem = $"neighbour {i} is null";
            else if (!double.IsFinite(n.Time)) problem = $"neighbour {i} time {n.Time} is not a finite number";
            else
            {
                problem = n.Source.Problem($"neighbour {i} source") ?? n.Mask?.Problem($"neighbour {i} mask", allowEmpty: true);
                if (problem is null && n.Mask is { Bounds.IsEmpty: false, Data: 0 }) problem = $"neighbour {i} mask has no pixel data";
            }
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; problem is null && i < request.Clips.Count; i++)
        {
            var c = request.Clips[i];
            if (c is null) problem = $"clip {i} is null";
            else if (string.IsNullOrWhiteSpace(c.Name)) problem = $"clip {i} has no name";
            else if (!names.Add(c.Name)) problem = $"clip '{c.Name}' is given twice";
            else problem = c.Image.Problem($"clip '{c.Name}'");
        }
        if (problem is null && request.SourceRange is { } range && !(double.IsFinite(range.First) && double.IsFinite(range.Last) && range.First <= range.Last))
            problem = $"source range {range.First}..{range.Last} is not a finite, ordered range";
        if (problem is not null) throw new RunwayException(RunwayStatus.InvalidArgument, problem, null, "invalid-argument");
    }

    private static FrameDescriptor Packed(PixelRect bounds, Components components, Depth depth, AlphaMode alpha) => new()
    {
        Width = (uint)bounds.Width,
        Height = (uint)bounds.Height,
        Components = components,
        Depth = depth,
        RowBytes = (ulong)bounds.Width * (ulong)PixelFormat.BytesPerPixel(components, depth),
        TopDown = false,
        Alpha = alpha,
    };

    private static ulong SpanBytes(FrameDescriptor d) => d.Height == 0 ? 0 : d.RowBytes * (d.Height - 1) + d.Width * (ulong)BytesPerPixel(d);

    private static int BytesPerPixel(FrameDescriptor d) => PixelFormat.BytesPerPixel(d.Components, d.Depth);

    /// <summary>Checks that the daemon's result has the shape asked for and fits where it was written.</summary>
    private static FrameDescriptor CheckResult(FrameDescriptor? actual, FrameDescriptor wanted, ulong capacity)
    {
        if (actual is null)
            throw new RunwayException(RunwayStatus.Internal, "runwayd answered without describing its output");
        if (actual.Width != wanted.Width || actual.Height != wanted.Height || actual.Components != wanted.Components || actual.Depth != wanted.Depth)
            throw new RunwayException(RunwayStatus.Internal,
                $"runwayd returned a {actual.Width}x{actual.Height} {actual.Components}/{actual.Depth} result; asked for {wanted.Width}x{wanted.Height} {wanted.Components}/{wanted.Depth}");
        if (actual.RowBytes < actual.Width * (ulong)BytesPerPixel(actual) || SpanBytes(actual) > capacity)
            throw new RunwayException(RunwayStatus.Internal, $"runwayd's result row bytes {actual.RowBytes} do not fit its {actual.Width}-pixel rows or the slot");
        return actual;
    }

    // ------------------------------------------------------------------ connection

    /// <summary>
    /// Runs one call against the current daemon. A call that never reached a daemon (socket missing, or the old
    /// connection gone) is retried once on a fresh connection, auto-starting the daemon. A call that reached the
    /// daemon and lost it is NOT retried: the frame may be what crashed it.
    /// </summary>
    private async Task<T> CallAsync<T>(string what, Func<DaemonConnection, CallOptions, Task<T>> call, TimeSpan? timeout,
        CancellationToken ct, string? scopeName = null)
    {
        IDisposable? scope = null;
        CancellationTokenSource? timeoutSource = null;
        var token = ct;
        if (scopeName is null)
        {
            scope = Enter(timeout, ct, out token, out timeoutSource);
        }
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var connection = await GetConnectionAsync(token).ConfigureAwait(false);
                var options = new CallOptions(cancellationToken: token);
                try
                {
                    return await call(connection, options).ConfigureAwait(false);
                }
                catch (RpcException e) when (attempt == 0 && DaemonConnection.NeverReachedDaemon(e))
                {
                    connection.MarkBroken();
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !token.IsCancellationRequested)
                {
                    connection.MarkBroken();
                    throw new RunwayException(RunwayStatus.Unavailable,
                        $"{what} failed: runwayd closed the connection during the call ({e.Status.Detail}); it may have crashed. " +
                        "The next call reconnects or restarts it.", e, ErrorMapping.FromRpc(e, what).Reason);
                }
            }
        }
        catch (Exception e) when (e is not RunwayException && scopeName is null)
        {
            throw Translate(e, what, ct, timeoutSource);
        }
        finally
        {
            scope?.Dispose();
        }
    }

    private async Task<DaemonConnection> GetConnectionAsync(CancellationToken ct)
    {
        var current = Volatile.Read(ref _connection);
        if (current is { IsBroken: false, Hello: not null }) return current;
        await _connectGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            current = _connection;
            if (current is { IsBroken: false, Hello: not null }) return current;
            _connection = null;
            current?.Dispose();
            var fresh = await ConnectOrStartAsync(ct).ConfigureAwait(false);
            Volatile.Write(ref _connection, fresh);
            return fresh;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task<DaemonConnection> ConnectOrStartAsync(CancellationToken ct)
    {
        var existing = await TryOpenAsync(Options.ConnectTimeout, checkHealth: false, ct).ConfigureAwait(false);
        if (existing is not null) return existing;
        if (!Options.AutoStart)
            throw new RunwayException(RunwayStatus.Unavailable, $"runwayd is not running at {SocketPath} (auto-start is off); start it with `runway daemon start`");
        var daemon = RunwayPaths.FindDaemon(Options.DaemonPath) ?? throw new RunwayException(RunwayStatus.Unavailable,
            $"runwayd is not running at {SocketPath} and was not found to start it: set {RunwayPaths.DaemonPathEnv}, " +
            "install it as ~/.local/share/runway/daemon/runwayd, or put runwayd on PATH");
        DaemonLauncher.Start(daemon, Options.DaemonArguments, SocketPath);
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < Options.StartTimeout)
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
            var remaining = Options.StartTimeout - waited.Elapsed;
            if (remaining <= TimeSpan.Zero) break;
            var started = await TryOpenAsync(remaining < Options.ConnectTimeout ? remaining : Options.ConnectTimeout, checkHealth: true, ct)
                .ConfigureAwait(false);
            if (started is not null) return started;
        }
        throw new RunwayException(RunwayStatus.Unavailable,
            $"started {daemon} but it did not answer at {SocketPath} within {Options.StartTimeout.TotalSeconds:0.#} s; see its log (runway daemon status)");
    }

    /// <summary>Opens and handshakes a connection; null when no daemon answers (yet).</summary>
    private async Task<DaemonConnection?> TryOpenAsync(TimeSpan limit, bool checkHealth, CancellationToken ct)
    {
        var connection = new DaemonConnection(SocketPath, Options.ConnectTimeout, Options.EffectiveIdentity);
        try
        {
            var deadline = DateTime.UtcNow + limit;
            if (checkHealth)
            {
                var health = await connection.Daemon.HealthAsync(new HealthRequest(), deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
                if (health.Status is not ("serving" or "")) 
                {
                    connection.Dispose();
                    return null;
                }
            }
            await connection.HandshakeAsync(Options.ClientName, deadline, ct).ConfigureAwait(false);
            return connection;
        }
        // Nothing was asked of a daemon yet, so any unavailability means "no usable daemon here (yet)": a refused
        // connect, a daemon still binding its socket, or one that was killed and reset the connection mid-handshake.
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable || e.StatusCode == StatusCode.DeadlineExceeded && !ct.IsCancellationRequested)
        {
            connection.Dispose();
            return null;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void RetireArena(FrameArena arena)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is null)
        {
            arena.Dispose();
            return;
        }
        _ = Task.Run(async () =>
        {
            await connection.ReleaseArenaAsync(arena, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            arena.Dispose();
        });
    }

    // ------------------------------------------------------------------ cancellation and errors

    /// <summary>Starts a call: checks disposal, links the caller's token with the call's time limit and disposal.</summary>
    private IDisposable Enter(TimeSpan? timeout, CancellationToken ct, out CancellationToken token, out CancellationTokenSource timeoutSource)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Interlocked.Increment(ref _inFlight);
        timeoutSource = new CancellationTokenSource(timeout ?? Options.RenderTimeout);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutSource.Token, _disposing.Token);
        token = linked.Token;
        return new CallScope(this, linked, timeoutSource);
    }

    private sealed class CallScope(RunwayClient owner, CancellationTokenSource linked, CancellationTokenSource timeout) : IDisposable
    {
        public void Dispose()
        {
            linked.Dispose();
            timeout.Dispose();
            Interlocked.Decrement(ref owner._inFlight);
        }
    }

    private RunwayException Translate(Exception e, string what, CancellationToken callerToken, CancellationTokenSource? timeout)
    {
        if (e is RunwayException re) return re;
        var timedOut = timeout?.IsCancellationRequested == true && !callerToken.IsCancellationRequested;
        if (callerToken.IsCancellationRequested)
            return new RunwayException(RunwayStatus.Cancelled, $"{what} was cancelled", e, "cancelled");
        if (timedOut)
            return new RunwayException(RunwayStatus.Deadline, $"{what} did not finish within its time limit", e, "deadline");
        if (Volatile.Read(ref _disposed) != 0 && e is OperationCanceledException or ObjectDisposedException)
            return new RunwayException(RunwayStatus.Cancelled, $"{what} was cancelled: the client is shutting down", e, "cancelled");
        return e switch
        {
            RpcException rpc => ErrorMapping.FromRpc(rpc, what),
            OperationCanceledException => new RunwayException(RunwayStatus.Cancelled, $"{what} was cancelled", e, "cancelled"),
            OutOfMemoryException => new RunwayException(RunwayStatus.ResourceExhausted, $"{what} ran out of memory", e),
            _ => new RunwayException(RunwayStatus.Internal, $"{what} failed: {e.Message}", e),
        };
    }
}
