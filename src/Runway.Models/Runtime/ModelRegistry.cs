using Runway.Models.Packs;

namespace Runway.Models.Runtime;

/// <summary>Settings of a <see cref="ModelRegistry"/>.</summary>
/// <param name="Directory">Folder whose subfolders are packs (created if missing).</param>
/// <param name="MemoryBudgetBytes">Resident models together stay within this; least recently used ones are evicted.</param>
/// <param name="Watch">Notice packs added, changed or removed without a restart (file watcher plus rescans).</param>
/// <param name="IntraOpThreads">Threads per ONNX Runtime run; 0 = automatic (<see cref="OrtSessionSettings.AutoIntraOpThreads"/>).</param>
public sealed record ModelRegistryOptions(string Directory, long MemoryBudgetBytes, bool Watch = true, int IntraOpThreads = 0);

/// <summary>State of a pack in the registry.</summary>
public enum ModelState
{
    /// <summary>Found and well-formed; its session is created on first use or on Load.</summary>
    Available,

    /// <summary>Session resident and warmed up.</summary>
    Loaded,

    /// <summary>Broken (see <see cref="ModelStatus.Error"/>); never used until its files change.</summary>
    Unusable,
}

/// <summary>What <c>Models.List</c> shows about one pack.</summary>
public sealed record ModelStatus(
    string Id,
    string? Effect,
    string? Version,
    PackLicence? Licence,
    int Priority,
    string Directory,
    ModelState State,
    string? Error,
    string? Provider,
    long MemoryBytes,
    double LoadMillis,
    double WarmupMillis,
    long Runs);

/// <summary>A model held for one or more runs; disposing it lets the registry evict the model again.</summary>
public sealed class ModelLease : IDisposable
{
    private ResidentModel? _model;

    internal ModelLease(ResidentModel model) => _model = model;

    public ResidentModel Model => _model ?? throw new ObjectDisposedException(nameof(ModelLease));

    public ModelPack Pack => Model.Pack;

    public void Dispose() => Interlocked.Exchange(ref _model, null)?.ReleaseLease();
}

