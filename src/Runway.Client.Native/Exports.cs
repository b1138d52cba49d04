using System.Runtime.InteropServices;
using Runway.Client.Pixels;
using Runway.Protocol.V1;

namespace Runway.Client.Native;

/// <summary>
/// The C ABI of libRunwayClient (runway_client.h). Every export catches everything: no exception crosses into the
/// host, failures come back as an rw_status plus a message in rw_error.
/// </summary>
public static unsafe class Exports
{
    /// <summary>RW_ABI_VERSION of this library.</summary>
    public const int AbiVersion = 1;

    private static readonly TimeSpan AbortPollInterval = TimeSpan.FromMilliseconds(10);

    [UnmanagedCallersOnly(EntryPoint = "rw_abi_version")]
    private static int RwAbiVersion() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "rw_client_create")]
    private static nint RwClientCreate(byte* clientName, RwError* err)
    {
        try
        {
            var name = Text(clientName) ?? "libRunwayClient";
            var client = new RunwayClient(RunwayClientOptions.FromEnvironment(name));
            Succeed(err);
            return GCHandle.ToIntPtr(GCHandle.Alloc(client));
        }
        catch (Exception e)
        {
            Fail(err, e);
            return 0;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "rw_client_destroy")]
    private static void RwClientDestroy(nint client)
    {
        try
        {
            if (client == 0) return;
            var handle = GCHandle.FromIntPtr(client);
            var instance = handle.Target as RunwayClient;
            handle.Free();
            // Bounded: a host unloading the plugin must not hang on a dead daemon.
            instance?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        }
        catch
        {
            // Nothing can be reported from here, and nothing may escape into the host.
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "rw_client_ping")]
    private static int RwClientPing(nint client, RwError* err)
    {
        try
        {
            var instance = Resolve(client);
            var task = instance.PingAsync();
            task.GetAwaiter().GetResult();
            return Succeed(err);
        }
        catch (Exception e)
        {
            return Fail(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "rw_client_render")]
    private static int RwClientRender(nint client, RwRenderRequest* request, RwError* err)
    {
        try
        {
            var instance = Resolve(client);
            if (request is null) throw Invalid("render request is NULL");
            if (request->StructSize < RwRenderRequest.BaseSize)
                throw Invalid($"rw_render_request.struct_size is {request->StructSize}; this library needs at least {RwRenderRequest.BaseSize} (header/library mismatch)");
            if (request->EffectId is null) throw Invalid("render request has no effect_id");
            if (request->Source is null) throw Invalid("render request has no source image");
            if (request->Output is null) throw Invalid("render request has no output image");

            var source = ToHostImage(request->Source);
            HostImage? mask = request->Mask is null ? null : ToHostImage(request->Mask);
            var output = ToHostImage(request->Output);
            var window = new PixelRect(request->Window[0], request->Window[1], request->Window[2], request->Window[3]);
            var render = new RenderRequest(Text(request->EffectId)!)
            {
                InstanceId = Text(request->InstanceId),
                Time = request->Time,
                Window = window,
                RenderScaleX = request->RenderScale[0],
                RenderScaleY = request->RenderScale[1],
                PixelAspect = request->PixelAspect,
                Interactive = request->Interactive != 0,
                Timeout = request->TimeoutMs > 0 ? TimeSpan.FromMilliseconds(request->TimeoutMs) : null,
                Params = ToParams(request->Params, request->ParamCount),
                Neighbours = ToNeighbours(request),
                Clips = ToClips(request),
                SourceRange = ToSourceRange(request),
            };

            using var abort = new CancellationTokenSource();
            var task = instance.RenderAsync(render, source, mask, output, abort.Token);
            var aborted = WaitPollingAbort(task, request->AbortFn, request->AbortUser, abort);
            try
            {
                task.GetAwaiter().GetResult();
            }
            catch (RunwayException) when (aborted)
            {
                throw new RunwayException(RunwayStatus.Cancelled, "render cancelled by the host (abort)");
            }
            return Succeed(err);
        }
        catch (Exception e)
        {
            return Fail(err, e);
        }
    }

    /// <summary>
    /// Waits for the render on the calling thread (OFX wants abort() polled on the render thread), polling the
    /// host's abort callback about every 10 ms. After an abort it still waits for the render to finish: the
    /// render copies into the host's output image, which must not happen after this call returns.
    /// </summary>
    private static bool WaitPollingAbort(Task task, delegate* unmanaged<nint, int> abortFn, nint abortUser, CancellationTokenSource abort)
    {
        if (task.IsCompleted) return false;
        using var done = new ManualResetEventSlim(false);
        task.GetAwaiter().UnsafeOnCompleted(done.Set);
        var aborted = false;
        while (!done.Wait(AbortPollInterval))
        {
            if (aborted || abortFn is null) continue;
            if (abortFn(abortUser) != 0)
            {
                aborted = true;
                abort.Cancel();
            }
        }
        return aborted;
    }

    private static RunwayClient Resolve(nint client)
    {
        if (client == 0) throw Invalid("client handle is NULL");
        return GCHandle.FromIntPtr(client).Target as RunwayClient ?? throw Invalid("client handle was destroyed");
    }

    /// <summary>The neighbouring frames, when the caller's struct is new enough to carry them.</summary>
    private static IReadOnlyList<NeighbourFrame> ToNeighbours(RwRenderRequest* request)
    {
        if (request->StructSize < RwRenderRequest.NeighboursSize || request->NeighbourCount == 0) return [];
        if (request->NeighbourCount < 0) throw Invalid($"neighbour_count is {request->NeighbourCount}");
        if (request->Neighbours is null) throw Invalid($"neighbour_count is {request->NeighbourCount} but neighbours is NULL");
        var frames = new NeighbourFrame[request->NeighbourCount];
        for (var i = 0; i < frames.Length; i++)
        {
            var f = request->Neighbours[i];
            if (f.Source is null) throw Invalid($"neighbour {i} has no source image");
            frames[i] = new NeighbourFrame(f.Time, ToHostImage(f.Source), f.Mask is null ? null : ToHostImage(f.Mask));
        }
        return frames;
    }

    /// <summary>The named input clips, when the caller's struct is new enough to carry them.</summary>
    private static IReadOnlyList<NamedClip> ToClips(RwRenderRequest* request)
    {
        if (request->StructSize < (uint)sizeof(RwRenderRequest) || request->ClipCount == 0) return [];
        if (request->ClipCount < 0) throw Invalid($"clip_count is {request->ClipCount}");
        if (request->Clips is null) throw Invalid($"clip_count is {request->ClipCount} but clips is NULL");
        var clips = new NamedClip[request->ClipCount];
        for (var i = 0; i < clips.Length; i++)
        {
            var c = request->Clips[i];
            var name = Text(c.Name) ?? throw Invalid($"clip {i} has no name");
            if (c.Image is null) throw Invalid($"clip '{name}' has no image");
            clips[i] = new NamedClip(name, ToHostImage(c.Image));
        }
        return clips;
    }

    /// <summary>The Source clip's frame range, when the caller's struct carries one and says it is set.</summary>
    private static ClipFrameRange? ToSourceRange(RwRenderRequest* request) =>
        request->StructSize >= (uint)sizeof(RwRenderRequest) && request->HasSourceRange != 0
            ? new ClipFrameRange(request->SourceFirst, request->SourceLast)
            : null;

    private static HostImage ToHostImage(RwImage* image) => new(
        image->Data, image->RowBytes, new PixelRect(image->X1, image->Y1, image->X2, image->Y2),
        (Components)image->Components, (Depth)image->Depth, (AlphaMode)image->Alpha);

    private static Dictionary<string, ParamValue>? ToParams(RwParam* parameters, int count)
    {
        if (count <= 0) return null;
        if (parameters is null) throw Invalid($"param_count is {count} but params is NULL");
        var result = new Dictionary<string, ParamValue>(count);
        for (var i = 0; i < count; i++)
        {
            var p = &parameters[i];
            var name = Text(p->Name) ?? throw Invalid($"param {i} has no name");
            result[name] = (RwParamType)p->Type switch
            {
                RwParamType.Double => RunwayParams.Double(p->Values[0]),
                RwParamType.Int => RunwayParams.Int((long)Math.Round(p->Values[0])),
                RwParamType.Bool => RunwayParams.Bool(p->Values[0] != 0),
                RwParamType.String => RunwayParams.String(Text(p->Text) ?? ""),
                RwParamType.Doubles when p->Count is >= 1 and <= 4 => RunwayParams.Doubles(new ReadOnlySpan<double>(p->Values, p->Count).ToArray()),
                RwParamType.Doubles => throw Invalid($"param '{name}' has {p->Count} values; 1 to 4 are allowed"),
                _ => throw Invalid($"param '{name}' has unknown type {p->Type}"),
            };
        }
        return result;
    }

    private static string? Text(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((nint)text);

    private static RunwayException Invalid(string message) => new(RunwayStatus.InvalidArgument, message);

    private static int Succeed(RwError* err)
    {
        if (err is not null)
        {
            err->Code = 0;
            err->Message[0] = 0;
        }
        return 0;
    }

    private static int Fail(RwError* err, Exception e)
    {
        var (status, message) = e switch
        {
            RunwayException r => (r.Status, r.Message),
            AggregateException { InnerException: RunwayException r } => (r.Status, r.Message),
            OutOfMemoryException => (RunwayStatus.ResourceExhausted, "out of memory"),
            _ => (RunwayStatus.Internal, $"{e.GetType().Name}: {e.Message}"),
        };
        if (err is not null)
        {
            err->Code = (int)status;
            WriteMessage(new Span<byte>(err->Message, RwError.MessageBytes), message);
        }
        return (int)status;
    }

    /// <summary>UTF-8 into a fixed buffer, cut only between whole characters, always NUL-terminated.</summary>
    internal static void WriteMessage(Span<byte> buffer, string message)
    {
        var room = buffer[..^1];
        System.Text.Unicode.Utf8.FromUtf16(message, room, out _, out var written, replaceInvalidSequences: true, isFinalBlock: true);
        buffer[written] = 0;
    }
}
