using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Runway.Daemon.Arena;
using Runway.Daemon.Errors;
using Runway.Daemon.Hosting;
using Runway.Daemon.Rendering;
using Runway.Protocol;
using Runway.Protocol.V1;
using RenderRpc = Runway.Protocol.V1.Render;

namespace Runway.Daemon.Services;

/// <summary>
/// Render: arena registration, RenderFrame over arena slots, and RenderInline (the same pipeline with pixels in
/// chunked messages). Inline frames are whole rows: <c>height × row_bytes</c> bytes each, source, mask, then each
/// neighbouring frame's source and mask in request order, split
/// into <c>data</c> chunks of any size; the reply is the response followed by the output's bytes in chunks of
/// <see cref="ProtocolInfo.InlineChunkBytes"/>.
/// </summary>
internal sealed class RenderService(ArenaRegistry arenas, PeerGuard peers, RenderPipeline pipeline) : RenderRpc.RenderBase
{
    public override Task<RegisterArenaResponse> RegisterArena(RegisterArenaRequest request, ServerCallContext context)
    {
        var owner = peers.Find(context.GetHttpContext().Connection.Id)?.Pid ?? 0;
        var arena = arenas.Register(request.Path, request.FileBytes, owner);
        return Task.FromResult(new RegisterArenaResponse { ArenaId = arena.Id, SlotCount = (uint)arena.SlotCount, SlotBytes = arena.SlotBytes });
    }

    public override Task<ReleaseArenaResponse> ReleaseArena(ReleaseArenaRequest request, ServerCallContext context)
    {
        arenas.Release(request.ArenaId);
        return Task.FromResult(new ReleaseArenaResponse());
    }

    public override Task<RenderFrameResponse> RenderFrame(RenderFrameRequest request, ServerCallContext context)
    {
        var plan = pipeline.Plan(request);
        return pipeline.RenderAsync(request, plan, inline: null, context.CancellationToken, Caller(context));
    }

    public override async Task RenderInline(IAsyncStreamReader<RenderChunk> requestStream, IServerStreamWriter<RenderChunk> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct).ConfigureAwait(false))
            throw RunwayFault.Invalid("RenderInline stream ended before its request");
        if (requestStream.Current.PartCase != RenderChunk.PartOneofCase.Request)
            throw RunwayFault.Invalid("the first RenderInline message must carry the request");
        var request = requestStream.Current.Request;
        // Everything checkable without pixels fails here, before megabytes are read.
        var plan = pipeline.Plan(request);

        using var inline = new InlineFrames();
        var reader = new ChunkReader(requestStream);
        if (request.Source.LocationCase == FrameInput.LocationOneofCase.Inline && request.Source.Inline)
            inline.Source = await reader.ReadFrameAsync(request.Source.Descriptor_, "source", ct).ConfigureAwait(false);
        if (request.Mask is { LocationCase: FrameInput.LocationOneofCase.Inline, Inline: true })
            inline.Mask = await reader.ReadFrameAsync(request.Mask.Descriptor_, "mask", ct).ConfigureAwait(false);
        // Neighbouring frames follow in request order, each source then its mask (the plan has checked them).
        for (var i = 0; i < request.Neighbours.Count; i++)
        {
            var n = request.Neighbours[i];
            byte[]? source = null, mask = null;
            if (n.Source is { LocationCase: FrameInput.LocationOneofCase.Inline, Inline: true })
                source = await reader.ReadFrameAsync(n.Source.Descriptor_, $"neighbour {i} source", ct).ConfigureAwait(false);
            inline.Neighbours.Add((source, null));
            if (n.Mask is { LocationCase: FrameInput.LocationOneofCase.Inline, Inline: true })
                mask = await reader.ReadFrameAsync(n.Mask.Descriptor_, $"neighbour {i} mask", ct).ConfigureAwait(false);
            inline.Neighbours[i] = (source, mask);
        }
        // Then the named clips, in request order.
        foreach (var clip in request.Clips)
        {
            inline.Clips.Add(clip.Frame is { LocationCase: FrameInput.LocationOneofCase.Inline, Inline: true }
                ? await reader.ReadFrameAsync(clip.Frame.Descriptor_, $"clip '{clip.Name}'", ct).ConfigureAwait(false)
                : null);
        }
        reader.ExpectNoLeftover();

        var outputInline = request.Output.LocationCase == FrameOutput.LocationOneofCase.Inline && request.Output.Inline;
        var outputBytes = outputInline ? InlineFrames.Bytes(request.Output.Descriptor_) : 0;
        if (outputInline) inline.Output = InlineFrames.Rent(outputBytes);

        var response = await pipeline.RenderAsync(request, plan, inline, ct, Caller(context)).ConfigureAwait(false);
        await responseStream.WriteAsync(new RenderChunk { Response = response }, ct).ConfigureAwait(false);
        if (!outputInline) return;
        for (long offset = 0; offset < outputBytes; offset += ProtocolInfo.InlineChunkBytes)
        {
            var n = (int)Math.Min(ProtocolInfo.InlineChunkBytes, outputBytes - offset);
            await responseStream.WriteAsync(
                new RenderChunk { Data = Google.Protobuf.ByteString.CopyFrom(inline.Output!, (int)offset, n) }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The caller for the scheduler: the client identity the call declares (one turn per client process, however many
    /// connections it opens), else its connection; and the call's deadline.
    /// </summary>
    private static RenderCaller Caller(ServerCallContext context) =>
        RenderCaller.For(context.RequestHeaders.GetValue(ProtocolInfo.ClientIdentityHeader), context.GetHttpContext().Connection.Id, context.Deadline);

    /// <summary>Reads exact byte counts out of a stream of data chunks, splitting chunks that straddle two frames.</summary>
    private sealed class ChunkReader(IAsyncStreamReader<RenderChunk> stream)
    {
        private Google.Protobuf.ByteString? _pending;
        private int _pendingOffset;

        public async Task<byte[]> ReadFrameAsync(FrameDescriptor descriptor, string role, CancellationToken ct)
        {
            var bytes = InlineFrames.Bytes(descriptor);
            var buffer = InlineFrames.Rent(bytes);
            long filled = 0;
            try
            {
                while (filled < bytes)
                {
                    if (_pending is null || _pendingOffset >= _pending.Length)
                    {
                        if (!await stream.MoveNext(ct).ConfigureAwait(false))
                            throw RunwayFault.Invalid($"RenderInline stream ended after {filled} of the {bytes} {role} bytes");
                        if (stream.Current.PartCase != RenderChunk.PartOneofCase.Data)
                            throw RunwayFault.Invalid($"RenderInline expected {role} data chunks, got a {stream.Current.PartCase} message");
                        _pending = stream.Current.Data;
                        _pendingOffset = 0;
                    }
                    var n = (int)Math.Min(_pending.Length - _pendingOffset, bytes - filled);
                    _pending.Span.Slice(_pendingOffset, n).CopyTo(buffer.AsSpan((int)filled, n));
                    _pendingOffset += n;
                    filled += n;
                }
                return buffer;
            }
            catch
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        /// <summary>
        /// Fails when the last chunk held bytes past the described frames. The stream itself is not awaited to its
        /// end: a client may keep its side open until it has read the reply.
        /// </summary>
        public void ExpectNoLeftover()
        {
            if (_pending is not null && _pendingOffset < _pending.Length)
                throw RunwayFault.Invalid("RenderInline sent more data than the frames it describes");
        }
    }
}