/// <summary>
/// The daemon's model packs: discovers them in the models directory (hot add/remove), creates sessions on first use
/// or <see cref="LoadAsync"/>, keeps them resident, and evicts the least recently used ones so that resident models
/// stay within the memory budget. A broken pack is marked <see cref="ModelState.Unusable"/> with its reason and is
/// skipped; nothing about a pack can crash the registry. Thread-safe.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Action<string>? _log;
    private readonly FileSystemWatcher? _watcher;
    private long _reserved;
    private long _clock;
    private volatile bool _dirty = true;
    private long _lastScan;
    private bool _disposed;

    public ModelRegistry(ModelRegistryOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MemoryBudgetBytes <= 0) throw new ArgumentOutOfRangeException(nameof(options), "the memory budget must be positive");
        Options = options with { Directory = Path.GetFullPath(options.Directory) };
        _log = log;
        System.IO.Directory.CreateDirectory(Options.Directory);
        if (options.Watch) _watcher = TryWatch();
    }

    public ModelRegistryOptions Options { get; }

    /// <summary>Recurrent state per (pack, effect instance); a pack's states go when it is evicted or unloaded.</summary>
    public RecurrentStates States { get; } = new();

    /// <summary>Bytes counted against the budget by resident (and loading) models.</summary>
    public long ResidentBytes
    {
        get
        {
            lock (_gate) return _reserved;
        }
    }

    /// <summary>Providers this build can run on, in preference order.</summary>
    public static IReadOnlyList<string> Providers => ExecutionProviders.Available;

    /// <summary>Every pack found, by id, with its state.</summary>
    public IReadOnlyList<ModelStatus> List()
    {
        RescanIfDirty();
        lock (_gate) return _entries.Values.OrderBy(e => e.Id, StringComparer.Ordinal).Select(e => e.Status()).ToArray();
    }

    /// <summary>The status of one pack, or null.</summary>
    public ModelStatus? Find(string id)
    {
        RescanIfDirty();
        lock (_gate) return _entries.TryGetValue(id, out var e) ? e.Status() : null;
    }

    /// <summary>Whether some pack that is not known to be broken serves <paramref name="effectId"/>.</summary>
    public bool Serves(string effectId)
    {
        RescanIfDirty();
        lock (_gate) return _entries.Values.Any(e => e.Pack?.Effect == effectId && e.Error is null);
    }

    /// <summary>
    /// Run counters (frames, session runs, batches) of every known pack that has run since it was found, by id, with the
    /// pack's declared <c>maxBatch</c>. A pack whose files change starts again from zero.
    /// </summary>
    public IReadOnlyList<PackRunStatistics> RunStatistics()
    {
        RescanIfDirty();
        lock (_gate)
        {
            return _entries.Values
                .Select(e => new PackRunStatistics(e.Id, e.Pack?.MaxBatch ?? 1, e.Counters.Snapshot()))
                .Where(s => s.Counts.Frames > 0 || s.Counts.Runs > 0)
                .OrderBy(s => s.Id, StringComparer.Ordinal)
                .ToArray();
        }
    }

    /// <summary>
    /// The packs that could serve <paramref name="effectId"/> (found, well-formed, not marked unusable), best first:
    /// highest priority, then id. Nothing is loaded.
    /// </summary>
    public IReadOnlyList<ModelPack> Candidates(string effectId)
    {
        RescanIfDirty();
        lock (_gate)
        {
            return _entries.Values
                .Where(e => e.Pack?.Effect == effectId && e.Error is null)
                .OrderByDescending(e => e.Pack!.Priority).ThenBy(e => e.Id, StringComparer.Ordinal)
                .Select(e => e.Pack!).ToArray();
        }
    }

    /// <summary>Loads (or keeps) a pack resident; throws <see cref="ModelException"/> when it cannot.</summary>
    public async Task<ModelStatus> LoadAsync(string id, CancellationToken ct = default)
    {
        using var lease = await Task.Run(() => Acquire(id, ct), ct).ConfigureAwait(false);
        lock (_gate) return _entries[id].Status();
    }

    /// <summary>Drops a pack's session (at once, or when its running renders finish). False when it was not loaded.</summary>
    public bool Unload(string id)
    {
        RescanIfDirty();
        ResidentModel? model;
        lock (_gate)
        {
            if (!_entries.TryGetValue(id, out var e)) throw new ModelException(ModelErrorKind.NotFound, NotFoundMessage(id));
            model = e.Model;
            if (model is null) return false;
            Evict(e);
        }
        _log?.Invoke($"model '{id}' unloaded");
        return true;
    }

    /// <summary>
    /// A lease on the best usable pack for <paramref name="effectId"/> (highest priority first), loading it if needed;
    /// a pack that fails to load is marked unusable and the next one is tried. Null when no pack can serve the effect;
    /// <paramref name="failures"/> then says why the candidates were skipped.
    /// </summary>
    public ModelLease? AcquireBest(string effectId, List<string>? failures, CancellationToken ct)
    {
        RescanIfDirty();
        string[] candidates;
        lock (_gate)
        {
            candidates = _entries.Values
                .Where(e => e.Pack?.Effect == effectId && e.Error is null)
                .OrderByDescending(e => e.Pack!.Priority).ThenBy(e => e.Id, StringComparer.Ordinal)
                .Select(e => e.Id).ToArray();
        }
        foreach (var id in candidates)
        {
            try
            {
                return Acquire(id, ct);
            }
            catch (ModelException e)
            {
                failures?.Add(e.Message);
            }
        }
        return null;
    }

    /// <summary>A lease on pack <paramref name="id"/>, loading it (and evicting others) if needed.</summary>
    public ModelLease Acquire(string id, CancellationToken ct)
    {
        RescanIfDirty();
        while (true)
        {
            Entry entry;
            Lazy<ResidentModel>? loading;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (!_entries.TryGetValue(id, out entry!)) throw new ModelException(ModelErrorKind.NotFound, NotFoundMessage(id));
                if (entry.Error is not null) throw new ModelException(ModelErrorKind.Unusable, entry.Error);
                entry.LastUsed = ++_clock;
                if (entry.Model is { } resident && resident.TryAcquire()) return new ModelLease(resident);
                if (entry.Loading is null)
                {
                    var pack = entry.Pack!;
                    var bytes = Estimate(pack);
                    MakeRoom(entry, bytes);
                    _reserved += bytes;
                    entry.ReservedBytes = bytes;
                    entry.Loading = new Lazy<ResidentModel>(() => ResidentModel.Load(pack, bytes, Options.IntraOpThreads, _log, CancellationToken.None));
                }
                loading = entry.Loading;
            }

            ResidentModel model;
            try
            {
                // Every caller waiting for this pack shares the one load; Lazy runs it once.
                model = loading.Value;
            }
            catch (Exception e)
            {
                var message = e is ModelException ? e.Message : $"model pack '{id}' failed to load: {e.Message}";
                lock (_gate)
                {
                    if (ReferenceEquals(entry.Loading, loading))
                    {
                        entry.Loading = null;
                        entry.Error = message;
                        _reserved -= entry.ReservedBytes;
                        entry.ReservedBytes = 0;
                    }
                }
                _log?.Invoke(message);
                throw e as ModelException ?? new ModelException(ModelErrorKind.Unusable, message, e);
            }

            lock (_gate)
            {
                if (ReferenceEquals(entry.Loading, loading))
                {
                    entry.Loading = null;
                    entry.Model = model;
                    // Counted from here on, before any lease: the warm-up is not, and counts outlive this session.
                    model.Counters = entry.Counters;
                    _log?.Invoke($"model '{id}' loaded on {model.Provider} in {model.LoadMillis:F0} ms, warm-up {model.WarmupMillis:F0} ms, counted as {model.MemoryBytes / 1024.0 / 1024.0:F1} MiB");
                }
                else if (entry.Model != model)
                {
                    // Unloaded or replaced while loading: this session belongs to nobody.
                    model.Retire();
                    ct.ThrowIfCancellationRequested();
                    continue;
                }
            }
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Re-reads the models directory now: new packs appear, removed ones go, changed ones are re-read.</summary>
    public void Rescan()
    {
        _dirty = false;
        _lastScan = Environment.TickCount64;
        var found = new Dictionary<string, (string Stamp, ModelPack? Pack, string? Error, string Dir)>(StringComparer.Ordinal);
        foreach (var dir in SafeDirectories(Options.Directory))
        {
            var manifest = Path.Combine(dir, ModelPack.ManifestName);
            if (!File.Exists(manifest)) continue;
            var stamp = Stamp(dir);
            string key;
            ModelPack? pack = null;
            string? error = null;
            lock (_gate)
            {
                // Unchanged packs keep their entry (and their resident session).
                var existing = _entries.Values.FirstOrDefault(e => e.Directory == dir && e.Stamp == stamp);
                if (existing is not null)
                {
                    found[existing.Id] = (stamp, existing.Pack, existing.Error, dir);
                    continue;
                }
            }
            try
            {
                pack = PackReader.Read(dir);
                key = pack.Id;
            }
            catch (PackException e)
            {
                key = Path.GetFileName(dir);
                error = e.Message;
            }
            if (found.TryGetValue(key, out var other))
            {
                error = $"model pack '{key}' in {dir} has the same id as the pack in {other.Dir}; ids must be unique";
                key = $"{key}@{Path.GetFileName(dir)}";
            }
            if (pack is not null && error is null && ResidentModel.RuntimeProblems(pack).ToList() is { Count: > 0 } runtime)
                error = $"model pack '{pack.Id}' is not usable: {string.Join("; ", runtime)}";
            found[key] = (stamp, pack, error, dir);
        }

        lock (_gate)
        {
            foreach (var gone in _entries.Values.Where(e => !found.TryGetValue(e.Id, out var f) || f.Stamp != e.Stamp || f.Dir != e.Directory).ToArray())
            {
                Evict(gone);
                _entries.Remove(gone.Id);
                _log?.Invoke($"model pack '{gone.Id}' removed or changed in {gone.Directory}");
            }
            foreach (var (id, f) in found)
            {
                if (_entries.ContainsKey(id)) continue;
                _entries[id] = new Entry(id, f.Dir, f.Stamp) { Pack = f.Pack, Error = f.Error };
                _log?.Invoke(f.Error is null ? $"model pack '{id}' found in {f.Dir}" : f.Error);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var e in _entries.Values) Evict(e);
        }
        _watcher?.Dispose();
    }

    /// <summary>
    /// Bytes a pack counts against the budget: its declared memoryMb, else twice the ONNX file (the weights as read,
    /// plus ONNX Runtime's optimised copy and working arena, which measure at about the same size again on CPU).
    /// </summary>
    public static long Estimate(ModelPack pack)
    {
        if (pack.MemoryMb is { } mb) return (long)mb << 20;
        try
        {
            return 2 * new FileInfo(pack.ModelPath).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    // Called under the lock: evicts least recently used idle models until `bytes` more fit the budget.
    private void MakeRoom(Entry loading, long bytes)
    {
        var budget = Options.MemoryBudgetBytes;
        if (bytes > budget)
            throw new ModelException(ModelErrorKind.OverBudget,
                $"model pack '{loading.Id}' needs {Mib(bytes)} MiB, more than the whole memory budget of {Mib(budget)} MiB");
        while (_reserved + bytes > budget)
        {
            var victim = _entries.Values
                .Where(e => e != loading && e.Model is { Leases: 0 })
                .OrderBy(e => e.LastUsed)
                .FirstOrDefault();
            if (victim is null)
                throw new ModelException(ModelErrorKind.OverBudget,
                    $"model pack '{loading.Id}' needs {Mib(bytes)} MiB but only {Mib(budget - _reserved)} of the {Mib(budget)} MiB budget is free and the rest is in use");
            _log?.Invoke($"model '{victim.Id}' evicted (least recently used) to make room for '{loading.Id}'");
            Evict(victim);
        }
    }

    // Called under the lock.
    private void Evict(Entry e)
    {
        // State made by a session that is going away must not feed the next one (the pack may have changed on disk).
        States.Drop(e.Id);
        if (e.Model is { } model)
        {
            e.Model = null;
            model.Retire();
        }
        // A load in flight is abandoned: when it finishes it sees it was dropped and disposes its session.
        e.Loading = null;
        _reserved -= e.ReservedBytes;
        e.ReservedBytes = 0;
    }

    private void RescanIfDirty()
    {
        // Without a working watcher, look again at most every PollInterval.
        if (_dirty || (_watcher is null && Environment.TickCount64 - _lastScan > (long)PollInterval.TotalMilliseconds)) Rescan();
    }

    /// <summary>How stale the pack list may get when no file watcher runs (Watch off, or inotify limits reached).</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(2);

    private FileSystemWatcher? TryWatch()
    {
        try
        {
            var watcher = new FileSystemWatcher(Options.Directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            FileSystemEventHandler changed = (_, _) => _dirty = true;
            watcher.Created += changed;
            watcher.Deleted += changed;
            watcher.Changed += changed;
            watcher.Renamed += (_, _) => _dirty = true;
            // Overflowed notifications lose events: rescan everything next time.
            watcher.Error += (_, _) => _dirty = true;
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Typically the per-user inotify limit; polling still finds new packs, a little later.
            _log?.Invoke($"cannot watch {Options.Directory} ({e.Message}); rescanning it every {PollInterval.TotalSeconds:F0} s instead");
            return null;
        }
    }

    private string NotFoundMessage(string id) =>
        $"no model pack '{id}' in {Options.Directory}; known: {(_entries.Count == 0 ? "none" : string.Join(", ", _entries.Keys.Order(StringComparer.Ordinal)))}";

    private static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<string> SafeDirectories(string root)
    {
        try
        {
            return System.IO.Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    // Changes to any file of the pack (size or time) make it a different pack.
    private static string Stamp(string dir)
    {
        try
        {
            return string.Join("|", System.IO.Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f =>
            {
                var info = new FileInfo(f);
                return $"{info.Name}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
            }));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private sealed class Entry(string id, string directory, string stamp)
    {
        public string Id { get; } = id;

        public string Directory { get; } = directory;

        public string Stamp { get; } = stamp;

        public ModelPack? Pack { get; init; }

        public string? Error { get; set; }

        public ResidentModel? Model { get; set; }

        public Lazy<ResidentModel>? Loading { get; set; }

        public long ReservedBytes { get; set; }

        public long LastUsed { get; set; }

        /// <summary>Frames, runs and batches of this pack since it was found; kept across evictions and reloads.</summary>
        public RunCounters Counters { get; } = new();

        public ModelStatus Status() => new(
            Id, Pack?.Effect, Pack?.Version, Pack?.Licence, Pack?.Priority ?? 0, Directory,
            Error is not null ? ModelState.Unusable : Model is not null ? ModelState.Loaded : ModelState.Available,
            Error, Model?.Provider, Model?.MemoryBytes ?? (Pack is null ? 0 : Estimate(Pack)), Model?.LoadMillis ?? 0, Model?.WarmupMillis ?? 0, Model?.Runs ?? 0);
    }
}
